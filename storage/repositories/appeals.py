"""Complaints and appeals about a decision (s11.4) and the matters signposted to the Ombudsman (s17)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import col, select

from casework.entities import Appeal, NewAppeal, NewOmbudsmanSignposting, OmbudsmanSignposting, with_id
from casework.vocabulary import AppealedDecision, AppealKind, AppealOutcome, ContactChannel
from storage.repositories.sql_repository import SqlRepository, stored_id
from storage.tables import AppealRecord, OmbudsmanSignpostingRecord


class SqlAppeals(SqlRepository):
    def add(self, appeal: NewAppeal) -> Appeal:
        row = AppealRecord(
            customer_id=appeal.customer_id,
            measure_id=appeal.measure_id,
            kind=appeal.kind.value,
            decision=appeal.decision.value,
            received_on=appeal.received_on,
            channel=appeal.channel.value,
            grounds=appeal.grounds,
            recorded_by=appeal.recorded_by,
            recorded_at=appeal.recorded_at,
        )
        return with_id(Appeal, appeal, self._insert(row))

    def get(self, appeal_id: int) -> Appeal | None:
        row = self._session.get(AppealRecord, appeal_id)
        return _appeal(row) if row else None

    def get_for_update(self, appeal_id: int) -> Appeal | None:
        # populate_existing: the lock is worth nothing if the session hands back a copy it read before taking it.
        row = self._session.exec(
            select(AppealRecord)
            .where(AppealRecord.id == appeal_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        return _appeal(row) if row else None

    def for_customer(self, customer_id: int) -> Sequence[Appeal]:
        rows = self._session.exec(
            select(AppealRecord).where(AppealRecord.customer_id == customer_id).order_by(col(AppealRecord.id))
        )
        return [_appeal(row) for row in rows]

    def open_appeals(self) -> Sequence[Appeal]:
        rows = self._session.exec(
            select(AppealRecord).where(col(AppealRecord.outcome).is_(None)).order_by(col(AppealRecord.id))
        )
        return [_appeal(row) for row in rows]

    def save_outcome(self, appeal: Appeal) -> bool:
        assert appeal.outcome is not None
        return self._changed(
            update(AppealRecord)
            .where(col(AppealRecord.id) == appeal.id, col(AppealRecord.outcome).is_(None))
            .values(
                outcome=appeal.outcome.value,
                reasons=appeal.reasons,
                decided_by=appeal.decided_by,
                decided_at=appeal.decided_at,
                new_review_due_at=appeal.new_review_due_at,
            )
        )

    def record_card(self, appeal_id: int, conversation_id: str, activity_id: str) -> None:
        self._set(AppealRecord, appeal_id, card_conversation_id=conversation_id, card_activity_id=activity_id)

    def add_signposting(self, signposting: NewOmbudsmanSignposting) -> OmbudsmanSignposting:
        row = OmbudsmanSignpostingRecord(
            customer_id=signposting.customer_id,
            matter=signposting.matter,
            signposted_on=signposting.signposted_on,
            recorded_by=signposting.recorded_by,
            recorded_at=signposting.recorded_at,
        )
        return with_id(OmbudsmanSignposting, signposting, self._insert(row))

    def signpostings_for(self, customer_id: int) -> Sequence[OmbudsmanSignposting]:
        rows = self._session.exec(
            select(OmbudsmanSignpostingRecord)
            .where(OmbudsmanSignpostingRecord.customer_id == customer_id)
            .order_by(col(OmbudsmanSignpostingRecord.id))
        )
        return [
            OmbudsmanSignposting(
                customer_id=row.customer_id,
                matter=row.matter,
                signposted_on=row.signposted_on,
                recorded_by=row.recorded_by,
                recorded_at=row.recorded_at,
                id=stored_id(row.id),
            )
            for row in rows
        ]


def _appeal(row: AppealRecord) -> Appeal:
    return Appeal(
        customer_id=row.customer_id,
        measure_id=row.measure_id,
        kind=AppealKind(row.kind),
        decision=AppealedDecision(row.decision),
        received_on=row.received_on,
        channel=ContactChannel(row.channel),
        grounds=row.grounds,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        outcome=AppealOutcome(row.outcome) if row.outcome else None,
        reasons=row.reasons,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        new_review_due_at=row.new_review_due_at,
        card_conversation_id=row.card_conversation_id,
        card_activity_id=row.card_activity_id,
        id=stored_id(row.id),
    )
