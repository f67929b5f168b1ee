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
