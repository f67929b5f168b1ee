"""Decision buttons on the determination team's card. Every click reloads the escalation and re-checks the
clicker on the server; the card's data supplies only the verb and the record id."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext

from bot.letter_links import LetterCards
from cards.common import Card, envelope, heading, keep_typed, refusal_card, text
from cards.escalation import decision_card, information_request_card
from cards.incident import manager_discussion_card
from cards.review import review_card
from cards.verbs import Verb
from casework.errors import AccessRefused, CaseworkError, InvalidSubmission
from casework.escalations import answer_escalation, ask_for_information, decide_escalation, refresh_escalation
from casework.gateway import CaseworkGateway
from casework.incidents import record_manager_outcome
from casework.my_work import NOT_YOURS, decision_item, discussion_item, letter_item, question_item, review_item
from casework.reviews import decide_review, reassign_review
from casework.vocabulary import DecisionOutcome, ManagerOutcome, ReviewOutcome
from dialogs.activities import actor_of, card_activity

log = logging.getLogger(__name__)

ESCALATION_WHO_MAY = "Only members of the determination team, and the person who asked, can open decision cards."
INCIDENT_WHO_MAY = "Only the reporter's line manager and the determination team can open discussion cards."
REVIEW_WHO_MAY = "Only a review's owner and the determination team can open review cards."
HISTORY_WHO_MAY = "Only the determination team and the managers on a case can see its history."
"""What a refusal may say: who may open cards of the kind, never anything about the record clicked (need to know)."""

_OUTCOMES = {
    Verb.ESCALATION_APPROVE.value: DecisionOutcome.APPROVE,
    Verb.ESCALATION_DECLINE.value: DecisionOutcome.DECLINE,
}


class DecisionActions:
    """The determination team's buttons: approve, decline, ask for more information, and the card's refresh."""

    def __init__(self, casework: CaseworkGateway) -> None:
        self._casework = casework

    async def decide(self, turn_context: TurnContext, verb: str, data: Mapping[str, Any]) -> Card:
        """Acts on the click and returns the card the clicker should now see."""
        try:
            escalation_id = int(data.get("escalation_id", ""))
        except (TypeError, ValueError):
            return envelope(
                [heading("This card is not valid"), text("Ask for the escalation to be sent again.")],
                summary="This card is not valid",
            )
        notes = str(data.get("notes") or "")  # its length is checked by the use case, never cut short here
        actor = actor_of(turn_context.activity)
        try:
            if verb == Verb.ESCALATION_REFRESH.value:
                return decision_card(await self._casework.call(refresh_escalation, actor, escalation_id))
            if verb == Verb.ESCALATION_ASK.value:
                result = await self._casework.call(ask_for_information, actor, escalation_id, notes)
            else:
                result = await self._casework.call(
                    decide_escalation,
                    actor,
                    escalation_id,
                    _OUTCOMES[verb],
                    notes,
                    alternatives_considered=str(data.get("alternatives_considered")).lower() == "true",
                )
        except AccessRefused:
            return refusal_card(ESCALATION_WHO_MAY)
        except CaseworkError as error:
            return envelope([heading("Nothing was recorded"), text(str(error))], summary="Nothing was recorded")
        # Everyone else in the channel sees the change through the outbox (one update, however many click).
        if result.refusal:
            # Refused (the s11.2 box not ticked, notes missing): the card again with what was typed and ticked.
            return keep_typed(decision_card(result.escalation, notice=result.refusal), data)
        return decision_card(result.escalation)

    async def answer(self, turn_context: TurnContext, data: Mapping[str, Any]) -> str:
        """The requester's answer to the team's question; the team's card shows it and can be decided again."""
        try:
            escalation_id = int(data.get("escalation_id", ""))
        except (TypeError, ValueError):
            return "That card is not valid any more."
        try:
            await self._casework.call(
                answer_escalation,
                actor_of(turn_context.activity),
                escalation_id,
                str(data.get("answer") or ""),
            )
        except InvalidSubmission as invalid:
            return " ".join(invalid.errors.values())
        except CaseworkError as error:
            return str(error)
        return "Thank you: your answer is with the determination team."


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
            return OutcomeAnswer(envelope([heading("This card is not valid")], summary="This card is not valid"), None)
        try:
            result = await self._casework.call(
                record_manager_outcome,
                actor_of(turn_context.activity),
                incident_id,
                _MANAGER_OUTCOMES[verb],
            )
        except AccessRefused:
            return OutcomeAnswer(refusal_card(INCIDENT_WHO_MAY), None)
        except CaseworkError as error:
            return OutcomeAnswer(
                envelope([heading("Nothing was recorded"), text(str(error))], summary="Nothing was recorded"), None
            )
        notice = result.refusal or ("" if result.recorded_now else "An outcome had already been recorded.")
        card = manager_discussion_card(result.incident, notice)
        escalate = result.recorded_now and _MANAGER_OUTCOMES[verb] is ManagerOutcome.ESCALATE
        return OutcomeAnswer(card, result.incident.customer_name if escalate else None)


class ReviewActions:
    """Lift, extend or reassign on a review card (s13); the server reloads the review and checks the clicker."""

    def __init__(self, casework: CaseworkGateway) -> None:
        self._casework = casework

    async def decide(self, turn_context: TurnContext, verb: str, data: Mapping[str, Any]) -> Card:
        try:
            review_id = int(data.get("review_id", ""))
        except (TypeError, ValueError):
            return envelope([heading("This card is not valid")], summary="This card is not valid")
        actor = actor_of(turn_context.activity)
        try:
            if verb == Verb.REVIEW_REASSIGN.value:
                result = await self._casework.call(reassign_review, actor, review_id, str(data.get("owner_id") or ""))
            else:
                outcome = ReviewOutcome.LIFT if verb == Verb.REVIEW_LIFT.value else ReviewOutcome.EXTEND
                result = await self._casework.call(
                    decide_review,
                    actor,
                    review_id,
                    outcome,
                    # Lengths are checked by the use case (a clear message), never cut short here.
                    str(data.get("reason") or ""),
                    str(data.get("customer_advised")).lower() == "true",
                    str(data.get("not_advised_reason") or ""),
                )
        except AccessRefused:
            return refusal_card(REVIEW_WHO_MAY)
        except CaseworkError as error:
            return envelope([heading("Nothing was recorded"), text(str(error))], summary="Nothing was recorded")
        card = review_card(result.review, notice=result.refusal or "")
        if result.refusal:
            return keep_typed(card, data)  # the reason and "customer advised" stay for the person to correct
        if result.recorded_now:
            await update_for_everyone(turn_context, card)
        return card


async def update_for_everyone(turn_context: TurnContext, card: Card) -> None:
    """Replaces the clicked card for everyone in the conversation, not only the clicker."""
    target = turn_context.activity.reply_to_id
    if not target:
        return
    activity = card_activity(card)
    activity.id = target
    try:
        await turn_context.update_activity(activity)
    except Exception:
        # The change is recorded; a card that did not refresh for others is a display problem only.
        log.exception("could not update the card %s for everyone", target)


class WorkItemActions:
    """The buttons of "my work": each shows its item's card again. The card's data gives only the record id; the
    server reloads the record and checks that the clicker may open it."""

    def __init__(self, casework: CaseworkGateway, letters: LetterCards) -> None:
        self._casework = casework
        self._letters = letters

    async def show(self, turn_context: TurnContext, verb: Verb, data: Mapping[str, Any]) -> Card | str:
        """The item's card, or what to say instead (a refusal says nothing about the record)."""
        actor = actor_of(turn_context.activity)
        try:
            if verb is Verb.WORK_DISCUSSION:
                return manager_discussion_card(
                    await self._casework.call(discussion_item, actor, _id(data, "incident_id"))
                )
            if verb is Verb.WORK_REVIEW:
                return review_card(await self._casework.call(review_item, actor, _id(data, "review_id")))
            if verb is Verb.WORK_LETTER:
                letter = await self._casework.call(letter_item, actor, _id(data, "letter_id"))
                return self._letters.card_for(letter, actor.user_id)
            escalation_id = _id(data, "escalation_id")
            if verb is Verb.WORK_QUESTION:
                return information_request_card(await self._casework.call(question_item, actor, escalation_id))
            return decision_card(await self._casework.call(decision_item, actor, escalation_id))
        except _NotAnId:
            return NOT_YOURS
        except CaseworkError as error:
            return str(error)


class _NotAnId(Exception):
    pass


def record_id(data: Mapping[str, Any], key: str) -> int | None:
    """The record id a card's data gives under `key`, or None if it gives none (a bool is not an id)."""
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _id(data: Mapping[str, Any], key: str) -> int:
    value = record_id(data, key)
    if value is None:
        raise _NotAnId(key)
    return value
