"""Engines for the two supported databases: SQLite (a file, WAL mode) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from storage.audit_chain import register_sqlite_functions

_SINGLE_STATEMENT_OPTION = "uca_single_statement"
SINGLE_STATEMENT = {_SINGLE_STATEMENT_OPTION: True}
"""Execution options for a connection that runs one statement on its own: a read, or a write that is atomic by
itself. SQLite then needs no BEGIN IMMEDIATE (and no write lock to read); PostgreSQL is unaffected."""

DATABASE_POOL_SIZE = 10
"""PostgreSQL connections kept open per instance (and as many more at peaks)."""


def normalise_url(url: str) -> str:
    """Accepts the plain postgresql:// URLs Azure and Heroku give and selects the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long the database may keep a turn waiting, so a partition is answered in seconds, not minutes."""

    connect: float = 3.0
    """PostgreSQL: to connect, the startup and authentication included (libpq's connect_timeout)."""
    statement: float = 5.0
    """PostgreSQL: one statement on the server (statement_timeout); TCP keepalives and tcp_user_timeout drop a
    connection whose peer has gone, so a worker thread blocked on it is freed."""
    pool: float = 3.0
    """PostgreSQL: waiting for a pooled connection when all are in use."""
    sqlite_busy: float = 5.0
    """SQLite: waiting for another process's write lock."""


def create_database_engine(url: str, timeouts: DatabaseTimeouts | None = None) -> Engine:
    url = normalise_url(url)
    timeouts = timeouts or DatabaseTimeouts()
    # hide_parameters: SQLAlchemy's error messages would otherwise carry the statement's values (a customer's
    # name, phone, email) into every log line that records the error.
    if is_sqlite(url):
        return _sqlite_engine(url, timeouts)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=DATABASE_POOL_SIZE,
        max_overflow=DATABASE_POOL_SIZE,
        pool_timeout=timeouts.pool,
        hide_parameters=True,
        connect_args={
            "connect_timeout": max(1, round(timeouts.connect)),
            "options": f"-c statement_timeout={round(timeouts.statement * 1000)}",
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 2,
            "tcp_user_timeout": round(timeouts.statement * 1000),
        },
    )


def is_unavailable(error: BaseException) -> bool:
    """Whether a database call failed because the database cannot be reached or did not answer in time (as opposed
    to refusing the statement): a lost or refused connection, a statement or lock timeout, an exhausted pool."""
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa_exc.OperationalError)


def _sqlite_engine(url: str, timeouts: DatabaseTimeouts) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": timeouts.sqlite_busy}
    )
    busy_milliseconds = round(timeouts.sqlite_busy * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so it can be BEGIN IMMEDIATE below.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        dbapi_connection.execute(f"PRAGMA busy_timeout={busy_milliseconds}")
        # The audit trail's chain trigger hashes each new row with it (storage/audit_chain.py).
        register_sqlite_functions(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_SINGLE_STATEMENT_OPTION):
            return  # autocommit: the one statement is its own transaction
        # Take the write lock at the start: a deferred transaction that later writes can fail with
        # "database is locked" instead of waiting, which would lose a decision or a report.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
