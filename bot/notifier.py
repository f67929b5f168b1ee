"""Proactive messages through stored conversation references, with backoff on Teams' throttling and faults."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError
from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ConversationReference
from msrest.exceptions import HttpOperationError

from storage.conversation_references import ConversationReferenceStore

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({412, 429, 500, 502, 503, 504})
Sleep = Callable[[float], Awaitable[None]]


class Unreachable(Exception):
    """No conversation reference is stored for this person or channel: the bot has never heard from them."""


class DeliveryFailed(Exception):
    """Teams kept refusing the message after every retry."""


def card_activity(card: dict[str, Any]) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


class Notifier:
    def __init__(
        self,
        adapter: BotAdapter,
        references: ConversationReferenceStore,
        app_id: str,
        max_attempts: int,
        base_delay: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._adapter = adapter
        self._references = references
        self._app_id = app_id
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._sleep = sleep

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
        for attempt in range(1, self._max_attempts + 1):
            try:
                await self._adapter.continue_conversation(conversation, logic, self._app_id)
                return
            except (HttpOperationError, ClientError, TimeoutError) as error:
                status = _status_of(error)
                if status is not None and status not in RETRYABLE_STATUSES:
                    raise DeliveryFailed(f"Teams refused the message with status {status}") from error
                if attempt == self._max_attempts:
                    raise DeliveryFailed(f"gave up after {attempt} attempts (last status {status})") from error
                delay = self._base_delay * 2 ** (attempt - 1)
                # Full jitter spreads retries from many instances instead of synchronising them.
                await self._sleep(delay + random.uniform(0, delay))
                log.warning("retrying outbound message (attempt %d, status %s)", attempt + 1, status)


def _status_of(error: Exception) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return int(status) if status is not None else None
