"""The notifications table: for each event a use case returns, who is told and with which card. Nobody is dropped
silently: what could not be delivered is logged and audited, and the person in the turn is told what to do."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bot.letter_links import LetterDelivery
from bot.notifier import DeliveryFailed, Notifier, Unreachable
from cards.common import envelope, heading
from cards.escalation import decision_card, information_request_card
from cards.incident import manager_discussion_card, urgent_incident_card
from casework.audit import AuditAction
from casework.entities import Actor
from casework.escalations import record_decision_card
from casework.events import (
    EscalationDecided,
    EscalationRequested,
    Event,
    IncidentReported,
    InformationGiven,
    InformationRequested,
    LettersDrafted,
)
from casework.gateway import CaseworkGateway
from casework.incidents import record_notification
from casework.vocabulary import EscalationState

log = logging.getLogger(__name__)
SYSTEM = Actor("system", "Bot")
Handler = Callable[[Any], Awaitable[list[str]]]


class Notifications:
    def __init__(
        self, casework: CaseworkGateway, notifier: Notifier, letters: LetterDelivery, team_conversation_id: str
    ) -> None:
        self._casework = casework
        self._notifier = notifier
        self._letters = letters
        self._team = team_conversation_id
        self._handlers: Mapping[type, Handler] = {
            IncidentReported: self._incident_reported,
            EscalationRequested: self._escalation_requested,
            EscalationDecided: self._escalation_decided,
            InformationRequested: self._information_requested,
            InformationGiven: self._information_given,
            LettersDrafted: self._letters_drafted,
        }

    async def publish(self, events: Sequence[Event]) -> list[str]:
        """Handles each event in turn; returns what the person in this turn must do where delivery failed."""
        notes: list[str] = []
        for event in events:
            notes.extend(await self._handlers[type(event)](event))
        return notes

    async def _incident_reported(self, event: IncidentReported) -> list[str]:
        notes: list[str] = []
        summary = event.incident
        if event.line_manager_id:
            try:
                await self._notifier.send_to_user(event.line_manager_id, manager_discussion_card(summary))
                await self._record(
                    summary.reference, AuditAction.INCIDENT_MANAGER_NOTIFIED, recipient=event.line_manager_id
                )
            except (Unreachable, DeliveryFailed) as error:
                log.warning("line manager not told of %s: %s", summary.reference, error)
                await self._record(
                    summary.reference,
                    AuditAction.INCIDENT_MANAGER_NOT_NOTIFIED,
                    recipient=event.line_manager_id,
                    reason=str(error),
                )
                notes.append(
                    f"{event.line_manager_name} could not be reached through Teams (they may not "
                    "have used this bot yet): please tell them about this incident yourself."
                )
        if summary.is_urgent:
            try:
                await self._notifier.send_to_conversation(self._team_conversation(), urgent_incident_card(summary))
                await self._record(summary.reference, AuditAction.INCIDENT_URGENT_NOTIFIED, recipient=self._team)
            except (Unreachable, DeliveryFailed) as error:
                log.error("determination team not alerted to urgent %s: %s", summary.reference, error)
                await self._record(summary.reference, AuditAction.INCIDENT_URGENT_NOT_NOTIFIED, reason=str(error))
                notes.append(
                    "The determination team could not be alerted through Teams: phone the Health and "
                    "Safety officer now."
                )
        return notes

    async def _escalation_requested(self, event: EscalationRequested) -> list[str]:
        view = event.escalation
        try:
            team = self._team_conversation()
            activity_id = await self._notifier.send_to_conversation(team, decision_card(view))
        except (Unreachable, DeliveryFailed) as error:
            log.error("escalation %s saved but not posted to the determination team: %s", view.escalation_id, error)
            return ["It is saved, but the determination team's channel could not be reached; tell an administrator."]
        await self._casework.call(record_decision_card, view.escalation_id, team, activity_id)
        return []

    async def _escalation_decided(self, event: EscalationDecided) -> list[str]:
        view = event.escalation
        outcome = "approved" if view.state is EscalationState.APPROVED else "declined"
        card = envelope([heading(f"Decision: {view.kind_label} for {view.customer_name} was {outcome}")])
        await self._send_to_user(view.requested_by_id, card, "the requester of the decision")
        return []

    async def _information_requested(self, event: InformationRequested) -> list[str]:
        view = event.escalation
        await self._send_to_user(view.requested_by_id, information_request_card(view), "the requester's question")
        return []

    async def _information_given(self, event: InformationGiven) -> list[str]:
        view = event.escalation
        if view.card_conversation_id and view.card_activity_id:
            try:
                await self._notifier.update_in_conversation(
                    view.card_conversation_id, view.card_activity_id, decision_card(view)
                )
            except (Unreachable, DeliveryFailed) as error:
                log.warning("could not update decision card %s: %s", view.card_activity_id, error)
        return []

    async def _letters_drafted(self, event: LettersDrafted) -> list[str]:
        await self._letters.send(escalation_id=event.escalation_id, review_id=event.review_id)
        return []

    def _team_conversation(self) -> str:
        if not self._team:
            raise Unreachable("DETERMINATION_TEAM_CONVERSATION_ID is not set")
        return self._team

    async def _send_to_user(self, user_id: str, card: dict[str, Any], what: str) -> None:
        try:
            await self._notifier.send_to_user(user_id, card)
        except (Unreachable, DeliveryFailed) as error:
            log.warning("could not deliver %s to %s: %s", what, user_id, error)

    async def _record(self, reference: str, what: AuditAction, **detail: str) -> None:
        await self._casework.call(record_notification, SYSTEM, reference, what, detail)
