"""The restriction check at scale (issue 4): p50/p95 of `check` by name and by phone, SQLite and PostgreSQL.

    python -m bench.customer_check [--sizes 10000,100000] [--incidents-per-customer 10]

Bulk-loads customers (realistic UK names, postcodes, phones, their name-search words exactly as the app writes
them) and incidents, some restrictions in force, then times casework.services.check_customer through the real
unit of work (search, status, audit write, commit) for names typed exactly, with a typo, as initial + surname,
and for phones typed in another format. Writes bench/results/customer_check.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, insert

from casework.customer_checks import check_customer
from casework.customer_query import name_key, name_tokens
from casework.entities import Actor
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.tables import CustomerNameToken, CustomerRecord, EscalationRecord, IncidentRecord, MeasureRecord
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
FIRST = [
    "Jane",
    "John",
    "Mary",
    "Peter",
    "Susan",
    "David",
    "Sarah",
    "James",
    "Linda",
    "Robert",
    "Karen",
    "Michael",
    "Emma",
    "Oliver",
    "Amelia",
    "George",
    "Isla",
    "Harry",
    "Ava",
    "Noah",
    "Mia",
    "Jack",
    "Sophie",
    "Leo",
    "Grace",
    "Oscar",
    "Lily",
    "Charlie",
    "Freya",
    "Arthur",
    "Zoë",
    "José",
    "Siân",
    "Niamh",
    "Aoife",
    "Dylan",
    "Rhys",
    "Cerys",
    "Mohammed",
    "Aisha",
    "Fatima",
    "Ali",
    "Priya",
    "Raj",
    "Anil",
    "Wei",
    "Li",
    "Chen",
    "Olga",
    "Piotr",
    "Agnieszka",
    "Tomasz",
    "Kofi",
    "Ama",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Morgan",
    "Moore",
    "Martin",
    "Harris",
    "Cooper",
    "Hughes",
    "Edwards",
    "Turner",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Byrne",
    "Ryan",
    "Walsh",
    "Nowak",
    "Kowalski",
    "Singh",
    "Begum",
    "Ahmed",
    "Hussain",
    "Okafor",
    "Mensah",
    "Chowdhury",
    "Price",
    "Bennett",
    "Griffiths",
    "Lloyd",
    "Powell",
    "Barnes",
    "Fisher",
    "Marshall",
    "Owen",
    "Holmes",
    "Shaw",
    "Lee",
    "Webb",
    "Ellis",
    "Chapman",
    "Gray",
    "Richards",
    "Stevens",
    "Palmer",
    "Knight",
]
ACTOR = Actor("bench", "Bench")


def people(count: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(1, count + 1):
        surname = rng.choice(SURNAMES) + (f"-{rng.choice(SURNAMES)}" if rng.random() < 0.05 else "")
        name = f"{rng.choice(FIRST)} {surname}"
        phone = f"+447{700000000 + i:09d}"[:13]
        rows.append(
            {
                "id": i,
                "name": name,
                "name_key": name_key(name),
                "phone": phone,
                "postcode": f"LN{i % 9 + 1} {i % 10}{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}",
                "created_at": NOW,
            }
        )
    return rows


def load(engine: Engine, count: int, per_customer: int, rng: random.Random) -> list[dict[str, Any]]:
    customers = people(count, rng)
    batch = 5000
    with engine.begin() as connection:
        for start in range(0, count, batch):
            chunk = customers[start : start + batch]
            connection.execute(insert(CustomerRecord), chunk)
            connection.execute(
                insert(CustomerNameToken),
                [
                    {"customer_id": c["id"], "token": w[:100], "prefix2": w[:2], "prefix3": w[:3]}
                    for c in chunk
                    for w in sorted(set(name_tokens(c["name_key"])))
                    if len(w) >= 2
                ],
            )
        incident_id = 0
        rows: list[dict[str, Any]] = []
        for c in customers:
            for n in range(per_customer):
                incident_id += 1
                rows.append(
                    {
                        "id": incident_id,
                        "reference": f"INC-2026-{incident_id:07d}",
                        "customer_id": c["id"],
                        "reported_by": "staff",
                        "occurred_at": NOW - timedelta(days=n),
                        "channel": "telephone",
                        "actions": ["abusive"],
                        "description": "Shouted.",
                        "submission_key": f"k{incident_id}",
                        "service_area": "other",
                        "acting_party": "customer",
                        "immediate_steps": [],
                        "serious_threats": [],
                        "created_at": NOW,
                    }
                )
                if len(rows) == batch:
                    connection.execute(insert(IncidentRecord), rows)
                    rows = []
        if rows:
            connection.execute(insert(IncidentRecord), rows)
        restricted = customers[:: max(1, count // 500)]
        connection.execute(
            insert(EscalationRecord),
            [approved_restriction(c["id"], c["id"]) for c in restricted],
        )
        connection.execute(
            insert(MeasureRecord),
            [
                {
                    "customer_id": c["id"],
                    "kind": "restriction",
                    "escalation_id": c["id"],
                    "starts_at": NOW,
                    "review_due_at": NOW + timedelta(days=90),
                    "case_owner_id": "m",
                    "restrictions": ["written_only"],
                    "terms": {},
                }
                for c in restricted
            ],
        )
        connection.exec_driver_sql("ANALYZE")
    return customers


def approved_restriction(escalation_id: int, customer_id: int) -> dict[str, Any]:
    """An escalation row for a restriction already approved, as the bulk loaders insert it."""
    return {
        "id": escalation_id,
        "customer_id": customer_id,
        "kind": "restriction",
        "reason": "r",
        "requested_by": "m",
        "requested_at": NOW,
        "restrictions": ["written_only"],
        "terms": {},
        "state": "approved",
    }


def typo(name: str, rng: random.Random) -> str:
    first, _, rest = name.partition(" ")
    if len(rest) > 3:
        i = rng.randrange(1, len(rest) - 2)
        rest = rest[:i] + rest[i + 1] + rest[i] + rest[i + 2 :]
    return f"{first} {rest}"


def time_checks(engine: Engine, queries: list[str]) -> dict[str, float]:
    timings = []
    for query in queries:
        started = time.perf_counter()
        check_customer(SqlUnitOfWork(engine), ACTOR, query, lambda: NOW)
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(ordered[int(0.95 * len(ordered))], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--incidents-per-customer", type=int, default=10)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--databases", default="SQLite,PostgreSQL")
    args = parser.parse_args()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        for label in args.databases.split(","):
            pg_name = f"uca_check_{uuid.uuid4().hex[:8]}" if label == "PostgreSQL" else None
            url = f"{POSTGRES.rsplit('/', 1)[0]}/{pg_name}" if pg_name else f"sqlite:///{tempfile.mkdtemp()}/check.db"
            if pg_name:
                with psycopg.connect(POSTGRES, autocommit=True) as admin:
                    admin.execute(f'CREATE DATABASE "{pg_name}"')
            try:
                upgrade(url)
                engine = create_database_engine(url)
                rng = random.Random(7)
                started = time.perf_counter()
                customers = load(engine, size, args.incidents_per_customer, rng)
                built = round(time.perf_counter() - started, 1)
                sample = [rng.choice(customers) for _ in range(args.queries)]
                kinds = {
                    "name": [c["name"] for c in sample],
                    "name with a typo": [typo(c["name"], rng) for c in sample],
                    "initial + surname": [f"{c['name'][0]} {c['name'].split(' ', 1)[1]}" for c in sample],
                    "phone, other format": [f"07{c['phone'][4:7]} {c['phone'][7:]}" for c in sample],
                }
                for kind, queries in kinds.items():
                    row = {
                        "database": label,
                        "customers": size,
                        "incidents": size * args.incidents_per_customer,
                        "query": kind,
                        "build_s": built,
                        **time_checks(engine, queries),
                    }
                    results.append(row)
                    print(
                        f"{label:<11} {size:>8} customers {row['incidents']:>9} incidents  {kind:<20} "
                        f"p50 {row['p50_ms']:>7} ms  p95 {row['p95_ms']:>7} ms",
                        flush=True,
                    )
                engine.dispose()
            finally:
                if pg_name:
                    with psycopg.connect(POSTGRES, autocommit=True) as admin:
                        admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "customer_check.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
