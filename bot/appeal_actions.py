"""The buttons and command of complaints and appeals about a decision, and of Ombudsman signposting (issue 17).
The card's data gives only the record id and what was typed; the server reloads the record and checks the clicker
on every click (an uninvolved member of the team decides, s2.6), and a refusal says nothing about the record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import TurnContext

from bot.card_actions import record_id
from cards.appeals import (
    APPEAL_OUTCOME_FIELDS,
    appeal_card,
    appeal_form_card,
    appeal_recorded_card,
    signposting_form_card,
)
from cards.common import Card, envelope, heading, keep_typed, refusal_card, text
from cards.status import status_card
from cards.verbs import Verb
from casework.appeals import (
    SIGNPOST_WHO_MAY,
    AppealSubmission,
    OutcomeSubmission,
    appeal_form,
    decide_appeal,
    record_appeal,
    record_signposting,
    shown_appeal,
    signposting_form,
)
from casework.entities import RestrictionTerms
from casework.errors import AccessRefused, CaseworkError, InvalidSubmission
from casework.gateway import CaseworkGateway
from dialogs.activities import actor_of

APPEAL_WHO_MAY = "Only the determination team and the case owner can open a complaint or appeal."
RECORD_WHO_MAY = "Check the customer by name again: complaints and appeals are recorded from their status card."
"""What a refusal may say: who may use buttons of the kind, never anything about the record clicked."""

_APPEAL_FIELDS = ("decision", "kind", "received_on", "channel", "grounds")


class AppealActions:
    def __init__(self, casework: CaseworkGateway) -> None:
        self._casework = casework
        self._handlers: Mapping[Verb, Callable[[TurnContext, Mapping[str, Any]], Awaitable[Card]]] = {
            Verb.APPEAL_FORM: self._form,
            Verb.APPEAL_RECORD: self._record,
            Verb.APPEAL_DECIDE: self._decide,
            Verb.APPEAL_OPEN: self._open,
            Verb.OMBUDSMAN_FORM: self._signposting_form,
            Verb.OMBUDSMAN_RECORD: self._signpost,
        }

    async def act(self, turn_context: TurnContext, verb: Verb, data: Mapping[str, Any]) -> Card:
        return await self._handlers[verb](turn_context, data)

    async def _form(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        customer_id = record_id(data, "customer_id")
        if customer_id is None:
            return refusal_card(RECORD_WHO_MAY)
        actor = actor_of(turn_context.activity)
        try:
            form = await self._casework.call(
                appeal_form, actor, customer_id, _text(data, "query"), measure_id=record_id(data, "measure_id")
            )
        except AccessRefused:
            return refusal_card(RECORD_WHO_MAY)
        except CaseworkError as error:
            return _nothing_changed(str(error))
        return appeal_form_card(form)

    async def _record(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        customer_id = record_id(data, "customer_id")
        if customer_id is None:
            return refusal_card(RECORD_WHO_MAY)
        actor = actor_of(turn_context.activity)
        typed = {name: _text(data, name) for name in _APPEAL_FIELDS}
        submission = AppealSubmission(**typed)
        try:
            result = await self._casework.call(record_appeal, actor, customer_id, _text(data, "query"), submission)
        except AccessRefused:
            return refusal_card(RECORD_WHO_MAY)
        except InvalidSubmission as invalid:
            # The same form again, with what they typed and why it was refused; nothing was recorded.
            try:
                form = await self._casework.call(appeal_form, actor, customer_id, _text(data, "query"))
            except CaseworkError as error:
                return _nothing_changed(str(error))
            return keep_typed(appeal_form_card(form, typed, invalid.errors), data)
        except CaseworkError as error:
            return _nothing_changed(str(error))
        return appeal_recorded_card(result.appeal)

    async def _decide(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        appeal_id = record_id(data, "appeal_id")
        if appeal_id is None:
            return refusal_card(APPEAL_WHO_MAY)
        typed = {name: _text(data, name) for name in APPEAL_OUTCOME_FIELDS}
        calls = {name: _number(typed[name]) for name in ("call_minutes", "calls_per_week")}
        submission = OutcomeSubmission(
            outcome=typed["outcome"],
            reasons=typed["reasons"],
            new_review_on=typed["new_review_on"],
            restrictions=tuple(part.strip() for part in typed["restrictions"].split(",") if part.strip()),
            terms=RestrictionTerms(
                named_contact=typed["named_contact"].strip(),
                call_minutes=calls["call_minutes"],
                calls_per_week=calls["calls_per_week"],
                services_withdrawn=typed["services_withdrawn"].strip(),
            ),
        )
        try:
            result = await self._casework.call(decide_appeal, actor_of(turn_context.activity), appeal_id, submission)
        except AccessRefused:
            return refusal_card(APPEAL_WHO_MAY)
        except CaseworkError as error:
            return _nothing_changed(str(error))
        if result.errors:
            return keep_typed(appeal_card(result.appeal, errors=result.errors, typed=typed), data)
        if result.refusal:
            return keep_typed(appeal_card(result.appeal, notice=result.refusal, typed=typed), data)
        return appeal_card(result.appeal)

    async def _open(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        appeal_id = record_id(data, "appeal_id")
        if appeal_id is None:
            return refusal_card(APPEAL_WHO_MAY)
        try:
            view = await self._casework.call(shown_appeal, actor_of(turn_context.activity), appeal_id)
        except AccessRefused:
            return refusal_card(APPEAL_WHO_MAY)
        return appeal_card(view)

    async def _signposting_form(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        customer_id = record_id(data, "customer_id")
        if customer_id is None:
            return refusal_card(SIGNPOST_WHO_MAY)
        try:
            form = await self._casework.call(signposting_form, actor_of(turn_context.activity), customer_id)
        except AccessRefused:
            return refusal_card(SIGNPOST_WHO_MAY)
        return signposting_form_card(form)

    async def _signpost(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        customer_id = record_id(data, "customer_id")
        if customer_id is None:
            return refusal_card(SIGNPOST_WHO_MAY)
        actor = actor_of(turn_context.activity)
        typed = {name: _text(data, name) for name in ("matter", "signposted_on")}
        try:
            status = await self._casework.call(
                record_signposting, actor, customer_id, typed["matter"], typed["signposted_on"]
            )
        except AccessRefused:
            return refusal_card(SIGNPOST_WHO_MAY)
        except InvalidSubmission as invalid:
            form = await self._casework.call(signposting_form, actor, customer_id)
            return keep_typed(signposting_form_card(form, typed, invalid.errors), data)
        except CaseworkError as error:
            return _nothing_changed(str(error))
        return status_card(status, notice="Signposting to the Ombudsman recorded.")


def _nothing_changed(why: str) -> Card:
    return envelope([heading("Nothing was changed"), text(why)], summary="Nothing was changed")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _number(value: str) -> int | None:
    """A whole number typed on the card; -1 for anything else typed, which the terms' own check refuses."""
    value = value.strip()
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) <= 4 else -1
