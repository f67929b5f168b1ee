"""The policy's vocabulary: plain values shared by the rules, the use cases and the views."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

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


class ServiceArea(enum.StrEnum):
    """Which council service the contact was about; contacts across several hint at 'scatter gun' (s6.1)."""

    HOUSING = "housing"
    COUNCIL_TAX = "council_tax"
    BENEFITS = "benefits"
    WASTE = "waste"
    PLANNING = "planning"
    ENVIRONMENTAL_HEALTH = "environmental_health"
    LICENSING = "licensing"
    CUSTOMER_SERVICES = "customer_services"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ImmediateStep(enum.StrEnum):
    """What staff did at the time (s8.5)."""

    WARNED = "warned"
    ENDED_CALL = "ended_call"
    ASKED_TO_LEAVE = "asked_to_leave"
    PAUSED_COMMUNICATIONS = "paused_communications"
    POLICE_CALLED = "police_called"

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]


_STEP_LABELS = {
    ImmediateStep.WARNED: "Warned them of the consequences",
    ImmediateStep.ENDED_CALL: "Ended the call",
    ImmediateStep.ASKED_TO_LEAVE: "Asked them to leave the building",
    ImmediateStep.PAUSED_COMMUNICATIONS: "Paused communications",
    ImmediateStep.POLICE_CALLED: "Called the police",
}


class ActingParty(enum.StrEnum):
    """Who acted unreasonably: the customer, or someone representing them (s5)."""

    CUSTOMER = "customer"
    REPRESENTATIVE = "representative"


class ManagerOutcome(enum.StrEnum):
    """The outcome of the line manager's discussion after an incident (s8.6, s10)."""

    NO_FURTHER_ACTION = "no_further_action"
    INFORMAL_WARNING_NOTED = "informal_warning_noted"
    ESCALATE = "escalate"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    ManagerOutcome.NO_FURTHER_ACTION: "No further action",
    ManagerOutcome.INFORMAL_WARNING_NOTED: "Informal warning noted",
    ManagerOutcome.ESCALATE: "Escalate to the determination team",
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
    MORE_INFORMATION = "more_information"
    APPROVED = "approved"
    DECLINED = "declined"


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
    teams_id: str = ""
    """Their Teams account id (29:…), when acting through Teams."""


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    name: str
    is_determination_team: bool = False
    line_manager_id: str | None = None
    teams_user_id: str | None = None
    """Their Teams account id (29:…), which card refresh needs."""


@dataclass
class Customer:
    name: str
    council_reference: str | None = None
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    other_names: str = ""
    date_of_birth: date | None = None
    address: str = ""
    no_fixed_address: bool = False
    """Letters are held at reception for them to collect (s11.3)."""
    reasonable_adjustments: str = ""
    """Adjustments under the Equality Act 2010 that must still be honoured whatever restriction applies."""
    communication_needs: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Representative:
    """Someone acting for a customer, with their consent or another lawful basis (s5.1)."""

    customer_id: int
    name: str
    relationship: str
    authority: str
    """The customer's consent, or the lawful basis for acting on their behalf."""
    id: int | None = None


@dataclass(frozen=True)
class RestrictionTerms:
    """The particulars of a restriction on contact (s15.2, s15.3: tailored and proportionate)."""

    named_contact: str = ""
    """The officer or generic inbox all contact goes through, e.g. 'Jane Doe, Housing Officer, or housing@…'."""
    call_minutes: int | None = None
    calls_per_week: int | None = None
    services_withdrawn: str = ""
    scope: str = ""
    """A ServiceArea value for one service; empty for council-wide."""
    representative_name: str = ""
    """Set when the restriction applies to the customer's representative only (s5.4)."""


@dataclass(frozen=True)
class IncidentSubmission:
    """What a member of staff typed into the report form, before validation. Every field is raw text.

    `customer_id` is an existing customer the form offered and the person chose; with none, `customer_name`
    (and any postcode, phone or email) describe a customer to find or add."""

    submission_key: str
    customer_name: str
    channel: str
    actions: tuple[str, ...]
    description: str
    customer_id: int | None = None
    new_customer_confirmed: bool = False
    postcode: str = ""
    phone: str = ""
    email: str = ""
    acting_party: str = ActingParty.CUSTOMER.value
    representative_name: str = ""
    occurred_date: str = ""
    occurred_time: str = ""
    service_area: str = ""
    immediate_steps: tuple[str, ...] = ()
    informal_warning_given: bool = False
    safeguarding_concern: bool = False
    support_need: bool = False
    serious_threats: tuple[str, ...] = ()
    line_manager_id: str = ""


@dataclass
class Incident:
    customer_id: int
    reported_by: str
    occurred_at: datetime
    channel: ContactChannel
    actions: tuple[UnreasonableAction, ...]
    description: str
    submission_key: str
    service_area: ServiceArea = ServiceArea.OTHER
    acting_party: ActingParty = ActingParty.CUSTOMER
    representative_name: str | None = None
    immediate_steps: tuple[ImmediateStep, ...] = ()
    informal_warning_given: bool = False
    safeguarding_concern: bool = False
    support_need: bool = False
    serious_threats: tuple[SeriousThreat, ...] = ()
    manager_outcome: ManagerOutcome | None = None
    manager_outcome_by: str | None = None
    manager_outcome_at: datetime | None = None
    id: int | None = None
    reference: str = ""

    @property
    def is_urgent(self) -> bool:
        """A serious threat (s12.3) or a safeguarding concern (s1.4, s8.4) goes to the determination team at once."""
        return bool(self.serious_threats) or self.safeguarding_concern


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
    terms: RestrictionTerms = RestrictionTerms()


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
    terms: RestrictionTerms = RestrictionTerms()
    state: EscalationState = EscalationState.PENDING
    card_conversation_id: str | None = None
    card_activity_id: str | None = None
    question: str = ""
    """What the determination team asked the requester, while more information is awaited."""
    answer: str = ""
    last_chased_at: datetime | None = None
    id: int | None = None

    @property
    def is_immediate(self) -> bool:
        """A restriction on a s12.3 serious threat: in force at once, without a prior investigation."""
        return self.kind is EscalationKind.RESTRICTION and self.serious_threat is not None


@dataclass(frozen=True)
class Vote:
    """One determination-team member's approve or decline on an escalation; one each."""

    escalation_id: int
    member_id: str
    outcome: DecisionOutcome
    at: datetime
    notes: str = ""
    alternatives_considered: bool = False


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
    terms: RestrictionTerms = RestrictionTerms()
    ended_at: datetime | None = None
    id: int | None = None


class ReviewOutcome(enum.StrEnum):
    """A restriction's 3-monthly review: lift it (s13.1) or extend it by 3 months (s13.2)."""

    LIFT = "lift"
    EXTEND = "extend"


@dataclass
class ScheduledReview:
    """One review of a measure, falling due at `due_at`, and what was decided at it."""

    measure_id: int
    due_at: datetime
    owner_id: str | None = None
    """Set when the review was reassigned away from the measure's case owner."""
    decided_at: datetime | None = None
    outcome: ReviewOutcome | None = None
    decided_by: str | None = None
    reason: str = ""
    customer_advised: bool = False
    not_advised_reason: str = ""
    last_escalated_at: datetime | None = None
    reminder_sent_at: datetime | None = None
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


class LetterKind(enum.StrEnum):
    """The decisions given to the customer in writing (s11.3, s11.4, s12.4, s13)."""

    FORMAL_WARNING = "formal_warning"
    RESTRICTION = "restriction"
    EXTENSION = "extension"
    LIFTING = "lifting"

    @property
    def label(self) -> str:
        return _LETTER_LABELS[self]


_LETTER_LABELS = {
    LetterKind.FORMAL_WARNING: "Formal warning letter",
    LetterKind.RESTRICTION: "Restriction of contact letter",
    LetterKind.EXTENSION: "Extension of restriction letter",
    LetterKind.LIFTING: "Lifting of restriction letter",
}


class DeliveryMethod(enum.StrEnum):
    """How a letter reached the customer (s11.3: held at reception for someone with no fixed address)."""

    POST = "post"
    EMAIL = "email"
    HELD_AT_RECEPTION = "held_at_reception"


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
class LetterContent:
    """Everything a letter says, fixed when it is produced; the .docx is rendered from this alone."""

    kind: LetterKind
    reference: str
    dated: str
    customer_name: str
    address: tuple[str, ...] = ()
    no_fixed_address: bool = False
    actions: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    monitoring: str = ""
    restrictions: tuple[str, ...] = ()
    review_date: str = ""
    consequences: str = ""
    adjustments: str = ""
    decision: str = ""
    reasons: str = ""
    council: CouncilDetails = CouncilDetails()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LetterContent:
        values = dict(data)
        council = dict(values.pop("council", None) or {})
        council["address"] = tuple(council.get("address", ()))
        for key in ("address", "actions", "examples", "restrictions"):
            values[key] = tuple(values.get(key, ()))
        values["kind"] = LetterKind(values["kind"])
        return cls(**values, council=CouncilDetails(**council))


@dataclass
class Letter:
    """One version of a letter about a measure; producing it again adds a version and keeps this one."""

    measure_id: int
    kind: LetterKind
    version: int
    content: LetterContent
    created_at: datetime
    created_by: str
    docx: bytes | None = None
    issued_at: datetime | None = None
    issued_by: str | None = None
    delivery_method: DeliveryMethod | None = None
    delivered_on: date | None = None
    collected_on: date | None = None
    id: int | None = None
