"""The oversight figures over a million incidents (issue 19): a quarter's figures on SQLite and PostgreSQL, target
under 2 s each.

The database is filled by the database itself, INSERT ... SELECT over a generated series (a recursive CTE on SQLite,
generate_series on PostgreSQL), so a million incidents take seconds rather than the minutes of row-by-row inserts:
3 years of incidents (2024 to 2026) over one customer per 10 incidents, in every channel, service and action, with
safeguarding concerns and support needs flagged on some; an escalation for every 20th incident, decided after 0 to 9
days (4 in 5 approved: warnings, restrictions council-wide or for one service, a little further action), each
approval's measure with its letter issued 0 to 3 days later and its review 3 months on (decided early, late or not
at all), an appeal on every 20th measure and correspondence on file for every 10th restriction. Then
casework.oversight.figures_for times 2026 Q4 through the real unit of work (median of 5 after one warm-up).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from bench.seed import database, postgres_available
from casework import policy
from casework.oversight import OversightFigures, figures_for
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork

TARGET_S = 2.0
BASE = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_S = 3 * 365 * 86400
"""The incidents are spread over 2024, 2025 and 2026."""
NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
QUARTER = "2026Q4"


class _Sql:
    def __init__(self, engine: Engine) -> None:
        self.postgres = engine.dialect.name == "postgresql"

    def series(self, n: int) -> str:
        """FROM ... giving i = 1..n."""
        if self.postgres:
            return f"generate_series(1::bigint, {n}) AS s(i)"
        return f"(WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {n}) SELECT i FROM c) AS s"

    def moment(self, seconds: str) -> str:
        """BASE plus `seconds`, as the tables store a moment."""
        epoch = int(BASE.timestamp())
        if self.postgres:
            return f"to_timestamp({epoch} + ({seconds}))"
        return f"strftime('%Y-%m-%d %H:%M:%S.000000', {epoch} + ({seconds}), 'unixepoch')"

    def plus_days(self, column: str, days: str) -> str:
        if self.postgres:
            return f"({column} + ({days}) * interval '1 day')"
        return f"strftime('%Y-%m-%d %H:%M:%S.000000', {column}, printf('%+d days', {days}))"

    def day(self, column: str, days: str) -> str:
        """The calendar day `days` after a moment."""
        if self.postgres:
            return f"(({column} + ({days}) * interval '1 day')::date)"
        return f"date({column}, printf('%+d days', {days}))"

    def json(self, literal: str) -> str:
        return f"CAST('{literal}' AS json)" if self.postgres else f"'{literal}'"


def _case(expression: str, values: list[str]) -> str:
    return f"CASE {expression} " + " ".join(f"WHEN {n} THEN {v}" for n, v in enumerate(values)) + " END"


def fill(engine: Engine, incidents: int) -> dict[str, int]:
    """The database generates the rows itself; returns how many of each."""
    sql = _Sql(engine)
    customers = max(1, incidents // 10)
    escalations = incidents // 20
    channels = ["'telephone'", "'email'", "'letter'", "'in_person'", "'social_media'", "'online_form'", "'home_visit'"]
    services = [
        "'housing'",
        "'council_tax'",
        "'benefits'",
        "'waste'",
        "'planning'",
        "'environmental_health'",
        "'licensing'",
        "'customer_services'",
        "'other'",
    ]
    actions = [
        sql.json('["abusive"]'),
        sql.json('["abusive", "repeat_contacts"]'),
        sql.json('["excessive_demands"]'),
        sql.json('["repeat_contacts", "scatter_gun"]'),
        sql.json('["staff_info_online"]'),
        sql.json('["recording_posted_online", "abusive"]'),
        sql.json('["other"]'),
    ]
    statements = [
        f"""INSERT INTO customer (id, name, name_key, created_at, reasonable_adjustments, communication_needs)
        SELECT i, 'Customer ' || i, 'customer ' || i, {sql.moment("0")},
            CASE WHEN i % 7 = 0 THEN 'Large print' ELSE '' END,
            CASE WHEN i % 33 = 0 THEN 'Interpreter' ELSE '' END
        FROM {sql.series(customers)}""",
        f"""INSERT INTO incident (id, customer_id, reported_by, occurred_at, channel, actions, description,
            submission_key, created_at, reported_at, service_area, safeguarding_concern, support_need)
        SELECT i, (i * 7919) % {customers} + 1, 'staff', {sql.moment(f"i * {SPAN_S // incidents}")},
            {_case("i % 7", channels)}, {_case("(i / 7) % 7", actions)}, 'What happened.', 'k' || i,
            {sql.moment(f"i * {SPAN_S // incidents} + 3600")}, {sql.moment(f"i * {SPAN_S // incidents} + 3600")},
            {_case("(i / 3) % 9", services)}, (i % 97 = 0), (i % 23 = 0)
        FROM {sql.series(incidents)}""",
        f"""INSERT INTO escalation (id, customer_id, kind, reason, requested_by, requested_at, restrictions, terms,
            state)
        SELECT s.i, incident.customer_id,
            CASE WHEN s.i % 10 < 4 THEN 'formal_warning' WHEN s.i % 10 < 9 THEN 'restriction'
                ELSE 'further_action' END,
            'Reason.', 'manager', {sql.plus_days("incident.created_at", "1")},
            CASE WHEN s.i % 10 BETWEEN 4 AND 8 THEN {sql.json('["written_only", "no_physical_access"]')}
                ELSE {sql.json("[]")} END,
            CASE WHEN s.i % 3 = 0 THEN {sql.json('{"scope": "housing"}')} ELSE {sql.json("{}")} END,
            CASE WHEN s.i % 5 = 0 THEN 'declined' ELSE 'approved' END
        FROM {sql.series(escalations)} JOIN incident ON incident.id = s.i * 20""",
        """INSERT INTO escalation_incident (escalation_id, incident_id) SELECT id, id * 20 FROM escalation""",
        f"""INSERT INTO decision (id, escalation_id, outcome, decided_by, decided_at, notes)
        SELECT id, id, CASE WHEN state = 'approved' THEN 'approve' ELSE 'decline' END, 'member',
            {sql.plus_days("requested_at", "id % 10")}, ''
        FROM escalation""",
        f"""INSERT INTO measure (id, customer_id, kind, escalation_id, starts_at, review_due_at, case_owner_id,
            restrictions, terms)
        SELECT e.id, e.customer_id, e.kind, e.id, d.decided_at, {sql.plus_days("d.decided_at", "91")}, 'owner',
            e.restrictions, e.terms
        FROM escalation e JOIN decision d ON d.escalation_id = e.id WHERE e.state = 'approved'""",
        f"""INSERT INTO letter (id, measure_id, kind, version, content, created_at, created_by, issued_at)
        SELECT id, id, kind, 1, {sql.json("{}")}, starts_at, 'owner', {sql.plus_days("starts_at", "id % 4")}
        FROM measure""",
        f"""INSERT INTO review (id, measure_id, due_at, decided_at, outcome)
        SELECT id, id, review_due_at,
            CASE WHEN id % 10 = 0 THEN NULL ELSE {sql.plus_days("review_due_at", "id % 7 - 4")} END,
            CASE WHEN id % 10 = 0 THEN NULL WHEN id % 3 = 0 THEN 'extend' ELSE 'lift' END
        FROM measure""",
        f"""INSERT INTO appeal (id, customer_id, measure_id, kind, decision, received_on, channel, grounds,
            recorded_by, recorded_at, outcome, decided_at)
        SELECT id, customer_id, id, CASE WHEN id % 40 = 21 THEN 'complaint' ELSE 'appeal' END, kind,
            {sql.day("starts_at", "10")}, 'email', 'Grounds.', 'staff', {sql.plus_days("starts_at", "10")},
            CASE WHEN id % 60 = 41 THEN NULL WHEN id % 3 = 0 THEN 'lifted' ELSE 'upheld' END,
            CASE WHEN id % 60 = 41 THEN NULL ELSE {sql.plus_days("starts_at", "25")} END
        FROM measure WHERE id % 20 = 1""",
        f"""INSERT INTO correspondence_item (id, measure_id, received_on, channel, summary, logged_by, logged_at,
            reviewer_id, submission_key, reviewed_at, reviewed_by, outcome, attachment_reference)
        SELECT id, id, {sql.day("starts_at", "5")}, 'letter', 'A letter.', 'staff', {sql.plus_days("starts_at", "5")},
            'owner', 'c' || id, {sql.plus_days("starts_at", "6")}, 'owner',
            CASE WHEN id % 30 = 6 THEN 'safeguarding_concern' ELSE 'no_new_information' END, ''
        FROM measure WHERE id % 10 = 6""",
    ]
    with engine.begin() as connection:
        if sql.postgres:  # the app's statement timeout is for turns, not for loading a million rows
            connection.execute(text("SET LOCAL statement_timeout = 0"))
        for statement in statements:
            connection.execute(text(statement))
        if sql.postgres:
            for table in ("customer", "incident", "escalation", "decision", "measure", "letter", "review", "appeal"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
                )
    with engine.connect() as connection:
        counts = {
            table: int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
            for table in ("incident", "escalation", "measure", "review", "letter", "appeal", "correspondence_item")
        }
    # Statistics for the planner, as autovacuum (PostgreSQL) or the app's own ANALYZE would leave them.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if sql.postgres:
            connection.execute(text("SET statement_timeout = 0"))
        connection.execute(text("VACUUM ANALYZE" if sql.postgres else "ANALYZE"))
    return counts


def measure(url: str, incidents: int, runs: int = 5) -> dict[str, Any]:
    upgrade(url)
    engine = create_database_engine(url)
    started = time.perf_counter()
    counts = fill(engine, incidents)
    built = round(time.perf_counter() - started, 1)
    period = policy.reporting_period(QUARTER, NOW)
    figures: OversightFigures = figures_for(SqlUnitOfWork(engine), period, NOW, 5)  # warm-up
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        figures = figures_for(SqlUnitOfWork(engine), period, NOW, 5)
        timings.append(time.perf_counter() - began)
    engine.dispose()
    return {
        "incidents": incidents,
        "rows": counts,
        "build_s": built,
        "quarter": QUARTER,
        "quarter_incidents": figures.incidents,
        "quarter_measures": sum(r.count for r in figures.measures_by_kind),
        "quarter_reviews_due": figures.reviews.due,
        "figures_median_s": round(statistics.median(timings), 3),
        "figures_max_s": round(max(timings), 3),
    }


def run(incidents: int, log: Any) -> dict[str, Any]:
    databases = ["sqlite"] + (["postgres"] if postgres_available() is None else [])
    rows = []
    for db in databases:
        with database(db) as url:
            row = {"database": db, **measure(url, incidents)}
        rows.append(row)
        log(
            f"  {db:<8} {incidents:>9,} incidents (built in {row['build_s']} s): {row['quarter']} figures "
            f"({row['quarter_incidents']:,} incidents, {row['quarter_measures']:,} measures, "
            f"{row['quarter_reviews_due']:,} reviews due) in {row['figures_median_s']} s median, "
            f"{row['figures_max_s']} s at most"
        )
    return {"rows": rows}


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "target": f"{r['database']}: a quarter's oversight figures over {r['incidents']:,} incidents < {TARGET_S:.0f} s",
            "value": r["figures_median_s"],
            "met": r["figures_median_s"] < TARGET_S,
        }
        for r in result["rows"]
    ]


def table_lines(result: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            r["database"],
            f"{r['incidents']:,}",
            f"{r['quarter_incidents']:,}",
            r["build_s"],
            r["figures_median_s"],
            r["figures_max_s"],
        ]
        for r in result["rows"]
    ]


def main() -> None:
    """python -m bench.oversight DATABASE_URL [INCIDENTS]: fills a fresh, migrated database with generated casework
    (20,000 incidents unless told), for trying `stats` by hand (tools/playground/stats_walk.mjs)."""
    import sys

    url = sys.argv[1]
    incidents = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    upgrade(url)
    engine = create_database_engine(url)
    print(fill(engine, incidents))
    engine.dispose()


if __name__ == "__main__":
    main()
