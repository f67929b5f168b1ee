"""Staff effort per main flow: the messages a person types, the buttons they click and the form fields they touch,
counted from the cards the bot actually sends.

Runs the real app (SQLite, the fake Bot Connector from the tests, which also validates every card against the
Adaptive Cards 1.5 schema) and plays each person: a message is one typed command; a click is one press of a button
on a card the bot sent; a field is one input whose value the person changes from what the card already holds
(prefilled values, defaults and hidden "More details" left alone cost nothing). Where the bot answers a submit with
the form again (a pick list, an error), the person fixes only what it asks for, and that costs again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from app import create_app
from bench.customer_check import load
from bench.load import submit_data
from casework.entities import Actor, StaffMember
from casework.staff import register_staff
from settings import Settings
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.fake_connector import FakeConnector
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, User, all_text, execute, inputs_of, message, submit

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@dataclass
class Effort:
    flow: str
    who: str
    messages: int = 0
    clicks: int = 0
    fields: int = 0
    cards_seen: int = 0
    inputs_on_cards: int = 0
    outcome: str = ""
    notes: list[str] = field(default_factory=list)


class Person:
    """Plays one member of staff against the running bot and counts what they do."""

    def __init__(self, bot: Bot, user: User, effort: Effort, channel: bool = False) -> None:
        self.bot = bot
        self.user = user
        self.effort = effort
        self.channel = channel

    @property
    def conversation(self) -> str:
        return TEAM_CHANNEL if self.channel else self.user.personal_conversation

    async def say(self, text: str) -> list[dict[str, Any]]:
        self.effort.messages += 1
        return await self.bot.turn(message(self.user, text, self.bot.connector.url, channel=self.channel), self)

    async def submit(self, card: dict[str, Any], changes: dict[str, str]) -> list[dict[str, Any]]:
        values = self._touch(card, changes)
        data = {**values, **submit_data(card)}
        self.effort.clicks += 1
        return await self.bot.turn(submit(self.user, data, self.bot.connector.url, channel=self.channel), self)

    async def click(self, card: dict[str, Any], verb: str, changes: dict[str, str] | None = None) -> dict[str, Any]:
        """An Action.Execute button: Teams sends the button's data with the card's inputs; the answer replaces it."""
        values = self._touch(card, changes or {})
        button = next(a for a in card.get("actions", []) if a.get("verb") == verb)
        self.effort.clicks += 1
        activity = execute(self.user, verb, {**values, **button.get("data", {})}, self.bot.connector.url, "a-1")
        activity["conversation"]["id"] = self.conversation
        status, body = await self.bot.post(activity)
        assert status == 200, body
        self.effort.cards_seen += 1
        return dict(body["value"])

    async def click_submit(self, card: dict[str, Any], title_part: str) -> list[dict[str, Any]]:
        """An Action.Submit button chosen by its title (a pick list's entries)."""
        button = next(
            a for a in _actions(card) if a.get("type") == "Action.Submit" and title_part in str(a.get("title"))
        )
        self.effort.clicks += 1
        return await self.bot.turn(
            submit(self.user, dict(button.get("data") or {}), self.bot.connector.url, channel=self.channel), self
        )

    def _touch(self, card: dict[str, Any], changes: dict[str, str]) -> dict[str, str]:
        values = inputs_of(card)
        self.effort.inputs_on_cards += len(values)
        for key, value in changes.items():
            assert key in values, f"{self.effort.flow}: the card has no input {key!r}"
            if values[key] != value:
                self.effort.fields += 1
        return {**values, **changes}


def _actions(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for value in node.values():
            found += _actions(value)
    elif isinstance(node, list):
        for item in node:
            found += _actions(item)
    return found


class Bot:
    def __init__(self, server: TestServer, session: ClientSession, connector: FakeConnector) -> None:
        self.server = server
        self.session = session
        self.connector = connector

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(self.server.make_url("/api/messages"), json=activity) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body

    async def turn(self, activity: dict[str, Any], person: Person) -> list[dict[str, Any]]:
        """Posts and returns the cards the bot sent to that person's conversation in the turn."""
        before = len(self.connector.calls)
        status, body = await self.post(activity)
        assert status == 200, body
        cards = [
            c
            for call in self.connector.calls[before:]
            if call.conversation_id == person.conversation
            for c in call.cards
        ]
        person.effort.cards_seen += len(cards)
        return cards

    def cards_to(self, conversation: str) -> list[dict[str, Any]]:
        return [card for call in self.connector.sent_to(conversation) for card in call.cards]


async def flows(bot: Bot, names: list[str], similar: str, surname: str) -> list[Effort]:
    results: list[Effort] = []
    known = names[0]

    # Front-line staff: report an incident about a known customer.
    effort = Effort("Report an incident, known customer", "staff")
    sam = Person(bot, SAM, effort)
    form = (await sam.say(f"report {known} phone abusive"))[-1]
    answer = await sam.submit(form, {"description": "Shouted and swore at me on the phone."})
    effort.outcome = _outcome(answer[-1], "recorded")
    results.append(effort)

    # Their line manager records the s8.6 discussion from the card the bot sent them.
    effort = Effort("Record the line manager's discussion (s8.6)", "line manager")
    morgan = Person(bot, MORGAN, effort)
    discussion = bot.cards_to(MORGAN.personal_conversation)[-1]
    effort.cards_seen += 1
    answer_card = await morgan.click(discussion, "incident.no_further_action")
    effort.outcome = _outcome(answer_card, "recorded")
    results.append(effort)

    # Front-line staff: report about someone whose name resembles an existing customer (a new customer).
    effort = Effort("Report an incident, new customer (name like an existing one)", "staff")
    sam = Person(bot, SAM, effort)
    form = (await sam.say(f"report {similar} phone abusive"))[-1]
    changes = {"description": "Threw leaflets at the counter."}
    if inputs_of(form).get("customer_choice", None) == "":
        changes["customer_choice"] = "new"
    answer = await sam.submit(form, changes)
    if "recorded" not in all_text(answer[-1]) and "customer_choice" in inputs_of(answer[-1]):
        effort.notes.append("the form came back with a pick list")
        answer = await sam.submit(answer[-1], {"customer_choice": "new"})
    effort.outcome = _outcome(answer[-1], "recorded")
    results.append(effort)

    # Front-line staff: check a customer (one match), then a surname shared by several customers.
    effort = Effort("Check a customer, one match", "staff")
    sam = Person(bot, SAM, effort)
    answer = await sam.say(f"check {known}")
    effort.outcome = _outcome(answer[-1], f"{known}:")
    results.append(effort)

    effort = Effort("Check a customer, several matches (pick from the list)", "staff")
    sam = Person(bot, SAM, effort)
    answer = await sam.say(f"check {surname}")
    picked = await sam.click_submit(answer[-1], surname)
    effort.outcome = _outcome(picked[-1], surname)
    results.append(effort)

    # A manager asks the determination team for a restriction.
    effort = Effort("Ask the determination team for a restriction", "manager")
    morgan = Person(bot, MORGAN, effort)
    form = (await morgan.say(f"escalate {known}"))[-1]
    answer = await morgan.submit(
        form,
        {
            "kind": "restriction",
            "reason": "Abuse on three calls this month.",
            "investigation_reference": "HS-2026-014",
            "restrictions": "written_only",
        },
    )
    effort.outcome = _outcome(answer[-1], "Sent to the determination team")
    results.append(effort)

    # Two members of the determination team approve on the card in their channel (Action.Execute).
    for member, expected in ((HARPER, "1 of 2 approvals"), (CASEY, "Approved on")):
        effort = Effort(f"Approve a restriction ({member.name.split()[0]}, determination team)", "determination team")
        person = Person(bot, member, effort, channel=True)
        card = bot.cards_to(TEAM_CHANNEL)[-1]
        effort.cards_seen += 1
        after = await person.click(card, "escalation.approve", {"alternatives_considered": "true"})
        effort.outcome = _outcome(after, expected)
        results.append(effort)
    return results


def _outcome(card: dict[str, Any], expected: str) -> str:
    text = all_text(card)
    line = next((line for line in text.splitlines() if expected.lower() in line.lower()), "")
    return f"ok: {line[:90]}" if line else "UNEXPECTED: " + text.replace("\n", " / ")[:90]


async def measure() -> list[dict[str, Any]]:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='uca_bench_effort_')}/effort.db"
    upgrade(url)
    engine = create_database_engine(url)
    customers = load(engine, 300, 3, random.Random(3))
    counts = Counter(c["name"] for c in customers)
    names = [c["name"] for c in customers if counts[c["name"]] == 1]
    surname = Counter(c["name"].split(" ", 1)[1] for c in customers).most_common(1)[0][0]
    similar = names[1][:-1] + ("x" if names[1][-1] != "x" else "y")
    clock = lambda: NOW  # noqa: E731
    for user, on_team, manager in (
        (MORGAN, False, None),
        (SAM, False, MORGAN),
        (HARPER, True, None),
        (CASEY, True, None),
    ):
        member = StaffMember(user.aad_object_id, user.name, on_team, manager.aad_object_id if manager else None)
        register_staff(SqlUnitOfWork(engine), Actor("admin", "Admin"), member, clock)
    engine.dispose()
    settings = Settings(
        _env_file=None, DEVELOPMENT_MODE=True, DATABASE_URL=url, DETERMINATION_TEAM_CONVERSATION_ID=TEAM_CHANNEL
    )
    connector = FakeConnector()
    await connector.start()
    server = TestServer(create_app(settings, clock=clock, run_sweep=False), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as session:
            bot = Bot(server, session, connector)
            for user in (MORGAN, SAM, HARPER):  # everyone has talked to the bot once; the team's channel is known
                await bot.post(message(user, "hello", connector.url))
            await bot.post(message(HARPER, "hello", connector.url, channel=True))
            results = await flows(bot, names, similar, surname)
    finally:
        await server.close()
        await connector.close()
    if connector.card_errors:
        raise AssertionError("cards broke the Adaptive Cards 1.5 schema:\n" + "\n".join(connector.card_errors))
    return [
        {
            "flow": r.flow,
            "who": r.who,
            "messages": r.messages,
            "clicks": r.clicks,
            "fields": r.fields,
            "cards_seen": r.cards_seen,
            "inputs_on_cards": r.inputs_on_cards,
            "outcome": r.outcome,
            "notes": r.notes,
        }
        for r in results
    ]


def run(log: Any) -> dict[str, Any]:
    logging.disable(logging.WARNING)
    try:
        rows = asyncio.run(measure())
    finally:
        logging.disable(logging.NOTSET)
    for row in rows:
        log(
            f"  {row['flow']:<62} {row['messages']} msg {row['clicks']} clicks {row['fields']} fields  {row['outcome']}"
        )
    return {"rows": rows}


if __name__ == "__main__":
    print(json.dumps(run(print), indent=2))
