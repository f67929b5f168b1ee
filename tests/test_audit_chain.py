"""The tamper-evident audit trail (issue 14) on SQLite and PostgreSQL: the database chains every event it is given,
refuses to change or delete one, and `admin.py verify-audit` finds a row changed behind its back at that row."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from casework.customer_records import add_representative, import_customers, merge_customers
from casework.entities import Actor, AuditEvent, StaffMember
from casework.staff import register_staff
from storage.audit_chain import GENESIS, event_hash, verify_audit_chain
from storage.database import create_database_engine
from storage.tables import AuditEventRecord, CustomerRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock
from tests.storage_checks import run_together

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor("admin", "Admin")
AWKWARD = {
    "quote": 'say "no"',
    "backslash": "C:\\temp\\x",
    "lines": "one\ntwo\r\n\tthree",
    "control": "bell\x07 escape\x1b",
    "accents": "Zoë Ångström, São Tomé",
    "emoji": "\U0001f600 and ≠",
    "separator": "line\u2028paragraph\u2029",
    "Zulu": "capitals sort first",
    "é": "non-ASCII keys sort by code point",
    "": "an empty key",
}


def _rows(engine: Engine) -> list[AuditEventRecord]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEventRecord).order_by(col(AuditEventRecord.id))))


def _record(engine: Engine, *events: AuditEvent) -> None:
    with SqlUnitOfWork(engine) as uow:
        for event in events:
            uow.audit.record(event)
        uow.commit()


def _verify_audit_command(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DEVELOPMENT_MODE": "true"}
    return subprocess.run(
        [sys.executable, "admin.py", "verify-audit"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@contextmanager
def _append_only_lifted(connection: Connection) -> Iterator[None]:
    """What someone with the database's own credentials could do: take the refusal off, change rows, put it back."""
    if connection.dialect.name == "sqlite":
        found = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_event_no_%'")
        )
        triggers = [(str(name), str(sql)) for name, sql in found]
        assert len(triggers) == 2
        for name, _ in triggers:
            connection.execute(text(f"DROP TRIGGER {name}"))
        yield
        for _, sql in triggers:
            connection.execute(text(sql))
    else:
        connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"))
        connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_delete"))
        yield
        connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update"))
        connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_delete"))


def test_events_written_by_real_use_cases_are_chained_and_verify(engine: Engine, clock: MutableClock) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember("u1", "Una Smith"), clock)
    report = import_customers(
        SqlUnitOfWork(engine), ADMIN, [(2, {"name": "Jane Doe"}), (3, {"name": "Jane Doe"})], clock
    )
    assert report.imported == 2
    with Session(engine) as session:
        first, second = session.exec(select(CustomerRecord.id).order_by(col(CustomerRecord.id))).all()
    assert first is not None and second is not None
    add_representative(SqlUnitOfWork(engine), ADMIN, first, "Ann Doe", "daughter", "consent", clock)
    merge_customers(SqlUnitOfWork(engine), ADMIN, first, second, clock)
    clock.advance(timedelta(microseconds=123457))
    _record(engine, AuditEvent("u1", "awkward.detail", "customer", str(first), clock(), AWKWARD))

    rows = _rows(engine)
    assert len(rows) >= 5
    assert [r.id for r in rows] == list(range(rows[0].id or 0, (rows[0].id or 0) + len(rows)))
    # Each row links to the one before, and the hash the database computed is the one Python computes.
    assert [r.prev_hash for r in rows] == [GENESIS] + [r.hash for r in rows[:-1]]
    for row in rows:
        assert row.id is not None and row.prev_hash is not None
        assert row.hash == event_hash(
            row.id, row.at, row.actor_id, row.action, row.record_type, row.record_id, row.detail, row.prev_hash
        )
    assert rows[-1].detail == AWKWARD
    verified = verify_audit_chain(engine)
    assert verified.intact and verified.events == len(rows) and verified.head == rows[-1].hash


def test_the_database_refuses_to_change_or_delete_an_audit_event(engine: Engine) -> None:
    _record(engine, AuditEvent("u1", "customer.checked", "customer", "7", _at(), {"query": "jane"}))
    statements = [
        "UPDATE audit_event SET detail = '{}'",
        "UPDATE audit_event SET hash = prev_hash",
        "DELETE FROM audit_event",
    ]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_event")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    (row,) = _rows(engine)
    assert row.detail == {"query": "jane"}
    assert verify_audit_chain(engine).intact


def test_an_insert_cannot_choose_its_own_place_in_the_chain(engine: Engine) -> None:
    _record(engine, AuditEvent("u1", "first", "customer", "7", _at()))
    forged = (
        "INSERT INTO audit_event (id, at, actor_id, action, record_type, record_id, detail, prev_hash, hash) "
        "VALUES (1000, :at, 'x', 'forged', 'customer', '7', '{}', :made_up, :made_up)"
    )
    try:
        with engine.begin() as connection:
            connection.execute(text(forged), {"at": _at(), "made_up": "f" * 64})
    except DBAPIError as refused:  # SQLite refuses it outright
        assert "append-only" in str(refused)
    # PostgreSQL places it after the last event and hashes it itself, whatever it was given.
    rows = _rows(engine)
    assert (
        len(rows) in (1, 2)
        and rows[-1].id == len(rows)
        and rows[-1].prev_hash == (rows[0].hash if len(rows) == 2 else GENESIS)
    )
    assert verify_audit_chain(engine).intact


def test_a_changed_event_is_found_at_that_row_by_verify_audit(engine: Engine, database_url: str) -> None:
    for n in range(5):
        _record(engine, AuditEvent(f"u{n}", "customer.checked", "customer", str(n), _at(), {"query": f"name {n}"}))
    done = _verify_audit_command(database_url)
    assert done.returncode == 0, done.stderr
    assert "audit trail intact: 5 events" in done.stdout

    target = _rows(engine)[2]
    with engine.begin() as connection, _append_only_lifted(connection):
        connection.execute(
            text("UPDATE audit_event SET detail = :detail WHERE id = :id"),
            {"detail": '{"query":"someone else"}', "id": target.id},
        )
    report = verify_audit_chain(engine)
    assert report.broken is not None and report.broken.event_id == target.id
    assert report.events == 3 and report.head == _rows(engine)[1].hash
    done = _verify_audit_command(database_url)
    assert done.returncode == 1
    assert f"BROKEN at event {target.id}:" in done.stdout


def test_a_removed_event_breaks_the_link_of_the_one_after_it(engine: Engine) -> None:
    for n in range(4):
        _record(engine, AuditEvent("u1", "customer.checked", "customer", str(n), _at()))
    rows = _rows(engine)
    with engine.begin() as connection, _append_only_lifted(connection):
        connection.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": rows[1].id})
    report = verify_audit_chain(engine)
    assert report.broken is not None and report.broken.event_id == rows[2].id
    assert "link" in report.broken.reason


def test_concurrent_writers_leave_one_unbroken_chain(database_url: str) -> None:
    """Threads on SQLite; on PostgreSQL each writer has an engine of its own, as separate instances would."""
    writers, turns, per_turn = 6, 8, 3
    engines = [create_database_engine(database_url) for _ in range(writers)]

    def write(index: int) -> None:
        for turn in range(turns):
            events = [
                AuditEvent(f"u{index}", "customer.checked", "customer", f"{index}-{turn}-{n}", _at(), {"n": str(n)})
                for n in range(per_turn)
            ]
            _record(engines[index], *events)

    try:
        run_together(writers, write)
        report = verify_audit_chain(engines[0])
        rows = _rows(engines[0])
    finally:
        for each in engines:
            each.dispose()
    assert report.intact, report.broken
    assert report.events == len(rows) == writers * turns * per_turn
    # Each turn's events went in together, in the order recorded, never interleaved with another writer's.
    for start in range(0, len(rows), per_turn):
        turn = rows[start : start + per_turn]
        assert len({r.actor_id for r in turn}) == 1 and [r.detail["n"] for r in turn] == ["0", "1", "2"]


def _at() -> datetime:
    return MutableClock()()


def test_events_from_before_the_chain_are_chained_by_the_migration(empty_database_url: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    command.upgrade(alembic_config(empty_database_url), "0008")
    engine = create_database_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for n in range(3):
                connection.execute(
                    text(
                        "INSERT INTO audit_event (at, actor_id, action, record_type, record_id, detail) "
                        "VALUES (:at, 'u1', 'customer.checked', 'customer', :id, :detail)"
                    ),
                    {"at": _at() + timedelta(seconds=n), "id": str(n), "detail": '{"query": "Zoë"}'},
                )
        engine.dispose()
        upgrade(empty_database_url)
        _record(engine, AuditEvent("u2", "customer.checked", "customer", "9", _at()))
        report = verify_audit_chain(engine)
        assert report.intact and report.events == 4
    finally:
        engine.dispose()
