"""The review reminder sweep (s13.1): runs inside the app, claims due reminders durably, delivers each once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from bot.notifier import DeliveryFailed, Notifier, Unreachable
from cards.escalation import chase_card, decision_card
from cards.review import review_card, unreachable_owner_card
from casework.entities import DueReview
from casework.escalations import chase_overdue_escalations
from casework.gateway import CaseworkGateway
from casework.reviews import (
    claim_due_reminders,
    confirm_reminder_sent,
    escalate_overdue_reviews,
    release_reminder,
    report_unreachable_owner,
    review_view,
)

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=10)
"""How long a sweep holds a reminder; if it crashes, another sweep takes the reminder over after this."""


@dataclass(frozen=True)
class EscalationChase:
    """Chasing escalations nobody has decided: where, after how long, how often, under which rules."""

    team_conversation_id: str
    after: timedelta
    repeat_every: timedelta
    review_repeat_every: timedelta = timedelta(hours=24)


class ReminderSweep:
    def __init__(
        self,
        casework: CaseworkGateway,
        notifier: Notifier,
        interval_seconds: float,
        chase: EscalationChase | None = None,
    ) -> None:
        self._casework = casework
        self._notifier = notifier
        self._interval = interval_seconds
        self._chase = chase
        self.claimant = f"sweep-{uuid.uuid4().hex[:12]}"

    async def chase_escalations(self) -> int:
        """Reminds the team of overdue escalations and marks their cards overdue; returns how many."""
        chase = self._chase
        if chase is None:
            return 0
        overdue = await self._casework.call(
            chase_overdue_escalations, chase_after=chase.after, repeat_every=chase.repeat_every
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
        """Sends every review reminder now due to its owner; returns how many reached the owner."""
        due = await self._casework.call(claim_due_reminders, claimant=self.claimant, claim_for=CLAIM_FOR)
        delivered = 0
        for review in due:
            card = review_card(await self._casework.call(review_view, review.review_id))
            try:
                await self._notifier.send_to_user(review.case_owner_id, card)
            except Unreachable as error:
                await self._report_unreachable(review, str(error))
                continue
            except DeliveryFailed as error:
                # Teams kept refusing after every retry: give it back for the next sweep, visibly.
                log.warning("review %s reminder not delivered: %s", review.review_id, error)
                await self._casework.call(release_reminder, review, self.claimant, str(error))
                continue
            if await self._casework.call(confirm_reminder_sent, review, self.claimant):
                delivered += 1
        return delivered

    async def escalate_overdue_reviews(self) -> int:
        """Reviews past due and undecided go to the determination team, again every repeat interval."""
        if self._chase is None or not self._chase.team_conversation_id:
            return 0
        overdue = await self._casework.call(escalate_overdue_reviews, repeat_every=self._chase.review_repeat_every)
        for view in overdue:
            try:
                await self._notifier.send_to_conversation(self._chase.team_conversation_id, review_card(view))
            except (Unreachable, DeliveryFailed) as error:
                log.error("overdue review %s not escalated to the team: %s", view.review_id, error)
        return len(overdue)

    async def _report_unreachable(self, review: DueReview, reason: str) -> None:
        """An owner the bot cannot reach is reported to the determination team, not silently dropped."""
        team = self._chase.team_conversation_id if self._chase else ""
        try:
            if not team:
                raise Unreachable("no determination team conversation configured")
            view = await self._casework.call(review_view, review.review_id)
            await self._notifier.send_to_conversation(team, unreachable_owner_card(view))
        except (Unreachable, DeliveryFailed) as error:
            log.error(
                "review %s: owner unreachable (%s) and the team could not be told: %s", review.review_id, reason, error
            )
            await self._casework.call(release_reminder, review, self.claimant, f"{reason}; team: {error}")
            return
        await self._casework.call(report_unreachable_owner, review, self.claimant)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
                await self.escalate_overdue_reviews()
                await self.chase_escalations()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reminder sweep failed; it will run again")
            await asyncio.sleep(self._interval)
