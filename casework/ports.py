"""What the use cases need from storage. storage/ implements these; tests/ has in-memory fakes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from casework.customer_query import CustomerQuery
from casework.entities import (
    Appeal,
    AuditEvent,
    CorrespondenceDue,
    CorrespondenceItem,
    Customer,
    CustomerFile,
    Decision,
    DueReview,
    Escalation,
    Incident,
    IncidentAmendment,
    Letter,
    Measure,
    NewAppeal,
    NewCorrespondenceItem,
    NewCustomer,
    NewEscalation,
    NewIncident,
    NewIncidentAmendment,
    NewLetter,
    NewMeasure,
    NewOmbudsmanSignposting,
    NewOutboxMessage,
    NewRepresentative,
    OmbudsmanSignposting,
    OutboxClaim,
    OutboxMessage,
    RecentIncident,
    Representative,
    RestrictionTerms,
    ScheduledReview,
    StaffMember,
    StaffStanding,
    Vote,
)
from casework.policy import RetentionDecision
from casework.vocabulary import (
    ContactRestriction,
    CorrespondenceOutcome,
    DeliveryMethod,
    EscalationKind,
    EscalationState,
    LetterKind,
    ManagerOutcome,
    MeasureKind,
    ServiceArea,
)


class CustomerRepository(Protocol):
    def add(self, customer: NewCustomer) -> Customer: ...
    def update(self, customer: Customer) -> None: ...
    def get(self, customer_id: int) -> Customer | None: ...
    def remove(self, customer_id: int) -> None: ...

    def lock_name(self, name_key: str) -> None:
        """Serialises adding customers of this name until the unit of work ends."""
        ...

    def reassign(self, from_customer_id: int, to_customer_id: int) -> None:
        """Moves every incident, escalation, measure and representative of one customer to another."""
        ...

    def search(self, query: CustomerQuery, limit: int = 10) -> Sequence[Customer]:
        """Customers matching a name (forgivingly), council reference, postcode, phone or email, best first."""
        ...


class RepresentativeRepository(Protocol):
    def add(self, representative: NewRepresentative) -> Representative: ...
    def for_customer(self, customer_id: int) -> Sequence[Representative]: ...


class IncidentRepository(Protocol):
    def add(self, incident: NewIncident) -> Incident:
        """Stores the incident, giving it an id; raises AlreadyRecorded for a repeated submission key."""
        ...

    def assign_reference(self, incident_id: int, reference: str) -> None: ...
    def get(self, incident_id: int) -> Incident | None: ...

    def record_manager_outcome(self, incident_id: int, outcome: ManagerOutcome, by: str, at: datetime) -> bool:
        """Records the line manager's s8.6 outcome unless one is already recorded; True if this one was."""
        ...

    def by_submission_key(self, submission_key: str) -> Incident | None: ...
    def reporters_for(self, customer_id: int) -> set[str]: ...
    def for_customer(self, customer_id: int) -> Sequence[Incident]: ...

    def for_customer_since(self, customer_id: int, since: datetime) -> Sequence[Incident]:
        """The customer's incidents that happened at or after `since`, oldest first."""
        ...

    def with_ids(self, incident_ids: Sequence[int]) -> Sequence[Incident]:
        """These incidents (those that exist), oldest first."""
        ...

    def amend(self, incident: Incident, amendment: NewIncidentAmendment) -> IncidentAmendment:
        """Stores `incident`'s amendable fields as they now are, as version `amendment.version`, with the amendment
        that made them. Raises AlreadyRecorded if the incident is no longer at the version before it (someone
        amended it at the same moment): nothing is then changed."""
        ...

    def amendments_for(self, incident_ids: Sequence[int]) -> Sequence[IncidentAmendment]:
        """Every amendment of these incidents, by incident and version."""
        ...


class EscalationRepository(Protocol):
    def add(self, escalation: NewEscalation) -> Escalation:
        """Raises AlreadyRecorded if an escalation with its submission key is already on record."""
        ...

    def by_submission_key(self, submission_key: str) -> Escalation | None: ...

    def pending_since_before(self, cutoff: datetime) -> Sequence[Escalation]:
        """Escalations still pending a decision that were requested at or before `cutoff`, oldest first."""
        ...

    def requesters_for(self, customer_id: int) -> set[str]:
        """Who has asked the determination team about this customer (they manage the case, s2.6)."""
        ...

    def get(self, escalation_id: int) -> Escalation | None:
        """Loads the escalation to show it, taking no lock; a change to it starts from get_for_update."""
        ...

    def get_for_update(self, escalation_id: int) -> Escalation | None:
        """Loads and locks the escalation until the unit of work ends, so decisions on it queue."""
        ...

    def save_state(self, escalation: Escalation) -> None: ...
    def record_card(self, escalation_id: int, conversation_id: str, activity_id: str) -> None: ...
    def add_decision(self, decision: Decision) -> None:
        """Raises AlreadyRecorded if this escalation already has a decision."""
        ...

    def decision_for(self, escalation_id: int) -> Decision | None: ...

    def add_vote(self, vote: Vote) -> None:
        """Raises AlreadyRecorded if this member has already voted on this escalation."""
        ...

    def votes_for(self, escalation_id: int) -> Sequence[Vote]: ...

    def waiting(self) -> Sequence[Escalation]:
        """Escalations pending a decision or awaiting more information, oldest first."""
        ...

    def claim_chase(self, escalation_id: int, now: datetime, not_since: datetime) -> bool:
        """Marks a pending escalation chased now unless it was chased after `not_since`; True if this call did."""
        ...

    def for_customer(self, customer_id: int) -> Sequence[Escalation]: ...


class MeasureRepository(Protocol):
    def add(self, measure: NewMeasure) -> Measure: ...
    def get(self, measure_id: int) -> Measure | None: ...
    def set_review_due(self, measure_id: int, due_at: datetime) -> None: ...
    def end(self, measure_id: int, at: datetime) -> None: ...
    def vary(self, measure_id: int, restrictions: Sequence[ContactRestriction], terms: RestrictionTerms) -> None:
        """New restrictions and their particulars, on an appeal (the measure's kind and start stay)."""
        ...

    def for_customer(self, customer_id: int) -> Sequence[Measure]: ...
    def confirmed(self, measure_id: int) -> None:
        """An immediate restriction confirmed by a second member (s12.3): its confirmation window is closed."""
        ...

    def awaiting_confirmation(self, confirm_by_before: datetime) -> Sequence[Measure]:
        """Immediate restrictions in force, unconfirmed, whose window ends at or before the time, soonest first."""
        ...

    def claim_confirmation_chase(self, measure_id: int, now: datetime, not_since: datetime) -> bool:
        """Marks one chased now, unless it was chased after `not_since` (so one instance chases); True if claimed."""
        ...


class ReviewRepository(Protocol):
    def schedule(self, measure_id: int, due_at: datetime) -> None: ...
    def get(self, review_id: int) -> ScheduledReview | None:
        """Loads the review to show it, taking no lock; a decision on it starts from get_for_update."""
        ...

    def get_for_update(self, review_id: int) -> ScheduledReview | None: ...
    def for_measure(self, measure_id: int) -> Sequence[ScheduledReview]: ...
    def save_decision(self, review: ScheduledReview) -> None: ...
    def reassign(self, review_id: int, owner_id: str) -> None: ...
    def reschedule(self, review_id: int, due_at: datetime) -> None:
        """An undecided review moved to a new date (a varied appeal): its reminder is sent afresh."""
        ...

    def open_reviews(self, due_before: datetime) -> Sequence[ScheduledReview]:
        """Undecided reviews of measures still in force, due before the given time, soonest first."""
        ...

    def claim_overdue(self, now: datetime, not_since: datetime, limit: int) -> Sequence[ScheduledReview]:
        """Undecided reviews past due and not escalated since `not_since`, marked escalated now."""
        ...

    def claim_reminders(
        self, remind_from: datetime, now: datetime, claim_until: datetime, claimant: str, limit: int
    ) -> Sequence[DueReview]:
        """Claims unsent reminders for reviews due on or before `remind_from` that nobody holds a live claim on."""
        ...

    def mark_reminded(self, review_id: int, claimant: str, at: datetime) -> bool:
        """Records the reminder as sent; False if the claim was lost to another sweep."""
        ...

    def release_claim(self, review_id: int, claimant: str) -> bool:
        """Gives an unsent reminder back; False if this claimant no longer held it."""
        ...


class AppealRepository(Protocol):
    def add(self, appeal: NewAppeal) -> Appeal: ...
    def get(self, appeal_id: int) -> Appeal | None: ...
    def get_for_update(self, appeal_id: int) -> Appeal | None:
        """Locks the appeal's row (PostgreSQL), so its outcome is recorded once."""
        ...

    def for_customer(self, customer_id: int) -> Sequence[Appeal]: ...
    def open_appeals(self) -> Sequence[Appeal]:
        """Every appeal not yet decided, oldest first."""
        ...

    def save_outcome(self, appeal: Appeal) -> bool:
        """Records the outcome if none is recorded yet; False if one already was."""
        ...

    def record_card(self, appeal_id: int, conversation_id: str, activity_id: str) -> None: ...
    def add_signposting(self, signposting: NewOmbudsmanSignposting) -> OmbudsmanSignposting: ...
    def signpostings_for(self, customer_id: int) -> Sequence[OmbudsmanSignposting]: ...


class StaffRepository(Protocol):
    def get(self, user_id: str) -> StaffMember | None: ...

    def standing(self, user_id: str) -> StaffStanding:
        """This person's row and whether they manage listed staff or own a case, in one look-up: what their roles
        are read from. Someone with no row has neither."""
        ...

    def many(self, user_ids: Collection[str]) -> Mapping[str, StaffMember]:
        """Those of these staff the bot knows, by user id, in one look-up (a view naming many people)."""
        ...

    def with_line_managers(self, user_id: str, proposed_manager_id: str) -> Mapping[str, StaffMember]:
        """In one look-up: this person, the line manager on record for them, and the proposed one (if any), by
        user id; those the bot does not know are left out."""
        ...

    def save(self, member: StaffMember) -> None: ...
    def all(self) -> Sequence[StaffMember]: ...

    def determination_team(self) -> Sequence[StaffMember]:
        """The members of the determination team (s2.6), by name."""
        ...

    def reports_to(self, manager_id: str) -> Sequence[str]:
        """The user ids of staff whose line manager this is."""
        ...


class LetterRepository(Protocol):
    def add(self, letter: NewLetter) -> Letter:
        """Stores a new version; raises AlreadyRecorded if this measure already has that kind and version."""
        ...

    def get(self, letter_id: int) -> Letter | None: ...

    def versions(self, measure_id: int, kind: str | None = None) -> Sequence[Letter]:
        """Every version of the measure's letters (of one kind, if given), oldest first."""
        ...

    def escalation_versions(self, escalation_id: int, kind: str | None = None) -> Sequence[Letter]:
        """Every version of the letters about an escalation decided without a measure, oldest first."""
        ...

    def mark_issued(self, letter_id: int, at: datetime, by: str, docx: bytes | None) -> None: ...
    def record_delivery(self, letter_id: int, method: DeliveryMethod, on: date, to: str | None) -> None: ...
    def mark_collected(self, letter_id: int, on: date, by: str) -> None: ...

    def held_at_reception(self) -> Sequence[Letter]:
        """Letters held at reception and not yet collected, oldest first."""
        ...


class OutboxRepository(Protocol):
    """Messages the bot sends on its own, written with the fact that causes them and sent by a worker (issue 15)."""

    def add(self, messages: Sequence[NewOutboxMessage]) -> None: ...
    def get(self, message_id: int) -> OutboxMessage | None: ...

    def claim(
        self, claimant: str, now: datetime, lease_until: datetime, conversations: int, recent_since: datetime
    ) -> OutboxClaim:
        """Leases up to `conversations` conversations with messages due and free of any other worker's lease, and
        returns their waiting messages oldest first. Only the newest of the waiting messages with one coalesce key
        is returned; the older ones are superseded. One worker at a time holds a conversation."""
        ...

    def mark_sent(self, message_id: int, at: datetime, activity_id: str) -> bool:
        """True if this call marked it sent (False if it was no longer waiting)."""
        ...

    def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        """One more failed attempt: the message, and its conversation (to keep its order), wait until `at`."""
        ...

    def mark_failed(self, message_id: int, at: datetime, error: str) -> bool:
        """True if this call marked it undeliverable (False if it was no longer waiting)."""
        ...

    def renew(self, claimant: str, addressee: str, now: datetime, lease_until: datetime) -> bool:
        """Extends a lease this claimant still holds (unexpired at `now`); False if it has lost it, when it must
        send nothing more to that conversation."""
        ...

    def release(self, claimant: str, addressees: Collection[str]) -> None:
        """Gives these conversations' leases back, so any worker may take them at once."""
        ...

    def release_all(self, claimant: str) -> None:
        """Gives back every conversation this claimant holds (a worker shutting down)."""
        ...

    def failed_for(self, addressee: str) -> Sequence[OutboxMessage]:
        """Messages that could not be delivered to this addressee, newest first."""
        ...

    def waiting(self) -> int:
        """How many messages are waiting to be sent."""
        ...


class CorrespondenceRepository(Protocol):
    """Correspondence placed on file (s16): each item logged, and its review."""

    def add(self, item: NewCorrespondenceItem) -> CorrespondenceItem:
        """Raises AlreadyRecorded if an item with its submission key is already on record."""
        ...

    def by_submission_key(self, submission_key: str) -> CorrespondenceItem | None: ...
    def get(self, item_id: int) -> CorrespondenceItem | None: ...

    def record_review(
        self,
        item_id: int,
        outcome: CorrespondenceOutcome,
        service_area: ServiceArea | None,
        notes: str,
        by: str,
        at: datetime,
    ) -> bool:
        """Records the item's review unless one is already recorded; True if this one was."""
        ...

    def unreviewed(self, reviewer_id: str | None, logged_at_or_before: datetime | None) -> Sequence[CorrespondenceDue]:
        """Items not yet reviewed, oldest first: of one reviewer (None: anyone's), logged at or before a time (None:
        whenever)."""
        ...

    def for_customer(self, customer_id: int) -> Sequence[CorrespondenceItem]:
        """Every item logged under any of the customer's measures, in the order logged (their history)."""
        ...

    def claim_overdue(self, logged_at_or_before: datetime, now: datetime, limit: int) -> Sequence[CorrespondenceItem]:
        """Items not reviewed, logged at or before the deadline and never sent to the team, marked sent now: two
        sweeps at once cannot both claim one."""
        ...


class AuditLog(Protocol):
    def record(self, event: AuditEvent) -> None: ...
    def events(self, record_type: str | None = None, record_id: str | None = None) -> Sequence[AuditEvent]: ...


@dataclass(frozen=True)
class CustomerStatusFacts:
    """Everything a customer's status card needs, read together."""

    measures: tuple[Measure, ...]
    """Every measure, ended ones too (their case owners still manage the case), oldest first."""
    representatives: tuple[Representative, ...]
    viewer_is_determination_team: bool
    viewer_manages_case: bool
    """The viewer owns one of the customer's measures, asked for an escalation about them, or line-manages someone
    who reported an incident about them (s2.6: the case's managers)."""
    recent_incidents: tuple[RecentIncident, ...] = ()
    """The customer's incidents since the time asked for, oldest first (for the escalation suggestion); empty
    unless asked for."""
    recent_warnings: tuple[datetime, ...] = ()
    """When each informal warning on those incidents was given (s10: at the time, or noted by the line manager in
    the s8.6 discussion), oldest first; empty unless asked for."""
    appealed_measure_ids: frozenset[int] = frozenset()
    """The measures a complaint or appeal is open about (casework/appeals.py)."""
    signposted: tuple[tuple[str, date], ...] = ()
    """Each matter the customer was signposted to the Ombudsman about, and when (s17), oldest first."""


@dataclass(frozen=True)
class DiscussionDue:
    """An incident whose s8.6 discussion its reporter's line manager has not yet recorded."""

    incident_id: int
    reference: str
    customer_name: str
    reporter_name: str
    occurred_at: datetime


@dataclass(frozen=True)
class ReviewDue:
    """An undecided review of a measure still in force."""

    review_id: int
    customer_name: str
    measure_kind: MeasureKind
    due_at: datetime


@dataclass(frozen=True)
class DraftLetterDue:
    """The newest version of a letter of one kind for a measure, not yet issued."""

    letter_id: int
    customer_name: str
    kind: LetterKind
    version: int
    reference: str
    created_at: datetime


@dataclass(frozen=True)
class EscalationDue:
    """An escalation waiting for someone: the team's decision, or the requester's answer to the team's question."""

    escalation_id: int
    customer_name: str
    kind: EscalationKind
    is_immediate: bool
    state: EscalationState
    requested_at: datetime
    question: str
    last_chased_at: datetime | None


@dataclass(frozen=True)
class WorkFacts:
    """Everything waiting for one member of staff, read together; each kind oldest (or soonest due) first."""

    viewer_is_determination_team: bool
    discussions: tuple[DiscussionDue, ...]
    """Incidents with no manager outcome whose reporter the viewer line-manages."""
    reviews: tuple[ReviewDue, ...]
    """Open reviews due by the given time that the viewer owns (the review's owner, else the case owner)."""
    letters: tuple[DraftLetterDue, ...]
    """Draft letters for measures whose case owner is the viewer."""
    questions: tuple[EscalationDue, ...]
    """Escalations the viewer asked for on which the team awaits their answer."""
    decisions: tuple[EscalationDue, ...]
    """For a member of the determination team: every escalation pending or awaiting more information."""


class CaseReads(Protocol):
    """Queries that only show something, answered in as few statements as the database allows and without row
    locks (the read side). They add nothing the repositories could not; they are here for speed."""

    def customer_status(
        self, customer_id: int, viewer_id: str | None, incidents_since: datetime | None = None
    ) -> CustomerStatusFacts:
        """The facts for `customer_id`'s status as `viewer_id` may see it (no viewer: nobody's access), with the
        customer's incidents since `incidents_since` when it is given."""
        ...

    def people_on_card(self, user_ids: Collection[str]) -> Mapping[str, StaffMember]:
        """These members of staff and every member of the determination team (whose cards refresh), by user id."""
        ...

    def work_for(self, viewer_id: str, reviews_due_before: datetime) -> WorkFacts:
        """What is waiting for `viewer_id` ("my work"), a statement per kind with its names joined in."""
        ...


class RetentionStore(Protocol):
    """Retention's reads and removals (issue 19): ids and dates only, never names."""

    def claim_daily(self, job: str, today: date) -> bool:
        """True for the one caller that moved the job's last run to today."""
        ...

    def customer_ids(self, after: int, limit: int) -> Sequence[int]: ...
    def customer_file(self, customer_id: int, lock: bool) -> CustomerFile | None: ...
    def remove(self, decision: RetentionDecision) -> None: ...
    def lookups_before(self, cutoff: datetime, after: int, limit: int) -> Sequence[tuple[int, str, str]]: ...
    def naming_events(self, customer_id: int | None, letter_ids: Collection[int]) -> Sequence[tuple[int, str, str]]: ...
    def redact(self, rows: Sequence[tuple[int, str, str]], at: datetime, actor_id: str, reason: str) -> int: ...


@dataclass(frozen=True)
class OversightFacts:
    """The oversight figures' raw counts for a period, as the database aggregates them (issue 19). Keys are the
    stored values (a channel, a service area, an action, a kind); casework/oversight.py gives them labels."""

    incidents: int
    incidents_by_action: Mapping[str, int]
    """An incident with several actions counts once under each."""
    incidents_by_channel: Mapping[str, int]
    incidents_by_service: Mapping[str, int]
    measures_by_kind: Mapping[str, int]
    """Warnings, restrictions, further action and service withdrawals that started in the period."""
    restrictions_by_type: Mapping[str, int]
    restrictions_by_scope: Mapping[str, int]
    """By the service a restriction covers; "" for council-wide."""
    reviews_on_time: int
    reviews_overdue: int
    reviews_not_yet_due: int
    lifted: int
    extended: int
    appeals_by_kind: Mapping[str, int]
    appeal_outcomes: Mapping[str, int]
    appeals_open: int
    report_to_decision_median_days: float | None
    report_to_decision_count: int
    decision_to_letter_median_days: float | None
    decision_to_letter_count: int
    safeguarding_incidents: int
    safeguarding_correspondence: int
    restrictions_with_adjustments: int
    support_need_warnings: int
    support_need_restrictions: int


class OversightReads(Protocol):
    """The oversight figures, aggregated in SQL (GROUP BY, counts, medians) so a quarter over a million incidents
    takes well under 2 s (make bench --only oversight)."""

    def oversight_facts(self, start: datetime, end: datetime, as_of: datetime) -> OversightFacts:
        """The counts for [start, end), with the reviews' timeliness as of `as_of` (the period's end, or now while
        it runs)."""
        ...

    def claim_digest(self, period_code: str, kind: str, at: datetime, by: str) -> bool:
        """Records that this period's digest is being posted; False if it already was (by any instance, ever):
        one INSERT ... ON CONFLICT DO NOTHING, so "once" is the database's."""
        ...


class UnitOfWork(Protocol):
    """One transaction: everything a use case changes, with its audit events, is committed together or not at all."""

    customers: CustomerRepository
    representatives: RepresentativeRepository
    incidents: IncidentRepository
    escalations: EscalationRepository
    measures: MeasureRepository
    reviews: ReviewRepository
    staff: StaffRepository
    letters: LetterRepository
    appeals: AppealRepository
    outbox: OutboxRepository
    audit: AuditLog
    reads: CaseReads
    correspondence: CorrespondenceRepository
    oversight: OversightReads

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def statement_by_statement(self) -> None:
        """Called first: each statement of this unit of work stands on its own (reads, or one write that is atomic by
        itself), so the database need not lock for a transaction around them (SQLite: no write lock to read)."""
        ...


class RetentionUnitOfWork(UnitOfWork, Protocol):
    """A unit of work with retention's store; entered once per customer, so each customer's removal is one
    transaction of its own."""

    retention: RetentionStore
