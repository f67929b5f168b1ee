"""Proactive messages through stored conversation references, with backoff on Teams' throttling and faults."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.ports import ConversationReferences
from dialogs.activities import card_activity

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({412, 429, 502, 504})
"""What Teams documents as worth retrying: throttling (429), a precondition race (412) and gateway faults."""
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

    async def acquire(self, conversation_id: str) -> None:
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
            sent.append(self._now())


class Unreachable(Exception):
    """No conversation reference is stored for this person or channel: the bot has never heard from them."""


class DeliveryFailed(Exception):
    """Teams kept refusing the message after every retry."""


class Notifier:
    def __init__(
        self,
        adapter: BotAdapter,
        references: ConversationReferences,
        app_id: str,
        max_attempts: int,
        base_delay: float,
        sleep: Sleep = asyncio.sleep,
        limiter: ConversationRateLimiter | None = None,
    ) -> None:
        self._adapter = adapter
        self._references = references
        self._app_id = app_id
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._sleep = sleep
        self.limiter = limiter or ConversationRateLimiter()
        self.retry_delays: list[float] = []
        """Every backoff this notifier waited, for operators and tests to see."""

    async def send_to_user(self, user_id: str, card: dict[str, Any]) -> str:
        reference = await asyncio.to_thread(self._references.personal_for_user, user_id)
        if reference is None:
            raise Unreachable(f"no personal conversation stored for user {user_id}")
        return await self._send(reference, card_activity(card))

    async def send_to_conversation(self, conversation_id: str, card: dict[str, Any]) -> str:
        reference = await asyncio.to_thread(self._references.for_conversation, conversation_id)
        if reference is None:
            raise Unreachable(f"no reference stored for conversation {conversation_id}")
        return await self._send(reference, card_activity(card))

    async def update_in_conversation(self, conversation_id: str, activity_id: str, card: dict[str, Any]) -> None:
        reference = await asyncio.to_thread(self._references.for_conversation, conversation_id)
        if reference is None:
            raise Unreachable(f"no reference stored for conversation {conversation_id}")
        activity = card_activity(card)
        activity.id = activity_id

        async def update(turn_context: TurnContext) -> None:
            await turn_context.update_activity(activity)

        await self._with_retries(reference, update)

    async def _send(self, reference: dict[str, Any], activity: Activity) -> str:
        sent: list[str] = []

        async def send(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(activity)
            sent.append(response.id if response and response.id else "")

        await self._with_retries(reference, send)
        return sent[-1]

    async def _with_retries(self, reference: dict[str, Any], logic: Callable[[TurnContext], Awaitable[None]]) -> None:
        conversation = ConversationReference().deserialize(reference)
        conversation_id = conversation.conversation.id if conversation.conversation else ""
        failures: list[Exception] = []

        async def attempt_once(turn_context: TurnContext) -> None:
            # The adapter hands a turn's exception to its on_turn_error handler (which apologises to users);
            # a proactive send must see the failure itself to retry it, so it is caught here.
            try:
                await logic(turn_context)
            except Exception as error:
                failures.append(error)

        for attempt in range(1, self._max_attempts + 1):
            await self.limiter.acquire(conversation_id)
            failures.clear()
            try:
                await self._adapter.continue_conversation(conversation, attempt_once, self._app_id)
                if failures:
                    raise failures[0]
                return
            except (HttpOperationError, ClientRequestError, ClientError, TimeoutError) as error:
                status = _status_of(error)
                if status is not None and status not in RETRYABLE_STATUSES:
                    raise DeliveryFailed(f"Teams refused the message with status {status}") from error
                if attempt == self._max_attempts:
                    raise DeliveryFailed(f"gave up after {attempt} attempts (last status {status})") from error
                delay = self._base_delay * 2 ** (attempt - 1)
                # Jitter spreads retries from many instances instead of synchronising them; Teams' own
                # Retry-After, when it sends one, is the least we wait.
                wait = max(delay + random.uniform(0, delay), _retry_after(error))
                self.retry_delays.append(wait)
                await self._sleep(wait)
                log.warning("retrying outbound message (attempt %d, status %s)", attempt + 1, status)


def _retry_after(error: Exception) -> float:
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    try:
        return min(float(headers.get("Retry-After", 0)), 60.0)
    except (TypeError, ValueError):
        return 0.0


def _status_of(error: Exception) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return int(status) if status is not None else None
