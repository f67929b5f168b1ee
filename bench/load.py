"""The load generator, in its own process: N virtual Teams users posting activities to a bot as the Bot Connector
would, each waiting for its turn's HTTP response before the next (closed loop). Prints one JSON object.

    python -m bench.load echo    --bot URL --connector URL --users N --duration S [--warmup S]
    python -m bench.load product --bot URL --connector URL --users N --duration S --plan plan.json --offset K
    python -m bench.load product ... --turns 10000      (a fixed number of turns instead of a duration)
    python -m bench.load introduce --bot URL --connector URL --plan plan.json   (first contact for every identity)

Each product user repeats, as one person would: `help`; `check <name>`; `report <name> phone abusive`, reads the
form from the card the connector received, fills in what happened and submits it; then, as a member of the
determination team, clicks Approve (Action.Execute) on a pending restriction escalation, with the s11.2 box ticked
(two members approve each escalation in turn: the first click records a vote, the second decides).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector

from bench.common import summary
from tests.teams import User, execute, inputs_of, message, submit


@dataclass
class Recorder:
    stop_at: float = float("inf")
    turns_left: int | None = None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    performed: int = 0
    """Every turn the bot answered, measured or not (the memory figure counts them all)."""

    @property
    def running(self) -> bool:
        if self.turns_left is not None:
            return self.turns_left > 0
        return time.perf_counter() < self.stop_at

    def record(self, kind: str, started: float, ended: float) -> None:
        self.performed += 1
        if self.turns_left is not None:
            self.turns_left -= 1
        if ended <= self.stop_at:
            self.timings[kind].append((ended - started) * 1000)


class Client:
    def __init__(self, session: ClientSession, bot: str, connector: str) -> None:
        self.session = session
        self.bot = bot
        self.connector = connector.rstrip("/") + "/"

    async def turn(self, recorder: Recorder | None, kind: str, activity: dict[str, Any]) -> Any:
        started = time.perf_counter()
        async with self.session.post(self.bot, json=activity) as response:
            body = await response.read()
            status = response.status
        ended = time.perf_counter()
        if status >= 300:
            raise RuntimeError(f"{kind}: HTTP {status} {body[:300]!r}")
        if recorder is not None:
            recorder.record(kind, started, ended)
        return json.loads(body) if body else None

    async def last_sent(self, conversation: str) -> dict[str, Any]:
        async with self.session.get(self.connector + "bench/last", params={"conversation": conversation}) as response:
            return dict(await response.json())


def first_card(activity: dict[str, Any]) -> dict[str, Any]:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return dict(attachment["content"])
    raise RuntimeError(f"no Adaptive Card in {json.dumps(activity)[:300]}")


def submit_data(card: dict[str, Any]) -> dict[str, Any]:
    """The data of the card's first Action.Submit (its verb and form id)."""
    for action in card.get("actions") or []:
        if action.get("type") == "Action.Submit":
            return dict(action.get("data") or {})
    raise RuntimeError("the card has no submit button")


def users_of(rows: list[dict[str, str]]) -> list[User]:
    return [User(row["id"], row["name"]) for row in rows]


async def echo_user(client: Client, recorder: Recorder, user: User) -> None:
    n = 0
    while recorder.running:
        n += 1
        await client.turn(recorder, "echo", message(user, f"hello {n}", client.connector))


async def product_user(
    client: Client,
    recorder: Recorder,
    plan: dict[str, Any],
    index: int,
    users: int,
    offset: int,
    used: list[int],
    loops: list[int],
) -> None:
    reporters = users_of(plan["reporters"])[index::users]
    team = users_of(plan["team"])
    members = (team[(2 * index) % len(team)], team[(2 * index + 1) % len(team)])
    names: list[str] = plan["names"]
    escalations: list[int] = plan["escalations"]
    url = client.connector
    loop = loops[index]  # carried over from the warm-up, so each escalation gets its two approvals
    while recorder.running:
        reporter = reporters[loop % len(reporters)]
        name = names[(index * 7919 + loop * 104729) % len(names)]
        await client.turn(recorder, "help", message(reporter, "help", url))
        if not recorder.running:
            break
        await client.turn(recorder, "check <name>", message(reporter, f"check {name}", url))
        if not recorder.running:
            break
        await client.turn(recorder, "report (form)", message(reporter, f"report {name} phone abusive", url))
        form = first_card(await client.last_sent(reporter.personal_conversation))
        value = {**inputs_of(form), **submit_data(form), "description": f"Shouted at me on the phone ({loop})."}
        await client.turn(recorder, "incident submit", submit(reporter, value, url))
        if not recorder.running:
            break
        slot = offset + index + users * (loop // 2)
        escalation = escalations[slot % len(escalations)]
        used[0] = max(used[0], slot + 1)
        data = {"escalation_id": escalation, "alternatives_considered": "true", "notes": ""}
        answer = await client.turn(
            recorder,
            "approve (Action.Execute)",
            execute(members[loop % 2], "escalation.approve", data, url, reply_to_id=f"seed-card-{escalation}"),
        )
        if not (isinstance(answer, dict) and answer.get("statusCode") == 200):
            recorder.errors.append(f"approve answered {str(answer)[:200]}")
        loop += 1
        loops[index] = loop


async def check_user(client: Client, recorder: Recorder, plan: dict[str, Any], index: int, users: int) -> None:
    """Only `check <name>`, one customer after another: the turn staff take most, before or during contact."""
    reporters = users_of(plan["reporters"])[index::users]
    names: list[str] = plan["names"]
    n = 0
    while recorder.running:
        reporter = reporters[n % len(reporters)]
        name = names[(index * 7919 + n * 104729) % len(names)]
        await client.turn(recorder, "check <name>", message(reporter, f"check {name}", client.connector))
        n += 1


async def introduce(client: Client, plan: dict[str, Any]) -> int:
    """Every identity's first message (the bot stores how to reach them, once per process), and the team's channel."""
    people = users_of(plan["reporters"]) + users_of(plan["managers"]) + users_of(plan["team"])
    semaphore = asyncio.Semaphore(8)

    async def hello(user: User, channel: bool = False) -> None:
        async with semaphore:
            await client.turn(None, "hello", message(user, "hello", client.connector, channel=channel))

    await hello(users_of(plan["team"])[0], channel=True)
    await asyncio.gather(*(hello(user) for user in people))
    return len(people) + 1


async def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = json.loads(Path(args.plan).read_text()) if args.plan else {}
    connector = TCPConnector(limit=0, force_close=False)
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=120)) as session:
        client = Client(session, args.bot, args.connector)
        if args.scenario == "introduce":
            return {"introduced": await introduce(client, plan)}
        used = [args.offset]
        loops = [0] * args.users
        recorder = Recorder()

        def workers() -> list[Any]:
            if args.scenario == "echo":
                return [
                    echo_user(client, recorder, User(f"00000000-0000-0000-0000-{i:012d}", f"Echo User {i}"))
                    for i in range(args.users)
                ]
            if args.scenario == "check":
                return [check_user(client, recorder, plan, i, args.users) for i in range(args.users)]
            return [
                product_user(client, recorder, plan, i, args.users, args.offset, used, loops) for i in range(args.users)
            ]

        warm_turns = 0
        if args.warmup > 0 and args.turns is None:
            recorder.stop_at = time.perf_counter() + args.warmup
            await asyncio.gather(*workers())
            warm_turns = recorder.performed
            recorder = Recorder()
        if args.turns is not None:
            recorder.turns_left = args.turns
        else:
            recorder.stop_at = time.perf_counter() + args.duration
        recorder.started = time.perf_counter()
        outcomes = await asyncio.gather(*workers(), return_exceptions=True)
        ended = time.perf_counter()
        elapsed = (min(ended, recorder.stop_at) if args.turns is None else ended) - recorder.started
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                recorder.errors.append(repr(outcome)[:300])
        everything = [t for timings in recorder.timings.values() for t in timings]
        return {
            "users": args.users,
            "seconds": round(elapsed, 2),
            "turns": len(everything),
            "turns_served": warm_turns + recorder.performed,
            "turns_per_s": round(len(everything) / elapsed, 1) if elapsed > 0 else 0.0,
            "all": summary(everything),
            "by_kind": {kind: summary(timings) for kind, timings in recorder.timings.items()},
            "errors": len(recorder.errors),
            "first_errors": recorder.errors[:3],
            "next_offset": used[0] + args.users,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["echo", "product", "check", "introduce"])
    parser.add_argument("--bot", required=True)
    parser.add_argument("--connector", required=True)
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--turns", type=int, default=None)
    parser.add_argument("--plan", default="")
    parser.add_argument("--offset", type=int, default=0)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
