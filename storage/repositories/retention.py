"""Retention's reads and removals (issue 19): a customer's file as ids and dates, its expired records deleted in the
unit of work's one transaction, old lookups in the audit trail redacted (storage/audit_chain.py), the daily claim."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from casework.entities import (
    CustomerFile,
    RetainedAppeal,
    RetainedCorrespondence,
    RetainedEscalation,
    RetainedIncident,
    RetainedMeasure,
    RetainedReview,
    RetainedSignposting,
)
from casework.policy import RetentionDecision
from casework.vocabulary import EscalationState, RetainedKind
from storage.audit_chain import LOOKUP_ACTIONS, REDACTION_ACTION, redaction_digest
from storage.repositories.sql_repository import SqlRepository
from storage.tables import (
    AppealRecord,
    AuditEventRecord,
    CorrespondenceItemRecord,
    CustomerNameToken,
    CustomerRecord,
    DecisionRecord,
    EscalationIncident,
    EscalationRecord,
    IncidentAmendmentRecord,
    IncidentRecord,
    LetterRecord,
    MeasureRecord,
    OmbudsmanSignpostingRecord,
    RepresentativeRecord,
    Review,
    ScheduledRun,
    VoteRecord,
    table_of,
)

CUSTOMER_LOOKUPS = tuple(action for action in LOOKUP_ACTIONS if action.startswith("customer."))
"""Lookups whose record is the customer itself: their detail may hold the name as it was typed."""


def _run(session: Session, statement: Any, parameters: Any = None) -> Any:
    """Core statements over the session, their rows untyped: retention reads ids and dates, column by column."""
    return session.execute(statement, parameters) if parameters is not None else session.execute(statement)


class SqlRetention(SqlRepository):
    def claim_daily(self, job: str, today: date) -> bool:
        """Moves the job's last run to today; True for the one caller that did (a conditional UPDATE: racing
        instances cannot both win, the database re-checks the WHERE on the row it locks)."""
        table = table_of(ScheduledRun)
        statement = (
            update(table)
            .where(table.c.job == job, (table.c.last_run_on.is_(None)) | (table.c.last_run_on < today))
            .values(last_run_on=today)
        )
        return bool(_run(self._session, statement).rowcount)

    def customer_ids(self, after: int, limit: int) -> Sequence[int]:
        table = table_of(CustomerRecord)
        query = select(table.c.id).where(table.c.id > after).order_by(table.c.id).limit(limit)
        return [int(row) for row in _run(self._session, query).scalars()]

    def customer_file(self, customer_id: int, lock: bool) -> CustomerFile | None:
        """The customer's file; `lock` holds the customer row until the transaction ends (PostgreSQL: a report
        about this customer waits, rather than adding an incident to a customer being removed)."""
        session = self._session
        customers = table_of(CustomerRecord)
        query = select(customers.c.id, customers.c.created_at, customers.c.retention_anchor_at).where(
            customers.c.id == customer_id
        )
        customer = _run(session, query.with_for_update() if lock else query).first()
        if customer is None:
            return None
        reps = table_of(RepresentativeRecord)
        representative_ids = tuple(
            _run(session, select(reps.c.id).where(reps.c.customer_id == customer_id).order_by(reps.c.id)).scalars()
        )
        incidents_t, amendments_t = table_of(IncidentRecord), table_of(IncidentAmendmentRecord)
        amendments: dict[int, list[int]] = defaultdict(list)
        for incident_id, amendment_id in _run(
            session,
            select(amendments_t.c.incident_id, amendments_t.c.id)
            .join(incidents_t, incidents_t.c.id == amendments_t.c.incident_id)
            .where(incidents_t.c.customer_id == customer_id),
        ):
            amendments[incident_id].append(amendment_id)
        incidents = tuple(
            RetainedIncident(row.id, row.occurred_at, row.created_at, tuple(sorted(amendments[row.id])))
            for row in _run(
                session,
                select(incidents_t.c.id, incidents_t.c.occurred_at, incidents_t.c.created_at)
                .where(incidents_t.c.customer_id == customer_id)
                .order_by(incidents_t.c.id),
            )
        )
        escalations_t, links_t, decisions_t, letters_t = (
            table_of(EscalationRecord),
            table_of(EscalationIncident),
            table_of(DecisionRecord),
            table_of(LetterRecord),
        )
        escalation_rows = _run(
            session,
            select(escalations_t.c.id, escalations_t.c.state, escalations_t.c.requested_at)
            .where(escalations_t.c.customer_id == customer_id)
            .order_by(escalations_t.c.id),
        ).all()
        escalation_ids = [row.id for row in escalation_rows]
        links: dict[int, list[int]] = defaultdict(list)
        decisions: dict[int, tuple[int, datetime]] = {}
        escalation_letters: dict[int, list[int]] = defaultdict(list)
        if escalation_ids:
            for escalation_id, incident_id in _run(
                session,
                select(links_t.c.escalation_id, links_t.c.incident_id).where(
                    links_t.c.escalation_id.in_(escalation_ids)
                ),
            ):
                links[escalation_id].append(incident_id)
            for row in _run(
                session,
                select(decisions_t.c.id, decisions_t.c.escalation_id, decisions_t.c.decided_at).where(
                    decisions_t.c.escalation_id.in_(escalation_ids)
                ),
            ):
                decisions[row.escalation_id] = (row.id, row.decided_at)
            for letter_id, escalation_id in _run(
                session,
                select(letters_t.c.id, letters_t.c.escalation_id).where(letters_t.c.escalation_id.in_(escalation_ids)),
            ):
                escalation_letters[escalation_id].append(letter_id)
        escalations = tuple(
            RetainedEscalation(
                row.id,
                EscalationState(row.state),
                row.requested_at,
                tuple(sorted(links[row.id])),
                decisions[row.id][0] if row.id in decisions else None,
                decisions[row.id][1] if row.id in decisions else None,
                tuple(sorted(escalation_letters[row.id])),
            )
            for row in escalation_rows
        )
        measures_t, reviews_t = table_of(MeasureRecord), table_of(Review)
        measure_rows = _run(
            session,
            select(
                measures_t.c.id,
                measures_t.c.escalation_id,
                measures_t.c.starts_at,
                measures_t.c.ended_at,
                measures_t.c.confirm_by,
            )
            .where(measures_t.c.customer_id == customer_id)
            .order_by(measures_t.c.id),
        ).all()
        measure_ids = [row.id for row in measure_rows]
        reviews: dict[int, list[RetainedReview]] = defaultdict(list)
        measure_letters: dict[int, list[int]] = defaultdict(list)
        correspondence: tuple[RetainedCorrespondence, ...] = ()
        if measure_ids:
            for row in _run(
                session,
                select(reviews_t.c.id, reviews_t.c.measure_id, reviews_t.c.decided_at)
                .where(reviews_t.c.measure_id.in_(measure_ids))
                .order_by(reviews_t.c.id),
            ):
                reviews[row.measure_id].append(RetainedReview(row.id, row.decided_at))
            for letter_id, measure_id in _run(
                session, select(letters_t.c.id, letters_t.c.measure_id).where(letters_t.c.measure_id.in_(measure_ids))
            ):
                measure_letters[measure_id].append(letter_id)
            items_t = table_of(CorrespondenceItemRecord)
            correspondence = tuple(
                RetainedCorrespondence(row.id, row.measure_id, row.logged_at, row.reviewed_at)
                for row in _run(
                    session,
                    select(items_t.c.id, items_t.c.measure_id, items_t.c.logged_at, items_t.c.reviewed_at)
                    .where(items_t.c.measure_id.in_(measure_ids))
                    .order_by(items_t.c.id),
                )
            )
        measures = tuple(
            RetainedMeasure(
                row.id,
                row.escalation_id,
                row.starts_at,
                row.ended_at,
                row.confirm_by,
                tuple(reviews[row.id]),
                tuple(sorted(measure_letters[row.id])),
            )
            for row in measure_rows
        )
        appeals_t = table_of(AppealRecord)
        appeals = tuple(
            RetainedAppeal(row.id, row.measure_id, row.recorded_at, row.decided_at)
            for row in _run(
                session,
                select(appeals_t.c.id, appeals_t.c.measure_id, appeals_t.c.recorded_at, appeals_t.c.decided_at)
                .where(appeals_t.c.customer_id == customer_id)
                .order_by(appeals_t.c.id),
            )
        )
        signposting_t = table_of(OmbudsmanSignpostingRecord)
        signposting = tuple(
            RetainedSignposting(row.id, row.signposted_on)
            for row in _run(
                session,
                select(signposting_t.c.id, signposting_t.c.signposted_on)
                .where(signposting_t.c.customer_id == customer_id)
                .order_by(signposting_t.c.id),
            )
        )
        return CustomerFile(
            customer.id,
            customer.created_at,
            customer.retention_anchor_at,
            representative_ids,
            incidents,
            escalations,
            measures,
            correspondence,
            appeals,
            signposting,
        )

    def remove(self, decision: RetentionDecision) -> None:
        """Deletes what `decision` found expired, children before the rows they refer to. The unit of work's one
        transaction holds it all: a failure part-way removes nothing."""
        ids = decision.expired
        session = self._session

        def gone(kind: RetainedKind) -> tuple[int, ...]:
            return ids.get(kind, ())

        def delete_where(model: Any, column: str, values: Collection[int]) -> None:
            if values:
                table = table_of(model)
                _run(session, delete(table).where(table.c[column].in_(list(values))))

        reviews, escalations = gone(RetainedKind.REVIEW), gone(RetainedKind.ESCALATION)
        if reviews:
            # An extension request names the review it came from (s13.2); the request stays with its incidents.
            table = table_of(EscalationRecord)
            _run(session, update(table).where(table.c.review_id.in_(list(reviews))).values(review_id=None))
        delete_where(LetterRecord, "id", gone(RetainedKind.LETTER))
        delete_where(CorrespondenceItemRecord, "id", gone(RetainedKind.CORRESPONDENCE))
        delete_where(AppealRecord, "id", gone(RetainedKind.APPEAL))
        delete_where(Review, "id", reviews)
        delete_where(MeasureRecord, "id", gone(RetainedKind.MEASURE))
        delete_where(VoteRecord, "escalation_id", escalations)
        delete_where(EscalationIncident, "escalation_id", escalations)
        delete_where(DecisionRecord, "id", gone(RetainedKind.DECISION))
        delete_where(EscalationRecord, "id", escalations)
        delete_where(IncidentAmendmentRecord, "id", gone(RetainedKind.INCIDENT_AMENDMENT))
        delete_where(IncidentRecord, "id", gone(RetainedKind.INCIDENT))
        delete_where(OmbudsmanSignpostingRecord, "id", gone(RetainedKind.SIGNPOSTING))
        customers = table_of(CustomerRecord)
        if decision.remove_customer:
            delete_where(CustomerNameToken, "customer_id", [decision.customer_id])
            delete_where(RepresentativeRecord, "id", gone(RetainedKind.REPRESENTATIVE))
            _run(session, delete(customers).where(customers.c.id == decision.customer_id))
        elif decision.anchor is not None:
            _run(
                session,
                update(customers)
                .where(customers.c.id == decision.customer_id)
                .values(retention_anchor_at=decision.anchor),
            )

    def lookups_before(self, cutoff: datetime, after: int, limit: int) -> Sequence[tuple[int, str, str]]:
        """The (id, action, hash) of lookups recorded before `cutoff`, not yet redacted, from after id `after`."""
        table = table_of(AuditEventRecord)
        query = (
            select(table.c.id, table.c.action, table.c.hash)
            .where(
                table.c.action.in_(LOOKUP_ACTIONS),
                table.c.at < cutoff,
                table.c.redacted_in.is_(None),
                table.c.id > after,
            )
            .order_by(table.c.id)
            .limit(limit)
        )
        return [(row.id, row.action, row.hash) for row in _run(self._session, query)]

    def naming_events(self, customer_id: int | None, letter_ids: Collection[int]) -> Sequence[tuple[int, str, str]]:
        """Events naming this customer (a lookup typed with their name) or their representative, or who collected
        one of these letters, not yet redacted."""
        table = table_of(AuditEventRecord)
        about = []
        if customer_id is not None:
            about.append(
                table.c.action.in_(["representative.added", *CUSTOMER_LOOKUPS])
                & (table.c.record_type == "customer")
                & (table.c.record_id == str(customer_id))
            )
        if letter_ids:
            about.append(
                (table.c.action == "letter.collected")
                & (table.c.record_type == "letter")
                & table.c.record_id.in_([str(i) for i in letter_ids])
            )
        if not about:
            return []
        condition = about[0] if len(about) == 1 else about[0] | about[1]
        query = (
            select(table.c.id, table.c.action, table.c.hash)
            .where(condition, table.c.redacted_in.is_(None))
            .order_by(table.c.id)
        )
        return [(row.id, row.action, row.hash) for row in _run(self._session, query)]

    def redact(self, rows: Sequence[tuple[int, str, str]], at: datetime, actor_id: str, reason: str) -> int:
        """Blanks these events' actor, record and detail, after recording an audit.redacted event that vouches for
        exactly them (storage/audit_chain.py); returns its id. The rows keep their hashes, so the chain verifies."""
        table = table_of(AuditEventRecord)
        voucher = _run(
            self._session,
            insert(table).returning(table.c.id),
            [
                {
                    "at": at,
                    "actor_id": actor_id,
                    "action": REDACTION_ACTION,
                    "record_type": "audit",
                    "record_id": "",
                    "detail": {
                        "events": str(len(rows)),
                        "digest": redaction_digest(list(rows)),
                        "reason": reason,
                        "first": str(min(r[0] for r in rows)),
                        "last": str(max(r[0] for r in rows)),
                    },
                }
            ],
        ).scalar_one()
        _run(
            self._session,
            update(table)
            .where(table.c.id.in_([r[0] for r in rows]))
            .values(actor_id="", record_id="", detail={}, redacted_in=voucher),
        )
        return int(voucher)
