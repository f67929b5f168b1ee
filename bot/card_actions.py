"""Decision buttons on the determination team's card. Every click reloads the escalation and re-checks the
clicker on the server; the card's data supplies only the verb and the record id."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext

from bot.casework_gateway import CaseworkGateway
from bot.identity import actor_of
from bot.notifier import DeliveryFailed, Notifier, Unreachable, card_activity
from cards.common import Card, envelope, heading, text
from cards.escalation import decision_card
from cards.incident import manager_discussion_card
from cards.verbs import Verb
from casework.errors import CaseworkError
from casework.services import decide_escalation, record_manager_outcome
from casework.types import DecisionOutcome, EscalationState, ManagerOutcome

log = logging.getLogger(__name__)

_OUTCOMES = {
    Verb.ESCALATION_APPROVE.value: DecisionOutcome.APPROVE,
    Verb.ESCALATION_DECLINE.value: DecisionOutcome.DECLINE,
}


def is_decision_verb(verb: object) -> bool:
    return verb in _OUTCOMES


class DecisionActions:
    def __init__(self, casework: CaseworkGateway, notifier: Notifier) -> None:
        self._casework = casework
        self._notifier = notifier

    async def decide(self, turn_context: TurnContext, verb: str, data: Mapping[str, Any]) -> Card:
        """Records the click's decision and returns the card the clicker should now see."""
        outcome = _OUTCOMES[verb]
        try:
            escalation_id = int(data.get("escalation_id", ""))
        except (TypeError, ValueError):
            return envelope([heading("This card is not valid"), text("Ask for the escalation to be sent again.")])
        notes = str(data.get("notes") or "")[:2000]
        try:
            result = await self._casework.call(
                decide_escalation,
                actor_of(turn_context.activity),
                escalation_id,
                outcome,
                notes,
                self._casework.clock,
            )
        except CaseworkError as error:
            return envelope([heading("Nothing was recorded"), text(str(error))])
        view = result.escalation
        card = decision_card(view, notice=result.refusal or "")
        if result.recorded_now:
            await self._update_for_everyone(turn_context, view.card_activity_id, card)
            await self._tell_requester(view.requested_by_id, view.customer_name, view.kind_label, view.state)
        return card

    async def _update_for_everyone(self, turn_context: TurnContext, activity_id: str | None, card: Card) -> None:
        target = activity_id or turn_context.activity.reply_to_id
        if not target:
            return
        activity = card_activity(card)
        activity.id = target
        try:
            await turn_context.update_activity(activity)
        except Exception:
            # The decision is recorded; a card that did not refresh for others is a display problem only.
            log.exception("could not update the decision card %s for everyone", target)

    async def _tell_requester(self, user_id: str, customer: str, kind: str, state: EscalationState) -> None:
        outcome = "approved" if state is EscalationState.APPROVED else "declined"
        try:
            await self._notifier.send_to_user(
                user_id, envelope([heading(f"Decision: {kind} for {customer} was {outcome}")])
            )
        except (Unreachable, DeliveryFailed) as error:
            log.warning("could not tell the requester %s of the decision: %s", user_id, error)


_MANAGER_OUTCOMES = {
    Verb.INCIDENT_NO_FURTHER_ACTION.value: ManagerOutcome.NO_FURTHER_ACTION,
    Verb.INCIDENT_INFORMAL_WARNING_NOTED.value: ManagerOutcome.INFORMAL_WARNING_NOTED,
    Verb.INCIDENT_ESCALATE.value: ManagerOutcome.ESCALATE,
}


def is_manager_outcome_verb(verb: object) -> bool:
    return verb in _MANAGER_OUTCOMES


@dataclass(frozen=True)
class OutcomeAnswer:
    card: Card
    escalate_customer: str | None
    """Set when the manager chose to escalate: the escalation form should follow, for this customer."""


class ManagerOutcomeActions:
    """The line manager's buttons on the s8.6 discussion card."""

    def __init__(self, casework: CaseworkGateway) -> None:
        self._casework = casework

    async def record(self, turn_context: TurnContext, verb: str, data: Mapping[str, Any]) -> OutcomeAnswer:
        try:
            incident_id = int(data.get("incident_id", ""))
        except (TypeError, ValueError):
            return OutcomeAnswer(envelope([heading("This card is not valid")]), None)
        try:
            result = await self._casework.call(
                record_manager_outcome,
                actor_of(turn_context.activity),
                incident_id,
                _MANAGER_OUTCOMES[verb],
                self._casework.clock,
            )
        except CaseworkError as error:
            return OutcomeAnswer(envelope([heading("Nothing was recorded"), text(str(error))]), None)
        notice = result.refusal or ("" if result.recorded_now else "An outcome had already been recorded.")
        card = manager_discussion_card(result.incident, notice)
        escalate = result.recorded_now and _MANAGER_OUTCOMES[verb] is ManagerOutcome.ESCALATE
        return OutcomeAnswer(card, result.incident.customer_name if escalate else None)
