"""How the cost grows with the data: the restriction check, an incident submit and the review sweep at 10,000,
100,000 and (opt-in, --full-scale) 1,000,000 incidents, on SQLite and PostgreSQL.

Each database is loaded in bulk with SQL (customers with realistic UK names and their name-search words as the app
writes them, 10 incidents each, 10% of customers under a restriction with its scheduled review, 100 of those
reviews due now), then the real use cases are timed through the real unit of work, one call at a time:

- check: casework.services.check_customer for a customer's exact name (search, status, audit write, commit);
- submit: casework.services.report_incident for a known customer (validate, line manager, insert, reference,
  audit, confirmation, commit); the bot's turn adds the same HTTP work at every size;
- sweep: casework.reviews.queue_due_reminders finding the 100 reviews due and writing their reminders to the outbox
  (and with none due).
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, update

from bench.common import summary
from bench.customer_check import approved_restriction, load
from bench.seed import database, postgres_available, reset_sequences
from casework.commands import IncidentSubmission
from casework.customer_checks import check_customer
from casework.entities import Actor, StaffMember
from casework.incidents import report_incident
from casework.reviews import queue_due_reminders
from casework.staff import register_staff
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.tables import EscalationRecord, MeasureRecord, Review
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
REPORTER = Actor("00000000-0000-0000-0009-000000000001", "Scale Reporter")
MANAGER = StaffMember("00000000-0000-0000-0009-000000000002", "Scale Manager")
DUE = 100
ID_BASE = 50_000_000
"""Restrictions added for the sweep take ids from here, clear of the loader's."""


def due(i: int) -> datetime:
    """The first DUE reviews are due now; the rest fall over the next three months."""
    n = i - ID_BASE
    return NOW - timedelta(hours=1) if n < DUE else NOW + timedelta(days=2, minutes=(n * 7919) % 129_600)


def add_reviews(engine: Engine, customers: list[dict[str, Any]]) -> int:
    """An approved restriction, its measure and its scheduled review for every tenth customer; DUE of them due now,
    the rest spread over the next three months."""
    chosen = customers[::10]
    with engine.begin() as connection:
        for start in range(0, len(chosen), 5000):
            chunk = chosen[start : start + 5000]
            ids = [(ID_BASE + start + n, c["id"]) for n, c in enumerate(chunk)]
            connection.execute(insert(EscalationRecord), [approved_restriction(i, c) for i, c in ids])
            connection.execute(
                insert(MeasureRecord),
                [
                    {
                        "id": i,
                        "customer_id": c,
                        "kind": "restriction",
                        "escalation_id": i,
                        "starts_at": NOW - timedelta(days=80),
                        "review_due_at": due(i),
                        "case_owner_id": "m",
                        "restrictions": ["written_only"],
                        "terms": {},
                    }
                    for i, c in ids
                ],
            )
            connection.execute(insert(Review), [{"id": i, "measure_id": i, "due_at": due(i)} for i, _ in ids])
        connection.exec_driver_sql("ANALYZE")
    return len(chosen)


def timed(calls: list[Any], warm: int = 10) -> dict[str, float | int]:
    for call in calls[:warm]:
        call()
    timings = []
    for call in calls[warm:]:
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return summary(timings)


def measure(url: str, incidents: int, checks: int, submits: int) -> dict[str, Any]:
    upgrade(url)
    engine = create_database_engine(url)
    rng = random.Random(11)
    started = time.perf_counter()
    customers = load(engine, incidents // 10, 10, rng)
    restrictions = add_reviews(engine, customers)
    reset_sequences(engine)
    clock = lambda: NOW  # noqa: E731
    register_staff(SqlUnitOfWork(engine), Actor("admin", "Admin"), MANAGER, clock)
    reporter = StaffMember(REPORTER.user_id, REPORTER.name, False, MANAGER.user_id)
    register_staff(SqlUnitOfWork(engine), Actor("admin", "Admin"), reporter, clock)
    built = round(time.perf_counter() - started, 1)

    counts = Counter(c["name"] for c in customers)
    unique = [c for c in customers if counts[c["name"]] == 1]
    sample = [rng.choice(unique) for _ in range(checks + 10)]
    check = timed([lambda c=c: check_customer(SqlUnitOfWork(engine), REPORTER, c["name"], clock) for c in sample])

    def submit(n: int, customer: dict[str, Any]) -> None:
        submission = IncidentSubmission(
            submission_key=f"{REPORTER.user_id}:scale-{n}",
            customer_name=customer["name"],
            customer_id=customer["id"],
            channel="telephone",
            actions=("abusive",),
            description="Shouted at me on the phone.",
        )
        report_incident(SqlUnitOfWork(engine), REPORTER, submission, clock)

    chosen = [rng.choice(unique) for _ in range(submits + 10)]
    report = timed([lambda n=n, c=c: submit(n, c) for n, c in enumerate(chosen)])

    def sweep(lead: timedelta, runs: int = 5) -> tuple[float, int]:
        timings, found = [], 0
        for _ in range(runs):
            with engine.begin() as connection:  # each run finds the same reviews due again
                connection.execute(update(Review).values(reminder_sent_at=None, reminder_claimed_until=None))
            began = time.perf_counter()
            found = queue_due_reminders(SqlUnitOfWork(engine), clock, lead, limit=100_000)
            timings.append((time.perf_counter() - began) * 1000)
        return round(statistics.median(timings), 2), found

    due_ms, due_found = sweep(timedelta(0))
    none_ms, _ = sweep(timedelta(hours=-2))
    engine.dispose()
    return {
        "incidents": incidents,
        "customers": len(customers),
        "restrictions_with_reviews": restrictions,
        "build_s": built,
        "check": check,
        "submit": report,
        "sweep_due_ms": due_ms,
        "sweep_due_found": due_found,
        "sweep_nothing_due_ms": none_ms,
    }


def run(sizes: list[int], checks: int, submits: int, log: Any) -> dict[str, Any]:
    databases = ["sqlite"] + (["postgres"] if postgres_available() is None else [])
    rows = []
    for size in sizes:
        for db in databases:
            with database(db) as url:
                row = {"database": db, **measure(url, size, checks, submits)}
            rows.append(row)
            log(
                f"  {db:<8} {size:>9,} incidents (built in {row['build_s']} s): check p50 {row['check']['p50_ms']} ms, "
                f"submit p50 {row['submit']['p50_ms']} ms, sweep ({row['sweep_due_found']} due) "
                f"{row['sweep_due_ms']} ms, nothing due {row['sweep_nothing_due_ms']} ms"
            )
    return {"rows": rows}
