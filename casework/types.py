"""The policy's vocabulary: plain values shared by the rules, the use cases and the views."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware UTC. Injected so rules and tests control time."""


class ContactChannel(enum.StrEnum):
    """How the customer contacted us (DESIGN §2, incident)."""

    TELEPHONE = "telephone"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"
    SOCIAL_MEDIA = "social_media"
    ONLINE_FORM = "online_form"
    HOME_VISIT = "home_visit"

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    ContactChannel.TELEPHONE: "Telephone",
    ContactChannel.EMAIL: "Email",
    ContactChannel.LETTER: "Letter",
    ContactChannel.IN_PERSON: "In person / reception",
    ContactChannel.SOCIAL_MEDIA: "Social media",
    ContactChannel.ONLINE_FORM: "Online form",
    ContactChannel.HOME_VISIT: "Home visit",
}


class UnreasonableAction(enum.StrEnum):
    """The policy's examples of unreasonable actions (s6.1) and misuse of recordings (s7.2)."""

    ABUSIVE_OR_THREATENING = "abusive"
    STAFF_INFO_ONLINE = "staff_info_online"
    EXCESSIVE_DEMANDS = "excessive_demands"
    REPEAT_CONTACTS = "repeat_contacts"
    REFUSES_TO_SPECIFY = "refuses_to_specify"
    REFUSES_TO_COOPERATE = "refuses_to_cooperate"
    INCOMPATIBLE_HANDLING = "incompatible_handling"
    UNJUSTIFIED_STAFF_COMPLAINTS = "unjustified_staff_complaints"
    CHANGING_COMPLAINT = "changing_complaint"
    MANY_TRIVIAL_QUESTIONS = "many_trivial_questions"
    FALSE_INFORMATION = "false_information"
    SCATTER_GUN = "scatter_gun"
    RECORDING_WITHOUT_REASON = "recording_without_reason"
    RECORDING_POSTED_ONLINE = "recording_posted_online"
    LIVE_BROADCAST = "live_broadcast"
    RECORDING_MANIPULATED = "recording_manipulated"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    UnreasonableAction.ABUSIVE_OR_THREATENING: "Abusive, threatening or intimidating (incl. discriminatory language)",
    UnreasonableAction.STAFF_INFO_ONLINE: "Posted or threatened to post staff details online, or defamed staff",
    UnreasonableAction.EXCESSIVE_DEMANDS: "Excessive demands on staff time (long calls, many emails)",
    UnreasonableAction.REPEAT_CONTACTS: "Repeat contacts or complaints with minor changes",
    UnreasonableAction.REFUSES_TO_SPECIFY: "Refuses to say what the enquiry or complaint is about",
    UnreasonableAction.REFUSES_TO_COOPERATE: "Refuses to cooperate with a complaint investigation",
    UnreasonableAction.INCOMPATIBLE_HANDLING: "Insists on handling outside the complaints procedure",
    UnreasonableAction.UNJUSTIFIED_STAFF_COMPLAINTS: "Unjustified complaints about staff, demanding replacement",
    UnreasonableAction.CHANGING_COMPLAINT: "Keeps changing the basis of the complaint",
    UnreasonableAction.MANY_TRIVIAL_QUESTIONS: "Many detailed but unimportant questions",
    UnreasonableAction.FALSE_INFORMATION: "False information or falsified documents",
    UnreasonableAction.SCATTER_GUN: "'Scatter gun': same issue raised with several services",
    UnreasonableAction.RECORDING_WITHOUT_REASON: "Recorded us without good reason",
    UnreasonableAction.RECORDING_POSTED_ONLINE: "Put recordings online without consent",
    UnreasonableAction.LIVE_BROADCAST: "Live broadcast an interaction without consent",
    UnreasonableAction.RECORDING_MANIPULATED: "Manipulated or edited recordings",
}


class EscalationKind(enum.StrEnum):
    """What the determination team is asked to decide (s11, s12, s13.2, s14, s15.4)."""

    FORMAL_WARNING = "formal_warning"
    RESTRICTION = "restriction"
    EXTENSION = "extension"
    FURTHER_ACTION = "further_action"
    MANDATORY_SERVICE_WITHDRAWAL = "mandatory_service_withdrawal"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EscalationKind.FORMAL_WARNING: "Formal warning",
    EscalationKind.RESTRICTION: "Restriction of contact",
    EscalationKind.EXTENSION: "Extension of a restriction by 3 months",
    EscalationKind.FURTHER_ACTION: "Further action (legal restrictions, declining service, police)",
    EscalationKind.MANDATORY_SERVICE_WITHDRAWAL: "Withdrawal of a mandatory service",
}


class SeriousThreat(enum.StrEnum):
    """The s12.3 exceptions that allow a restriction without a prior investigation."""

    CREDIBLE_THREAT_TO_HARM = "credible_threat_to_harm"
    THREAT_TO_DAMAGE_PREMISES = "threat_to_damage_premises"
    POLICE_ADVICE = "police_advice"

    @property
    def label(self) -> str:
        return _THREAT_LABELS[self]


_THREAT_LABELS = {
    SeriousThreat.CREDIBLE_THREAT_TO_HARM: "Credible threat to harm staff or customers",
    SeriousThreat.THREAT_TO_DAMAGE_PREMISES: "Threat to damage council premises",
    SeriousThreat.POLICE_ADVICE: "Police advised restricting contact",
}


class ContactRestriction(enum.StrEnum):
    """The kinds of restriction on contact (s15.2)."""

    NAMED_CONTACT = "named_contact"
    CORRESPONDENCE_ON_FILE = "correspondence_on_file"
    NO_PHYSICAL_ACCESS = "no_physical_access"
    WRITTEN_ONLY = "written_only"
    LIMITED_CALLS = "limited_calls"
    DISCRETIONARY_SERVICES = "discretionary_services"

    @property
    def label(self) -> str:
        return _RESTRICTION_LABELS[self]


_RESTRICTION_LABELS = {
    ContactRestriction.NAMED_CONTACT: "Contact only through a named officer or inbox",
    ContactRestriction.CORRESPONDENCE_ON_FILE: "Correspondence placed on file without reply",
    ContactRestriction.NO_PHYSICAL_ACCESS: "No access to council offices",
    ContactRestriction.WRITTEN_ONLY: "Written contact only",
    ContactRestriction.LIMITED_CALLS: "Length and frequency of calls limited",
    ContactRestriction.DISCRETIONARY_SERVICES: "Discretionary services withdrawn",
}


class MeasureKind(enum.StrEnum):
    """What an approved escalation puts in force for a customer."""

    FORMAL_WARNING = "formal_warning"
    RESTRICTION = "restriction"


class EscalationState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class DecisionOutcome(enum.StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"


class CustomerStanding(enum.StrEnum):
    """The answer to "is this customer restricted?", most serious first."""

    RESTRICTED = "restricted"
    WARNED = "warned"
    NO_RESTRICTIONS = "no_restrictions"


@dataclass(frozen=True)
class Actor:
    """A member of staff acting through the bot, identified by their Entra ID object id."""

    user_id: str
    name: str


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    name: str
    is_determination_team: bool = False


@dataclass
class Customer:
    name: str
    id: int | None = None


@dataclass(frozen=True)
class IncidentSubmission:
    """What a member of staff typed into the report form, before validation. Every field is raw text."""

    submission_key: str
    customer_name: str
    channel: str
    actions: tuple[str, ...]
    description: str


@dataclass
class Incident:
    customer_id: int
    reported_by: str
    occurred_at: datetime
    channel: ContactChannel
    actions: tuple[UnreasonableAction, ...]
    description: str
    submission_key: str
    id: int | None = None
    reference: str = ""


@dataclass(frozen=True)
class EscalationRequest:
    """What a member of staff asked the determination team to decide, before the gates are applied."""

    customer_name: str
    kind: str
    reason: str
    investigation_reference: str = ""
    serious_threat: str = ""
    legal_advice_reference: str = ""
    restrictions: tuple[str, ...] = ()


@dataclass
class Escalation:
    customer_id: int
    kind: EscalationKind
    reason: str
    requested_by: str
    requested_at: datetime
    incident_ids: tuple[int, ...] = ()
    investigation_reference: str | None = None
    serious_threat: SeriousThreat | None = None
    legal_advice_reference: str | None = None
    restrictions: tuple[ContactRestriction, ...] = ()
    state: EscalationState = EscalationState.PENDING
    card_conversation_id: str | None = None
    card_activity_id: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Decision:
    escalation_id: int
    outcome: DecisionOutcome
    decided_by: str
    decided_at: datetime
    notes: str = ""


@dataclass
class Measure:
    """A formal warning or a restriction in force for a customer, with its review date (s11.4, s13)."""

    customer_id: int
    kind: MeasureKind
    escalation_id: int
    starts_at: datetime
    review_due_at: datetime
    case_owner_id: str
    restrictions: tuple[ContactRestriction, ...] = ()
    ended_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class DueReview:
    """A review whose reminder this sweep has claimed and must deliver."""

    review_id: int
    measure_id: int
    customer_name: str
    measure_kind: MeasureKind
    due_at: datetime
    case_owner_id: str


@dataclass(frozen=True)
class AuditEvent:
    actor_id: str
    action: str
    record_type: str
    record_id: str
    at: datetime
    detail: dict[str, str] = field(default_factory=dict)
