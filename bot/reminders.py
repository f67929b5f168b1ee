"""The sweep (s13.1, s2.6): runs inside the app and, in one transaction each, writes to the outbox the review
reminders now due, the overdue reviews for the determination team, the chases of undecided escalations and the
correspondence on file not reviewed in time (s16.1). The outbox worker sends them; a sweep never talks to Teams
itself. Once a day one instance also runs retention (issue 19; casework/retention.py)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from casework.confirmations import chase_unconfirmed_restrictions
from casework.correspondence import escalate_overdue_correspondence
from casework.escalations import chase_overdue_escalations
from casework.gateway import CaseworkGateway
from casework.oversight import post_due_digests
from casework.retention import RetentionReport
from casework.reviews import escalate_overdue_reviews, queue_due_reminders

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EscalationChase:
    """Chasing what nobody has decided: after how long, how often, and how often an overdue review goes again."""

    after: timedelta
    repeat_every: timedelta
    review_repeat_every: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class ConfirmationChase:
    """Immediate restrictions awaiting a second member (s12.3): how long before the window ends the team is
    reminded, how often after it, and whether it lapses instead once the window has passed."""

    remind_before: timedelta
    repeat_every: timedelta
    lapse: bool


class ReminderSweep:
    def __init__(
        self,
        casework: CaseworkGateway,
        interval_seconds: float,
        chase: EscalationChase,
        team_configured: bool,
        confirmation: ConfirmationChase,
        retention: Callable[[], RetentionReport | None] | None = None,
        team_reachable: Callable[[], bool] = lambda: True,
    ) -> None:
        self._casework = casework
        self._retention = retention
        self._interval = interval_seconds
        self._chase = chase
        self._team_configured = team_configured
        self._confirmation = confirmation
        self._team_reachable = team_reachable
        """Whether the outbox can reach the team's channel now (it cannot before the bot has heard from the tenant):
        a digest is claimed once and for all, so it waits until it can be delivered."""
        self._claimant = f"sweep-{uuid.uuid4().hex[:12]}"
        """Which instance's sweep posted a digest (oversight_digest.posted_by)."""

    async def run_once(self) -> int:
        """Queues every review reminder now due for its owner; returns how many."""
        return await self._casework.call(queue_due_reminders)

    async def escalate_overdue_reviews(self) -> int:
        """Reviews past due and undecided go to the determination team, again every repeat interval."""
        if not self._team_configured:
            return 0
        overdue = await self._casework.call(escalate_overdue_reviews, repeat_every=self._chase.review_repeat_every)
        return len(overdue)

    async def chase_escalations(self) -> int:
        """Reminds the team of overdue escalations and marks their cards overdue; returns how many."""
        if not self._team_configured:
            return 0
        overdue = await self._casework.call(
            chase_overdue_escalations, chase_after=self._chase.after, repeat_every=self._chase.repeat_every
        )
        return len(overdue)

    async def chase_unconfirmed_restrictions(self) -> int:
        """Reminds the team of immediate restrictions to confirm, or lapses those past their window when the
        council chose that; returns how many. Lapsing does not wait for a team channel: the restriction must end."""
        confirmation = self._confirmation
        if not self._team_configured and not confirmation.lapse:
            return 0
        acted = await self._casework.call(
            chase_unconfirmed_restrictions,
            remind_before=confirmation.remind_before,
            repeat_every=confirmation.repeat_every,
            lapse=confirmation.lapse,
        )
        return len(acted)

    async def escalate_overdue_correspondence(self) -> int:
        """Correspondence on file not reviewed within CORRESPONDENCE_REVIEW_DAYS goes to the team, once each."""
        if not self._team_configured:
            return 0
        return len(await self._casework.call(escalate_overdue_correspondence))

    async def apply_retention(self) -> RetentionReport | None:
        """Today's retention run, if this instance claims it (the claim is one conditional UPDATE, so one instance
        of several does it, once a day); None if retention is off or the day's run is done or elsewhere. It runs on
        a thread of its own, not under the turns' database call timeout: a run may take longer than a turn."""
        if self._retention is None:
            return None
        report = await asyncio.to_thread(self._retention)
        if report is not None:
            log.info("retention removed %s", report.counts() or "nothing")
        return report

    async def post_digests(self) -> int:
        """The digest of the month and of the quarter just ended, to the team's channel once each (s3)."""
        if not self._team_configured or not await asyncio.to_thread(self._team_reachable):
            return 0
        return len(await self._casework.call(post_due_digests, self._claimant))

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
                await self.escalate_overdue_reviews()
                await self.chase_escalations()
                await self.chase_unconfirmed_restrictions()
                await self.escalate_overdue_correspondence()
                await self.apply_retention()
                await self.post_digests()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reminder sweep failed; it will run again")
            await asyncio.sleep(self._interval)
