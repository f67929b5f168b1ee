"""One call to the Bot Connector through a stored conversation reference, within Teams' per-conversation limits and a
timeout, its failure classified as worth retrying (TryAgain) or not (Refused). The outbox worker keeps the retries."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import ClientError
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.ports import ConversationReferences
from dialogs.activities import card_activity

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({412, 429, 502, 503, 504})
"""What Teams documents as worth retrying: throttling (429), a precondition race (412) and gateway faults. 404
(conversation not found), 403 (bot removed or blocked) and the rest are permanent."""
Sleep = Callable[[float], Awaitable[None]]

RATE_LIMITS = ((7, 1.0), (60, 30.0))
"""Teams' per-conversation limits for a bot: 7 messages a second and 60 in 30 seconds (and 1800 an hour)."""


class ConversationRateLimiter:
    """Keeps this instance's outgoing messages under Teams' per-conversation limits by waiting, never dropping."""

    def __init__(
        self,
        limits: tuple[tuple[int, float], ...] = RATE_LIMITS,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = limits
        self._sleep = sleep
        self._now = now
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.waited = 0.0

    def seed(self, conversation_id: str, sent_at: list[float], wall_clock_now: float) -> None:
        """Counts the conversation's recent sends as the database recorded them (wall-clock times, from every
        instance), when this worker takes the conversation over.

        The database's list replaces what this instance remembers up to the newest send in it: another instance
        may have sent to the conversation since this one last did (they pass it between them a round at a time),
        and ignoring those sends once let two instances put 13 messages into one second. Sends this instance made
        after the newest recorded one (in this round, not yet in the list) are kept. Recorded times are taken
        when a send was marked, just after Teams answered, so they never undercount a window."""
        if not sent_at:
            return
        offset = self._now() - wall_clock_now
        # A send recorded "after now" (clocks that disagree) would hold the conversation back for nothing.
        recorded = sorted(t + offset for t in sent_at if t <= wall_clock_now)
        sent = self._sent[conversation_id]
        newer = [t for t in sent if t > recorded[-1]]
        sent.clear()
        sent.extend(recorded)
        sent.extend(newer)

    async def acquire(self, conversation_id: str) -> float:
        """Waits until one more message may go to the conversation; returns the time counted for it, which
        `finished` moves to when Teams answered."""
        async with self._locks[conversation_id]:
            sent = self._sent[conversation_id]
            longest = max(window for _, window in self._limits)
            while True:
                now = self._now()
                while sent and now - sent[0] >= longest:
                    sent.popleft()
                wait = max(
                    (sent[-count] + window - now for count, window in self._limits if len(sent) >= count), default=0.0
                )
                if wait <= 0:
                    break
                self.waited += wait
                await self._sleep(wait)
            started = self._now()
            sent.append(started)
            return started

    def finished(self, conversation_id: str, started: float) -> None:
        """The send counted at `started` has been answered: it is counted from now instead.

        Teams counts a message when it arrives, which is some time after `acquire` let it go; counted from the
        answer, the next window starts no earlier than Teams' own. Counted from `acquire`, a request that took
        longer to arrive than the one seven after it put eight into one second at the fake connector."""
        sent = self._sent.get(conversation_id)
        if not sent:
            return
        for index in range(len(sent) - 1, -1, -1):
            if sent[index] == started:
                del sent[index]
                sent.append(self._now())
                return


class Unreachable(Exception):
    """No conversation reference is stored for this person or channel: the bot has never heard from them."""


class DeliveryFailed(Exception):
    """Teams refused the message, or kept failing it for as long as the sender would wait."""


class TryAgain(Exception):
    """A fault worth retrying (throttling, a gateway fault, a timeout): wait at least `retry_after` seconds."""

    def __init__(self, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Refused(Exception):
    """Teams refused for good: the conversation is gone (404), the bot was removed or blocked (403), or the request
    itself is wrong. Retrying cannot help."""


Logic = Callable[[TurnContext], Awaitable[None]]


class Notifier:
    def __init__(
        self,
        adapter: BotAdapter,
        references: ConversationReferences,
        app_id: str,
        limiter: ConversationRateLimiter | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._adapter = adapter
        self.references = references
        self._app_id = app_id
        self._timeout = timeout
        self.limiter = limiter or ConversationRateLimiter()

    async def send_once(self, reference: dict[str, Any], activity: Activity) -> str:
        """One attempt, for the outbox worker, which keeps its own retries durably: raises TryAgain or Refused."""
        sent: list[str] = []
        await self._attempt(reference, _sending(activity, sent))
        return sent[-1]

    async def update_once(self, reference: dict[str, Any], activity: Activity) -> None:
        await self._attempt(reference, _updating(activity))

    async def members_once(self, reference: dict[str, Any]) -> frozenset[str]:
        """The Entra object ids of the members of the reference's conversation (a team or its channel: the team's
        roster), by the connector's GET /v3/conversations/{id}/members; raises TryAgain or Refused."""
        found: list[frozenset[str]] = []
        await self._attempt(reference, _listing_members(found))
        return found[-1]

    async def _attempt(self, reference: dict[str, Any], logic: Logic) -> None:
        """One call to the Bot Connector, within Teams' limits for the conversation and a timeout, with its failure
        classified as worth retrying or not."""
        conversation = ConversationReference().deserialize(reference)
        conversation_id = conversation.conversation.id if conversation.conversation else ""
        failures: list[Exception] = []

        async def attempt_once(turn_context: TurnContext) -> None:
            # The adapter hands a turn's exception to its on_turn_error handler (which apologises to users);
            # a proactive send must see the failure itself to classify it, so it is caught here.
            try:
                await logic(turn_context)
            except Exception as error:
                failures.append(error)

        started = await self.limiter.acquire(conversation_id)
        try:
            try:
                await asyncio.wait_for(
                    self._adapter.continue_conversation(conversation, attempt_once, self._app_id), self._timeout
                )
            finally:
                self.limiter.finished(conversation_id, started)
            if failures:
                raise failures[0]
        except TimeoutError as error:
            raise TryAgain(f"no answer from Teams within {self._timeout:g} s") from error
        except (HttpOperationError, ClientRequestError, ClientError) as error:
            status = status_of(error)
            if status is None or status in RETRYABLE_STATUSES:
                raise TryAgain(f"Teams answered {status or 'no status'}", retry_after(error)) from error
            raise Refused(f"Teams refused the message with status {status}") from error


def _sending(activity: Activity, sent: list[str]) -> Logic:
    async def send(turn_context: TurnContext) -> None:
        response = await turn_context.send_activity(activity)
        sent.append(response.id if response and response.id else "")

    return send


def _listing_members(found: list[frozenset[str]]) -> Logic:
    async def list_members(turn_context: TurnContext) -> None:
        connector = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
        conversation = turn_context.activity.conversation
        members = await connector.conversations.get_conversation_members(conversation.id if conversation else "")
        found.append(frozenset(str(m.aad_object_id) for m in members if getattr(m, "aad_object_id", None)))

    return list_members


def _updating(activity: Activity) -> Logic:
    async def update(turn_context: TurnContext) -> None:
        await turn_context.update_activity(activity)

    return update


def backoff(base_delay: float, attempt: int, at_least: float = 0.0, cap: float = 600.0) -> float:
    """Exponential backoff with jitter, which spreads retries from many instances instead of synchronising them;
    Teams' own Retry-After, when it sends one, is the least we wait."""
    delay: float = min(base_delay * 2.0 ** (attempt - 1), cap)
    return max(delay + random.uniform(0, delay), at_least)


def retry_after(error: Exception) -> float:
    for response in _responses(error):
        headers = getattr(response, "headers", None) or {}
        try:
            seconds = float(headers.get("Retry-After") or 0)
            return min(seconds, 600.0)
        except (TypeError, ValueError):
            return 0.0
    return 0.0


def status_of(error: Exception) -> int | None:
    """The HTTP status of a failed connector call. msrest wraps the answer differently by pipeline (its own
    response, the transport's, aiohttp's), and reading only one of them once took a 404 for a transient fault."""
    for response in _responses(error):
        for name in ("status_code", "status"):
            status = getattr(response, name, None)
            if isinstance(status, int):
                return status
    return None


def _responses(error: Exception) -> list[Any]:
    response = getattr(error, "response", None)
    found: list[Any] = []
    while response is not None and len(found) < 4:
        found.append(response)
        response = getattr(response, "http_response", None) or getattr(response, "internal_response", None)
    return found


class ReplyNotDelivered(Exception):
    """A reply inside a turn that Teams kept refusing or throttling for as long as the turn could wait."""


Send = Callable[[], Awaitable[T]]


async def within_turn(
    send: Send[T], deadline: float, attempts: int, base_delay: float, sleep: Sleep = asyncio.sleep
) -> T:
    """One reply sent inside a person's turn, retried as the outbox retries (the same statuses, backoff with jitter,
    at least Retry-After) but only while it can still arrive before `deadline` (monotonic): Teams gives the turn
    about 15 s, then retries the whole activity itself."""
    for attempt in range(1, attempts + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            raise ReplyNotDelivered(f"no time left in the turn for attempt {attempt}")
        try:
            return await asyncio.wait_for(send(), left)
        except TimeoutError as error:
            raise ReplyNotDelivered(f"no answer from Teams within the turn (attempt {attempt})") from error
        except (HttpOperationError, ClientRequestError, ClientError) as error:
            status = status_of(error)
            if status is not None and status not in RETRYABLE_STATUSES:
                raise ReplyNotDelivered(f"Teams refused the reply with status {status}") from error
            wait = backoff(base_delay, attempt, retry_after(error), cap=max(deadline - time.monotonic(), 0.0))
            if attempt == attempts or time.monotonic() + wait >= deadline:
                raise ReplyNotDelivered(
                    f"Teams answered {status or 'no status'} {attempt} times within the turn"
                ) from error
            log.info("reply answered %s; retrying in %.2f s (attempt %d)", status or "no status", wait, attempt)
            await sleep(wait)
    raise ReplyNotDelivered("no attempt was made")


class PrivateAnswers:
    """Answers in a person's 1:1 chat to what they asked in a shared conversation. It is their own turn's answer,
    so it is sent now, with one quick retry at most: Teams gives the turn 15 s, not the outbox's patience."""

    def __init__(self, notifier: Notifier, attempts: int = 2) -> None:
        self._notifier = notifier
        self._attempts = attempts

    async def send_to_user(self, user_id: str, card: dict[str, Any]) -> str:
        reference = await asyncio.to_thread(self._notifier.references.personal_for_user, user_id)
        if reference is None:
            raise Unreachable(f"no personal conversation stored for user {user_id}")
        for attempt in range(1, self._attempts + 1):
            try:
                return await self._notifier.send_once(reference, card_activity(card))
            except Refused as refused:
                raise DeliveryFailed(str(refused)) from refused
            except TryAgain as fault:
                if attempt == self._attempts:
                    raise DeliveryFailed(str(fault)) from fault
                await asyncio.sleep(min(fault.retry_after, 1.0) or 0.2)
        raise DeliveryFailed("no attempt was made")
