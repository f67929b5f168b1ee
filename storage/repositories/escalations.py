"""Escalations to the determination team (s2.6), with the incidents they rest on, the members' votes and the
decision: an escalation's votes and decision are written only under its row lock (get_for_update)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import col, select

from casework.entities import (
    Decision,
    Escalation,
    NewEscalation,
    RestrictionTerms,
    SeriousStepParticulars,
    Vote,
    with_id,
)
from casework.vocabulary import ContactRestriction, DecisionOutcome, EscalationKind, EscalationState, SeriousThreat
from storage.repositories.sql_repository import SqlRepository, stored_id
from storage.tables import (
    CustomerRecord,
    DecisionRecord,
    EscalationIncident,
    EscalationRecord,
    IncidentRecord,
    VoteRecord,
)

LINKS_PER_QUERY = 500
"""Escalation ids per IN (…) when loading incident links: well under either database's parameter limit."""


class SqlEscalations(SqlRepository):
    def add(self, escalation: NewEscalation) -> Escalation:
        # The links are a set: stored once each and read back in id order, so that is what add returns too.
        incident_ids = tuple(sorted(set(escalation.incident_ids)))
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
            card_conversation_id=escalation.card_conversation_id,
            card_activity_id=escalation.card_activity_id,
            question=escalation.question,
            answer=escalation.answer,
            last_chased_at=escalation.last_chased_at,
            submission_key=escalation.submission_key,
            no_warning_reason=escalation.no_warning_reason,
            particulars=asdict(escalation.particulars),
            review_id=escalation.review_id,
        )
        self._insert_once(row, "This request was already received.")
        escalation_id = stored_id(row.id)
        self._session.add_all(
            EscalationIncident(escalation_id=escalation_id, incident_id=incident_id) for incident_id in incident_ids
        )
        self._session.flush()
        return with_id(Escalation, replace(escalation, incident_ids=incident_ids), escalation_id)

    def by_submission_key(self, submission_key: str) -> Escalation | None:
        row = self._session.exec(
            select(EscalationRecord).where(EscalationRecord.submission_key == submission_key)
        ).first()
        return self._escalations([row])[0] if row else None

    def get(self, escalation_id: int) -> Escalation | None:
        return self._one(escalation_id, lock=False)

    def get_for_update(self, escalation_id: int) -> Escalation | None:
        return self._one(escalation_id, lock=True)

    def _one(self, escalation_id: int, lock: bool) -> Escalation | None:
        """The escalation in one statement with its incidents and its customer (a row per incident), locked if
        asked. What a decision card needs besides: kept in the session, so the unit of work's look-ups of these
        incidents (incidents.with_ids) and of this customer (customers.get) send nothing."""
        query = (
            select(EscalationRecord, EscalationIncident.incident_id, IncidentRecord, CustomerRecord)
            .outerjoin(EscalationIncident, col(EscalationIncident.escalation_id) == EscalationRecord.id)
            .outerjoin(IncidentRecord, col(IncidentRecord.id) == EscalationIncident.incident_id)
            .outerjoin(CustomerRecord, col(CustomerRecord.id) == EscalationRecord.customer_id)
            .where(EscalationRecord.id == escalation_id)
            .order_by(col(EscalationIncident.incident_id))
            # populate_existing: the lock is worth nothing if the session hands back a copy it read before taking it.
            .execution_options(populate_existing=True)
        )
        if lock:
            # Only the escalation's row: PostgreSQL cannot lock the outer join's side that may be missing.
            query = query.with_for_update(of=EscalationRecord)
        rows = list(self._session.exec(query))
        if not rows:
            return None
        self._hold(row[n] for row in rows for n in (2, 3))
        return _escalation(rows[0][0], [row[1] for row in rows if row[1] is not None])

    def pending_since_before(self, cutoff: datetime) -> Sequence[Escalation]:
        return self._oldest_first(
            col(EscalationRecord.state) == EscalationState.PENDING.value, col(EscalationRecord.requested_at) <= cutoff
        )

    def waiting(self) -> Sequence[Escalation]:
        waiting = (EscalationState.PENDING.value, EscalationState.MORE_INFORMATION.value)
        return self._oldest_first(col(EscalationRecord.state).in_(waiting))

    def for_customer(self, customer_id: int) -> Sequence[Escalation]:
        return self._oldest_first(EscalationRecord.customer_id == customer_id)

    def requesters_for(self, customer_id: int) -> set[str]:
        rows = self._session.exec(
            select(EscalationRecord.requested_by).where(EscalationRecord.customer_id == customer_id).distinct()
        )
        return set(rows)

    def save_state(self, escalation: Escalation) -> None:
        self._set(
            EscalationRecord,
            escalation.id,
            state=escalation.state.value,
            question=escalation.question,
            answer=escalation.answer,
        )

    def record_card(self, escalation_id: int, conversation_id: str, activity_id: str) -> None:
        self._set(EscalationRecord, escalation_id, card_conversation_id=conversation_id, card_activity_id=activity_id)

    def claim_chase(self, escalation_id: int, now: datetime, not_since: datetime) -> bool:
        """Marks an overdue escalation as chased now, unless another sweep chased it since `not_since`."""
        return self._changed(
            update(EscalationRecord)
            .where(
                col(EscalationRecord.id) == escalation_id,
                col(EscalationRecord.state) == EscalationState.PENDING.value,
                or_(col(EscalationRecord.last_chased_at).is_(None), col(EscalationRecord.last_chased_at) <= not_since),
            )
            .values(last_chased_at=now)
        )

    def add_vote(self, vote: Vote) -> None:
        # The primary key refuses a second vote by the same member.
        self._insert_once(
            VoteRecord(
                escalation_id=vote.escalation_id,
                member_id=vote.member_id,
                outcome=vote.outcome.value,
                notes=vote.notes,
                alternatives_considered=vote.alternatives_considered,
                at=vote.at,
            ),
            "You have already given your decision on this.",
        )

    def votes_for(self, escalation_id: int) -> Sequence[Vote]:
        rows = self._session.exec(
            select(VoteRecord).where(VoteRecord.escalation_id == escalation_id).order_by(col(VoteRecord.at))
        )
        return [
            Vote(r.escalation_id, r.member_id, DecisionOutcome(r.outcome), r.at, r.notes, r.alternatives_considered)
            for r in rows
        ]

    def add_decision(self, decision: Decision) -> None:
        self._insert_once(
            DecisionRecord(
                escalation_id=decision.escalation_id,
                outcome=decision.outcome.value,
                decided_by=decision.decided_by,
                decided_at=decision.decided_at,
                notes=decision.notes,
            ),
            "This escalation has already been decided.",
        )

    def decision_for(self, escalation_id: int) -> Decision | None:
        row = self._session.exec(select(DecisionRecord).where(DecisionRecord.escalation_id == escalation_id)).first()
        if row is None:
            return None
        return Decision(row.escalation_id, DecisionOutcome(row.outcome), row.decided_by, row.decided_at, row.notes)

    def _oldest_first(self, *where: Any) -> list[Escalation]:
        query = (
            select(EscalationRecord)
            .where(*where)
            .order_by(col(EscalationRecord.requested_at), col(EscalationRecord.id))
        )
        return self._escalations(self._session.exec(query).all())

    def _escalations(self, rows: Sequence[EscalationRecord]) -> list[Escalation]:
        """Escalations with their incidents: one query per LINKS_PER_QUERY escalations, not one each."""
        incidents: dict[int, list[int]] = {}
        ids = [stored_id(row.id) for row in rows]
        for start in range(0, len(ids), LINKS_PER_QUERY):
            links = self._session.exec(
                select(EscalationIncident.escalation_id, EscalationIncident.incident_id)
                .where(col(EscalationIncident.escalation_id).in_(ids[start : start + LINKS_PER_QUERY]))
                .order_by(col(EscalationIncident.escalation_id), col(EscalationIncident.incident_id))
            )
            for escalation_id, incident_id in links:
                incidents.setdefault(escalation_id, []).append(incident_id)
        return [_escalation(row, incidents.get(stored_id(row.id), [])) for row in rows]


def _escalation(row: EscalationRecord, incident_ids: Sequence[int]) -> Escalation:
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
        submission_key=row.submission_key,
        question=row.question,
        answer=row.answer,
        last_chased_at=row.last_chased_at,
        no_warning_reason=row.no_warning_reason,
        particulars=SeriousStepParticulars(**row.particulars),
        review_id=row.review_id,
        id=stored_id(row.id),
    )
