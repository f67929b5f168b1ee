"""Insert a row or update the one already there, in one statement: two first writes racing both succeed.

SQLite and PostgreSQL spell it alike (INSERT … ON CONFLICT … DO UPDATE) but SQLAlchemy builds it per dialect, so
the dialect of the session or connection doing the write picks the builder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.dml import Insert
from sqlmodel import SQLModel


def dialect_insert(target: Session | Connection, table: type[SQLModel] | Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's own INSERT, which knows ON CONFLICT, for the database the session or connection writes to."""
    dialect = (target.get_bind() if isinstance(target, Session) else target).dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"no ON CONFLICT insert for the {dialect} dialect")


def upsert(
    target: Session | Connection,
    table: type[SQLModel] | Table,
    values: Mapping[str, Any],
    primary_key: Sequence[str],
) -> None:
    """Inserts `values`, or sets the other columns of the row whose primary key they name."""
    changes = {column: value for column, value in values.items() if column not in primary_key}
    statement: Insert = (
        dialect_insert(target, table).values(**values).on_conflict_do_update(index_elements=primary_key, set_=changes)
    )
    target.execute(statement)
    if isinstance(target, Session) and isinstance(table, type):
        # The statement went past the session's identity map: a copy of the row it holds is now stale.
        stale = target.identity_map.get(identity_key(table, tuple(values[column] for column in primary_key)))
        if stale is not None:
            target.expire(stale)
