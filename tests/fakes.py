"""In-memory implementations of casework.ports, for service tests that need no database.

FakeUnitOfWork keeps a committed snapshot of everything it stores. Entering `with uow:` takes a deep copy to work
on; commit() publishes that copy; leaving the block (or rollback()) without commit discards it. Repositories hand
out copies too, so a use case that changes an object but forgets to save it changes nothing, as with SQL.
tests/contract/ runs the same repository tests against these fakes and both databases, so they cannot drift.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Self

from casework import vocabulary
from casework.customer_query import CustomerQuery, QueryKind, name_key
from casework.entities import (
    Appeal,
    AuditEvent,
    CorrespondenceDue,
    CorrespondenceItem,
    Customer,
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
    Representative,
    RestrictionTerms,
    ScheduledReview,
    StaffMember,
    StaffStanding,
    Vote,
    with_id,
)
from casework.errors import AlreadyRecorded
from casework.ports import (
    AppealRepository,
    AuditLog,
    CaseReads,
    CorrespondenceRepository,
    CustomerRepository,
    CustomerStatusFacts,
    DiscussionDue,
    DraftLetterDue,
    EscalationDue,
    EscalationRepository,
    IncidentRepository,
    LetterRepository,
    MeasureRepository,
    OutboxRepository,
    OversightFacts,
    OversightReads,
    RepresentativeRepository,
    ReviewDue,
    ReviewRepository,
    StaffRepository,
    WorkFacts,
)
from casework.views import informal_warnings, recent_incident
from casework.vocabulary import ContactRestriction, DeliveryMethod, EscalationState, ManagerOutcome, MessageState
from storage.customer_search import NameCandidate, indexed_words, prefix_lookups, rank


class FakeClock:
    """An injected clock the tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class ReviewRow:
    """A scheduled review and the state of its reminder, as the reviews table holds it."""

    id: int
    measure_id: int
    due_at: datetime
    reminder_sent_at: datetime | None = None
    reminder_claimed_by: str | None = None
    reminder_claimed_until: datetime | None = None
    review: ScheduledReview | None = None
    """The review's owner and decision, kept as the SQL columns are."""

    def scheduled(self) -> ScheduledReview:
        base = self.review or ScheduledReview(self.measure_id, self.due_at, id=self.id)
        return replace(
            base, id=self.id, measure_id=self.measure_id, due_at=self.due_at, reminder_sent_at=self.reminder_sent_at
        )


@dataclass
class OutboxRow:
    message: OutboxMessage
    available_at: datetime
    sent_at: datetime | None = None


@dataclass
class OutboxLease:
    claimant: str | None = None
    leased_until: datetime | None = None
    retry_at: datetime | None = None


@dataclass
class FakeState:
    """Everything the fake database holds. Copied whole on entering a unit of work."""

    customers: dict[int, Customer] = field(default_factory=dict)
    representatives: dict[int, Representative] = field(default_factory=dict)
    incidents: dict[int, Incident] = field(default_factory=dict)
    incident_amendments: dict[tuple[int, int], IncidentAmendment] = field(default_factory=dict)
    """By (incident id, version)."""
    escalations: dict[int, Escalation] = field(default_factory=dict)
    decisions: dict[int, Decision] = field(default_factory=dict)
    votes: dict[tuple[int, str], Vote] = field(default_factory=dict)
    measures: dict[int, Measure] = field(default_factory=dict)
    reviews: dict[int, ReviewRow] = field(default_factory=dict)
    staff: dict[str, StaffMember] = field(default_factory=dict)
    letters: dict[int, Letter] = field(default_factory=dict)
    appeals: dict[int, Appeal] = field(default_factory=dict)
    signpostings: dict[int, OmbudsmanSignposting] = field(default_factory=dict)
    outbox: dict[int, OutboxRow] = field(default_factory=dict)
    outbox_leases: dict[str, OutboxLease] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    correspondence: dict[int, CorrespondenceItem] = field(default_factory=dict)
    last_id: dict[str, int] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.last_id[table] = self.last_id.get(table, 0) + 1
        return self.last_id[table]


class _Repository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _state(self) -> FakeState:
        assert self._uow.active, "repositories are used only inside `with uow:`"
        return self._uow.working


class FakeCustomers(_Repository):
    def add(self, customer: NewCustomer) -> Customer:
        stored = with_id(Customer, copy.deepcopy(customer), self._state.next_id("customers"))
        self._state.customers[stored.id] = copy.deepcopy(stored)
        return stored

    def update(self, customer: Customer) -> None:
        if customer.id not in self._state.customers:
            raise KeyError(f"no customer {customer.id}")
        self._state.customers[customer.id] = copy.deepcopy(customer)

    def remove(self, customer_id: int) -> None:
        del self._state.customers[customer_id]

    def lock_name(self, name_key: str) -> None:
        """One in-memory unit of work at a time: nothing to serialise."""

    def reassign(self, from_customer_id: int, to_customer_id: int) -> None:
        state = self._state
        records: list[Incident | Escalation | Measure | Appeal] = [
            *state.incidents.values(),
            *state.escalations.values(),
            *state.measures.values(),
            *state.appeals.values(),
        ]
        for record in records:
            if record.customer_id == from_customer_id:
                record.customer_id = to_customer_id
        for key, signposting in list(state.signpostings.items()):
            if signposting.customer_id == from_customer_id:
                state.signpostings[key] = replace(signposting, customer_id=to_customer_id)
        for key, rep in list(state.representatives.items()):
            if rep.customer_id == from_customer_id:
                state.representatives[key] = replace(rep, customer_id=to_customer_id)

    def get(self, customer_id: int) -> Customer | None:
        return copy.deepcopy(self._state.customers.get(customer_id))

    def search(self, query: CustomerQuery, limit: int = 10) -> Sequence[Customer]:
        """As storage.customer_search: exact first, then the same name index look-ups and the same ranking."""
        customers = [c for _, c in sorted(self._state.customers.items())]
        exact: dict[QueryKind, Callable[[Customer], str | None]] = {
            QueryKind.COUNCIL_REFERENCE: lambda c: c.council_reference,
            QueryKind.POSTCODE: lambda c: c.postcode,
            QueryKind.PHONE: lambda c: c.phone,
            QueryKind.EMAIL: lambda c: c.email,
            QueryKind.NAME: lambda c: name_key(c.name),
        }
        found = [c for c in customers if exact[query.kind](c) == query.key][:limit]
        if not found and query.kind is QueryKind.NAME:
            by_id = {c.id: c for c in customers}
            for size, prefixes in prefix_lookups(query.key):
                candidates = [
                    NameCandidate(c.id, name_key(c.name), c.other_names)
                    for c in customers
                    if any(word[:size] in prefixes for word in indexed_words(c.name, c.other_names))
                ]
                if best := rank(query.key, candidates, limit):
                    found = [by_id[customer_id] for customer_id in best]
                    break
        return [copy.deepcopy(c) for c in found]


class FakeRepresentatives(_Repository):
    def add(self, representative: NewRepresentative) -> Representative:
        stored = with_id(Representative, representative, self._state.next_id("representatives"))
        self._state.representatives[stored.id] = stored
        return stored

    def for_customer(self, customer_id: int) -> Sequence[Representative]:
        return [r for _, r in sorted(self._state.representatives.items()) if r.customer_id == customer_id]


class FakeIncidents(_Repository):
    def add(self, incident: NewIncident) -> Incident:
        if any(i.submission_key == incident.submission_key for i in self._state.incidents.values()):
            raise AlreadyRecorded("This report was already received.")
        stored = with_id(Incident, copy.deepcopy(incident), self._state.next_id("incidents"))
        self._state.incidents[stored.id] = copy.deepcopy(stored)
        return stored

    def assign_reference(self, incident_id: int, reference: str) -> None:
        self._state.incidents[incident_id].reference = reference

    def get(self, incident_id: int) -> Incident | None:
        return copy.deepcopy(self._state.incidents.get(incident_id))

    def record_manager_outcome(self, incident_id: int, outcome: ManagerOutcome, by: str, at: datetime) -> bool:
        incident = self._state.incidents.get(incident_id)
        if incident is None or incident.manager_outcome is not None:
            return False
        incident.manager_outcome, incident.manager_outcome_by, incident.manager_outcome_at = outcome, by, at
        return True

    def reporters_for(self, customer_id: int) -> set[str]:
        return {i.reported_by for i in self._state.incidents.values() if i.customer_id == customer_id}

    def by_submission_key(self, submission_key: str) -> Incident | None:
        for incident in self._state.incidents.values():
            if incident.submission_key == submission_key:
                return copy.deepcopy(incident)
        return None

    def for_customer(self, customer_id: int) -> Sequence[Incident]:
        found = [i for i in self._state.incidents.values() if i.customer_id == customer_id]
        return [copy.deepcopy(i) for i in sorted(found, key=lambda i: i.occurred_at)]

    def for_customer_since(self, customer_id: int, since: datetime) -> Sequence[Incident]:
        return [i for i in self.for_customer(customer_id) if i.occurred_at >= since]

    def with_ids(self, incident_ids: Sequence[int]) -> Sequence[Incident]:
        found = [i for i in self._state.incidents.values() if i.id in incident_ids]
        return [copy.deepcopy(i) for i in sorted(found, key=lambda i: i.occurred_at)]

    def amend(self, incident: Incident, amendment: NewIncidentAmendment) -> IncidentAmendment:
        stored = self._state.incidents[incident.id]
        if stored.version != amendment.version - 1:
            raise AlreadyRecorded("Someone else amended this incident a moment ago; open it again to see it.")
        for name in (
            "occurred_at",
            "channel",
            "service_area",
            "actions",
            "immediate_steps",
            "description",
            "informal_warning_given",
        ):
            setattr(stored, name, copy.deepcopy(getattr(incident, name)))
        stored.version = amendment.version
        added = with_id(IncidentAmendment, copy.deepcopy(amendment), self._state.next_id("incident_amendments"))
        self._state.incident_amendments[(amendment.incident_id, amendment.version)] = added
        return copy.deepcopy(added)

    def amendments_for(self, incident_ids: Sequence[int]) -> Sequence[IncidentAmendment]:
        return [
            copy.deepcopy(a) for key, a in sorted(self._state.incident_amendments.items()) if key[0] in incident_ids
        ]


class FakeEscalations(_Repository):
    def add(self, escalation: NewEscalation) -> Escalation:
        # The incident links are a set, in id order, as the escalation_incident table gives them back.
        if escalation.submission_key and self.by_submission_key(escalation.submission_key):
            raise AlreadyRecorded("This request was already received.")
        linked = replace(escalation, incident_ids=tuple(sorted(set(escalation.incident_ids))))
        stored = with_id(Escalation, copy.deepcopy(linked), self._state.next_id("escalations"))
        self._state.escalations[stored.id] = copy.deepcopy(stored)
        return stored

    def by_submission_key(self, submission_key: str) -> Escalation | None:
        found = [e for e in self._state.escalations.values() if e.submission_key == submission_key]
        return copy.deepcopy(found[0]) if found else None

    def pending_since_before(self, cutoff: datetime) -> Sequence[Escalation]:
        return [e for e in self.waiting() if e.state is EscalationState.PENDING and e.requested_at <= cutoff]

    def requesters_for(self, customer_id: int) -> set[str]:
        return {e.requested_by for e in self._state.escalations.values() if e.customer_id == customer_id}

    def get(self, escalation_id: int) -> Escalation | None:
        return copy.deepcopy(self._state.escalations.get(escalation_id))

    def get_for_update(self, escalation_id: int) -> Escalation | None:
        return self.get(escalation_id)

    def save_state(self, escalation: Escalation) -> None:
        assert escalation.id is not None
        stored = self._state.escalations[escalation.id]
        stored.state, stored.question, stored.answer = escalation.state, escalation.question, escalation.answer

    def record_card(self, escalation_id: int, conversation_id: str, activity_id: str) -> None:
        stored = self._state.escalations[escalation_id]
        stored.card_conversation_id = conversation_id
        stored.card_activity_id = activity_id

    def add_decision(self, decision: Decision) -> None:
        if decision.escalation_id not in self._state.escalations:
            raise KeyError(f"no escalation {decision.escalation_id}")  # a foreign key violation in SQL
        if decision.escalation_id in self._state.decisions:
            raise AlreadyRecorded("This escalation has already been decided.")
        self._state.decisions[decision.escalation_id] = decision

    def decision_for(self, escalation_id: int) -> Decision | None:
        return self._state.decisions.get(escalation_id)

    def add_vote(self, vote: Vote) -> None:
        if (vote.escalation_id, vote.member_id) in self._state.votes:
            raise AlreadyRecorded("You have already given your decision on this.")
        self._state.votes[(vote.escalation_id, vote.member_id)] = vote

    def votes_for(self, escalation_id: int) -> Sequence[Vote]:
        return sorted((v for (e, _), v in self._state.votes.items() if e == escalation_id), key=lambda v: v.at)

    def waiting(self) -> Sequence[Escalation]:
        found = [
            e
            for e in self._state.escalations.values()
            if e.state in (EscalationState.PENDING, EscalationState.MORE_INFORMATION)
        ]
        return [copy.deepcopy(e) for e in sorted(found, key=lambda e: e.requested_at)]

    def claim_chase(self, escalation_id: int, now: datetime, not_since: datetime) -> bool:
        escalation = self._state.escalations.get(escalation_id)
        if escalation is None or escalation.state is not EscalationState.PENDING:
            return False
        if escalation.last_chased_at is not None and escalation.last_chased_at > not_since:
            return False
        escalation.last_chased_at = now
        return True

    def for_customer(self, customer_id: int) -> Sequence[Escalation]:
        found = [e for e in self._state.escalations.values() if e.customer_id == customer_id]
        return [copy.deepcopy(e) for e in sorted(found, key=lambda e: e.requested_at)]


class FakeMeasures(_Repository):
    def add(self, measure: NewMeasure) -> Measure:
        stored = with_id(Measure, copy.deepcopy(measure), self._state.next_id("measures"))
        self._state.measures[stored.id] = copy.deepcopy(stored)
        return stored

    def end(self, measure_id: int, at: datetime) -> None:
        self._state.measures[measure_id].ended_at = at

    def get(self, measure_id: int) -> Measure | None:
        return copy.deepcopy(self._state.measures.get(measure_id))

    def set_review_due(self, measure_id: int, due_at: datetime) -> None:
        self._state.measures[measure_id].review_due_at = due_at

    def vary(self, measure_id: int, restrictions: Sequence[ContactRestriction], terms: RestrictionTerms) -> None:
        measure = self._state.measures[measure_id]
        measure.restrictions, measure.terms = tuple(restrictions), terms

    def confirmed(self, measure_id: int) -> None:
        self._state.measures[measure_id].confirm_by = None

    def awaiting_confirmation(self, confirm_by_before: datetime) -> Sequence[Measure]:
        found = [
            m
            for m in self._state.measures.values()
            if m.confirm_by is not None and m.confirm_by <= confirm_by_before and m.ended_at is None
        ]
        return [copy.deepcopy(m) for m in sorted(found, key=lambda m: (m.confirm_by, m.id))]

    def claim_confirmation_chase(self, measure_id: int, now: datetime, not_since: datetime) -> bool:
        measure = self._state.measures.get(measure_id)
        if measure is None or measure.confirm_by is None or measure.ended_at is not None:
            return False
        if measure.confirmation_chased_at is not None and measure.confirmation_chased_at > not_since:
            return False
        measure.confirmation_chased_at = now
        return True

    def for_customer(self, customer_id: int) -> Sequence[Measure]:
        return [copy.deepcopy(m) for m in self._state.measures.values() if m.customer_id == customer_id]


class FakeReviews(_Repository):
    def schedule(self, measure_id: int, due_at: datetime) -> None:
        if measure_id not in self._state.measures:
            raise KeyError(f"no measure {measure_id}")  # a foreign key violation in SQL
        review_id = self._state.next_id("reviews")
        self._state.reviews[review_id] = ReviewRow(review_id, measure_id, due_at)

    def claim_reminders(
        self, remind_from: datetime, now: datetime, claim_until: datetime, claimant: str, limit: int
    ) -> Sequence[DueReview]:
        state = self._state

        def claimable(row: ReviewRow) -> bool:
            ended_at = state.measures[row.measure_id].ended_at
            return (
                row.reminder_sent_at is None
                and row.scheduled().decided_at is None
                and row.due_at <= remind_from
                and (row.reminder_claimed_until is None or row.reminder_claimed_until < now)
                and (ended_at is None or now < ended_at)
            )

        due = [row for row in state.reviews.values() if claimable(row)]
        claimed: list[DueReview] = []
        for row in sorted(due, key=lambda r: r.due_at)[:limit]:
            row.reminder_claimed_by = claimant
            row.reminder_claimed_until = claim_until
            measure = state.measures[row.measure_id]
            assert measure.id is not None
            claimed.append(
                DueReview(
                    row.id,
                    measure.id,
                    state.customers[measure.customer_id].name,
                    measure.kind,
                    row.due_at,
                    row.scheduled().owner_id or measure.case_owner_id,
                )
            )
        return claimed

    def get(self, review_id: int) -> ScheduledReview | None:
        row = self._state.reviews.get(review_id)
        return row.scheduled() if row else None

    def get_for_update(self, review_id: int) -> ScheduledReview | None:
        return self.get(review_id)

    def for_measure(self, measure_id: int) -> Sequence[ScheduledReview]:
        rows = sorted((r for r in self._state.reviews.values() if r.measure_id == measure_id), key=lambda r: r.due_at)
        return [r.scheduled() for r in rows]

    def save_decision(self, review: ScheduledReview) -> None:
        row = self._state.reviews[review.id]
        row.review = replace(
            row.scheduled(),
            decided_at=review.decided_at,
            outcome=review.outcome,
            decided_by=review.decided_by,
            reason=review.reason,
            customer_advised=review.customer_advised,
            not_advised_reason=review.not_advised_reason,
        )

    def reassign(self, review_id: int, owner_id: str) -> None:
        row = self._state.reviews[review_id]
        row.review = replace(row.scheduled(), owner_id=owner_id)
        row.reminder_sent_at = row.reminder_claimed_by = row.reminder_claimed_until = None

    def reschedule(self, review_id: int, due_at: datetime) -> None:
        row = self._state.reviews[review_id]
        row.due_at = due_at
        row.reminder_sent_at = row.reminder_claimed_by = row.reminder_claimed_until = None
        row.review = replace(row.scheduled(), due_at=due_at, last_escalated_at=None)

    def open_reviews(self, due_before: datetime) -> Sequence[ScheduledReview]:
        rows = [
            r
            for r in self._state.reviews.values()
            if r.scheduled().decided_at is None
            and r.due_at <= due_before
            and self._state.measures[r.measure_id].ended_at is None
        ]
        return [r.scheduled() for r in sorted(rows, key=lambda r: r.due_at)]

    def claim_overdue(self, now: datetime, not_since: datetime, limit: int) -> Sequence[ScheduledReview]:
        claimed: list[ScheduledReview] = []
        for row in sorted(self._state.reviews.values(), key=lambda r: r.due_at):
            if len(claimed) == limit:
                break
            current = row.scheduled()
            if (
                current.decided_at is None
                and row.due_at < now
                and self._state.measures[row.measure_id].ended_at is None
                and (current.last_escalated_at is None or current.last_escalated_at <= not_since)
            ):
                row.review = replace(current, last_escalated_at=now)
                claimed.append(row.scheduled())
        return claimed

    def mark_reminded(self, review_id: int, claimant: str, at: datetime) -> bool:
        row = self._state.reviews.get(review_id)
        if row is None or row.reminder_claimed_by != claimant or row.reminder_sent_at is not None:
            return False
        row.reminder_sent_at = at
        row.reminder_claimed_until = None
        return True

    def release_claim(self, review_id: int, claimant: str) -> bool:
        row = self._state.reviews.get(review_id)
        if row is None or row.reminder_claimed_by != claimant or row.reminder_sent_at is not None:
            return False
        row.reminder_claimed_by = None
        row.reminder_claimed_until = None
        return True


class FakeStaff(_Repository):
    def get(self, user_id: str) -> StaffMember | None:
        return self._state.staff.get(user_id)

    def standing(self, user_id: str) -> StaffStanding:
        member = self._state.staff.get(user_id)
        if member is None:
            return StaffStanding(None, False, False)
        manages = any(m.line_manager_id == user_id and m.listed for m in self._state.staff.values())
        owns = any(m.case_owner_id == user_id for m in self._state.measures.values()) or any(
            r.scheduled().owner_id == user_id for r in self._state.reviews.values()
        )
        return StaffStanding(member, manages, owns)

    def many(self, user_ids: Collection[str]) -> Mapping[str, StaffMember]:
        return {user_id: self._state.staff[user_id] for user_id in set(user_ids) if user_id in self._state.staff}

    def all(self) -> Sequence[StaffMember]:
        return sorted(self._state.staff.values(), key=lambda m: m.name)

    def determination_team(self) -> Sequence[StaffMember]:
        return [m for m in self.all() if m.is_determination_team]

    def with_line_managers(self, user_id: str, proposed_manager_id: str) -> Mapping[str, StaffMember]:
        person = self._state.staff.get(user_id)
        wanted = {user_id, proposed_manager_id, person.line_manager_id if person else None}
        return {m.user_id: m for m in self._state.staff.values() if m.user_id in wanted}

    def reports_to(self, manager_id: str) -> Sequence[str]:
        return [m.user_id for m in self._state.staff.values() if m.line_manager_id == manager_id]

    def save(self, member: StaffMember) -> None:
        self._state.staff[member.user_id] = member


class FakeLetters(_Repository):
    def add(self, letter: NewLetter) -> Letter:
        if any(
            (other.measure_id, other.escalation_id, other.kind, other.version)
            == (letter.measure_id, letter.escalation_id, letter.kind, letter.version)
            for other in self._state.letters.values()
        ):
            raise AlreadyRecorded("that version of the letter already exists")
        stored = with_id(Letter, copy.deepcopy(letter), self._state.next_id("letters"))
        self._state.letters[stored.id] = copy.deepcopy(stored)
        return stored

    def get(self, letter_id: int) -> Letter | None:
        return copy.deepcopy(self._state.letters.get(letter_id))

    def versions(self, measure_id: int, kind: str | None = None) -> Sequence[Letter]:
        return [
            copy.deepcopy(letter)
            for letter in self._state.letters.values()
            if letter.measure_id == measure_id and (kind is None or letter.kind == kind)
        ]

    def escalation_versions(self, escalation_id: int, kind: str | None = None) -> Sequence[Letter]:
        return [
            copy.deepcopy(letter)
            for letter in self._state.letters.values()
            if letter.escalation_id == escalation_id and (kind is None or letter.kind == kind)
        ]

    def mark_issued(self, letter_id: int, at: datetime, by: str, docx: bytes | None) -> None:
        letter = self._state.letters[letter_id]
        letter.issued_at, letter.issued_by, letter.docx = at, by, docx

    def record_delivery(self, letter_id: int, method: DeliveryMethod, on: date, to: str | None) -> None:
        letter = self._state.letters[letter_id]
        letter.delivery_method, letter.delivered_on, letter.delivered_to = method, on, to

    def mark_collected(self, letter_id: int, on: date, by: str) -> None:
        letter = self._state.letters[letter_id]
        letter.collected_on, letter.collected_by = on, by

    def held_at_reception(self) -> Sequence[Letter]:
        held = [
            letter
            for letter in self._state.letters.values()
            if letter.delivery_method is DeliveryMethod.HELD_AT_RECEPTION and letter.collected_on is None
        ]
        return [copy.deepcopy(letter) for letter in sorted(held, key=lambda x: (x.delivered_on or date.min, x.id or 0))]


class FakeCorrespondence(_Repository):
    def add(self, item: NewCorrespondenceItem) -> CorrespondenceItem:
        if item.measure_id not in self._state.measures:
            raise KeyError(f"no measure {item.measure_id}")  # a foreign key violation in SQL
        if self.by_submission_key(item.submission_key) is not None:
            raise AlreadyRecorded("This item has already been logged.")
        stored = with_id(CorrespondenceItem, item, self._state.next_id("correspondence"))
        self._state.correspondence[stored.id] = stored
        return stored

    def by_submission_key(self, submission_key: str) -> CorrespondenceItem | None:
        return next((i for i in self._state.correspondence.values() if i.submission_key == submission_key), None)

    def get(self, item_id: int) -> CorrespondenceItem | None:
        return self._state.correspondence.get(item_id)

    def record_review(
        self,
        item_id: int,
        outcome: vocabulary.CorrespondenceOutcome,
        service_area: vocabulary.ServiceArea | None,
        notes: str,
        by: str,
        at: datetime,
    ) -> bool:
        item = self._state.correspondence.get(item_id)
        if item is None or item.reviewed_at is not None:
            return False
        self._state.correspondence[item_id] = replace(
            item, reviewed_at=at, reviewed_by=by, outcome=outcome, service_area=service_area, review_notes=notes
        )
        return True

    def unreviewed(self, reviewer_id: str | None, logged_at_or_before: datetime | None) -> Sequence[CorrespondenceDue]:
        state = self._state
        due = [
            i
            for i in state.correspondence.values()
            if i.reviewed_at is None
            and (reviewer_id is None or i.reviewer_id == reviewer_id)
            and (logged_at_or_before is None or i.logged_at <= logged_at_or_before)
        ]
        return [
            CorrespondenceDue(
                i.id,
                state.customers[state.measures[i.measure_id].customer_id].name,
                i.received_on,
                i.logged_at,
                i.reviewer_id,
            )
            for i in sorted(due, key=lambda i: (i.logged_at, i.id))
        ]

    def for_customer(self, customer_id: int) -> Sequence[CorrespondenceItem]:
        measures = {m.id for m in self._state.measures.values() if m.customer_id == customer_id}
        found = [i for i in self._state.correspondence.values() if i.measure_id in measures]
        return sorted(found, key=lambda i: (i.logged_at, i.id))

    def claim_overdue(self, logged_at_or_before: datetime, now: datetime, limit: int) -> Sequence[CorrespondenceItem]:
        due = [
            i
            for i in self._state.correspondence.values()
            if i.reviewed_at is None and i.escalated_at is None and i.logged_at <= logged_at_or_before
        ]
        claimed = [replace(i, escalated_at=now) for i in sorted(due, key=lambda i: i.logged_at)[:limit]]
        for item in claimed:
            self._state.correspondence[item.id] = item
        return claimed


class FakeAppeals(_Repository):
    def add(self, appeal: NewAppeal) -> Appeal:
        stored = with_id(Appeal, copy.deepcopy(appeal), self._state.next_id("appeals"))
        self._state.appeals[stored.id] = copy.deepcopy(stored)
        return stored

    def get(self, appeal_id: int) -> Appeal | None:
        return copy.deepcopy(self._state.appeals.get(appeal_id))

    def get_for_update(self, appeal_id: int) -> Appeal | None:
        return self.get(appeal_id)

    def for_customer(self, customer_id: int) -> Sequence[Appeal]:
        return [copy.deepcopy(a) for a in self._state.appeals.values() if a.customer_id == customer_id]

    def open_appeals(self) -> Sequence[Appeal]:
        return [copy.deepcopy(a) for a in self._state.appeals.values() if a.outcome is None]

    def save_outcome(self, appeal: Appeal) -> bool:
        stored = self._state.appeals[appeal.id]
        if stored.outcome is not None:
            return False
        self._state.appeals[appeal.id] = copy.deepcopy(appeal)
        return True

    def record_card(self, appeal_id: int, conversation_id: str, activity_id: str) -> None:
        appeal = self._state.appeals[appeal_id]
        appeal.card_conversation_id, appeal.card_activity_id = conversation_id, activity_id

    def add_signposting(self, signposting: NewOmbudsmanSignposting) -> OmbudsmanSignposting:
        stored = with_id(OmbudsmanSignposting, signposting, self._state.next_id("signpostings"))
        self._state.signpostings[stored.id] = stored
        return stored

    def signpostings_for(self, customer_id: int) -> Sequence[OmbudsmanSignposting]:
        return [s for s in self._state.signpostings.values() if s.customer_id == customer_id]


class FakeAuditLog(_Repository):
    def record(self, event: AuditEvent) -> None:
        self._state.audit.append(copy.deepcopy(event))

    def events(self, record_type: str | None = None, record_id: str | None = None) -> Sequence[AuditEvent]:
        return [
            copy.deepcopy(e)
            for e in self._state.audit
            if (record_type is None or e.record_type == record_type) and (record_id is None or e.record_id == record_id)
        ]


class FakeOutbox(_Repository):
    def add(self, messages: Sequence[NewOutboxMessage]) -> None:
        for message in messages:
            stored = OutboxMessage(**{f.name: getattr(message, f.name) for f in fields(message)})
            row_id = self._state.next_id("outbox")
            self._state.outbox[row_id] = OutboxRow(replace(stored, id=row_id), message.created_at)

    def get(self, message_id: int) -> OutboxMessage | None:
        row = self._state.outbox.get(message_id)
        return row.message if row else None

    def claim(
        self, claimant: str, now: datetime, lease_until: datetime, conversations: int, recent_since: datetime
    ) -> OutboxClaim:
        def due(row: OutboxRow) -> bool:
            return row.message.state is MessageState.PENDING and row.available_at <= now

        for row in self._state.outbox.values():
            if row.message.state is MessageState.PENDING:
                self._state.outbox_leases.setdefault(row.message.addressee, OutboxLease())
        free = sorted(
            addressee
            for addressee, lease in self._state.outbox_leases.items()
            if (lease.leased_until is None or lease.leased_until < now or lease.claimant == claimant)
            and (lease.retry_at is None or lease.retry_at <= now)
            and any(due(r) and r.message.addressee == addressee for r in self._state.outbox.values())
        )[:conversations]
        for addressee in free:
            self._state.outbox_leases[addressee] = replace(
                self._state.outbox_leases[addressee], claimant=claimant, leased_until=lease_until
            )
        rows = [r for _, r in sorted(self._state.outbox.items()) if due(r) and r.message.addressee in free]
        newest = {r.message.coalesce_key: r.message.id for r in rows if r.message.coalesce_key is not None}
        kept = []
        for row in rows:
            key = row.message.coalesce_key
            if key is not None and newest[key] != row.message.id:
                row.message = replace(row.message, state=MessageState.SUPERSEDED)
            else:
                kept.append(row.message)
        recent: dict[str, tuple[datetime, ...]] = {}
        for addressee in free:
            times = sorted(
                r.sent_at
                for r in self._state.outbox.values()
                if r.message.addressee == addressee and r.sent_at is not None and r.sent_at >= recent_since
            )
            if times:
                recent[addressee] = tuple(times)
        return OutboxClaim(tuple(kept), recent)

    def mark_sent(self, message_id: int, at: datetime, activity_id: str) -> bool:
        return self._finish(message_id, MessageState.SENT, at, None)

    def mark_failed(self, message_id: int, at: datetime, error: str) -> bool:
        return self._finish(message_id, MessageState.FAILED, None, error)

    def _finish(self, message_id: int, state: MessageState, sent_at: datetime | None, error: str | None) -> bool:
        row = self._state.outbox.get(message_id)
        if row is None or row.message.state is not MessageState.PENDING:
            return False
        row.message = replace(row.message, state=state, attempts=row.message.attempts + 1, last_error=error)
        row.sent_at = sent_at
        return True

    def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        row = self._state.outbox.get(message_id)
        if row is None:
            return
        row.message = replace(row.message, attempts=row.message.attempts + 1, last_error=error)
        row.available_at = at
        lease = self._state.outbox_leases.setdefault(row.message.addressee, OutboxLease())
        lease.retry_at = at

    def renew(self, claimant: str, addressee: str, now: datetime, lease_until: datetime) -> bool:
        lease = self._state.outbox_leases.get(addressee)
        if lease is None or lease.claimant != claimant or lease.leased_until is None or lease.leased_until < now:
            return False
        lease.leased_until = lease_until
        return True

    def release(self, claimant: str, addressees: Collection[str]) -> None:
        for addressee in addressees:
            lease = self._state.outbox_leases.get(addressee)
            if lease is not None and lease.claimant == claimant:
                lease.claimant, lease.leased_until = None, None

    def release_all(self, claimant: str) -> None:
        self.release(claimant, list(self._state.outbox_leases))

    def failed_for(self, addressee: str) -> Sequence[OutboxMessage]:
        return [
            r.message
            for _, r in sorted(self._state.outbox.items(), reverse=True)
            if r.message.addressee == addressee and r.message.state is MessageState.FAILED
        ][:50]

    def waiting(self) -> int:
        return sum(1 for r in self._state.outbox.values() if r.message.state is MessageState.PENDING)


class FakeReads:
    """The read side answered from the fake repositories, one port call at a time: the reference the SQL queries,
    which answer in one statement, are checked against."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def customer_status(
        self, customer_id: int, viewer_id: str | None, incidents_since: datetime | None = None
    ) -> CustomerStatusFacts:
        uow = self._uow
        measures = tuple(uow.measures.for_customer(customer_id))
        representatives = tuple(uow.representatives.for_customer(customer_id))
        since = tuple(uow.incidents.for_customer_since(customer_id, incidents_since)) if incidents_since else ()
        recent = tuple(recent_incident(i) for i in since)
        warnings = tuple(sorted(w.when for w in informal_warnings(since)))
        appealed = frozenset(a.measure_id for a in uow.appeals.for_customer(customer_id) if a.is_open)
        signposted = tuple((s.matter, s.signposted_on) for s in uow.appeals.signpostings_for(customer_id))
        if not viewer_id:
            return CustomerStatusFacts(
                measures,
                representatives,
                False,
                False,
                recent_incidents=recent,
                recent_warnings=warnings,
                appealed_measure_ids=appealed,
                signposted=signposted,
            )
        viewer = uow.staff.get(viewer_id)
        managers = {m.case_owner_id for m in measures} | uow.escalations.requesters_for(customer_id)
        manages_a_reporter = bool(uow.incidents.reporters_for(customer_id) & set(uow.staff.reports_to(viewer_id)))
        return CustomerStatusFacts(
            measures,
            representatives,
            viewer_is_determination_team=viewer is not None and viewer.is_determination_team,
            viewer_manages_case=viewer_id in managers or manages_a_reporter,
            recent_incidents=recent,
            recent_warnings=warnings,
            appealed_measure_ids=appealed,
            signposted=signposted,
        )

    def people_on_card(self, user_ids: Collection[str]) -> Mapping[str, StaffMember]:
        named = self._uow.staff.many(user_ids)
        return {**named, **{m.user_id: m for m in self._uow.staff.determination_team()}}

    def work_for(self, viewer_id: str, reviews_due_before: datetime) -> WorkFacts:
        uow = self._uow
        state = uow.working

        def customer_name(customer_id: int) -> str:
            customer = uow.customers.get(customer_id)
            return customer.name if customer else ""

        reporters = set(uow.staff.reports_to(viewer_id))
        discussions = tuple(
            DiscussionDue(i.id, i.reference, customer_name(i.customer_id), self._name(i.reported_by), i.occurred_at)
            for i in sorted(state.incidents.values(), key=lambda i: (i.occurred_at, i.id))
            if i.manager_outcome is None and i.reported_by in reporters
        )
        reviews: list[ReviewDue] = []
        for review in uow.reviews.open_reviews(reviews_due_before):
            measure = uow.measures.get(review.measure_id)
            assert measure is not None
            if (review.owner_id or measure.case_owner_id) == viewer_id:
                reviews.append(ReviewDue(review.id, customer_name(measure.customer_id), measure.kind, review.due_at))
        newest: dict[tuple[int | None, int | None, str], Letter] = {}
        for letter in sorted(state.letters.values(), key=lambda x: x.version):
            newest[(letter.measure_id, letter.escalation_id, letter.kind.value)] = letter

        def about(letter: Letter) -> tuple[int, str]:
            """The customer and case owner of what the letter is about: a measure, or an escalation's decision."""
            if letter.measure_id is not None:
                measure = state.measures[letter.measure_id]
                return measure.customer_id, measure.case_owner_id
            assert letter.escalation_id is not None
            escalation = state.escalations[letter.escalation_id]
            return escalation.customer_id, escalation.requested_by

        letters = tuple(
            DraftLetterDue(
                letter.id,
                customer_name(about(letter)[0]),
                letter.kind,
                letter.version,
                letter.content.reference,
                letter.created_at,
            )
            for letter in sorted(newest.values(), key=lambda x: (x.created_at, x.id))
            if letter.issued_at is None and about(letter)[1] == viewer_id
        )
        waiting = uow.escalations.waiting()

        def due(e: Escalation) -> EscalationDue:
            return EscalationDue(
                e.id,
                customer_name(e.customer_id),
                e.kind,
                e.is_immediate,
                e.state,
                e.requested_at,
                e.question,
                e.last_chased_at,
            )

        viewer = uow.staff.get(viewer_id)
        team = viewer is not None and viewer.is_determination_team
        return WorkFacts(
            viewer_is_determination_team=team,
            discussions=discussions,
            reviews=tuple(reviews),
            letters=letters,
            questions=tuple(
                due(e) for e in waiting if e.state is EscalationState.MORE_INFORMATION and e.requested_by == viewer_id
            ),
            decisions=tuple(due(e) for e in waiting) if team else (),
        )

    def _name(self, user_id: str) -> str:
        member = self._uow.staff.get(user_id)
        return member.name if member else user_id


class NoOversightReads:
    """The oversight figures are SQL aggregates (storage/oversight_reads.py): tests/test_oversight.py runs them on
    SQLite and PostgreSQL, with nothing in memory to stand in for them."""

    def oversight_facts(self, start: datetime, end: datetime, as_of: datetime) -> OversightFacts:
        raise NotImplementedError("the oversight figures are tested on SQLite and PostgreSQL")

    def claim_digest(self, period_code: str, kind: str, at: datetime, by: str) -> bool:
        raise NotImplementedError("the digests are tested on SQLite and PostgreSQL")


class FakeUnitOfWork:
    """One in-memory transaction at a time: changes are seen by later units of work only after commit()."""

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

    def __init__(self) -> None:
        self.state = FakeState()
        """The committed snapshot. Tests read it to see what a use case left behind."""
        self.working = FakeState()
        self.committed = 0
        """How many times commit() was called."""
        self.rolled_back = 0
        self.active = False
        self.customers = FakeCustomers(self)
        self.representatives = FakeRepresentatives(self)
        self.incidents = FakeIncidents(self)
        self.escalations = FakeEscalations(self)
        self.measures = FakeMeasures(self)
        self.reviews = FakeReviews(self)
        self.staff = FakeStaff(self)
        self.letters = FakeLetters(self)
        self.appeals = FakeAppeals(self)
        self.outbox = FakeOutbox(self)
        self.audit = FakeAuditLog(self)
        self.reads = FakeReads(self)
        self.correspondence = FakeCorrespondence(self)
        self.oversight = NoOversightReads()

    def __enter__(self) -> Self:
        assert not self.active, "units of work do not nest"
        self.active = True
        self.working = copy.deepcopy(self.state)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.working = copy.deepcopy(self.state)
        self.active = False

    def commit(self) -> None:
        assert self.active, "commit() outside `with uow:`"
        self.state = copy.deepcopy(self.working)
        self.committed += 1

    def rollback(self) -> None:
        assert self.active, "rollback() outside `with uow:`"
        self.working = copy.deepcopy(self.state)
        self.rolled_back += 1

    def statement_by_statement(self) -> None:
        assert self.active, "statement_by_statement() outside `with uow:`"

    def events(self, action: str | None = None) -> list[AuditEvent]:
        """Committed audit events, optionally only those with this action."""
        return [e for e in self.state.audit if action is None or e.action == action]
