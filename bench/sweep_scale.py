"""How long the review sweep takes to find what is due among many active restrictions (issue 7).

    python -m bench.sweep_scale [--restrictions 100000] [--sqlite-only]

Builds SQLite and PostgreSQL databases with N customers, each with an active restriction and its scheduled
review spread over the next 3 months, then times casework.services.claim_due_reminders (the real query and
claim, one transaction) when ~1% are due, and when none are. Prints a table and writes bench/results/sweep.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import Engine, insert

from casework.services import claim_due_reminders
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.tables import CustomerRecord, EscalationRecord, MeasureRecord, Review
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def build(engine: Engine, count: int) -> None:
    batch = 5000
    with engine.begin() as connection:
        for start in range(0, count, batch):
            ids = range(start + 1, min(start + batch, count) + 1)
            connection.execute(
                insert(CustomerRecord),
                [{"id": i, "name": f"Customer {i}", "name_key": f"customer {i}", "created_at": NOW} for i in ids],
            )
            connection.execute(
                insert(EscalationRecord),
                [
                    {
                        "id": i,
                        "customer_id": i,
                        "kind": "restriction",
                        "reason": "r",
                        "requested_by": "owner",
                        "requested_at": NOW,
                        "restrictions": ["written_only"],
                        "terms": {},
                        "state": "approved",
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(MeasureRecord),
                [
                    {
                        "id": i,
                        "customer_id": i,
                        "kind": "restriction",
                        "escalation_id": i,
                        "starts_at": NOW,
                        "review_due_at": NOW + timedelta(minutes=(i * 7919) % (90 * 24 * 60)),
                        "case_owner_id": "owner",
                        "restrictions": ["written_only"],
                        "terms": {},
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(Review),
                [
                    {"id": i, "measure_id": i, "due_at": NOW + timedelta(minutes=(i * 7919) % (90 * 24 * 60))}
                    for i in ids
                ],
            )
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE")


def time_sweep(engine: Engine, lead: timedelta, runs: int) -> tuple[float, int]:
    timings, found = [], 0
    for run in range(runs):
        started = time.perf_counter()
        claimed = claim_due_reminders(
            SqlUnitOfWork(engine), lambda: NOW, lead, f"bench-{run}", timedelta(seconds=-1), limit=100_000
        )
        timings.append((time.perf_counter() - started) * 1000)
        found = len(claimed)
    return statistics.median(timings), found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--restrictions", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    results = []
    targets: list[tuple[str, str, str | None]] = [("SQLite", f"sqlite:///{tempfile.mkdtemp()}/sweep.db", None)]
    if not args.sqlite_only:
        name = f"uca_sweep_{uuid.uuid4().hex[:8]}"
        targets.append(("PostgreSQL", f"{POSTGRES.rsplit('/', 1)[0]}/{name}", name))
    for label, url, pg_name in targets:
        if pg_name:
            with psycopg.connect(POSTGRES, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{pg_name}"')
        try:
            upgrade(url)
            engine = create_database_engine(url)
            started = time.perf_counter()
            build(engine, args.restrictions)
            built = time.perf_counter() - started
            # ~1% of 90 days fall in the next day; the claim expires at once so every run sees the same rows.
            due_ms, due = time_sweep(engine, timedelta(days=1), 5)
            none_ms, _ = time_sweep(engine, timedelta(days=-1), 5)
            results.append(
                {
                    "database": label,
                    "restrictions": args.restrictions,
                    "build_s": round(built, 1),
                    "due_found": due,
                    "sweep_ms_with_due": round(due_ms, 1),
                    "sweep_ms_nothing_due": round(none_ms, 2),
                }
            )
            engine.dispose()
        finally:
            if pg_name:
                with psycopg.connect(POSTGRES, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    print(f"{'database':<11} {'restrictions':>12} {'due':>6} {'sweep (due) ms':>15} {'sweep (none) ms':>16}")
    for r in results:
        print(
            f"{r['database']:<11} {r['restrictions']:>12} {r['due_found']:>6} {r['sweep_ms_with_due']:>15} "
            f"{r['sweep_ms_nothing_due']:>16}"
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
