"""A stand-in for Microsoft's Bot Connector service: an aiohttp server that records what the bot sends.

It answers the REST calls the bot makes (send, reply, update, a team's members) and can inject 429/5xx faults and
latency.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.card_accessibility import accessibility_problems
from tests.card_schema import card_problems
from tests.message_summaries import summary_problems


@dataclass
class Call:
    method: str
    conversation_id: str
    activity_id: str | None
    activity: dict[str, Any]

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    faults: list[int] = field(default_factory=list)
    """Statuses to answer with, one per incoming call, before behaving normally again."""
    latency: float = 0.0
    conversation_faults: dict[str, list[int]] = field(default_factory=dict)
    """Statuses to answer one conversation's calls with, one per call, before behaving normally again."""
    broken_conversations: dict[str, int] = field(default_factory=dict)
    """Conversations every call to which is answered with this status, until removed."""
    conversation_latency: dict[str, float] = field(default_factory=dict)
    retry_after: str | None = None
    """Sent as Retry-After with every injected 429."""
    attempts: list[tuple[str, float]] = field(default_factory=list)
    """Every call that reached the connector, faulted or not: (conversation id, monotonic time)."""
    in_flight: int = 0
    """Calls being answered now (a client that timed out does not stop the connector answering its call)."""
    card_errors: list[str] = field(default_factory=list)
    """Every schema problem in every card the bot sent: the tests fail if any is found."""
    summary_errors: list[str] = field(default_factory=list)
    """Every message the bot sent without a summary (tests/message_summaries.py): the tests fail if any is found."""
    check_cards: bool = True
    """Off for the outbox's load tests, where validating each card (about 0.1 s of the test process's CPU) would
    throttle the bot more than Teams does; the same cards are checked by the other tests."""
    accessibility_checked: int = 0
    """How many cards check_accessibility has checked (issue 20), so a test can see that the check ran."""
    members: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """Each team's roster as GET /v3/conversations/{id}/members answers it (Teams' ChannelAccount shape)."""
    member_reads: list[str] = field(default_factory=list)
    """The conversation of every members call that was answered."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members", self._members)
        return app

    async def start(self) -> None:
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _fault(self, request: web.Request) -> web.Response | None:
        conversation = request.match_info["conversation"]
        self.attempts.append((conversation, time.monotonic()))
        delay = self.conversation_latency.get(conversation, self.latency)
        if delay:
            self.in_flight += 1
            try:
                await asyncio.sleep(delay)
            finally:
                self.in_flight -= 1
        queued = self.conversation_faults.get(conversation)
        if conversation in self.broken_conversations:
            status: int | None = self.broken_conversations[conversation]
        elif queued:
            status = queued.pop(0)
        elif self.faults:
            status = self.faults.pop(0)
        else:
            status = None
        if status is None:
            return None
        headers = {"Retry-After": self.retry_after} if status == 429 and self.retry_after else {}
        return web.json_response({"error": {"code": "Injected", "message": "injected"}}, status=status, headers=headers)

    def fail(self, conversation_id: str, *statuses: int) -> None:
        """The conversation's next calls are answered with these statuses, in order."""
        self.conversation_faults.setdefault(conversation_id, []).extend(statuses)

    async def settled(self, timeout: float = 30.0) -> None:
        """Waits until every delayed call has been answered, so a fault cleared after it cannot change its answer."""
        deadline = time.monotonic() + timeout
        while self.in_flight:
            assert time.monotonic() < deadline, f"{self.in_flight} calls still being answered after {timeout} s"
            await asyncio.sleep(0.02)

    def attempts_to(self, conversation_id: str) -> int:
        return sum(1 for conversation, _ in self.attempts if conversation == conversation_id)

    async def _send(self, request: web.Request) -> web.Response:
        fault = await self._fault(request)
        if fault is not None:
            return fault
        activity = await request.json()
        self._check_cards(activity)
        self.summary_errors.extend(summary_problems(activity))
        new_id = f"activity-{next(self._ids)}"
        self.calls.append(
            Call("POST", request.match_info["conversation"], request.match_info.get("activity"), activity)
        )
        return web.json_response({"id": new_id})

    async def _update(self, request: web.Request) -> web.Response:
        fault = await self._fault(request)
        if fault is not None:
            return fault
        activity = await request.json()
        self._check_cards(activity)
        self.summary_errors.extend(summary_problems(activity))
        self.calls.append(Call("PUT", request.match_info["conversation"], request.match_info["activity"], activity))
        return web.json_response({"id": request.match_info["activity"]})

    async def _members(self, request: web.Request) -> web.Response:
        fault = await self._fault(request)
        if fault is not None:
            return fault
        conversation = request.match_info["conversation"]
        if conversation not in self.members:
            return web.json_response({"error": {"code": "NotFound", "message": "no such team"}}, status=404)
        self.member_reads.append(conversation)
        return web.json_response(self.members[conversation])

    def add_member(self, team_id: str, aad_object_id: str, name: str) -> None:
        """Puts a person on the team's roster, as Teams lists them."""
        self.members.setdefault(team_id, []).append(
            {"id": f"29:{aad_object_id}", "aadObjectId": aad_object_id, "name": name, "userRole": "user"}
        )

    def _check_cards(self, activity: dict[str, Any]) -> None:
        if not self.check_cards:
            return
        for attachment in activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                self.card_errors.extend(card_problems(attachment["content"]))
                self.check_accessibility(attachment["content"])

    def check_accessibility(self, card: dict[str, Any]) -> None:
        """Issue 20: a card the bot sent (or answered an invoke with) that a screen reader or a phone cannot use
        is a test failure, like a schema problem (tests/card_accessibility.py)."""
        self.accessibility_checked += 1
        self.card_errors.extend(accessibility_problems(card))

    def sent_to(self, conversation_id: str, method: str = "POST") -> list[Call]:
        return [c for c in self.calls if c.conversation_id == conversation_id and c.method == method]

    def clear(self) -> None:
        self.calls.clear()
