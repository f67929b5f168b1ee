"""The letter card's buttons: save a new version with what was missing or a correction, Issue, record how it went
out (s11.3, s11.4, s13). The card's data gives the letter id and what was typed; the server reloads the letter and
checks that the clicker is its case owner or on the determination team."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from botbuilder.core import TurnContext

from bot.card_actions import record_id
from bot.letter_links import LetterCards
from cards.common import Card, envelope, heading, keep_typed, refusal_card, text
from cards.letters import DELIVERY_FIELDS, REVISION_FIELDS
from cards.verbs import Verb
from casework.commands import LetterRevision
from casework.errors import WHOLE_FORM, AccessRefused, CaseworkError, InvalidSubmission, NotFound
from casework.gateway import CaseworkGateway
from casework.letters import LETTERS_WHO_MAY, LetterIncomplete, issue_letter, record_delivery, revise_letter
from casework.my_work import letter_item
from casework.vocabulary import DeliveryMethod
from dialogs.activities import actor_of

_TYPED = (*REVISION_FIELDS, *DELIVERY_FIELDS)


class LetterActions:
    def __init__(self, casework: CaseworkGateway, letters: LetterCards) -> None:
        self._casework = casework
        self._letters = letters

    async def act(self, turn_context: TurnContext, verb: Verb, data: Mapping[str, Any]) -> Card:
        letter_id = record_id(data, "letter_id")
        if letter_id is None:
            return envelope(
                [heading("This card is not valid"), text("Type work for your letters.")],
                summary="This card is not valid",
            )
        actor = actor_of(turn_context.activity)
        typed = {field: data.get(field) for field in _TYPED if isinstance(data.get(field), str)}
        try:
            if verb is Verb.LETTER_ISSUE:
                view = await self._casework.call(issue_letter, actor, letter_id)
                notice = "Issued. This version is now fixed; record how it went out below."
            elif verb is Verb.LETTER_REVISE:
                view = await self._casework.call(revise_letter, actor, letter_id, _revision(typed))
                notice = f"Saved as version {view.version}."
            else:
                method, on = _delivery(typed, self._casework.clock().date())
                view = await self._casework.call(
                    record_delivery, actor, letter_id, method, on, email=str(typed.get("email") or "")
                )
                notice = _delivered_notice(method)
        except (AccessRefused, NotFound):
            # The same answer whether the letter exists or not: a refusal reveals nothing.
            return refusal_card(LETTERS_WHO_MAY)
        except InvalidSubmission as invalid:
            return await self._again(actor.user_id, turn_context, letter_id, invalid.errors, typed)
        except LetterIncomplete as incomplete:
            return await self._again(actor.user_id, turn_context, letter_id, {WHOLE_FORM: str(incomplete)}, typed)
        except CaseworkError as error:
            return envelope([heading("Nothing was recorded"), text(str(error))], summary="Nothing was recorded")
        return self._letters.card_for(view, actor.user_id, notice=notice)

    async def _again(
        self,
        user_id: str,
        turn_context: TurnContext,
        letter_id: int,
        errors: Mapping[str, str],
        typed: Mapping[str, object],
    ) -> Card:
        """The card again as the letter stands, with what was wrong and what was typed."""
        try:
            view = await self._casework.call(letter_item, actor_of(turn_context.activity), letter_id)
        except (AccessRefused, NotFound):
            return refusal_card(LETTERS_WHO_MAY)
        return keep_typed(self._letters.card_for(view, user_id, errors, typed), typed)


def _revision(typed: Mapping[str, object]) -> LetterRevision:
    def value(field: str) -> str:
        return str(typed.get(field) or "")

    examples = tuple(int(part) for part in value("examples").split(",") if part.strip().isdigit())
    if any(not part.strip().isdigit() for part in value("examples").split(",") if part.strip()):
        raise InvalidSubmission({"examples": "Choose the examples from this customer's incidents."})
    return LetterRevision(
        address=value("address"),
        no_fixed_address=value("no_fixed_address").lower() == "true",
        monitoring=value("monitoring"),
        example_incident_ids=examples,
        signatory_name=value("signatory_name"),
        signatory_title=value("signatory_title"),
        reason=value("reason"),
        next_steps=value("next_steps"),
    )


def _delivery(typed: Mapping[str, object], today: date) -> tuple[DeliveryMethod, date]:
    try:
        method = DeliveryMethod(str(typed.get("delivery_method") or ""))
    except ValueError:
        raise InvalidSubmission({"delivery_method": "Choose how it went out."}) from None
    given = str(typed.get("delivered_on") or "").strip()
    try:
        on = date.fromisoformat(given) if given else today
    except ValueError:
        raise InvalidSubmission({"delivered_on": "Give the date as the date picker does (YYYY-MM-DD)."}) from None
    return method, on


def _delivered_notice(method: DeliveryMethod) -> str:
    if method is DeliveryMethod.HELD_AT_RECEPTION:
        return "Recorded: it is held at reception, and shows in reception until it is collected."
    return f"Recorded: {method.label.lower()}."
