"""The records the casework keeps. `NewX` is an X not yet stored; a stored X always has its id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any, TypeVar

from casework.configuration import CouncilDetails
from casework.vocabulary import (
    RECORDING_ACTIONS,
    ActingParty,
    AppealedDecision,
    AppealKind,
    AppealOutcome,
    ContactChannel,
    ContactRestriction,
    CorrespondenceOutcome,
    DecisionOutcome,
    DeliveryMethod,
    EscalationKind,
    EscalationState,
    ImmediateStep,
    LetterKind,
    ManagerOutcome,
    MeasureKind,
    MessagePurpose,
    MessageState,
    PeriodKind,
    ReviewOutcome,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)


@dataclass(frozen=True)
class ReportingPeriod:
    """A calendar month or quarter the oversight figures cover (s3, s4.3): from local midnight on its first day to
    local midnight after its last (Europe/London), held as UTC. `code` is how it is typed (2026-11, 2026Q4)."""

    kind: PeriodKind
    code: str
    label: str
    """For people: "November 2026", "Q4 2026 (October to December)"."""
    start: datetime
    """Inclusive, UTC."""
    end: datetime
    """Exclusive, UTC."""


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
    listed: bool = False
    """On the administrator's list of staff (admin.py add-staff). A row that is not listed only keeps the name of
    someone staff by another route (a configured Teams roster), or of someone who talked to the bot before roles."""
    is_reception: bool = False
    is_administrator: bool = False


@dataclass(frozen=True)
class StaffStanding:
    """What a person's roles are read from (casework.policy.roles_of), in one look-up."""

    member: StaffMember | None
    manages_staff: bool
    """Named as the line manager of someone listed (s8.6)."""
    owns_cases: bool
    """The case owner of a measure, or the owner of a review (s13)."""


@dataclass
class NewCustomer:
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


@dataclass
class Customer(NewCustomer):
    """A customer on record."""

    id: int = field(kw_only=True)


@dataclass(frozen=True)
class NewRepresentative:
    """Someone acting for a customer, with their consent or another lawful basis (s5.1)."""

    customer_id: int
    name: str
    relationship: str
    authority: str
    """The customer's consent, or the lawful basis for acting on their behalf."""


@dataclass(frozen=True)
class Representative(NewRepresentative):
    """A representative on record."""

    id: int = field(kw_only=True)


@dataclass(frozen=True)
class RecentIncident:
    """What the escalation suggestion weighs of one of the customer's incidents."""

    occurred_at: datetime
    service_area: ServiceArea
    matter_reference: str = ""
    """The matter it was about ("" if none given), for the 'scatter gun' of s6.1."""
    by_representative: bool = False
    """Their representative acted, not the customer (s5.4: the customer must not be disadvantaged)."""


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
    representative_option: str = ""
    """When only the representative is restricted, what the customer is offered so they are not disadvantaged
    (s5.4): a RepresentativeOption value."""
    """Set when the restriction applies to the customer's representative only (s5.4)."""


@dataclass(frozen=True)
class SeriousStepParticulars:
    """What further action (s14) or the withdrawal of a mandatory service (s15.4) rests on, and what it asks of
    staff: the legal advice taken first (s14.3), any police involvement, the human-rights and equality duties
    considered (s15.4), and the service withdrawn with the arrangement that replaces it. Empty for other kinds."""

    legal_advice_by: str = ""
    """Who gave the legal advice (a solicitor, Legal Services)."""
    legal_advice_on: str = ""
    """When, as an ISO date (2026-11-20)."""
    legal_advice_summary: str = ""
    police_reference: str = ""
    """The police's crime reference, when the police are involved."""
    police_officer: str = ""
    police_advice: str = ""
    rights_consideration: str = ""
    """How wider human-rights and equality duties were considered (s15.4)."""
    service_withdrawn: str = ""
    alternative_arrangement: str = ""
    """How the customer will still be served, or pointed elsewhere, once the service is withdrawn (s15.4)."""
    contact_officer: str = ""
    """Further action: the officer staff refer any contact about the matter to."""


@dataclass
class NewIncident:
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
    reported_at: datetime | None = None
    """When it was reported (the reporter's correction window runs from here); unknown for reports made before
    incidents could be amended."""
    other_action: str = ""
    """The reporter's words for "something else" (s6.1 is not exhaustive); empty unless it was chosen."""
    customer_recording: bool = False
    """The customer said they were recording, and why (s7.3): noted, not counted as unreasonable."""
    recording_reason: str = ""
    matter_reference: str = ""
    """The matter or complaint reference the contact was about, if the reporter gave one (s6.1 'scatter gun')."""

    @property
    def action_labels(self) -> tuple[str, ...]:
        """What they did, in words: the actions chosen, "something else" in the reporter's own words."""
        return tuple(f"Other: {self.other_action}" if a is UnreasonableAction.OTHER else a.label for a in self.actions)

    @property
    def involves_recording(self) -> bool:
        """The customer recorded us, or said they were recording (s7): the staff guidance applies (s7.4)."""
        return self.customer_recording or bool(set(self.actions) & RECORDING_ACTIONS)

    @property
    def is_urgent(self) -> bool:
        """A serious threat (s12.3) or a safeguarding concern (s1.4, s8.4) goes to the determination team at once."""
        return bool(self.serious_threats) or self.safeguarding_concern


@dataclass
class Incident(NewIncident):
    """An incident on record."""

    id: int = field(kw_only=True)
    reference: str = ""
    version: int = 1
    """1 as reported; each amendment adds one (the earlier versions are kept in its amendments)."""


@dataclass(frozen=True)
class NewIncidentAmendment:
    """A correction of an incident: what its amended fields were and became, who made it, when and why. The
    report as first made is never lost: undoing the amendments newest first gives every earlier version."""

    incident_id: int
    version: int
    """The version this amendment makes (the report as first made is version 1)."""
    amended_at: datetime
    amended_by: str
    reason: str
    before: dict[str, str]
    """The changed fields only, as stored text (casework.incident_amendments.amendable_values)."""
    after: dict[str, str]


@dataclass(frozen=True)
class IncidentAmendment(NewIncidentAmendment):
    """An amendment on record."""

    id: int = field(kw_only=True)


@dataclass
class NewEscalation:
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
    submission_key: str | None = None
    """The form submission that asked for it, if any: a repeated submit finds this escalation (issue 14)."""
    no_warning_reason: str = ""
    """The requester's answer to "why without an earlier warning?" (s11.1, s12.1), shown to the team."""
    particulars: SeriousStepParticulars = SeriousStepParticulars()
    """Further action and service withdrawal only (s14.3, s15.4)."""
    review_id: int | None = None
    """For an extension (s13.2): the review whose owner asked for it; approved, it decides that review."""

    @property
    def is_immediate(self) -> bool:
        """A restriction on a s12.3 serious threat: in force at once, without a prior investigation."""
        return self.kind is EscalationKind.RESTRICTION and self.serious_threat is not None


@dataclass
class Escalation(NewEscalation):
    """An escalation on record."""

    id: int = field(kw_only=True)


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
class NewMeasure:
    """A formal warning, a restriction, further action or a service withdrawal in force for a customer, with its
    review date (s11.4, s13)."""

    customer_id: int
    kind: MeasureKind
    escalation_id: int
    starts_at: datetime
    review_due_at: datetime
    case_owner_id: str
    restrictions: tuple[ContactRestriction, ...] = ()
    terms: RestrictionTerms = RestrictionTerms()
    ended_at: datetime | None = None
    particulars: SeriousStepParticulars = SeriousStepParticulars()
    """Further action and service withdrawal only: what staff are told comes from here (s14, s15.4)."""
    confirm_by: datetime | None = None
    """An immediate restriction (s12.3) in force on one approval: when a second member must have confirmed it.
    None once confirmed, and for every other measure."""
    confirmation_chased_at: datetime | None = None
    """When the sweep last chased its confirmation (its claim, so one instance chases)."""


@dataclass
class Measure(NewMeasure):
    """A measure on record."""

    id: int = field(kw_only=True)


@dataclass
class NewAppeal:
    """A customer's complaint or appeal about a warning, restriction or extension (s11.4), decided by a member of
    the determination team who took no part in the decision or its incidents (s2.6)."""

    customer_id: int
    measure_id: int
    kind: AppealKind
    decision: AppealedDecision
    received_on: date
    channel: ContactChannel
    grounds: str
    recorded_by: str
    recorded_at: datetime
    outcome: AppealOutcome | None = None
    reasons: str = ""
    decided_by: str | None = None
    decided_at: datetime | None = None
    new_review_due_at: datetime | None = None
    """For a varied measure: the review date it was given."""
    card_conversation_id: str | None = None
    card_activity_id: str | None = None
    """Where the appeal card was posted in the team's channel, so its outcome replaces it for everyone."""

    @property
    def is_open(self) -> bool:
        return self.outcome is None


@dataclass
class Appeal(NewAppeal):
    """A complaint or appeal on record."""

    id: int = field(kw_only=True)


@dataclass(frozen=True)
class NewOmbudsmanSignposting:
    """The council's process is exhausted on `matter` and the customer was signposted to the Ombudsman (s17.1):
    from then on contact about that matter goes through the Ombudsman (s17.2); other matters are handled as usual."""

    customer_id: int
    matter: str
    signposted_on: date
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class OmbudsmanSignposting(NewOmbudsmanSignposting):
    id: int = field(kw_only=True)


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
    id: int = field(kw_only=True)


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
class NewCorrespondenceItem:
    """An item of correspondence received from a customer whose restriction places it on file without
    acknowledgement or reply (s15.2): logged so that it is still read for significant new information and
    safeguarding concerns (s16.1), by the reviewer named when it was logged."""

    measure_id: int
    """The restriction that places the customer's correspondence on file (its customer is the measure's)."""
    received_on: date
    channel: ContactChannel
    summary: str
    attachment_reference: str
    """Where the item itself is kept (a document management reference, a mailbox folder); may be empty."""
    logged_by: str
    logged_at: datetime
    reviewer_id: str
    submission_key: str
    """The log form's own id: the same form saved twice logs one item (issue 14)."""


@dataclass(frozen=True)
class CorrespondenceItem(NewCorrespondenceItem):
    """An item on record, with its review once recorded."""

    id: int = field(kw_only=True)
    reviewed_at: datetime | None = field(default=None, kw_only=True)
    reviewed_by: str | None = field(default=None, kw_only=True)
    outcome: CorrespondenceOutcome | None = field(default=None, kw_only=True)
    service_area: ServiceArea | None = field(default=None, kw_only=True)
    """The service that must act on new information; set for that outcome only."""
    review_notes: str = field(default="", kw_only=True)
    escalated_at: datetime | None = field(default=None, kw_only=True)
    """When it went to the determination team unreviewed past its deadline (once)."""


@dataclass(frozen=True)
class CorrespondenceDue:
    """An item not yet reviewed, as "my work" lists it."""

    item_id: int
    customer_name: str
    received_on: date
    logged_at: datetime
    reviewer_id: str


@dataclass(frozen=True)
class AuditEvent:
    actor_id: str
    action: str
    record_type: str
    record_id: str
    at: datetime
    detail: dict[str, str] = field(default_factory=dict)


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
    of_warning: bool = False
    """The measure is a formal warning (an extension or lifting letter says so, and lists no restrictions)."""
    next_steps: str = ""
    """A further-action or service-withdrawal letter: what the council will now do (the legal restriction, the
    service declined or withdrawn and any alternative offered, the police), as the case owner wrote it for the
    customer."""

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
class NewLetter:
    """One version of a letter about a measure, or about an escalation decided without one (further action, s14;
    a mandatory service withdrawn, s15.4); producing it again adds a version and keeps this one."""

    measure_id: int | None
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
    reason: str = ""
    """Why this version was made, when it corrects an earlier one."""
    delivered_to: str | None = None
    """The email address an emailed letter went to."""
    collected_by: str | None = None
    """Who collected a letter held at reception."""
    escalation_id: int | None = None
    """Set, instead of measure_id, when the letter is about a decision that puts no measure in force."""


@dataclass
class Letter(NewLetter):
    """A letter version on record."""

    id: int = field(kw_only=True)


_Stored = TypeVar("_Stored")


def with_id(stored_type: Callable[..., _Stored], new: Any, record_id: int) -> _Stored:
    """The stored form of a new record, once storage has given it an id (fields copied, not deep-converted)."""
    values = {f.name: getattr(new, f.name) for f in fields(new)}
    return stored_type(**values, id=record_id)


TEAM_CHANNEL = "team"
"""The addressee of messages for the determination team's configured channel."""


def personal_chat(user_id: str) -> str:
    """The addressee of messages for one person, in their personal chat with the bot."""
    return f"user:{user_id}"


def user_of(addressee: str) -> str | None:
    """The person an addressee is, or None for a channel."""
    kind, _, user_id = addressee.partition(":")
    return user_id if kind == "user" and user_id else None


@dataclass(frozen=True)
class NewOutboxMessage:
    """A message the bot is to send on its own, written in the transaction of the fact that causes it."""

    addressee: str
    """personal_chat(user id) or TEAM_CHANNEL: the conversation, and the unit Teams' rate limits apply to."""
    purpose: MessagePurpose
    subject: dict[str, int | str]
    """The records it is about (ids), rendered afresh when it is sent: e.g. {"incident_id": 5}."""
    created_at: datetime
    coalesce_key: str | None = None
    """Messages with the same key are updates of one card: only the newest waiting one is sent."""


@dataclass(frozen=True)
class OutboxMessage(NewOutboxMessage):
    id: int = 0
    attempts: int = 0
    state: MessageState = MessageState.PENDING
    last_error: str | None = None


@dataclass(frozen=True)
class OutboxClaim:
    """The messages one worker may now send, grouped by the conversations it holds the lease of, oldest first, with
    when each of those conversations was last sent to (so Teams' rate limits hold across instances)."""

    messages: tuple[OutboxMessage, ...]
    recent_sends: dict[str, tuple[datetime, ...]]


@dataclass(frozen=True)
class RetainedIncident:
    """What retention needs of an incident (issue 19): when it happened and was recorded, and its amendments."""

    id: int
    occurred_at: datetime
    recorded_at: datetime
    amendment_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RetainedEscalation:
    id: int
    state: EscalationState
    requested_at: datetime
    incident_ids: tuple[int, ...] = ()
    decision_id: int | None = None
    decided_at: datetime | None = None
    letter_ids: tuple[int, ...] = ()
    """Letters about the escalation's decision itself (further action, a service withdrawn: s14, s15.4)."""


@dataclass(frozen=True)
class RetainedReview:
    id: int
    decided_at: datetime | None


@dataclass(frozen=True)
class RetainedMeasure:
    id: int
    escalation_id: int
    starts_at: datetime
    ended_at: datetime | None
    confirm_by: datetime | None = None
    reviews: tuple[RetainedReview, ...] = ()
    letter_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RetainedCorrespondence:
    id: int
    measure_id: int
    logged_at: datetime
    reviewed_at: datetime | None


@dataclass(frozen=True)
class RetainedAppeal:
    id: int
    measure_id: int
    recorded_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class RetainedSignposting:
    id: int
    signposted_on: date


@dataclass(frozen=True)
class CustomerFile:
    """Everything held about one customer, as far as retention needs to know it: ids and dates, no names."""

    customer_id: int
    created_at: datetime
    retention_anchor_at: datetime | None = None
    """The end of the latest measure retention has already removed."""
    representative_ids: tuple[int, ...] = ()
    incidents: tuple[RetainedIncident, ...] = ()
    escalations: tuple[RetainedEscalation, ...] = ()
    measures: tuple[RetainedMeasure, ...] = ()
    correspondence: tuple[RetainedCorrespondence, ...] = ()
    appeals: tuple[RetainedAppeal, ...] = ()
    signposting: tuple[RetainedSignposting, ...] = ()
