"""The outbox: messages waiting to be sent, and the per-conversation leases that let one worker at a time send to
a conversation. Claims take the conversations' rows FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises
writers anyway), so two instances never hold the same conversation and never send the same message."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, insert, or_, update
from sqlmodel import col, select

from casework.entities import NewOutboxMessage, OutboxClaim, OutboxMessage
from casework.vocabulary import MessagePurpose, MessageState
from storage.repositories.sql_repository import SqlRepository, stored_id
from storage.tables import OutboxConversation, OutboxMessageRecord
from storage.upserts import dialect_insert

PENDING = MessageState.PENDING.value


class SqlOutbox(SqlRepository):
    def add(self, messages: Sequence[NewOutboxMessage]) -> None:
        # One INSERT for all of a turn's messages.
        self._session.execute(
            insert(OutboxMessageRecord).values(
                [
                    {
                        "addressee": m.addressee,
                        "purpose": m.purpose.value,
                        "subject": dict(m.subject),
                        "coalesce_key": m.coalesce_key,
                        "state": PENDING,
                        "attempts": 0,
                        "created_at": m.created_at,
                        "available_at": m.created_at,
                    }
                    for m in messages
                ]
            )
        )

    def get(self, message_id: int) -> OutboxMessage | None:
        row = self._session.get(OutboxMessageRecord, message_id)
        return _message(row) if row else None

    def claim(
        self, claimant: str, now: datetime, lease_until: datetime, conversations: int, recent_since: datetime
    ) -> OutboxClaim:
        due = and_(
            col(OutboxMessageRecord.state) == PENDING,
            col(OutboxMessageRecord.available_at) <= now,
        )
        # Every conversation with mail has its lease row; made here, not in the user's turn.
        self._session.execute(
            dialect_insert(self._session, OutboxConversation)
            .from_select(
                ["addressee"],
                select(OutboxMessageRecord.addressee).where(col(OutboxMessageRecord.state) == PENDING).distinct(),
            )
            .on_conflict_do_nothing()
        )
        free = (
            select(OutboxConversation.addressee)
            .where(
                or_(
                    col(OutboxConversation.leased_until).is_(None),
                    col(OutboxConversation.leased_until) < now,
                    col(OutboxConversation.claimant) == claimant,
                ),
                or_(col(OutboxConversation.retry_at).is_(None), col(OutboxConversation.retry_at) <= now),
                exists().where(col(OutboxMessageRecord.addressee) == OutboxConversation.addressee, due),
            )
            .order_by(col(OutboxConversation.addressee))
            .limit(conversations)
            .with_for_update(skip_locked=True)
        )
        addressees = list(self._session.exec(free))
        if not addressees:
            return OutboxClaim((), {})
        self._session.execute(
            update(OutboxConversation)
            .where(col(OutboxConversation.addressee).in_(addressees))
            .values(claimant=claimant, leased_until=lease_until)
        )
        rows = list(
            self._session.exec(
                select(OutboxMessageRecord)
                .where(col(OutboxMessageRecord.addressee).in_(addressees), due)
                .order_by(col(OutboxMessageRecord.id))
            )
        )
        newest: dict[str, int] = {}
        for row in rows:
            if row.coalesce_key is not None:
                newest[row.coalesce_key] = stored_id(row.id)
        overtaken = [stored_id(r.id) for r in rows if r.coalesce_key is not None and newest[r.coalesce_key] != r.id]
        if overtaken:
            self._session.execute(
                update(OutboxMessageRecord)
                .where(col(OutboxMessageRecord.id).in_(overtaken))
                .values(state=MessageState.SUPERSEDED.value)
            )
        recent: dict[str, list[datetime]] = defaultdict(list)
        for addressee, sent_at in self._session.exec(
            select(OutboxMessageRecord.addressee, OutboxMessageRecord.sent_at)
            .where(
                col(OutboxMessageRecord.addressee).in_(addressees),
                col(OutboxMessageRecord.sent_at) >= recent_since,
            )
            .order_by(col(OutboxMessageRecord.sent_at))
        ):
            if sent_at is not None:
                recent[addressee].append(sent_at)
        skipped = set(overtaken)
        return OutboxClaim(
            tuple(_message(r) for r in rows if stored_id(r.id) not in skipped),
            {addressee: tuple(times) for addressee, times in recent.items()},
        )

    def mark_sent(self, message_id: int, at: datetime, activity_id: str) -> bool:
        return self._changed(
            update(OutboxMessageRecord)
            .where(col(OutboxMessageRecord.id) == message_id, col(OutboxMessageRecord.state) == PENDING)
            .values(
                state=MessageState.SENT.value,
                sent_at=at,
                activity_id=activity_id[:200],
                attempts=OutboxMessageRecord.attempts + 1,
            )
        )

    def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        row = self._session.get(OutboxMessageRecord, message_id)
        if row is None:
            return
        self._session.execute(
            update(OutboxMessageRecord)
            .where(col(OutboxMessageRecord.id) == message_id)
            .values(available_at=at, attempts=OutboxMessageRecord.attempts + 1, last_error=error[:500])
        )
        # The whole conversation waits, so a later message never overtakes this one.
        self._session.execute(
            update(OutboxConversation).where(col(OutboxConversation.addressee) == row.addressee).values(retry_at=at)
        )

    def mark_failed(self, message_id: int, at: datetime, error: str) -> bool:
        return self._changed(
            update(OutboxMessageRecord)
            .where(col(OutboxMessageRecord.id) == message_id, col(OutboxMessageRecord.state) == PENDING)
            .values(
                state=MessageState.FAILED.value,
                sent_at=None,
                attempts=OutboxMessageRecord.attempts + 1,
                last_error=error[:500],
            )
        )

    def renew(self, claimant: str, addressee: str, now: datetime, lease_until: datetime) -> bool:
        return self._changed(
            update(OutboxConversation)
            .where(
                col(OutboxConversation.addressee) == addressee,
                col(OutboxConversation.claimant) == claimant,
                col(OutboxConversation.leased_until) >= now,
            )
            .values(leased_until=lease_until)
        )

    def release(self, claimant: str, addressees: Collection[str]) -> None:
        if not addressees:
            return
        self._session.execute(
            update(OutboxConversation)
            .where(
                col(OutboxConversation.addressee).in_(list(addressees)), col(OutboxConversation.claimant) == claimant
            )
            .values(claimant=None, leased_until=None)
        )

    def release_all(self, claimant: str) -> None:
        self._session.execute(
            update(OutboxConversation)
            .where(col(OutboxConversation.claimant) == claimant)
            .values(claimant=None, leased_until=None)
        )

    def failed_for(self, addressee: str) -> Sequence[OutboxMessage]:
        rows = self._session.exec(
            select(OutboxMessageRecord)
            .where(
                col(OutboxMessageRecord.addressee) == addressee,
                col(OutboxMessageRecord.state) == MessageState.FAILED.value,
            )
            .order_by(col(OutboxMessageRecord.id).desc())
            .limit(50)
        )
        return [_message(row) for row in rows]

    def waiting(self) -> int:
        return int(
            self._session.exec(
                select(func.count()).select_from(OutboxMessageRecord).where(col(OutboxMessageRecord.state) == PENDING)
            ).one()
        )


def _message(row: OutboxMessageRecord) -> OutboxMessage:
    return OutboxMessage(
        addressee=row.addressee,
        purpose=MessagePurpose(row.purpose),
        subject=dict(row.subject),
        created_at=row.created_at,
        coalesce_key=row.coalesce_key,
        id=stored_id(row.id),
        attempts=row.attempts,
        state=MessageState(row.state),
        last_error=row.last_error,
    )
