"""Correspondence placed on file (s16): the items logged and their reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from casework.entities import CorrespondenceDue, CorrespondenceItem, NewCorrespondenceItem
from casework.vocabulary import ContactChannel, CorrespondenceOutcome, ServiceArea
from storage.repositories.sql_repository import SqlRepository, stored_id
from storage.tables import CorrespondenceItemRecord, CustomerRecord, MeasureRecord

_ALREADY_LOGGED = "This item has already been logged."


class SqlCorrespondence(SqlRepository):
    def add(self, item: NewCorrespondenceItem) -> CorrespondenceItem:
        row = CorrespondenceItemRecord(
            measure_id=item.measure_id,
            received_on=item.received_on,
            channel=item.channel.value,
            summary=item.summary,
            attachment_reference=item.attachment_reference,
            logged_by=item.logged_by,
            logged_at=item.logged_at,
            reviewer_id=item.reviewer_id,
            submission_key=item.submission_key,
        )
        self._insert_once(row, _ALREADY_LOGGED)
        return _item(row)

    def by_submission_key(self, submission_key: str) -> CorrespondenceItem | None:
        row = self._session.exec(
            select(CorrespondenceItemRecord).where(CorrespondenceItemRecord.submission_key == submission_key)
        ).first()
        return _item(row) if row else None

    def get(self, item_id: int) -> CorrespondenceItem | None:
        row = self._session.exec(
            select(CorrespondenceItemRecord)
            .where(CorrespondenceItemRecord.id == item_id)
            .execution_options(populate_existing=True)
        ).first()
        return _item(row) if row else None

    def record_review(
        self,
        item_id: int,
        outcome: CorrespondenceOutcome,
        service_area: ServiceArea | None,
        notes: str,
        by: str,
        at: datetime,
    ) -> bool:
        return self._changed(
            update(CorrespondenceItemRecord)
            .where(col(CorrespondenceItemRecord.id) == item_id, col(CorrespondenceItemRecord.reviewed_at).is_(None))
            .values(
                reviewed_at=at,
                reviewed_by=by,
                outcome=outcome.value,
                service_area=service_area.value if service_area else None,
                review_notes=notes,
            )
        )

    def unreviewed(self, reviewer_id: str | None, logged_at_or_before: datetime | None) -> Sequence[CorrespondenceDue]:
        statement = (
            select(CorrespondenceItemRecord, CustomerRecord.name)
            .join(MeasureRecord, col(MeasureRecord.id) == CorrespondenceItemRecord.measure_id)
            .join(CustomerRecord, col(CustomerRecord.id) == MeasureRecord.customer_id)
            .where(col(CorrespondenceItemRecord.reviewed_at).is_(None))
            .order_by(col(CorrespondenceItemRecord.logged_at), col(CorrespondenceItemRecord.id))
        )
        if reviewer_id is not None:
            statement = statement.where(CorrespondenceItemRecord.reviewer_id == reviewer_id)
        if logged_at_or_before is not None:
            statement = statement.where(CorrespondenceItemRecord.logged_at <= logged_at_or_before)
        return [
            CorrespondenceDue(stored_id(row.id), name, row.received_on, row.logged_at, row.reviewer_id)
            for row, name in self._session.exec(statement).all()
        ]

    def for_customer(self, customer_id: int) -> Sequence[CorrespondenceItem]:
        rows = self._session.exec(
            select(CorrespondenceItemRecord)
            .join(MeasureRecord, col(MeasureRecord.id) == CorrespondenceItemRecord.measure_id)
            .where(MeasureRecord.customer_id == customer_id)
            .order_by(col(CorrespondenceItemRecord.logged_at), col(CorrespondenceItemRecord.id))
        ).all()
        return [_item(row) for row in rows]

    def claim_overdue(self, logged_at_or_before: datetime, now: datetime, limit: int) -> Sequence[CorrespondenceItem]:
        # SKIP LOCKED: two PostgreSQL instances sweeping at once each take other rows, never the same one; SQLite's
        # write lock makes sweeps take turns, and the second finds them claimed.
        rows = self._session.exec(
            select(CorrespondenceItemRecord)
            .where(
                col(CorrespondenceItemRecord.reviewed_at).is_(None),
                col(CorrespondenceItemRecord.escalated_at).is_(None),
                CorrespondenceItemRecord.logged_at <= logged_at_or_before,
            )
            .order_by(col(CorrespondenceItemRecord.logged_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.escalated_at = now
        self._session.flush()
        return [_item(row) for row in rows]


def _item(row: CorrespondenceItemRecord) -> CorrespondenceItem:
    return CorrespondenceItem(
        measure_id=row.measure_id,
        received_on=row.received_on,
        channel=ContactChannel(row.channel),
        summary=row.summary,
        attachment_reference=row.attachment_reference,
        logged_by=row.logged_by,
        logged_at=row.logged_at,
        reviewer_id=row.reviewer_id,
        submission_key=row.submission_key,
        id=stored_id(row.id),
        reviewed_at=row.reviewed_at,
        reviewed_by=row.reviewed_by,
        outcome=CorrespondenceOutcome(row.outcome) if row.outcome else None,
        service_area=ServiceArea(row.service_area) if row.service_area else None,
        review_notes=row.review_notes,
        escalated_at=row.escalated_at,
    )
