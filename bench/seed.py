"""Databases for the benchmarks: created, migrated, loaded in bulk with SQL, and dropped afterwards.

The throughput runs use 1,000 customers with 10,000 incidents (realistic UK names, some restricted), the staff the
load generator plays (reporters with their line managers, determination-team members), and a pool of pending
restriction escalations for the approval clicks. The plan the load generator reads is returned as a dict.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Engine, insert

from bench.common import POSTGRES
from bench.customer_check import load
from casework.entities import Actor, StaffMember
from casework.staff import register_staff
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.tables import EscalationIncident, EscalationRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.teams import TEAM_CHANNEL

ADMIN = Actor("bench-admin", "Benchmark administrator")
REPORTERS = 64
"""Enough that no line manager gets more than Teams' 60 messages in 30 seconds even from one fast user."""
TEAM = 6
"""The three roles of s2.6 and a deputy each; each virtual user's pair of members are always two different people."""


@contextlib.contextmanager
def database(kind: str, prefix: str = "uca_bench_") -> Iterator[str]:
    """A new empty database URL: a SQLite file, or a PostgreSQL database dropped on exit."""
    if kind == "sqlite":
        yield f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.db"
        return
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as admin:
            admin.execute("SELECT 1")
    except psycopg.OperationalError as error:
        return str(error).strip().splitlines()[0]
    return None


def reset_sequences(engine: Engine) -> None:
    """The bulk loads give explicit ids; PostgreSQL's sequences must move past them before the app inserts."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in ("customer", "incident", "escalation", "measure", "review", "audit_event", "decision"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            )


def person(group: int, n: int, label: str) -> dict[str, str]:
    return {"id": f"00000000-0000-0000-{group:04d}-{n:012d}", "name": f"{label} {n}"}


def seed(url: str, customers: int = 1000, incidents_per_customer: int = 10, escalations: int = 4000) -> dict[str, Any]:
    upgrade(url)
    engine = create_database_engine(url)
    rng = random.Random(9)
    rows = load(engine, customers, incidents_per_customer, rng)
    counts = Counter(r["name"] for r in rows)
    names = [r["name"] for r in rows if counts[r["name"]] == 1]
    rng.shuffle(names)

    reporters = [person(1, n, "Reporter") for n in range(REPORTERS)]
    managers = [person(2, n, "Manager") for n in range(REPORTERS)]
    team = [person(3, n, "Member") for n in range(TEAM)]
    now = datetime.now(UTC)
    clock = lambda: now  # noqa: E731
    for manager in managers:
        register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(manager["id"], manager["name"]), clock)
    for reporter, manager in zip(reporters, managers, strict=True):
        member = StaffMember(reporter["id"], reporter["name"], False, manager["id"])
        register_staff(SqlUnitOfWork(engine), ADMIN, member, clock)
    for row in team:
        register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(row["id"], row["name"], True), clock)

    first_id = max(r["id"] for r in rows) + 1  # the loader's restrictions use escalation ids up to the customer ids
    pool = list(range(first_id, first_id + escalations))
    with engine.begin() as connection:
        for start in range(0, escalations, 2000):
            chunk = pool[start : start + 2000]
            customer_of = {e: rows[(e * 7) % len(rows)]["id"] for e in chunk}
            connection.execute(
                insert(EscalationRecord),
                [
                    {
                        "id": e,
                        "customer_id": customer_of[e],
                        "kind": "restriction",
                        "reason": "Abuse on three calls this month.",
                        "requested_by": managers[e % len(managers)]["id"],
                        "requested_at": now,
                        "investigation_reference": "HS-2026-014",
                        "restrictions": ["written_only"],
                        "terms": {},
                        "state": "pending",
                        "card_conversation_id": TEAM_CHANNEL,
                        "card_activity_id": f"seed-card-{e}",
                    }
                    for e in chunk
                ],
            )
            connection.execute(
                insert(EscalationIncident),
                [
                    {"escalation_id": e, "incident_id": (customer_of[e] - 1) * incidents_per_customer + n + 1}
                    for e in chunk
                    for n in range(incidents_per_customer)
                ],
            )
        connection.exec_driver_sql("ANALYZE")
    reset_sequences(engine)
    engine.dispose()
    return {
        "database": url,
        "customers": customers,
        "incidents": customers * incidents_per_customer,
        "names": names[:400],
        "reporters": reporters,
        "managers": managers,
        "team": team,
        "escalations": pool,
    }
