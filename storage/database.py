"""Engines for the two supported databases: SQLite (a file, WAL mode) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
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


def create_database_engine(url: str) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=DATABASE_POOL_SIZE, max_overflow=DATABASE_POOL_SIZE)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so it can be BEGIN IMMEDIATE below.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        dbapi_connection.execute("PRAGMA busy_timeout=30000")
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
