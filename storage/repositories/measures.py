"""Measures in force for a customer: formal warnings, restrictions, further action, service withdrawals (s11.4,
s13, s14, s15.4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import col, select

from casework.entities import Measure, NewMeasure, RestrictionTerms, SeriousStepParticulars, with_id
from casework.vocabulary import ContactRestriction, MeasureKind
from storage.repositories.sql_repository import SqlRepository, stored_id
from storage.tables import MeasureRecord


class SqlMeasures(SqlRepository):
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
            particulars=asdict(measure.particulars),
            confirm_by=measure.confirm_by,
            confirmation_chased_at=measure.confirmation_chased_at,
        )
        return with_id(Measure, measure, self._insert(row))

    def get(self, measure_id: int) -> Measure | None:
        row = self._session.get(MeasureRecord, measure_id)
        return measure_of(row) if row else None

    def set_review_due(self, measure_id: int, due_at: datetime) -> None:
        self._set(MeasureRecord, measure_id, review_due_at=due_at)

    def end(self, measure_id: int, at: datetime) -> None:
        self._set(MeasureRecord, measure_id, ended_at=at)

    def vary(self, measure_id: int, restrictions: Sequence[ContactRestriction], terms: RestrictionTerms) -> None:
        self._set(MeasureRecord, measure_id, restrictions=[r.value for r in restrictions], terms=asdict(terms))

    def confirmed(self, measure_id: int) -> None:
        self._set(MeasureRecord, measure_id, confirm_by=None)

    def awaiting_confirmation(self, confirm_by_before: datetime) -> Sequence[Measure]:
        rows = self._session.exec(
            select(MeasureRecord)
            .where(
                col(MeasureRecord.confirm_by).is_not(None),
                col(MeasureRecord.confirm_by) <= confirm_by_before,
                col(MeasureRecord.ended_at).is_(None),
            )
            .order_by(col(MeasureRecord.confirm_by), col(MeasureRecord.id))
        )
        return [measure_of(row) for row in rows]

    def claim_confirmation_chase(self, measure_id: int, now: datetime, not_since: datetime) -> bool:
        """Marks an unconfirmed immediate restriction chased now, unless a sweep chased it after `not_since`."""
        return self._changed(
            update(MeasureRecord)
            .where(
                col(MeasureRecord.id) == measure_id,
                col(MeasureRecord.confirm_by).is_not(None),
                col(MeasureRecord.ended_at).is_(None),
                or_(
                    col(MeasureRecord.confirmation_chased_at).is_(None),
                    col(MeasureRecord.confirmation_chased_at) <= not_since,
                ),
            )
            .values(confirmation_chased_at=now)
        )

    def for_customer(self, customer_id: int) -> Sequence[Measure]:
        rows = self._session.exec(
            select(MeasureRecord).where(MeasureRecord.customer_id == customer_id).order_by(col(MeasureRecord.id))
        )
        return [measure_of(row) for row in rows]


def measure_of(row: MeasureRecord) -> Measure:
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
        particulars=SeriousStepParticulars(**row.particulars),
        confirm_by=row.confirm_by,
        confirmation_chased_at=row.confirmation_chased_at,
        id=stored_id(row.id),
    )
