"""What every SQL repository shares: the unit of work's session and the few ways they write rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Table, Update, update
from sqlmodel import Session, SQLModel

from casework.errors import AlreadyRecorded
from storage.upserts import dialect_insert


class _RowWithId(Protocol):
    id: int | None


def stored_id(row_id: int | None) -> int:
    """A row read back from the database always has its id; only a row not yet flushed lacks one."""
    if row_id is None:
        raise ValueError("a stored row has no id")
    return row_id


def written_at() -> datetime:
    """When a row is written, for its created_at: wall-clock UTC, not the use case's clock (no rule reads it)."""
    return datetime.now(UTC)


class SqlRepository:
    """A repository works inside the unit of work's session: it flushes, and only the unit of work commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _hold(self, rows: Iterable[object]) -> None:
        """Keeps rows read along with others in the session for the unit of work's life: its identity map holds
        rows only while something else does, and a repository that looks there first must find them."""
        self._session.info.setdefault("held", []).extend(row for row in rows if row is not None)

    def _insert(self, row: _RowWithId) -> int:
        """Inserts the row; returns the id the database gave it."""
        self._session.add(row)
        self._session.flush()
        return stored_id(row.id)

    def _insert_once(self, row: SQLModel, refusal: str) -> None:
        """Inserts a row a unique key may refuse, raising AlreadyRecorded(refusal) if it does, and gives the row its
        id. One statement (INSERT … ON CONFLICT DO NOTHING RETURNING): a refused insert leaves the transaction
        usable with no savepoint, on PostgreSQL too."""
        table: Table = type(row).__table__  # type: ignore[attr-defined]
        keys = list(table.primary_key.columns)
        values = {
            c.name: getattr(row, c.name) for c in table.columns if not (c in keys and getattr(row, c.name) is None)
        }
        statement = dialect_insert(self._session, table).values(**values).on_conflict_do_nothing().returning(*keys)
        returned = self._session.execute(statement).first()
        if returned is None:
            raise AlreadyRecorded(refusal)
        for column, value in zip(keys, returned, strict=True):
            setattr(row, column.name, value)

    def _set(self, table: type[SQLModel], row_id: int, **columns: object) -> None:
        """Sets these columns of the row with this id, in one UPDATE (the session's copy of the row follows).
        The row must exist: the use cases only change what they have read."""
        if not self._changed(update(table).filter_by(id=row_id).values(**columns)):
            raise LookupError(f"no {table.__name__} {row_id}")

    def _changed(self, statement: Update) -> bool:
        """Runs a conditional UPDATE; True if it changed a row. Racing callers cannot both see True, because the
        database re-checks the WHERE clause on the row it locks: this is how a claim or a first outcome is won."""
        return bool(self._session.exec(statement).rowcount)
