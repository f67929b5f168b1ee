"""What the council configures and the app binds once: the clock, the decision rules, the council's details."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware UTC. Injected so rules and tests control time."""


@dataclass(frozen=True)
class DecisionRules:
    """How many determination-team approvals each kind of decision needs (configurable; s2.6, s11.2).

    Any decline ends the request: the team decides together, and a doubt protects the customer."""

    formal_warning: int = 1
    restriction: int = 2
    immediate_restriction: int = 1
    """A s12.3 serious threat: in force on one approval, confirmed by a second member within the window."""
    extension: int = 1
    further_action: int = 3
    mandatory_service_withdrawal: int = 3
    confirm_within_hours: int = 24


@dataclass(frozen=True)
class CouncilDetails:
    """The council's own particulars for its letters, editable by the council (letters/council.toml)."""

    name: str = ""
    address: tuple[str, ...] = ()
    complaints_url: str = ""
    complaints_process: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    ombudsman_name: str = "Local Government and Social Care Ombudsman"
    ombudsman_phone: str = "0300 061 0614"
    ombudsman_website: str = "www.lgo.org.uk"


@dataclass(frozen=True)
class StaffGuidance:
    """What staff are told on the spot, in the council's own words (settings)."""

    safety: str
    """After a serious threat or a safeguarding concern (s8.4, s12.3)."""
    recording: str
    """When they learn they are being recorded (s7.4)."""


@dataclass(frozen=True)
class RetentionPeriods:
    """How long each kind of record is kept once nothing open rests on it (issue 19; UK GDPR Art. 5(1)(e), storage
    limitation). The policy sets no periods (its data protection section says only that the DPIA was updated), so
    these defaults follow what UK councils publish for warning markers and their evidence: the incident file six
    years from the end of the last measure (the Limitation Act 1980's six years for a claim), a measure's own record
    six months from its end, the audit of lookups a year. RETENTION_* settings change them."""

    incident_years: int = 6
    """Incidents with their amendments, escalations, votes, decisions and escalations' letters: after the end of
    the last measure on the customer, or after the incident itself if no measure followed."""
    measure_months: int = 6
    """An ended (lifted, lapsed, overturned) measure with its reviews and letters: after it ended."""
    correspondence_months: int = 12
    """Correspondence placed on file (s16): after its review, or the end of its measure, whichever is later."""
    appeal_years: int = 6
    """Complaints and appeals (s11.4), once decided: after the decision, or the end of the measure if later."""
    signposting_years: int = 6
    """Ombudsman signposting (s17): after the customer was signposted."""
    lookup_audit_months: int = 12
    """The audit of who looked up, searched for or downloaded what: after the lookup (then redacted)."""
