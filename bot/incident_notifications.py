"""Who is told about a new incident: the reporter's line manager (s8.6) and, for a serious threat or a
safeguarding concern, the determination team at once (s12.3, s8.4). Nobody is dropped silently."""

from __future__ import annotations

import logging

from bot.casework_gateway import CaseworkGateway
from bot.notifier import DeliveryFailed, Notifier, Unreachable
from cards.incident import manager_discussion_card, urgent_incident_card
from casework.audit import AuditAction
from casework.entities import Actor
from casework.services import record_notification
from casework.views import IncidentConfirmation

log = logging.getLogger(__name__)
SYSTEM = Actor("system", "Bot")


class IncidentNotifications:
    def __init__(self, casework: CaseworkGateway, notifier: Notifier, team_conversation_id: str) -> None:
        self._casework = casework
        self._notifier = notifier
        self._team = team_conversation_id

    async def after_report(self, confirmation: IncidentConfirmation) -> list[str]:
        """Sends the cards; returns what the reporter must do themselves where a card could not be delivered."""
        notes: list[str] = []
        summary = confirmation.incident
        manager_id = confirmation.line_manager_id
        if manager_id:
            try:
                await self._notifier.send_to_user(manager_id, manager_discussion_card(summary))
                await self._record(summary.reference, AuditAction.INCIDENT_MANAGER_NOTIFIED, recipient=manager_id)
            except (Unreachable, DeliveryFailed) as error:
                log.warning("line manager not told of %s: %s", summary.reference, error)
                await self._record(
                    summary.reference,
                    AuditAction.INCIDENT_MANAGER_NOT_NOTIFIED,
                    recipient=manager_id,
                    reason=str(error),
                )
                notes.append(
                    f"{confirmation.line_manager_name} could not be reached through Teams (they may not "
                    "have used this bot yet): please tell them about this incident yourself."
                )
        if summary.is_urgent:
            try:
                if not self._team:
                    raise Unreachable("DETERMINATION_TEAM_CONVERSATION_ID is not set")
                await self._notifier.send_to_conversation(self._team, urgent_incident_card(summary))
                await self._record(summary.reference, AuditAction.INCIDENT_URGENT_NOTIFIED, recipient=self._team)
            except (Unreachable, DeliveryFailed) as error:
                log.error("determination team not alerted to urgent %s: %s", summary.reference, error)
                await self._record(summary.reference, AuditAction.INCIDENT_URGENT_NOT_NOTIFIED, reason=str(error))
                notes.append(
                    "The determination team could not be alerted through Teams: phone the Health and "
                    "Safety officer now."
                )
        return notes

    async def _record(self, reference: str, what: AuditAction, **detail: str) -> None:
        await self._casework.call(record_notification, SYSTEM, reference, what, detail, self._casework.clock)
