"""SQL statements per kind of turn, on SQLite and PostgreSQL: how many round trips to the database one steady-state
turn of each kind costs, whatever the code behind it looks like.

    python -m bench.statements [--repetitions 5] [--databases sqlite,postgres] [--show]

The real app (create_app, development mode) on aiohttp's TestServer on 127.0.0.1, with the fake Bot Connector from
the tests, gets Teams-shaped activities over real HTTP on /api/messages. A SQLAlchemy listener on the Engine class
(before_cursor_execute, so it does not matter where or how the app makes its engine) counts every statement sent
while a turn is in flight. Every identity first says hello (the bot remembers the conversation and the user once per
process, which costs extra statements once), then one round of every kind is played and thrown away; then the
rounds that count. A kind's figure is the median over the rounds; they should all be equal.

Each statement is put down as SELECT, INSERT, UPDATE, DELETE or other (BEGIN, SAVEPOINT, RELEASE…), and by the first
table it names: bot state (bot_state, conversation_reference, tenant_service_url), casework (every other table), or none (transaction
control). "transactions" counts transactions ended (commit or rollback events), which are round trips too but not
statements. SQLite sends BEGIN IMMEDIATE as a statement (storage/database.py); psycopg opens PostgreSQL's
transactions itself, so its BEGIN is not seen here, which is why SQLite shows more "other".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import statistics
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine, event

from app import create_app
from bench.common import table
from bench.load import submit_data
from bench.seed import database, postgres_available, seed
from settings import Settings  # the one place this part names the settings class
from tests.fake_connector import FakeConnector
from tests.teams import TEAM_CHANNEL, User, all_text, execute, inputs_of, message, submit

KINDS = (
    "help",
    "check <name>",
    "check <name>, restricted",
    "report (form)",
    "incident submit",
    "approve: vote",
    "approve: deciding",
    "card refresh",
)
TARGETS = {
    "check <name>": 5,
    "check <name>, restricted": 5,
    "incident submit": 10,
    "approve: vote": 12,
    "approve: deciding": 12,
}
"""Statements per turn the refactor aims for; reported beside the numbers, never failing the run."""
STATE_TABLES = frozenset({"bot_state", "conversation_reference", "tenant_service_url"})
DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def settings_for(url: str) -> Settings:
    """The app's settings for a run, as tests/conftest.py make_settings builds them."""
    return Settings(
        _env_file=None,
        DEVELOPMENT_MODE=True,
        DATABASE_URL=url,
        DETERMINATION_TEAM_CONVERSATION_ID=TEAM_CHANNEL,
        OUTBOUND_BASE_DELAY_SECONDS=0.01,
    )


@dataclass(frozen=True)
class Cast:
    """Who plays the turns, and on what."""

    reporter: User
    team: tuple[User, User]
    """Two different members of the determination team: the first votes, the second decides."""
    everyone: list[User]
    names: list[str]
    """Customers whose full name is theirs alone."""
    escalations: list[int]
    """Pending restriction escalations needing two approvals, with their card in the team's channel."""


def seed_database(url: str) -> Cast:
    """Migrates and fills the database: the throughput benchmark's data (bench/seed.py), so the figures describe the
    same turns it times. The one place to change when seeding changes."""
    plan = seed(url)

    def users(rows: list[dict[str, str]]) -> list[User]:
        return [User(row["id"], row["name"]) for row in rows]

    team = users(plan["team"])
    reporters, managers = users(plan["reporters"]), users(plan["managers"])
    return Cast(
        reporter=reporters[0],
        team=(team[0], team[1]),
        everyone=reporters + managers + team,
        names=list(plan["names"]),
        escalations=list(plan["escalations"]),
    )


# Statements.


class StatementCounter:
    """Every statement any engine in this process sends while recording, with the transactions it ends."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.transactions = 0
        self.recording = False
        self._lock = threading.Lock()

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.recording:
            with self._lock:
                self.statements.append(statement)

    def _ended(self, _conn: Any) -> None:
        if self.recording:
            with self._lock:
                self.transactions += 1

    def install(self) -> None:
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "commit", self._ended)
        event.listen(Engine, "rollback", self._ended)

    def remove(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._statement)
        event.remove(Engine, "commit", self._ended)
        event.remove(Engine, "rollback", self._ended)

    def start(self) -> None:
        with self._lock:
            self.statements = []
            self.transactions = 0
            self.recording = True

    def stop(self) -> tuple[list[str], int]:
        with self._lock:
            self.recording = False
            return list(self.statements), self.transactions


_TABLE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)


def verb_of(statement: str) -> str:
    word = statement.lstrip("( \n\t").split(None, 1)[0].upper() if statement.strip() else ""
    return word if word in ("SELECT", "INSERT", "UPDATE", "DELETE") else "other"


def area_of(statement: str) -> str:
    found = _TABLE.search(statement)
    if found is None:
        return "transaction"
    return "bot state" if found.group(1).lower() in STATE_TABLES else "casework"


def abbreviate(statement: str) -> str:
    """One line a person can read: column lists and values elided, parameters shown as ?."""
    s = " ".join(statement.split())
    s = re.sub(r"::[A-Z]+(?: WITH(?:OUT)? TIME ZONE)?(?:\[\])?", "", s)  # PostgreSQL casts
    s = re.sub(r"%\(\w+\)s|\(__\[POSTCOMPILE_\w+\]\)|__\[POSTCOMPILE_\w+\]", "?", s)
    s = re.sub(r"^SELECT (DISTINCT )?.+? FROM ", lambda m: f"SELECT {m.group(1) or ''}… FROM ", s)
    s = re.sub(
        r"^INSERT INTO (\S+) \(.*?\) VALUES .*?(?= ON CONFLICT| RETURNING|$)", r"INSERT INTO \1 (…) VALUES (…)", s
    )
    s = re.sub(
        r"^INSERT INTO (\S+) \(.*?\) SELECT .*?(?= ON CONFLICT| RETURNING|$)",
        r"INSERT INTO \1 (…) SELECT … FROM (VALUES …) (several rows)",
        s,
    )
    s = re.sub(r" DO UPDATE SET .*?(?= WHERE| RETURNING|$)", " DO UPDATE SET …", s)
    s = re.sub(r"^UPDATE (\S+) SET .*?(?= WHERE| RETURNING|$)", r"UPDATE \1 SET …", s)
    s = re.sub(r'\b\w+\.(\w+|"\w+")', r"\1", s)  # table.column -> column
    s = re.sub(r"\bIN \(\?(, \?)*\)", "IN (…)", s)
    return s if len(s) <= 150 else s[:149] + "…"


# Turns.


@dataclass
class Outcome:
    """One counted turn: its statements and whether the bot did what the turn is for."""

    statements: list[str]
    transactions: int
    problem: str = ""


@dataclass
class Player:
    server: TestServer
    session: ClientSession
    connector: FakeConnector
    counter: StatementCounter
    cast: Cast
    names: dict[str, str] = field(default_factory=dict)
    """The customer each check kind asks about."""

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(self.server.make_url("/api/messages"), json=activity) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body

    async def turn(self, activity: dict[str, Any], expect: Callable[[Any, list[dict[str, Any]]], str]) -> Outcome:
        """Posts one activity, counting the statements sent until its HTTP answer; `expect` says what is wrong."""
        before = len(self.connector.calls)
        self.counter.start()
        try:
            status, body = await self.post(activity)
        finally:
            statements, transactions = self.counter.stop()
        cards = [card for call in self.connector.calls[before:] for card in call.cards]
        problem = f"HTTP {status}: {str(body)[:120]}" if status != 200 else expect(body, cards)
        return Outcome(statements, transactions, problem)

    @property
    def url(self) -> str:
        return self.connector.url

    async def introduce(self) -> None:
        """Every identity's first message, and the team's channel for both deciding members."""
        for user in self.cast.everyone:
            await self.post(message(user, "hello", self.url))
        for member in self.cast.team:
            await self.post(message(member, "hello", self.url, channel=True))

    async def pick_customers(self) -> None:
        """One customer without restrictions and one restricted, each found as exactly one match."""
        for name in self.cast.names[:100]:
            outcome = await self.turn(message(self.cast.reporter, f"check {name}", self.url), _card_says(f"{name}:"))
            if outcome.problem:
                continue
            card = all_text(self.connector.calls[-1].cards[-1])
            if f"{name}: Restricted" in card:
                self.names.setdefault("check <name>, restricted", name)
            elif f"{name}: No restrictions" in card:
                self.names.setdefault("check <name>", name)
            if len(self.names) == 2:
                return
        missing = {"check <name>", "check <name>, restricted"} - set(self.names)
        raise RuntimeError(f"no single-match customer found for {sorted(missing)}")

    async def round(self, escalation: int, n: int) -> dict[str, Outcome]:
        """One turn of every kind, in the order a day's work has them."""
        reporter, (first, second) = self.cast.reporter, self.cast.team
        done: dict[str, Outcome] = {}
        done["help"] = await self.turn(message(reporter, "help", self.url), _card_says("report"))
        for kind in ("check <name>", "check <name>, restricted"):
            name = self.names[kind]
            done[kind] = await self.turn(message(reporter, f"check {name}", self.url), _card_says(f"{name}:"))
        name = self.names["check <name>"]
        done["report (form)"] = await self.turn(
            message(reporter, f"report {name} phone abusive", self.url), _card_has_input("description")
        )
        if done["report (form)"].problem:
            done["incident submit"] = Outcome([], 0, "no form to submit")
        else:
            form = self.connector.sent_to(reporter.personal_conversation)[-1].cards[-1]
            value = {**inputs_of(form), **submit_data(form), "description": f"Shouted at me on the phone ({n})."}
            done["incident submit"] = await self.turn(submit(reporter, value, self.url), _card_says("recorded"))

        def click(member: User, verb: str) -> dict[str, Any]:
            data = {"escalation_id": escalation, "alternatives_considered": "true", "notes": ""}
            if verb == "escalation.refresh":
                data = {"escalation_id": escalation}
            return execute(member, verb, data, self.url, reply_to_id=f"seed-card-{escalation}")

        done["approve: vote"] = await self.turn(click(first, "escalation.approve"), _invoke_says("1 of 2 approvals"))
        done["card refresh"] = await self.turn(click(second, "escalation.refresh"), _invoke_says("1 of 2 approvals"))
        done["approve: deciding"] = await self.turn(click(second, "escalation.approve"), _invoke_says("Approved on"))
        return done


def _card_says(expected: str) -> Callable[[Any, list[dict[str, Any]]], str]:
    def check(_body: Any, cards: list[dict[str, Any]]) -> str:
        if any(expected.lower() in all_text(card).lower() for card in cards):
            return ""
        seen = " / ".join(all_text(card).replace("\n", " ")[:80] for card in cards)
        return f"expected a card saying {expected!r}, got: {seen or 'no card'}"

    return check


def _card_has_input(name: str) -> Callable[[Any, list[dict[str, Any]]], str]:
    def check(_body: Any, cards: list[dict[str, Any]]) -> str:
        return "" if cards and name in inputs_of(cards[-1]) else f"expected a form with the input {name!r}"

    return check


def _invoke_says(expected: str) -> Callable[[Any, list[dict[str, Any]]], str]:
    def check(body: Any, _cards: list[dict[str, Any]]) -> str:
        if not isinstance(body, dict) or body.get("statusCode") != 200:
            return f"the invoke answered {str(body)[:120]}"
        text = all_text(body.get("value") or {})
        return "" if expected.lower() in text.lower() else f"expected {expected!r} on the card: {text[:100]!r}"

    return check


# Measuring.


def describe(kind: str, database_kind: str, rounds: list[Outcome]) -> dict[str, Any]:
    counts = [len(o.statements) for o in rounds]
    median = int(statistics.median(counts))
    typical = next(o for o in rounds if len(o.statements) == median)
    verbs = Counter(verb_of(s) for s in typical.statements)
    areas = Counter(area_of(s) for s in typical.statements)
    distinct = Counter(abbreviate(s) for s in typical.statements)
    problems = sorted({o.problem for o in rounds if o.problem})
    target = TARGETS.get(kind)
    return {
        "database": database_kind,
        "kind": kind,
        "statements": median,
        "runs": counts,
        "deterministic": len(set(counts)) == 1,
        "transactions": typical.transactions,
        "by_verb": {v: verbs.get(v, 0) for v in ("SELECT", "INSERT", "UPDATE", "DELETE", "other")},
        "by_area": {a: areas.get(a, 0) for a in ("bot state", "casework", "transaction")},
        "target": target,
        "met": None if target is None else median <= target,
        "outcome": "ok" if not problems else "UNEXPECTED: " + "; ".join(problems)[:300],
        "distinct": [[n, text] for text, n in distinct.most_common()],
    }


async def measure(database_kind: str, repetitions: int) -> list[dict[str, Any]]:
    counter = StatementCounter()
    with database(database_kind, prefix="uca_bench_stmt_") as url:
        cast = seed_database(url)
        if len(cast.escalations) < repetitions + 1:
            raise RuntimeError("the seed has too few pending escalations for the rounds")
        connector = FakeConnector()
        await connector.start()
        started = datetime.now(UTC)
        server = TestServer(create_app(settings_for(url), clock=lambda: started, run_sweep=False), host="127.0.0.1")
        await server.start_server()
        counter.install()
        try:
            async with ClientSession() as session:
                player = Player(server, session, connector, counter, cast)
                await player.introduce()
                await player.pick_customers()
                await player.round(cast.escalations[0], 0)  # warm-up: first turns of each kind, not counted
                rounds = [await player.round(cast.escalations[n], n) for n in range(1, repetitions + 1)]
        finally:
            counter.remove()
            await server.close()
            await connector.close()
    if connector.card_errors:
        raise AssertionError("cards broke the Adaptive Cards 1.5 schema:\n" + "\n".join(connector.card_errors[:5]))
    return [describe(kind, database_kind, [r[kind] for r in rounds]) for kind in KINDS]


def run(
    log: Callable[[str], None], repetitions: int = 5, databases: tuple[str, ...] = ("sqlite", "postgres")
) -> dict[str, Any]:
    previous = logging.root.manager.disable
    logging.disable(max(previous, logging.WARNING))
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    try:
        for kind in databases:
            if kind == "postgres":
                why = postgres_available()
                if why:
                    skipped[kind] = why
                    log(f"  PostgreSQL skipped: {why}")
                    continue
            found = asyncio.run(measure(kind, repetitions))
            rows += found
            log(f"  {DATABASES[kind]:<10} " + ", ".join(f"{r['kind']} {r['statements']}" for r in found))
    finally:
        logging.disable(previous)
    return {"repetitions": repetitions, "kinds": list(KINDS), "targets": TARGETS, "rows": rows, "skipped": skipped}


# Printing.


def tables(result: dict[str, Any]) -> str:
    """The counts (kind of turn by database, with the targets), then what the statements are."""
    rows = result["rows"]
    present = [d for d in DATABASES if any(r["database"] == d for r in rows)]
    by = {(r["kind"], r["database"]): r for r in rows}
    lines = []
    for kind in result.get("kinds", KINDS):
        cells = []
        for d in present:
            r = by.get((kind, d))
            cells.append("" if r is None else f"{r['statements']}" + ("" if r["deterministic"] else f" {r['runs']}"))
        target = result.get("targets", TARGETS).get(kind)
        met = [by[(kind, d)]["met"] for d in present if (kind, d) in by]
        verdict = "" if target is None else ("yes" if all(met) else "NO")
        problems = [f"{DATABASES[d]}: {by[(kind, d)]['outcome']}" for d in present if by[(kind, d)]["outcome"] != "ok"]
        lines.append([kind, *cells, f"<= {target}" if target else "", verdict, "; ".join(problems)[:80]])
    out = [
        f"SQL statements per turn (steady state, median of {result['repetitions']})",
        table(["turn", *(DATABASES[d] for d in present), "target", "met", "problem"], lines),
    ]
    detail = [
        [
            DATABASES[r["database"]],
            r["kind"],
            r["statements"],
            *r["by_verb"].values(),
            *r["by_area"].values(),
            r["transactions"],
        ]
        for r in rows
    ]
    out += [
        "\nBy statement and by table (bot state: bot_state, conversation_reference, tenant_service_url; transactions: commits and rollbacks)",
        table(
            [
                "database",
                "turn",
                "all",
                "SELECT",
                "INSERT",
                "UPDATE",
                "DELETE",
                "other",
                "bot state",
                "casework",
                "tx control",
                "transactions",
            ],
            detail,
        ),
    ]
    return "\n".join(out)


def distinct_statements(result: dict[str, Any], kinds: tuple[str, ...] | None = None) -> str:
    out = []
    for r in result["rows"]:
        if kinds and r["kind"] not in kinds:
            continue
        out.append(f"\n{DATABASES[r['database']]}, {r['kind']}: {r['statements']} statements")
        out += [f"  {n} × {text}" for n, text in r["distinct"]]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--show", action="store_true", help="list each turn's distinct statements")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    result = run(print, args.repetitions, tuple(args.databases.split(",")))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("\n" + tables(result))
    if args.show:
        print(distinct_statements(result))


if __name__ == "__main__":
    main()
