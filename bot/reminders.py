"""The review reminder sweep (s13.1): runs inside the app, claims due reminders durably, delivers each once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from bot.casework_gateway import CaseworkGateway
from bot.notifier import DeliveryFailed, Notifier, Unreachable
from cards.escalation import chase_card, decision_card
from cards.review import review_reminder
from casework.services import (
    chase_overdue_escalations,
    claim_due_reminders,
    confirm_reminder_sent,
    release_reminder,
)
from casework.types import DecisionRules

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=10)
"""How long a sweep holds a reminder; if it crashes, another sweep takes the reminder over after this."""


@dataclass(frozen=True)
class EscalationChase:
    """Chasing escalations nobody has decided: where, after how long, how often, under which rules."""

    team_conversation_id: str
    after: timedelta
    repeat_every: timedelta
    rules: DecisionRules


class ReminderSweep:
    def __init__(
        self,
        casework: CaseworkGateway,
        notifier: Notifier,
        lead: timedelta,
        interval_seconds: float,
        chase: EscalationChase | None = None,
    ) -> None:
        self._casework = casework
        self._notifier = notifier
        self._lead = lead
        self._interval = interval_seconds
        self._chase = chase
        self.claimant = f"sweep-{uuid.uuid4().hex[:12]}"

    async def chase_escalations(self) -> int:
        """Reminds the team of overdue escalations and marks their cards overdue; returns how many."""
        chase = self._chase
        if chase is None:
            return 0
        overdue = await self._casework.call(
            chase_overdue_escalations, self._casework.clock, chase.after, chase.repeat_every, chase.rules
        )
        for view in overdue:
            try:
                await self._notifier.send_to_conversation(chase.team_conversation_id, chase_card(view))
                if view.card_conversation_id and view.card_activity_id:
                    await self._notifier.update_in_conversation(
                        view.card_conversation_id, view.card_activity_id, decision_card(view)
                    )
            except (Unreachable, DeliveryFailed) as error:
                log.error("escalation %s overdue but the team could not be reminded: %s", view.escalation_id, error)
        return len(overdue)

    async def run_once(self) -> int:
        """Sends every reminder now due; returns how many were delivered."""
        clock = self._casework.clock
        due = await self._casework.call(claim_due_reminders, clock, self._lead, self.claimant, CLAIM_FOR)
        delivered = 0
        for review in due:
            try:
                await self._notifier.send_to_user(review.case_owner_id, review_reminder(review))
            except (Unreachable, DeliveryFailed) as error:
                log.warning("review %s reminder not delivered: %s", review.review_id, error)
                await self._casework.call(release_reminder, review, self.claimant, str(error), clock)
                continue
            if await self._casework.call(confirm_reminder_sent, review, self.claimant, clock):
                delivered += 1
        return delivered

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
                await self.chase_escalations()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reminder sweep failed; it will run again")
            await asyncio.sleep(self._interval)
