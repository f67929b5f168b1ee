"""The unit of work and repositories over SQLModel: the casework ports, implemented for SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Self

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, delete, or_, text, update
from sqlalchemy import select as sql_select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.customer_query import (
    NAME_MATCH_THRESHOLD,
    CustomerQuery,
    QueryKind,
    name_key,
    name_similarity,
    name_tokens,
)
from casework.entities import (
    AuditEvent,
    Customer,
    Decision,
    DueReview,
    Escalation,
    Incident,
    Letter,
    LetterContent,
    Measure,
    NewCustomer,
    NewEscalation,
    NewIncident,
    NewLetter,
    NewMeasure,
    NewRepresentative,
    Representative,
    RestrictionTerms,
    ScheduledReview,
    StaffMember,
    Vote,
    with_id,
)
from casework.errors import AlreadyRecorded
from casework.ports import (
    AuditLog,
    CustomerRepository,
    EscalationRepository,
    IncidentRepository,
    LetterRepository,
    MeasureRepository,
    RepresentativeRepository,
    ReviewRepository,
    StaffRepository,
)
from casework.vocabulary import (
    ActingParty,
    ContactChannel,
    ContactRestriction,
    DecisionOutcome,
    DeliveryMethod,
    EscalationKind,
    EscalationState,
    ImmediateStep,
    LetterKind,
    ManagerOutcome,
    MeasureKind,
    ReviewOutcome,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)
from storage.tables import (
    AuditEventRecord,
    CustomerNameToken,
    CustomerRecord,
    DecisionRecord,
    EscalationIncident,
    EscalationRecord,
    IncidentRecord,
    LetterRecord,
    MeasureRecord,
    RepresentativeRecord,
    Review,
    StaffMemberRecord,
    VoteRecord,
)


def stored_id(row_id: int | None) -> int:
    """A row read back from the database always has its id; only a row not yet flushed lacks one."""
    if row_id is None:
        raise ValueError("a stored row has no id")
    return row_id


def _now() -> datetime:
    return datetime.now(UTC)


class SqlCustomers:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, customer: NewCustomer) -> Customer:
        row = CustomerRecord(created_at=_now(), name="", name_key="")
        _copy_customer(customer, row)
        self._session.add(row)
        self._session.flush()
        self._index_names(row)
        return with_id(Customer, customer, stored_id(row.id))

    def update(self, customer: Customer) -> None:
        row = self._session.get_one(CustomerRecord, customer.id)
        _copy_customer(customer, row)
        self._session.add(row)
        self._session.flush()
        self._index_names(row)

    def get(self, customer_id: int) -> Customer | None:
        row = self._session.get(CustomerRecord, customer_id)
        return _customer(row) if row else None

    def lock_name(self, name_key: str) -> None:
        # PostgreSQL: a transaction-scoped advisory lock on the name; SQLite's write lock already serialises.
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("SELECT pg_advisory_xact_lock(7215002, hashtext(:key))"), {"key": name_key})

    def remove(self, customer_id: int) -> None:
        self._session.execute(delete(CustomerNameToken).where(col(CustomerNameToken.customer_id) == customer_id))
        self._session.execute(delete(CustomerRecord).where(col(CustomerRecord.id) == customer_id))

    def reassign(self, from_customer_id: int, to_customer_id: int) -> None:
        """Moves every record of one customer to another (merging duplicates)."""
        for table in (IncidentRecord, EscalationRecord, MeasureRecord, RepresentativeRecord):
            self._session.execute(
                update(table).where(col(table.customer_id) == from_customer_id).values(customer_id=to_customer_id)
            )

    def search(self, query: CustomerQuery, limit: int = 10) -> Sequence[Customer]:
        """Exact on contact details and references; forgiving on names (typos, order, initials, accents)."""
        exact_columns = {
            QueryKind.COUNCIL_REFERENCE: CustomerRecord.council_reference,
            QueryKind.POSTCODE: CustomerRecord.postcode,
            QueryKind.PHONE: CustomerRecord.phone,
            QueryKind.EMAIL: CustomerRecord.email,
        }
        if query.kind in exact_columns:
            rows = self._session.exec(
                select(CustomerRecord)
                .where(exact_columns[query.kind] == query.key)
                .order_by(col(CustomerRecord.id))
                .limit(limit)
            )
            return [_customer(row) for row in rows]
        return self._search_name(query.key, limit)

    def _search_name(self, key: str, limit: int) -> Sequence[Customer]:
        exact = self._session.exec(
            select(CustomerRecord).where(CustomerRecord.name_key == key).order_by(col(CustomerRecord.id)).limit(limit)
        ).all()
        if exact:
            return [_customer(row) for row in exact]
        for candidates in self._name_candidates(key):
            best = _rank(key, candidates, limit)
            if best:
                rows = {
                    row.id: row
                    for row in self._session.exec(select(CustomerRecord).where(col(CustomerRecord.id).in_(best)))
                }
                return [_customer(rows[customer_id]) for customer_id in best]
        return []

    def _name_candidates(self, key: str) -> Iterator[Sequence[tuple[int, str, str]]]:
        """Customers whose names could be the one typed: cheapest, narrowest look-up first."""
        columns = (col(CustomerRecord.id), col(CustomerRecord.name_key), col(CustomerRecord.other_names))
        tokens = [t for t in name_tokens(key) if len(t) >= 2]
        # Words starting with the same three letters first; two letters catch a typo in the third.
        for column, size in ((CustomerNameToken.prefix3, 3), (CustomerNameToken.prefix2, 2)):
            prefixes = sorted({t[:size] for t in tokens if len(t) >= size})
            if prefixes:
                # A join from the prefix index to the customers' primary key: both databases plan it as index
                # look-ups, where an IN (subquery) made PostgreSQL scan the customer table.
                rows = self._session.execute(
                    sql_select(*columns)
                    .join(CustomerNameToken, col(CustomerNameToken.customer_id) == col(CustomerRecord.id))
                    .where(col(column).in_(prefixes))
                    .limit(5000)
                ).all()
                yield list({row[0]: row for row in rows}.values())

    def _index_names(self, row: CustomerRecord) -> None:
        assert row.id is not None
        self._session.execute(delete(CustomerNameToken).where(col(CustomerNameToken.customer_id) == row.id))
        words = set(name_tokens(row.name_key)) | set(name_tokens(name_key(row.other_names)))
        for word in sorted(w for w in words if len(w) >= 2):
            self._session.add(
                CustomerNameToken(customer_id=row.id, token=word[:100], prefix2=word[:2], prefix3=word[:3])
            )
        self._session.flush()


def _rank(key: str, candidates: Sequence[tuple[int, str, str]], limit: int) -> list[int]:
    """The ids of the candidates that match well enough, best first. rapidfuzz's C scorer shortlists thousands;
    the similarity that knows about initials and other names then decides."""
    names = [name for _, name, _ in candidates]
    shortlist = [
        candidates[index]
        for _, _, index in process.extract(key, names, scorer=fuzz.token_sort_ratio, limit=50, score_cutoff=50)
    ]
    shortlist += [candidate for candidate in candidates if candidate[2]][:200]  # known by other names too
    scores: dict[int, float] = {}
    for customer_id, name, other in shortlist:
        scores[customer_id] = max(name_similarity(key, name), _other_names_score(key, other))
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    return [customer_id for customer_id, score in ranked if score >= NAME_MATCH_THRESHOLD][:limit]


def _other_names_score(key: str, other_names: str) -> float:
    names = [name_key(n) for n in other_names.split(";") if n.strip()]
    return max((name_similarity(key, n) for n in names), default=0.0)


def _copy_customer(customer: NewCustomer, row: CustomerRecord) -> None:
    row.name = customer.name
    row.name_key = name_key(customer.name)
    row.council_reference = customer.council_reference
    row.postcode = customer.postcode
    row.phone = customer.phone
    row.email = customer.email
    row.other_names = customer.other_names
    row.date_of_birth = customer.date_of_birth
    row.address = customer.address
    row.no_fixed_address = customer.no_fixed_address
    row.reasonable_adjustments = customer.reasonable_adjustments
    row.communication_needs = customer.communication_needs


def _customer(row: CustomerRecord) -> Customer:
    return Customer(
        name=row.name,
        council_reference=row.council_reference,
        postcode=row.postcode,
        phone=row.phone,
        email=row.email,
        other_names=row.other_names,
        date_of_birth=row.date_of_birth,
        address=row.address,
        no_fixed_address=row.no_fixed_address,
        reasonable_adjustments=row.reasonable_adjustments,
        communication_needs=row.communication_needs,
        id=stored_id(row.id),
    )


class SqlRepresentatives:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, representative: NewRepresentative) -> Representative:
        row = RepresentativeRecord(
            customer_id=representative.customer_id,
            name=representative.name,
            relationship=representative.relationship,
            authority=representative.authority,
        )
        self._session.add(row)
        self._session.flush()
        return with_id(Representative, representative, stored_id(row.id))

    def for_customer(self, customer_id: int) -> Sequence[Representative]:
        rows = self._session.exec(
            select(RepresentativeRecord)
            .where(RepresentativeRecord.customer_id == customer_id)
            .order_by(col(RepresentativeRecord.id))
        )
        return [Representative(r.customer_id, r.name, r.relationship, r.authority, id=stored_id(r.id)) for r in rows]


class SqlIncidents:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, incident: NewIncident) -> Incident:
        row = IncidentRecord(
            customer_id=incident.customer_id,
            reported_by=incident.reported_by,
            occurred_at=incident.occurred_at,
            channel=incident.channel.value,
            actions=[action.value for action in incident.actions],
            description=incident.description,
            submission_key=incident.submission_key,
            service_area=incident.service_area.value,
            acting_party=incident.acting_party.value,
            representative_name=incident.representative_name,
            immediate_steps=[step.value for step in incident.immediate_steps],
            informal_warning_given=incident.informal_warning_given,
            safeguarding_concern=incident.safeguarding_concern,
            support_need=incident.support_need,
            serious_threats=[threat.value for threat in incident.serious_threats],
            created_at=_now(),
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except IntegrityError as error:
            raise AlreadyRecorded("This report was already received.") from error
        return with_id(Incident, incident, stored_id(row.id))

    def assign_reference(self, incident_id: int, reference: str) -> None:
        row = self._session.get_one(IncidentRecord, incident_id)
        row.reference = reference
        self._session.add(row)
        self._session.flush()

    def get(self, incident_id: int) -> Incident | None:
        row = self._session.get(IncidentRecord, incident_id)
        return _incident(row) if row else None

    def record_manager_outcome(self, incident_id: int, outcome: ManagerOutcome, by: str, at: datetime) -> bool:
        """Only the first outcome is kept: a conditional update, so racing clicks cannot both win."""
        result = self._session.execute(
            update(IncidentRecord)
            .where(col(IncidentRecord.id) == incident_id, col(IncidentRecord.manager_outcome).is_(None))
            .values(manager_outcome=outcome.value, manager_outcome_by=by, manager_outcome_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def reporters_for(self, customer_id: int) -> set[str]:
        rows = self._session.exec(
            select(IncidentRecord.reported_by).where(IncidentRecord.customer_id == customer_id).distinct()
        )
        return set(rows)

    def by_submission_key(self, submission_key: str) -> Incident | None:
        row = self._session.exec(select(IncidentRecord).where(IncidentRecord.submission_key == submission_key)).first()
        return _incident(row) if row else None

    def for_customer(self, customer_id: int) -> Sequence[Incident]:
        rows = self._session.exec(
            select(IncidentRecord)
            .where(IncidentRecord.customer_id == customer_id)
            .order_by(col(IncidentRecord.occurred_at))
        )
        return [_incident(row) for row in rows]

    def for_customer_since(self, customer_id: int, since: datetime) -> Sequence[Incident]:
        rows = self._session.exec(
            select(IncidentRecord)
            .where(IncidentRecord.customer_id == customer_id, col(IncidentRecord.occurred_at) >= since)
            .order_by(col(IncidentRecord.occurred_at))
        )
        return [_incident(row) for row in rows]

    def with_ids(self, incident_ids: Sequence[int]) -> Sequence[Incident]:
        if not incident_ids:
            return []
        rows = self._session.exec(
            select(IncidentRecord)
            .where(col(IncidentRecord.id).in_(list(incident_ids)))
            .order_by(col(IncidentRecord.occurred_at))
        )
        return [_incident(row) for row in rows]

    def reporters_of(self, incident_ids: Sequence[int]) -> set[str]:
        if not incident_ids:
            return set()
        rows = self._session.exec(
            select(IncidentRecord.reported_by).where(col(IncidentRecord.id).in_(list(incident_ids))).distinct()
        )
        return set(rows)


def _incident(row: IncidentRecord) -> Incident:
    return Incident(
        customer_id=row.customer_id,
        reported_by=row.reported_by,
        occurred_at=row.occurred_at,
        channel=ContactChannel(row.channel),
        actions=tuple(UnreasonableAction(action) for action in row.actions),
        description=row.description,
        submission_key=row.submission_key,
        service_area=ServiceArea(row.service_area),
        acting_party=ActingParty(row.acting_party),
        representative_name=row.representative_name,
        immediate_steps=tuple(ImmediateStep(step) for step in row.immediate_steps),
        informal_warning_given=row.informal_warning_given,
        safeguarding_concern=row.safeguarding_concern,
        support_need=row.support_need,
        serious_threats=tuple(SeriousThreat(threat) for threat in row.serious_threats),
        manager_outcome=ManagerOutcome(row.manager_outcome) if row.manager_outcome else None,
        manager_outcome_by=row.manager_outcome_by,
        manager_outcome_at=row.manager_outcome_at,
        id=stored_id(row.id),
        reference=row.reference or "",
    )


class SqlEscalations:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, escalation: NewEscalation) -> Escalation:
        row = EscalationRecord(
            customer_id=escalation.customer_id,
            kind=escalation.kind.value,
            reason=escalation.reason,
            requested_by=escalation.requested_by,
            requested_at=escalation.requested_at,
            investigation_reference=escalation.investigation_reference,
            serious_threat=escalation.serious_threat.value if escalation.serious_threat else None,
            legal_advice_reference=escalation.legal_advice_reference,
            restrictions=[r.value for r in escalation.restrictions],
            terms=asdict(escalation.terms),
            state=escalation.state.value,
        )
        self._session.add(row)
        self._session.flush()
        escalation_id = stored_id(row.id)
        for incident_id in escalation.incident_ids:
            self._session.add(EscalationIncident(escalation_id=escalation_id, incident_id=incident_id))
        self._session.flush()
        return with_id(Escalation, escalation, escalation_id)

    def get_for_update(self, escalation_id: int) -> Escalation | None:
        row = self._session.exec(
            select(EscalationRecord).where(EscalationRecord.id == escalation_id).with_for_update()
        ).first()
        return self._escalations([row])[0] if row else None

    def pending_since_before(self, cutoff: datetime) -> Sequence[Escalation]:
        rows = self._session.exec(
            select(EscalationRecord)
            .where(
                col(EscalationRecord.state) == EscalationState.PENDING.value,
                col(EscalationRecord.requested_at) <= cutoff,
            )
            .order_by(col(EscalationRecord.requested_at))
        )
        return self._escalations(rows.all())

    def requesters_for(self, customer_id: int) -> set[str]:
        rows = self._session.exec(
            select(EscalationRecord.requested_by).where(EscalationRecord.customer_id == customer_id).distinct()
        )
        return set(rows)

    def for_customer(self, customer_id: int) -> Sequence[Escalation]:
        rows = self._session.exec(
            select(EscalationRecord)
            .where(EscalationRecord.customer_id == customer_id)
            .order_by(col(EscalationRecord.requested_at))
        )
        return self._escalations(rows.all())

    def _escalations(self, rows: Sequence[EscalationRecord]) -> list[Escalation]:
        """Many escalations with their incidents in one query per chunk, not one query each."""
        incidents: dict[int, list[int]] = {}
        ids = [stored_id(row.id) for row in rows]
        for start in range(0, len(ids), 500):
            links = self._session.exec(
                select(EscalationIncident.escalation_id, EscalationIncident.incident_id)
                .where(col(EscalationIncident.escalation_id).in_(ids[start : start + 500]))
                .order_by(col(EscalationIncident.escalation_id), col(EscalationIncident.incident_id))
            )
            for escalation_id, incident_id in links:
                incidents.setdefault(escalation_id, []).append(incident_id)
        return [self._escalation(row, incidents.get(stored_id(row.id), [])) for row in rows]

    def _escalation(self, row: EscalationRecord, incident_ids: Sequence[int]) -> Escalation:
        return Escalation(
            customer_id=row.customer_id,
            kind=EscalationKind(row.kind),
            reason=row.reason,
            requested_by=row.requested_by,
            requested_at=row.requested_at,
            incident_ids=tuple(incident_ids),
            investigation_reference=row.investigation_reference,
            serious_threat=SeriousThreat(row.serious_threat) if row.serious_threat else None,
            legal_advice_reference=row.legal_advice_reference,
            restrictions=tuple(ContactRestriction(r) for r in row.restrictions),
            terms=RestrictionTerms(**row.terms),
            state=EscalationState(row.state),
            card_conversation_id=row.card_conversation_id,
            card_activity_id=row.card_activity_id,
            question=row.question,
            answer=row.answer,
            last_chased_at=row.last_chased_at,
            id=stored_id(row.id),
        )

    def save_state(self, escalation: Escalation) -> None:
        row = self._session.get_one(EscalationRecord, escalation.id)
        row.state = escalation.state.value
        row.question = escalation.question
        row.answer = escalation.answer
        self._session.add(row)
        self._session.flush()

    def add_vote(self, vote: Vote) -> None:
        # Votes on one escalation queue behind its row lock, so this look-up cannot race; the primary
        # key still refuses a second vote by the same member should anything get past it.
        if self._session.get(VoteRecord, (vote.escalation_id, vote.member_id)) is not None:
            raise AlreadyRecorded("You have already given your decision on this.")
        self._session.add(
            VoteRecord(
                escalation_id=vote.escalation_id,
                member_id=vote.member_id,
                outcome=vote.outcome.value,
                notes=vote.notes,
                alternatives_considered=vote.alternatives_considered,
                at=vote.at,
            )
        )
        self._session.flush()

    def votes_for(self, escalation_id: int) -> Sequence[Vote]:
        rows = self._session.exec(
            select(VoteRecord).where(VoteRecord.escalation_id == escalation_id).order_by(col(VoteRecord.at))
        )
        return [
            Vote(r.escalation_id, r.member_id, DecisionOutcome(r.outcome), r.at, r.notes, r.alternatives_considered)
            for r in rows
        ]

    def waiting(self) -> Sequence[Escalation]:
        rows = self._session.exec(
            select(EscalationRecord)
            .where(
                col(EscalationRecord.state).in_([EscalationState.PENDING.value, EscalationState.MORE_INFORMATION.value])
            )
            .order_by(col(EscalationRecord.requested_at))
        )
        return self._escalations(rows.all())

    def claim_chase(self, escalation_id: int, now: datetime, not_since: datetime) -> bool:
        """Marks an overdue escalation as chased now, unless another sweep chased it since `not_since`."""
        result = self._session.execute(
            update(EscalationRecord)
            .where(
                col(EscalationRecord.id) == escalation_id,
                col(EscalationRecord.state) == EscalationState.PENDING.value,
                or_(col(EscalationRecord.last_chased_at).is_(None), col(EscalationRecord.last_chased_at) <= not_since),
            )
            .values(last_chased_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def record_card(self, escalation_id: int, conversation_id: str, activity_id: str) -> None:
        row = self._session.get_one(EscalationRecord, escalation_id)
        row.card_conversation_id = conversation_id
        row.card_activity_id = activity_id
        self._session.add(row)
        self._session.flush()

    def add_decision(self, decision: Decision) -> None:
        self._session.add(
            DecisionRecord(
                escalation_id=decision.escalation_id,
                outcome=decision.outcome.value,
                decided_by=decision.decided_by,
                decided_at=decision.decided_at,
                notes=decision.notes,
            )
        )
        try:
            self._session.flush()
        except IntegrityError as error:
            raise AlreadyRecorded("This escalation has already been decided.") from error

    def decision_for(self, escalation_id: int) -> Decision | None:
        row = self._session.exec(select(DecisionRecord).where(DecisionRecord.escalation_id == escalation_id)).first()
        if row is None:
            return None
        return Decision(row.escalation_id, DecisionOutcome(row.outcome), row.decided_by, row.decided_at, row.notes)


class SqlMeasures:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, measure: NewMeasure) -> Measure:
        row = MeasureRecord(
            customer_id=measure.customer_id,
            kind=measure.kind.value,
            escalation_id=measure.escalation_id,
            starts_at=measure.starts_at,
            review_due_at=measure.review_due_at,
            ended_at=measure.ended_at,
            case_owner_id=measure.case_owner_id,
            restrictions=[r.value for r in measure.restrictions],
            terms=asdict(measure.terms),
        )
        self._session.add(row)
        self._session.flush()
        return with_id(Measure, measure, stored_id(row.id))

    def get(self, measure_id: int) -> Measure | None:
        row = self._session.get(MeasureRecord, measure_id)
        return _measure(row) if row else None

    def set_review_due(self, measure_id: int, due_at: datetime) -> None:
        row = self._session.get_one(MeasureRecord, measure_id)
        row.review_due_at = due_at
        self._session.add(row)
        self._session.flush()

    def end(self, measure_id: int, at: datetime) -> None:
        row = self._session.get_one(MeasureRecord, measure_id)
        row.ended_at = at
        self._session.add(row)
        self._session.flush()

    def for_customer(self, customer_id: int) -> Sequence[Measure]:
        rows = self._session.exec(select(MeasureRecord).where(MeasureRecord.customer_id == customer_id))
        return [_measure(row) for row in rows]


def _measure(row: MeasureRecord) -> Measure:
    return Measure(
        customer_id=row.customer_id,
        kind=MeasureKind(row.kind),
        escalation_id=row.escalation_id,
        starts_at=row.starts_at,
        review_due_at=row.review_due_at,
        case_owner_id=row.case_owner_id,
        restrictions=tuple(ContactRestriction(r) for r in row.restrictions),
        terms=RestrictionTerms(**row.terms),
        ended_at=row.ended_at,
        id=stored_id(row.id),
    )


def _review(row: Review) -> ScheduledReview:
    return ScheduledReview(
        measure_id=row.measure_id,
        due_at=row.due_at,
        owner_id=row.owner_id,
        decided_at=row.decided_at,
        outcome=ReviewOutcome(row.outcome) if row.outcome else None,
        decided_by=row.decided_by,
        reason=row.reason,
        customer_advised=row.customer_advised,
        not_advised_reason=row.not_advised_reason,
        last_escalated_at=row.last_escalated_at,
        reminder_sent_at=row.reminder_sent_at,
        id=stored_id(row.id),
    )


class SqlReviews:
    def __init__(self, session: Session) -> None:
        self._session = session

    def schedule(self, measure_id: int, due_at: datetime) -> None:
        self._session.add(Review(measure_id=measure_id, due_at=due_at))
        self._session.flush()

    def get_for_update(self, review_id: int) -> ScheduledReview | None:
        row = self._session.exec(select(Review).where(Review.id == review_id).with_for_update()).first()
        return _review(row) if row else None

    def for_measure(self, measure_id: int) -> Sequence[ScheduledReview]:
        rows = self._session.exec(select(Review).where(Review.measure_id == measure_id).order_by(col(Review.due_at)))
        return [_review(row) for row in rows]

    def save_decision(self, review: ScheduledReview) -> None:
        row = self._session.get_one(Review, review.id)
        row.decided_at, row.decided_by = review.decided_at, review.decided_by
        row.outcome = review.outcome.value if review.outcome else None
        row.reason, row.customer_advised, row.not_advised_reason = (
            review.reason,
            review.customer_advised,
            review.not_advised_reason,
        )
        self._session.add(row)
        self._session.flush()

    def reassign(self, review_id: int, owner_id: str) -> None:
        row = self._session.get_one(Review, review_id)
        row.owner_id = owner_id
        # The new owner gets their own reminder.
        row.reminder_sent_at, row.reminder_claimed_by, row.reminder_claimed_until = None, None, None
        self._session.add(row)
        self._session.flush()

    def open_reviews(self, due_before: datetime) -> Sequence[ScheduledReview]:
        rows = self._session.exec(
            select(Review)
            .join(MeasureRecord, col(MeasureRecord.id) == Review.measure_id)
            .where(col(Review.decided_at).is_(None), Review.due_at <= due_before, col(MeasureRecord.ended_at).is_(None))
            .order_by(col(Review.due_at))
        )
        return [_review(row) for row in rows]

    def claim_overdue(self, now: datetime, not_since: datetime, limit: int) -> Sequence[ScheduledReview]:
        rows = self._session.exec(
            select(Review)
            .join(MeasureRecord, col(MeasureRecord.id) == Review.measure_id)
            .where(
                col(Review.decided_at).is_(None),
                Review.due_at < now,
                col(MeasureRecord.ended_at).is_(None),
                or_(col(Review.last_escalated_at).is_(None), col(Review.last_escalated_at) <= not_since),
            )
            .order_by(col(Review.due_at))
            .limit(limit)
            .with_for_update(skip_locked=True, of=Review)
        ).all()
        for row in rows:
            row.last_escalated_at = now
            self._session.add(row)
        self._session.flush()
        return [_review(row) for row in rows]

    def claim_reminders(
        self, remind_from: datetime, now: datetime, claim_until: datetime, claimant: str, limit: int
    ) -> Sequence[DueReview]:
        # SKIP LOCKED lets several PostgreSQL instances sweep at once without waiting on or taking each
        # other's rows; SQLite ignores it (its write lock already makes sweeps take turns).
        rows = self._session.exec(
            select(Review, MeasureRecord, CustomerRecord)
            .join(MeasureRecord, col(MeasureRecord.id) == Review.measure_id)
            .join(CustomerRecord, col(CustomerRecord.id) == MeasureRecord.customer_id)
            .where(
                col(Review.reminder_sent_at).is_(None),
                col(Review.decided_at).is_(None),
                Review.due_at <= remind_from,
                or_(col(Review.reminder_claimed_until).is_(None), col(Review.reminder_claimed_until) < now),
                or_(col(MeasureRecord.ended_at).is_(None), col(MeasureRecord.ended_at) > now),
            )
            .order_by(col(Review.due_at))
            .limit(limit)
            .with_for_update(skip_locked=True, of=Review)
        ).all()
        claimed: list[DueReview] = []
        for review, measure, customer in rows:
            review.reminder_claimed_by = claimant
            review.reminder_claimed_until = claim_until
            self._session.add(review)
            assert review.id is not None and measure.id is not None
            claimed.append(
                DueReview(
                    review.id,
                    measure.id,
                    customer.name,
                    MeasureKind(measure.kind),
                    review.due_at,
                    review.owner_id or measure.case_owner_id,
                )
            )
        self._session.flush()
        return claimed

    def mark_reminded(self, review_id: int, claimant: str, at: datetime) -> bool:
        result = self._session.execute(
            update(Review)
            .where(
                col(Review.id) == review_id,
                col(Review.reminder_claimed_by) == claimant,
                col(Review.reminder_sent_at).is_(None),
            )
            .values(reminder_sent_at=at, reminder_claimed_until=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def release_claim(self, review_id: int, claimant: str) -> bool:
        result = self._session.execute(
            update(Review)
            .where(
                col(Review.id) == review_id,
                col(Review.reminder_claimed_by) == claimant,
                col(Review.reminder_sent_at).is_(None),
            )
            .values(reminder_claimed_by=None, reminder_claimed_until=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlStaff:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, user_id: str) -> StaffMember | None:
        row = self._session.get(StaffMemberRecord, user_id)
        return _staff(row) if row else None

    def reports_to(self, manager_id: str) -> Sequence[str]:
        return list(
            self._session.exec(select(StaffMemberRecord.user_id).where(StaffMemberRecord.line_manager_id == manager_id))
        )

    def all(self) -> Sequence[StaffMember]:
        rows = self._session.exec(select(StaffMemberRecord).order_by(col(StaffMemberRecord.name)))
        return [_staff(r) for r in rows]

    def determination_team(self) -> Sequence[StaffMember]:
        rows = self._session.exec(
            select(StaffMemberRecord)
            .where(col(StaffMemberRecord.is_determination_team).is_(True))
            .order_by(col(StaffMemberRecord.name))
        )
        return [_staff(r) for r in rows]

    def save(self, member: StaffMember) -> None:
        # An upsert: two first turns from a new person at once must both succeed.
        values = {
            "user_id": member.user_id,
            "name": member.name,
            "is_determination_team": member.is_determination_team,
            "line_manager_id": member.line_manager_id,
            "teams_user_id": member.teams_user_id,
        }
        insert = postgres_insert if self._session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(StaffMemberRecord).values(**values)
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id"], set_={k: v for k, v in values.items() if k != "user_id"}
            )
        )
        self._session.flush()
        self._session.expire_all()


def _staff(row: StaffMemberRecord) -> StaffMember:
    return StaffMember(row.user_id, row.name, row.is_determination_team, row.line_manager_id, row.teams_user_id)


class SqlLetters:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, letter: NewLetter) -> Letter:
        row = LetterRecord(
            measure_id=letter.measure_id,
            kind=letter.kind.value,
            version=letter.version,
            content=letter.content.to_json(),
            docx=letter.docx,
            created_at=letter.created_at,
            created_by=letter.created_by,
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except IntegrityError as error:
            raise AlreadyRecorded("that version of the letter already exists") from error
        return with_id(Letter, letter, stored_id(row.id))

    def get(self, letter_id: int) -> Letter | None:
        row = self._session.get(LetterRecord, letter_id)
        return _letter(row) if row else None

    def versions(self, measure_id: int, kind: str | None = None) -> Sequence[Letter]:
        query = select(LetterRecord).where(LetterRecord.measure_id == measure_id)
        if kind is not None:
            query = query.where(LetterRecord.kind == kind)
        return [_letter(row) for row in self._session.exec(query.order_by(col(LetterRecord.id)))]

    def mark_issued(self, letter_id: int, at: datetime, by: str, docx: bytes | None) -> None:
        row = self._session.get_one(LetterRecord, letter_id)
        row.issued_at, row.issued_by, row.docx = at, by, docx
        self._session.add(row)
        self._session.flush()

    def record_delivery(self, letter_id: int, method: DeliveryMethod, on: date) -> None:
        row = self._session.get_one(LetterRecord, letter_id)
        row.delivery_method, row.delivered_on = method.value, on
        self._session.add(row)
        self._session.flush()

    def mark_collected(self, letter_id: int, on: date) -> None:
        row = self._session.get_one(LetterRecord, letter_id)
        row.collected_on = on
        self._session.add(row)
        self._session.flush()

    def held_at_reception(self) -> Sequence[Letter]:
        query = (
            select(LetterRecord)
            .where(LetterRecord.delivery_method == DeliveryMethod.HELD_AT_RECEPTION.value)
            .where(col(LetterRecord.collected_on).is_(None))
            .order_by(col(LetterRecord.delivered_on), col(LetterRecord.id))
        )
        return [_letter(row) for row in self._session.exec(query)]


def _letter(row: LetterRecord) -> Letter:
    return Letter(
        measure_id=row.measure_id,
        kind=LetterKind(row.kind),
        version=row.version,
        content=LetterContent.from_json(row.content),
        created_at=row.created_at,
        created_by=row.created_by,
        docx=row.docx,
        issued_at=row.issued_at,
        issued_by=row.issued_by,
        delivery_method=DeliveryMethod(row.delivery_method) if row.delivery_method else None,
        delivered_on=row.delivered_on,
        collected_on=row.collected_on,
        id=stored_id(row.id),
    )


class SqlAuditLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, event: AuditEvent) -> None:
        self._session.add(
            AuditEventRecord(
                at=event.at,
                actor_id=event.actor_id,
                action=event.action,
                record_type=event.record_type,
                record_id=event.record_id,
                detail=event.detail,
            )
        )

    def events(self, record_type: str | None = None, record_id: str | None = None) -> Sequence[AuditEvent]:
        query = select(AuditEventRecord).order_by(col(AuditEventRecord.id))
        if record_type is not None:
            query = query.where(AuditEventRecord.record_type == record_type)
        if record_id is not None:
            query = query.where(AuditEventRecord.record_id == record_id)
        return [
            AuditEvent(row.actor_id, row.action, row.record_type, row.record_id, row.at, dict(row.detail))
            for row in self._session.exec(query)
        ]


class SqlUnitOfWork:
    """One database transaction. Leaving the block without commit() rolls everything back."""

    customers: CustomerRepository
    representatives: RepresentativeRepository
    incidents: IncidentRepository
    escalations: EscalationRepository
    measures: MeasureRepository
    reviews: ReviewRepository
    staff: StaffRepository
    letters: LetterRepository
    audit: AuditLog

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._session: Session | None = None

    def __enter__(self) -> Self:
        session = Session(self._engine, expire_on_commit=False)
        self._session = session
        self.customers = SqlCustomers(session)
        self.representatives = SqlRepresentatives(session)
        self.incidents = SqlIncidents(session)
        self.escalations = SqlEscalations(session)
        self.measures = SqlMeasures(session)
        self.reviews = SqlReviews(session)
        self.staff = SqlStaff(session)
        self.letters = SqlLetters(session)
        self.audit = SqlAuditLog(session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._session is not None
        self._session.rollback()
        self._session.close()
        self._session = None

    def commit(self) -> None:
        assert self._session is not None
        self._session.commit()

    def rollback(self) -> None:
        assert self._session is not None
        self._session.rollback()


UnitOfWorkFactory = Callable[[], SqlUnitOfWork]
