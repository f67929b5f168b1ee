"""The outbox worker: runs inside the app, claims waiting messages a conversation at a time and sends them.

- Nobody's turn waits for it: a use case writes its messages in its own transaction and the worker is woken.
- One worker at a time holds a conversation (a lease in the database), so messages to it keep their order and
  Teams' per-conversation limits (7 a second, 60 in 30 seconds) hold across instances: a worker taking a
  conversation over starts from when it was last sent to.
- 429, 412, 502, 503, 504 and timeouts are retried with backoff, jitter and Retry-After, durably (the message waits
  in the database, not in memory); 404, 403 and no stored conversation are permanent: the message is marked
  undeliverable, audited, listed in its addressee's `work`, and whoever needs to know is told.
- Sent at least once, and at most once more after a crash: a crash between Teams accepting a message and the
  worker marking it sent re-sends only the messages in flight (at most one per conversation being sent to, and at
  most `concurrency` conversations at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.notifications import NothingToSend, Notifications, Outgoing
from bot.notifier import Notifier, Refused, TryAgain, backoff
from bot.ports import ConversationReferences
from bot.turns import TurnsInProgress
from casework.entities import OutboxMessage
from casework.errors import NotFound
from casework.gateway import CaseworkGateway
from casework.outbox import (
    claim_messages,
    message_retry,
    message_sent,
    message_undeliverable,
    release_all_conversations,
    release_conversations,
    renew_lease,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxSettings:
    poll_seconds: float = 1.0
    """How often an idle worker looks for messages written by other instances (its own turns wake it at once)."""
    lease_for: timedelta = timedelta(seconds=60)
    """How long a worker holds a conversation; a crashed worker's conversations pass to another after this."""
    concurrency: int = 4
    """Conversations sent to at once."""
    per_conversation: int = 20
    """Messages sent to one conversation before its lease is given back for the next round."""
    max_attempts: int = 10
    base_delay: float = 0.5


class OutboxWorker:
    def __init__(
        self,
        casework: CaseworkGateway,
        notifications: Notifications,
        notifier: Notifier,
        references: ConversationReferences,
        settings: OutboxSettings,
        turns: TurnsInProgress | None = None,
    ) -> None:
        self._casework = casework
        self._notifications = notifications
        self._notifier = notifier
        self._references = references
        self._settings = settings
        self._turns = turns
        self._wake = asyncio.Event()
        self.claimant = f"outbox-{uuid.uuid4().hex[:12]}"
        self.delivered = 0
        self.failed = 0
        self.retried = 0
        self._recent_sends: dict[str, list[float]] = {}

    def wake(self) -> None:
        """A turn wrote messages: look now rather than at the next poll."""
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            try:
                handled = await self.deliver_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery failed; it will run again")
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.poll_seconds)
            self._wake.clear()

    async def stop(self) -> None:
        """At shutdown, after the worker's task is cancelled: gives its conversations back at once, so another
        instance (or this one restarted) need not wait for the leases to lapse."""
        await self._casework.call(release_all_conversations, self.claimant)

    async def deliver_until_idle(self, rounds: int = 100) -> int:
        """Delivers until nothing is due (for tests, tools and shutdown); returns how many messages were handled."""
        total = 0
        for _ in range(rounds):
            handled = await self.deliver_once()
            if not handled:
                break
            total += handled
        return total

    async def deliver_once(self) -> int:
        """One claim: every conversation leased gets its waiting messages, in order. Returns messages handled."""
        settings = self._settings
        if self._turns is not None:
            # People waiting for an answer go first; a delivery waits for 20 ms without a turn (at most 2 s).
            await self._turns.give_way()
        claim = await self._casework.call(
            # No more conversations than are sent to at once, so none waits, leased, behind the others.
            claim_messages,
            self.claimant,
            lease_for=settings.lease_for,
            conversations=settings.concurrency,
        )
        if not claim.messages:
            return 0
        by_conversation: dict[str, list[OutboxMessage]] = defaultdict(list)
        for message in claim.messages:
            by_conversation[message.addressee].append(message)
        self._recent_sends = {a: [t.timestamp() for t in times] for a, times in claim.recent_sends.items()}
        gate = asyncio.Semaphore(settings.concurrency)

        async def conversation(addressee: str, messages: list[OutboxMessage]) -> int:
            async with gate:
                try:
                    return await self._send_in_order(addressee, messages[: settings.per_conversation])
                finally:
                    await self._casework.call(release_conversations, self.claimant, [addressee])

        handled = await asyncio.gather(*(conversation(a, m) for a, m in by_conversation.items()))
        return sum(handled)

    async def _send_in_order(self, addressee: str, messages: list[OutboxMessage]) -> int:
        handled = 0
        lease_for = self._settings.lease_for
        renewed = time.monotonic()  # the claim has just taken the lease
        for message in messages:
            # Renewed once a third of it has gone, not before every message (each renewal is a transaction the
            # app's turns queue behind). A lease that lapsed all the same (a slow connector, a long wait for
            # Teams' limits) may have passed to another instance, which may be sending these very messages:
            # then this one stops.
            if time.monotonic() - renewed > lease_for.total_seconds() / 3:
                if not await self._casework.call(renew_lease, self.claimant, addressee, lease_for=lease_for):
                    log.warning("outbox: lost the lease of %s; another worker continues", addressee)
                    break
                renewed = time.monotonic()
            handled += 1
            if self._turns is not None:
                await self._turns.give_way()
            if not await self._deliver(message):
                # It waits for its retry, and the rest of this conversation with it, in order.
                break
        return handled

    async def _deliver(self, message: OutboxMessage) -> bool:
        """Sends one message and records what happened; False if the conversation must wait for a retry."""
        try:
            outgoing = await self._notifications.outgoing(message)
        except NothingToSend as moot:
            log.info("outbox message %s not sent: %s", message.id, moot)
            await self._casework.call(message_sent, message, "", "")
            return True
        except NotFound as gone:
            await self._undeliverable(message, f"not sent: {gone}")
            return True
        reference = await self._reference(outgoing)
        if reference is None:
            who = "this person has not used the bot yet" if outgoing.user_id else "the channel is not known to Teams"
            await self._undeliverable(message, f"no conversation to send to: {who}")
            return True
        # The recorded send times come from the casework's clock, so "now" must too (a test's clock is not the
        # wall clock, and mixing them once made the limiter wait for months).
        self._notifier.limiter.seed(
            _conversation_of(reference),
            self._recent_sends.get(message.addressee, []),
            self._casework.clock().timestamp(),
        )
        try:
            if outgoing.is_update:
                await self._notifier.update_once(reference, outgoing.activity)
                activity_id = outgoing.activity.id or ""
            else:
                activity_id = await self._notifier.send_once(reference, outgoing.activity)
        except Refused as refused:
            await self._undeliverable(message, str(refused))
            return True
        except TryAgain as fault:
            attempts = message.attempts + 1
            if attempts >= self._settings.max_attempts:
                await self._undeliverable(message, f"gave up after {attempts} attempts: {fault}")
                return True
            wait = backoff(self._settings.base_delay, attempts, fault.retry_after)
            log.warning("outbox message %s: %s; retrying in %.1f s", message.id, fault, wait)
            await self._casework.call(message_retry, message, timedelta(seconds=wait), str(fault))
            # Counted once recorded: whoever watches the count (a test's clock) then sees the retry in the database.
            self.retried += 1
            return False
        conversation_id = _conversation_of(reference)
        await self._casework.call(message_sent, message, conversation_id, activity_id)
        self.delivered += 1
        return True

    async def _reference(self, outgoing: Outgoing) -> dict[str, Any] | None:
        if outgoing.user_id is not None:
            return await asyncio.to_thread(self._references.personal_for_user, outgoing.user_id)
        if not outgoing.conversation_id:
            return None
        return await asyncio.to_thread(self._references.for_conversation, outgoing.conversation_id)

    async def _undeliverable(self, message: OutboxMessage, reason: str) -> None:
        log.warning(
            "outbox message %s (%s to %s) undeliverable: %s", message.id, message.purpose, message.addressee, reason
        )
        await self._casework.call(message_undeliverable, message, reason)
        self.failed += 1
        self.wake()


def _conversation_of(reference: dict[str, Any]) -> str:
    conversation = reference.get("conversation") or {}
    return str(conversation.get("id") or "")
