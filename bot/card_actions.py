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
from bot.letter_links import LetterDelivery
from bot.notifier import DeliveryFailed, Notifier, Unreachable, card_activity
from cards.common import Card, envelope, heading, text
from cards.escalation import decision_card, information_request_card
from cards.incident import manager_discussion_card
from cards.review import review_card
from cards.verbs import Verb
from casework.errors import CaseworkError, InvalidSubmission
from casework.reviews import decide_review, reassign_review
from casework.services import (
    answer_escalation,
    ask_for_information,
    decide_escalation,
    record_manager_outcome,
    view_escalation,
)
from casework.types import DecisionOutcome, DecisionRules, EscalationState, ManagerOutcome, ReviewOutcome

log = logging.getLogger(__name__)

_OUTCOMES = {
    Verb.ESCALATION_APPROVE.value: DecisionOutcome.APPROVE,
    Verb.ESCALATION_DECLINE.value: DecisionOutcome.DECLINE,
}


class DecisionActions:
    """The determination team's buttons: approve, decline, ask for more information, and the card's refresh."""

    def __init__(
        self, casework: CaseworkGateway, notifier: Notifier, rules: DecisionRules, letters: LetterDelivery | None = None
    ) -> None:
        self._casework = casework
        self._notifier = notifier
        self.rules = rules
        self.letters = letters

    async def decide(self, turn_context: TurnContext, verb: str, data: Mapping[str, Any]) -> Card:
        """Acts on the click and returns the card the clicker should now see."""
        try:
            escalation_id = int(data.get("escalation_id", ""))
        except (TypeError, ValueError):
            return envelope([heading("This card is not valid"), text("Ask for the escalation to be sent again.")])
        notes = str(data.get("notes") or "")[:2000]
        actor = actor_of(turn_context.activity)
        clock = self._casework.clock
        try:
            if verb == Verb.ESCALATION_REFRESH.value:
                return decision_card(await self._casework.call(view_escalation, escalation_id, self.rules))
            if verb == Verb.ESCALATION_ASK.value:
                result = await self._casework.call(ask_for_information, actor, escalation_id, notes, clock, self.rules)
            else:
                result = await self._casework.call(
                    decide_escalation,
                    actor,
                    escalation_id,
                    _OUTCOMES[verb],
                    notes,
                    clock,
                    alternatives_considered=str(data.get("alternatives_considered")).lower() == "true",
                    rules=self.rules,
                    council=self.letters.council if self.letters else None,
                )
        except CaseworkError as error:
            return envelope([heading("Nothing was recorded"), text(str(error))])
        view = result.escalation
        card = decision_card(view, notice=result.refusal or "")
        if result.recorded_now:
            await self._update_for_everyone(turn_context, view.card_activity_id, card)
            if view.state is EscalationState.MORE_INFORMATION:
                await self._send_to(view.requested_by_id, information_request_card(view))
            elif view.state in (EscalationState.APPROVED, EscalationState.DECLINED):
                await self._tell_requester(view.requested_by_id, view.customer_name, view.kind_label, view.state)
                if view.state is EscalationState.APPROVED and self.letters is not None:
                    await self.letters.send(escalation_id=escalation_id)
        return card

    async def answer(self, turn_context: TurnContext, data: Mapping[str, Any]) -> str:
        """The requester's answer to the team's question; the team's card shows it and can be decided again."""
        try:
            escalation_id = int(data.get("escalation_id", ""))
        except (TypeError, ValueError):
            return "That card is not valid any more."
        try:
            view = await self._casework.call(
                answer_escalation,
                actor_of(turn_context.activity),
                escalation_id,
                str(data.get("answer") or ""),
                self._casework.clock,
                self.rules,
            )
        except InvalidSubmission as invalid:
            return " ".join(invalid.errors.values())
        except CaseworkError as error:
            return str(error)
        if view.card_conversation_id and view.card_activity_id:
            try:
                await self._notifier.update_in_conversation(
                    view.card_conversation_id, view.card_activity_id, decision_card(view)
                )
            except (Unreachable, DeliveryFailed) as error:
                log.warning("could not update decision card %s: %s", view.card_activity_id, error)
        return "Thank you: your answer is with the determination team."

    async def _send_to(self, user_id: str, card: Card) -> None:
        try:
            await self._notifier.send_to_user(user_id, card)
        except (Unreachable, DeliveryFailed) as error:
            log.warning("could not reach %s: %s", user_id, error)

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


class ReviewActions:
    """Lift, extend or reassign on a review card (s13); the server reloads the review and checks the clicker."""

    def __init__(self, casework: CaseworkGateway, letters: LetterDelivery | None = None) -> None:
        self._casework = casework
        self.letters = letters

    async def decide(self, turn_context: TurnContext, verb: str, data: Mapping[str, Any]) -> Card:
        try:
            review_id = int(data.get("review_id", ""))
        except (TypeError, ValueError):
            return envelope([heading("This card is not valid")])
        actor = actor_of(turn_context.activity)
        clock = self._casework.clock
        try:
            if verb == Verb.REVIEW_REASSIGN.value:
                result = await self._casework.call(
                    reassign_review, actor, review_id, str(data.get("owner_id") or ""), clock
                )
            else:
                outcome = ReviewOutcome.LIFT if verb == Verb.REVIEW_LIFT.value else ReviewOutcome.EXTEND
                result = await self._casework.call(
                    decide_review,
                    actor,
                    review_id,
                    outcome,
                    str(data.get("reason") or "")[:2000],
                    str(data.get("customer_advised")).lower() == "true",
                    str(data.get("not_advised_reason") or "")[:500],
                    clock,
                    council=self.letters.council if self.letters else None,
                )
        except CaseworkError as error:
            return envelope([heading("Nothing was recorded"), text(str(error))])
        card = review_card(result.review, notice=result.refusal or "")
        if result.recorded_now and verb != Verb.REVIEW_REASSIGN.value and self.letters is not None:
            await self.letters.send(review_id=review_id)
        if result.recorded_now and turn_context.activity.reply_to_id:
            activity = card_activity(card)
            activity.id = turn_context.activity.reply_to_id
            try:
                await turn_context.update_activity(activity)
            except Exception:
                log.exception("could not update the review card for everyone")
        return card
