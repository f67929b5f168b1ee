"""Correspondence on file (s16) in Teams: `log <name>` and the status card's button open the log form; its Log button
saves the item; the reviewer's card records the review; `work` opens an item again. The card's data gives only ids
and what was typed: the server reloads the customer or the item and checks the person on every click, and a
refusal says nothing about either."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from botbuilder.core import TurnContext

from bot.card_actions import record_id
from cards.common import Card, envelope, heading, keep_typed, refusal_card, text
from cards.correspondence import log_form_card, logged_card, review_card
from cards.status import check_result_card
from cards.verbs import Verb
from casework.correspondence import (
    NOT_LOGGED_HERE,
    REVIEW_WHO_MAY,
    LogCorrespondence,
    ReviewCorrespondence,
    correspondence_form,
    correspondence_item,
    log_correspondence,
    review_correspondence,
)
from casework.customer_checks import check_customer
from casework.errors import AccessRefused, CaseworkError, InvalidSubmission
from casework.gateway import CaseworkGateway
from dialogs.activities import actor_of

ASK_WHOSE = "Whose correspondence? Type log and their name, for example: log Jane Smith"
_LOG_FIELDS = ("received_on", "channel", "summary", "attachment_reference")
_REVIEW_FIELDS = ("outcome", "service_area", "notes")


class CorrespondenceActions:
    def __init__(self, casework: CaseworkGateway) -> None:
        self._casework = casework

    async def log_named(self, turn_context: TurnContext, rest: str) -> Card | str:
        """`log <name>`: the form for the one customer the search finds; a pick list if it finds several."""
        if not rest.strip():
            return ASK_WHOSE
        actor = actor_of(turn_context.activity)
        try:
            found = await self._casework.call(check_customer, actor, rest)
        except InvalidSubmission:
            return ASK_WHOSE
        if found.status is None:
            return check_result_card(found)
        try:
            form = await self._casework.call(correspondence_form, actor, found.status.customer_id, rest)
        except AccessRefused:
            return _not_logged()
        return log_form_card(form)

    async def act(self, turn_context: TurnContext, verb: Verb, data: Mapping[str, Any]) -> Card:
        if verb is Verb.CORRESPONDENCE_LOG:
            return await self._form(turn_context, data)
        if verb is Verb.CORRESPONDENCE_SAVE:
            return await self._save(turn_context, data)
        if verb is Verb.CORRESPONDENCE_REVIEW:
            return await self._review(turn_context, data)
        return await self._item(turn_context, data)

    async def _form(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        customer_id = record_id(data, "customer_id")
        if customer_id is None:
            return _not_logged()
        try:
            form = await self._casework.call(
                correspondence_form, actor_of(turn_context.activity), customer_id, _text(data, "query")
            )
        except AccessRefused:
            return _not_logged()
        return log_form_card(form)

    async def _save(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        customer_id = record_id(data, "customer_id")
        if customer_id is None:
            return _not_logged()
        actor = actor_of(turn_context.activity)
        query = _text(data, "query")
        typed = {name: _text(data, name) for name in _LOG_FIELDS}
        submission = LogCorrespondence(form_id=_text(data, "form_id"), **typed)
        try:
            logged = await self._casework.call(log_correspondence, actor, customer_id, query, submission)
        except AccessRefused:
            return _not_logged()
        except InvalidSubmission as invalid:
            # The same form again, with what they typed and why it was refused; nothing was logged.
            form = await self._casework.call(correspondence_form, actor, customer_id, query)
            card = log_form_card(replace(form, form_id=submission.form_id or form.form_id), typed, invalid.errors)
            return keep_typed(card, data)
        except CaseworkError as error:
            return _nothing_logged(str(error))
        return logged_card(logged)

    async def _review(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        item_id = record_id(data, "correspondence_id")
        if item_id is None:
            return refusal_card(REVIEW_WHO_MAY)
        actor = actor_of(turn_context.activity)
        typed = {name: _text(data, name) for name in _REVIEW_FIELDS}
        try:
            result = await self._casework.call(review_correspondence, actor, item_id, ReviewCorrespondence(**typed))
        except AccessRefused:
            return refusal_card(REVIEW_WHO_MAY)
        except InvalidSubmission as invalid:
            item = await self._casework.call(correspondence_item, actor, item_id)
            return keep_typed(review_card(item, typed, invalid.errors), data)
        notice = "" if result.recorded_now else "This item had already been reviewed; that review stands."
        return review_card(result.item, notice=notice)

    async def _item(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        item_id = record_id(data, "correspondence_id")
        if item_id is None:
            return refusal_card(REVIEW_WHO_MAY)
        try:
            item = await self._casework.call(correspondence_item, actor_of(turn_context.activity), item_id)
        except AccessRefused:
            return refusal_card(REVIEW_WHO_MAY)
        return review_card(item)


def _not_logged() -> Card:
    return _nothing_logged(NOT_LOGGED_HERE)


def _nothing_logged(why: str) -> Card:
    return envelope([heading("Nothing was logged"), text(why)], summary="Nothing was logged")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""
