"""The audit log: who did what, when, to which record (DESIGN §5), written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlmodel import Session, col, select

from casework.entities import AuditEvent
from storage.repositories.sql_repository import SqlRepository
from storage.tables import AuditEventRecord, table_of

_AUDIT_TABLE = table_of(AuditEventRecord)
_INSERT_EVENTS = insert(_AUDIT_TABLE).returning(_AUDIT_TABLE.c.id)
"""Built once, where `.values(rows)` was compiled afresh on every turn and cost more CPU than the database took to
store them, and on the table rather than the model, so the ORM's bulk-insert machinery stays out of it. Given the
turn's rows as parameters, SQLAlchemy sends them as one multi-row INSERT ("insertmanyvalues", which it uses for an
INSERT with RETURNING), so several events are still one statement on the wire."""


class SqlAuditLog(SqlRepository):
    """Events are kept until the unit of work commits (or reads the log) and then written in one INSERT: a turn
    that audits three things sends one statement for them, not three."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._pending: list[dict[str, object]] = []

    def record(self, event: AuditEvent) -> None:
        self._pending.append(
            {
                "at": event.at,
                "actor_id": event.actor_id,
                "action": event.action,
                "record_type": event.record_type,
                "record_id": event.record_id,
                "detail": _storable(event.detail),
            }
        )

    def write_pending(self) -> None:
        if self._pending:
            # An insert on the table does not flush the session as the model's did: flushed first, the turn's other
            # rows are written before its audit rows, in the order they always were.
            self._session.flush()
            self._session.execute(_INSERT_EVENTS, self._pending)
            self._pending = []

    def discard_pending(self) -> None:
        self._pending = []

    def events(self, record_type: str | None = None, record_id: str | None = None) -> Sequence[AuditEvent]:
        self.write_pending()
        query = select(AuditEventRecord).order_by(col(AuditEventRecord.id))
        if record_type is not None:
            query = query.where(AuditEventRecord.record_type == record_type)
        if record_id is not None:
            query = query.where(AuditEventRecord.record_id == record_id)
        return [
            AuditEvent(row.actor_id, row.action, row.record_type, row.record_id, row.at, dict(row.detail))
            for row in self._session.exec(query)
        ]


def _storable(detail: dict[str, str]) -> dict[str, str]:
    """PostgreSQL text cannot hold NUL, and its chain trigger reads every detail as text (storage/audit_chain.py)."""
    if not any("\x00" in key or (isinstance(value, str) and "\x00" in value) for key, value in detail.items()):
        return detail
    return {
        key.replace("\x00", "\ufffd"): value.replace("\x00", "\ufffd") if isinstance(value, str) else value
        for key, value in detail.items()
    }
