"""The reporter's submit while the line manager's Teams conversation fails (issue 15's Must-show row).

    python -m bench.outbox [--submits 40] [--databases sqlite,postgres] [--drain 30]

The real app (create_app with run_sweep=True, so the outbox worker runs in the background as in production) on
aiohttp's TestServer on 127.0.0.1, with the fake Bot Connector from the tests. Staff are registered so that Sam's line
manager is Morgan, and Morgan has messaged the bot once, so the bot holds a reference to his personal conversation
(pointing at the fake connector). The conditions:

- healthy: every conversation answers at once;
- answers 404: every call to Morgan's conversation is answered 404 (the outbox marks his card undeliverable and
  tells Sam, in the background);
- answers in 5 s: every call to Morgan's conversation is answered after 5 s (then accepted);
- healthy, worker off: a control outside the target, create_app(run_sweep=False), so nothing is sent: what the
  submit costs with no worker sharing the app's database thread.

Sam reports `--submits` incidents one after another, each a fresh form (`report <customer>`, then the form's values
submitted); only the submit POST is timed, at the client, from sending it to its HTTP answer: what the reporter waits
for. The conditions take turns in `--rounds` blocks (healthy, 404, slow, control, healthy, ...), so load on the
machine that drifts during the run weighs on every condition alike; each block is a fresh database and app (staff
set up, hellos, the fault, two untimed submits, then the timed ones). After the last block of each condition the
worker is given a bounded wait (`--drain` seconds) to finish Morgan's cards written in that block, and the database
says how many were sent, marked failed, or still waiting. Morgan's cards are sent one at a time in order (one conversation, one lease), so with 5 s answers they drain
at one per 5 s whatever the reporter does: the slow row's "waiting" is that queue, not a fault; the control's
"waiting" is everything, as it has no worker.

The client, the app and the fake connector share one event loop in this process (as in bench/statements.py); nothing
sleeps on purpose except the fake connector's 5 s answers.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlmodel import Session, select

from app import create_app, freeze_start_up_heap, utc_now
from bench.common import machine, summary, table
from bench.seed import database, postgres_available
from casework import staff
from casework.entities import Actor, StaffMember
from casework.vocabulary import MessagePurpose
from settings import Settings
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.tables import OutboxMessageRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.fake_connector import FakeConnector
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, inputs_of, message, submit

CONDITIONS = ("healthy", "answers 404", "answers in 5 s")
CONTROL = "healthy, worker off"
"""A control, not in the target: create_app(run_sweep=False), so nothing is sent and the cards stay waiting; what a
submit costs with no outbox worker sharing the app's database thread."""
SLOW_SECONDS = 5.0
WARM_UP = 2
"""Untimed submits each time the app starts (its first turns fill its caches)."""
WITHIN = 0.20
"""The target: the reporter's p50 and p99 with Morgan failing within 20% of healthy."""
DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
CUSTOMER = "Jane Smith"
"""Every report is about her: new at the first (warm-up) report, then a known customer found as one match, as in
most reports (different new names each time would be offered as near matches of each other)."""


def settings_for(url: str) -> Settings:
    """The app as shipped (outbox poll, concurrency, timeout and retries at their defaults), in development mode."""
    return Settings(
        _env_file=None, DEVELOPMENT_MODE=True, DATABASE_URL=url, DETERMINATION_TEAM_CONVERSATION_ID=TEAM_CHANNEL
    )


def register_staff(url: str) -> None:
    """As an administrator sets them up: Morgan is Sam's line manager; Harper and Casey are the team."""
    upgrade(url)
    engine = create_database_engine(url)
    admin = Actor("admin", "Admin")
    try:
        for user, on_team in ((MORGAN, False), (SAM, False), (HARPER, True), (CASEY, True)):
            manager = MORGAN.aad_object_id if user is SAM else None
            member = StaffMember(user.aad_object_id, user.name, on_team, line_manager_id=manager)
            staff.register_staff(SqlUnitOfWork(engine), admin, member, utc_now)
    finally:
        engine.dispose()


def manager_cards(url: str) -> dict[str, int]:
    """Morgan's s8.6 cards in the outbox, by state (pending, sent, failed)."""
    engine = create_database_engine(url)
    try:
        with Session(engine) as session:
            states = session.exec(
                select(OutboxMessageRecord.state).where(
                    OutboxMessageRecord.purpose == MessagePurpose.MANAGER_DISCUSSION.value
                )
            ).all()
    finally:
        engine.dispose()
    counted = Counter(states)
    return {state: counted.get(state, 0) for state in ("pending", "sent", "failed")}


@dataclass
class Client:
    server: TestServer
    session: ClientSession
    connector: FakeConnector

    async def post(self, activity: dict[str, Any]) -> int:
        async with self.session.post(self.server.make_url("/api/messages"), json=activity) as response:
            await response.read()
            return response.status

    def cards_to(self, conversation: str, since: int) -> list[dict[str, Any]]:
        return [
            card for call in self.connector.calls[since:] if call.conversation_id == conversation for card in call.cards
        ]

    async def submit_one(self, n: int) -> tuple[float, str]:
        """Sam opens a fresh form and submits it; returns the submit's wall time (ms) and what went wrong, if any."""
        conversation = SAM.personal_conversation
        before = len(self.connector.calls)
        status = await self.post(message(SAM, f"report {CUSTOMER}", self.connector.url))
        forms = [c for c in self.cards_to(conversation, before) if "description" in inputs_of(c)]
        if status != 200 or not forms:
            return 0.0, f"report: HTTP {status}, {'a form' if forms else 'no form'}"
        form = forms[-1]
        data = next((a.get("data") or {} for a in form.get("actions") or [] if a.get("type") == "Action.Submit"), {})
        value = {
            **inputs_of(form),
            **data,
            "channel": "telephone",
            "actions": "abusive",
            "description": f"Shouted and swore at me on the phone ({n}).",
        }
        activity = submit(SAM, value, self.connector.url)
        before = len(self.connector.calls)
        started = time.perf_counter()
        status = await self.post(activity)
        took = (time.perf_counter() - started) * 1000
        answered = " ".join(all_text(c) for c in self.cards_to(conversation, before))
        if status != 200 or "recorded" not in answered:
            return took, f"submit: HTTP {status}, {answered[:400]!r}"
        return took, ""


@dataclass
class Condition:
    """One condition's timings over its blocks, and Morgan's cards at the end of its last block."""

    name: str
    worker: bool = True
    timings: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cards: dict[str, int] = field(default_factory=dict)
    drained_s: float | None = None
    attempts: int = 0

    async def block(self, database_kind: str, submits: int, drain: float | None) -> None:
        """A fresh database, connector and app: staff set up, hellos, the fault, then a warm-up and `submits` timed
        submits; when `drain` is given, waits at most that long for Morgan's cards and keeps their states."""
        with database(database_kind, prefix="uca_bench_outbox_") as url:
            register_staff(url)
            connector = FakeConnector(check_cards=False)
            await connector.start()
            app = create_app(settings_for(url), run_sweep=self.worker)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            # As app.main() does once started: also clears away the blocks before this one, whose garbage once
            # fell into a timed submit as a 150-290 ms full collection.
            await freeze_start_up_heap(app)
            try:
                async with ClientSession() as session:
                    await self._play(Client(server, session, connector), submits)
                if drain is not None:
                    await self._drain(url, drain if self.worker else 0.0)
                    self.attempts = connector.attempts_to(MORGAN.personal_conversation)
            finally:
                # Closing the app cancels its worker; the database is thrown away, leases and all.
                await server.close()
                await connector.close()

    async def _play(self, client: Client, submits: int) -> None:
        for user, channel in ((HARPER, True), (MORGAN, False), (SAM, False)):
            if await client.post(message(user, "hello", client.connector.url, channel=channel)) != 200:
                raise RuntimeError(f"{user.name}'s hello was not answered")
        # Morgan's conversation is known to the bot; now Teams fails it.
        if self.name == "answers 404":
            client.connector.broken_conversations[MORGAN.personal_conversation] = 404
        elif self.name == "answers in 5 s":
            client.connector.conversation_latency[MORGAN.personal_conversation] = SLOW_SECONDS
        for n in range(WARM_UP + submits):
            took, problem = await client.submit_one(n)
            if n < WARM_UP:
                continue
            self.timings.append(took)
            if problem:
                self.problems.append(problem)

    async def _drain(self, url: str, limit: float) -> None:
        """A bounded wait for the worker to finish Morgan's cards, looked at four times a second."""
        finished = time.perf_counter()
        cards = await asyncio.to_thread(manager_cards, url)
        while cards["pending"] and time.perf_counter() - finished < limit:
            await asyncio.sleep(0.25)
            cards = await asyncio.to_thread(manager_cards, url)
        self.cards = cards
        self.drained_s = None if cards["pending"] else round(time.perf_counter() - finished, 1)


async def measure(database_kind: str, submits: int, rounds: int, drain: float) -> list[dict[str, Any]]:
    """The conditions take turns, a block of submits each per round, so load on the machine that drifts during the
    run weighs on all of them alike. Each block is a fresh database and app: a restarted app on the same database
    would find the conversations its predecessor leased still leased (the worker cancelled at shutdown does not give
    them back), and wait out the lease."""
    per_block = [submits // rounds + (1 if r < submits % rounds else 0) for r in range(rounds)]
    conditions = [Condition(name) for name in CONDITIONS] + [Condition(CONTROL, worker=False)]
    for r, count in enumerate(per_block):
        for condition in conditions:
            await condition.block(database_kind, count, drain if r == rounds - 1 else None)
    return [
        {
            "database": database_kind,
            "condition": c.name,
            "worker": c.worker,
            "submit": summary(c.timings),
            "problems": sorted(set(c.problems))[:5],
            "errors": len(c.problems),
            "manager_cards": {"written": WARM_UP + per_block[-1], **c.cards},
            "drained_s": c.drained_s,
            "attempts_to_manager": c.attempts,
        }
        for c in conditions
    ]


def run(
    log: Callable[[str], None],
    submits: int = 100,
    drain: float = 30.0,
    rounds: int = 5,
    databases: tuple[str, ...] = ("sqlite", "postgres"),
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
            found = asyncio.run(measure(kind, submits, rounds, drain))
            healthy = found[0]["submit"]
            for row in found:
                row["vs_healthy"] = {
                    p: round(row["submit"][f"{p}_ms"] / healthy[f"{p}_ms"], 2)
                    for p in ("p50", "p99")
                    if healthy[f"{p}_ms"]
                }
                s, c = row["submit"], row["manager_cards"]
                log(
                    f"  {DATABASES[kind]:<10} {row['condition']:<19} n {s['n']}, p50 {s['p50_ms']} ms, "
                    f"p99 {s['p99_ms']} ms; Morgan's cards sent {c['sent']}, failed {c['failed']}, "
                    f"waiting {c['pending']}"
                )
            rows += found
    finally:
        logging.disable(previous)
    return {
        "submits": submits,
        "rounds": rounds,
        "warm_up_per_block": WARM_UP,
        "slow_seconds": SLOW_SECONDS,
        "drain_limit_s": drain,
        "rows": rows,
        "skipped": skipped,
    }


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per database: the reporter's p50 and p99 with Morgan failing (404 and slow) within 20% of healthy, either way,
    and every submit recorded."""
    found: list[dict[str, Any]] = []
    for kind, name in DATABASES.items():
        failing = [r for r in result["rows"] if r["database"] == kind and r["condition"] in CONDITIONS[1:]]
        if not failing or not all("vs_healthy" in r for r in failing):
            continue
        value = {r["condition"]: r["vs_healthy"] for r in failing}
        ratios = [x for r in failing for x in r["vs_healthy"].values()]
        errors = sum(r["errors"] for r in result["rows"] if r["database"] == kind)
        found.append(
            {
                "target": f"{name}: submit p50/p99 with the manager failing within {WITHIN:.0%} of healthy",
                "value": value,
                "met": bool(ratios) and all(abs(x - 1) <= WITHIN for x in ratios) and errors == 0,
            }
        )
    return found


def tables(result: dict[str, Any]) -> str:
    lines = []
    for r in result["rows"]:
        s, c, vs = r["submit"], r["manager_cards"], r.get("vs_healthy", {})
        lines.append(
            [
                DATABASES[r["database"]],
                r["condition"],
                s["n"],
                s["p50_ms"],
                s["p99_ms"],
                f"{vs['p50']:.2f}x" if "p50" in vs else "",
                f"{vs['p99']:.2f}x" if "p99" in vs else "",
                c["written"],
                c["sent"],
                c["failed"],
                c["pending"],
                "" if r["drained_s"] is None else r["drained_s"],
                r["errors"],
            ]
        )
    return "\n".join(
        [
            f"Reporter's incident submit with the line manager's conversation failing (submit POST at the client, ms; "
            f"{result['submits']} submits in {result['rounds']} blocks taking turns; cards: Morgan's s8.6 cards of "
            f"the last block, after a wait of at most {result['drain_limit_s']:.0f} s; drained s: until none waited)",
            table(
                [
                    "database",
                    "Morgan's conversation",
                    "n",
                    "p50",
                    "p99",
                    "p50 vs healthy",
                    "p99 vs healthy",
                    "cards",
                    "sent",
                    "failed",
                    "waiting",
                    "drained s",
                    "errors",
                ],
                lines,
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submits", type=int, default=40)
    parser.add_argument("--drain", type=float, default=30.0, help="seconds to wait for Morgan's cards (default 30)")
    parser.add_argument("--rounds", type=int, default=4, help="blocks per condition, taking turns (default 4)")
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    m = machine()
    print(f"Machine: nproc {m['nproc']}, {m['cpu']}, Python {m['python']}")
    result = run(print, args.submits, args.drain, args.rounds, tuple(args.databases.split(",")))
    print("\n" + tables(result))
    for t in targets(result):
        print(f"{t['target']}: {t['value']} -> {'met' if t['met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
