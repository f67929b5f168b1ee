"""The buttons that change records (issue 16): a customer's record, the reporter's note of a need, and amending an
incident. The card's data gives only the record id and what was typed; the server reloads the record and checks
the clicker on every click, and a refusal says nothing about the record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.core import TurnContext

from bot.card_actions import record_id
from cards.common import Card, envelope, heading, keep_typed, refusal_card, text
from cards.customer_edits import customer_record_form, need_note_form, need_noted_card, record_saved_card, record_values
from cards.incident_amendments import amendment_form_card, incident_amended_card
from casework import policy
from casework.commands import CustomerRecordEdit, IncidentAmendmentSubmission
from casework.customer_edits import customer_record, edit_customer_record, note_customer_need
from casework.customer_edits import need_note_form as need_form_view
from casework.errors import AccessRefused, CaseworkError, CorrectionWindowPassed, InvalidSubmission
from casework.gateway import CaseworkGateway
from casework.incident_amendments import amend_incident, amendment_form
from dialogs.activities import actor_of

RECORD_WHO_MAY = "Only a customer's case owner and the determination team can change their record."
NEED_WHO_MAY = "Only the person who reported an incident can add a need from it to the customer's record."
AMEND_WHO_MAY = (
    f"Only the reporter (for {policy.INCIDENT_CORRECTION_WINDOW.days} days) and the reporter's line manager can "
    "amend an incident."
)
"""What a refusal may say: who may use buttons of the kind, never anything about the record clicked."""

_RECORD_FIELDS = (
    "address",
    "postcode",
    "phone",
    "email",
    "other_names",
    "reasonable_adjustments",
    "communication_needs",
)
_AMENDMENT_FIELDS = ("reason", "occurred_date", "occurred_time", "channel", "service_area", "actions")


class RecordActions:
    def __init__(self, casework: CaseworkGateway) -> None:
        self._casework = casework

    async def edit_record(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        """The edit form, pre-filled with the record as it is now."""
        customer_id = record_id(data, "customer_id")
        if customer_id is None:
            return refusal_card(RECORD_WHO_MAY)
        try:
            record = await self._casework.call(customer_record, actor_of(turn_context.activity), customer_id)
        except AccessRefused:
            return refusal_card(RECORD_WHO_MAY)
        return customer_record_form(record.customer_id, record.name, record_values(record))

    async def save_record(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        customer_id = record_id(data, "customer_id")
        if customer_id is None:
            return refusal_card(RECORD_WHO_MAY)
        actor = actor_of(turn_context.activity)
        typed = {name: _text(data, name) for name in _RECORD_FIELDS}
        typed["no_fixed_address"] = "true" if _text(data, "no_fixed_address").lower() == "true" else "false"
        edit = CustomerRecordEdit(
            address=typed["address"],
            postcode=typed["postcode"],
            no_fixed_address=typed["no_fixed_address"] == "true",
            phone=typed["phone"],
            email=typed["email"],
            other_names=typed["other_names"],
            reasonable_adjustments=typed["reasonable_adjustments"],
            communication_needs=typed["communication_needs"],
        )
        try:
            edited = await self._casework.call(edit_customer_record, actor, customer_id, edit)
        except AccessRefused:
            return refusal_card(RECORD_WHO_MAY)
        except InvalidSubmission as invalid:
            # The same form again, with what they typed and why it was refused; nothing was saved.
            record = await self._casework.call(customer_record, actor, customer_id)
            return keep_typed(customer_record_form(record.customer_id, record.name, typed, invalid.errors), data)
        except CaseworkError as error:
            return _nothing_changed(str(error))
        return record_saved_card(edited.status, edited.changed)

    async def note_need(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        incident_id = record_id(data, "incident_id")
        if incident_id is None:
            return refusal_card(NEED_WHO_MAY)
        try:
            form = await self._casework.call(need_form_view, actor_of(turn_context.activity), incident_id)
        except AccessRefused:
            return refusal_card(NEED_WHO_MAY)
        return need_note_form(form)

    async def save_need(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        incident_id = record_id(data, "incident_id")
        if incident_id is None:
            return refusal_card(NEED_WHO_MAY)
        actor = actor_of(turn_context.activity)
        typed = {name: _text(data, name) for name in ("reasonable_adjustments", "communication_needs")}
        try:
            noted = await self._casework.call(
                note_customer_need,
                actor,
                incident_id,
                typed["reasonable_adjustments"],
                typed["communication_needs"],
            )
        except AccessRefused:
            return refusal_card(NEED_WHO_MAY)
        except InvalidSubmission as invalid:
            form = await self._casework.call(need_form_view, actor, incident_id)
            return keep_typed(need_note_form(form, typed, invalid.errors), data)
        except CaseworkError as error:
            return _nothing_changed(str(error))
        return need_noted_card(noted)

    async def amend(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        """The amend form, pre-filled with the incident as it stands."""
        incident_id = record_id(data, "incident_id")
        if incident_id is None:
            return refusal_card(AMEND_WHO_MAY)
        try:
            form = await self._casework.call(amendment_form, actor_of(turn_context.activity), incident_id)
        except CorrectionWindowPassed as passed:
            return _nothing_changed(str(passed))
        except AccessRefused:
            return refusal_card(AMEND_WHO_MAY)
        return amendment_form_card(form)

    async def save_amendment(self, turn_context: TurnContext, data: Mapping[str, Any]) -> Card:
        incident_id = record_id(data, "incident_id")
        if incident_id is None:
            return refusal_card(AMEND_WHO_MAY)
        actor = actor_of(turn_context.activity)
        typed = {
            name: _text(data, name) for name in (*_AMENDMENT_FIELDS, "immediate_steps", "description", "other_action")
        }
        typed["informal_warning_given"] = "true" if _text(data, "informal_warning_given").lower() == "true" else "false"
        submission = IncidentAmendmentSubmission(
            reason=typed["reason"],
            channel=typed["channel"],
            actions=_choices(typed["actions"]),
            description=typed["description"],
            occurred_date=typed["occurred_date"],
            occurred_time=typed["occurred_time"],
            service_area=typed["service_area"],
            immediate_steps=_choices(typed["immediate_steps"]),
            informal_warning_given=typed["informal_warning_given"] == "true",
            other_action=typed["other_action"],
        )
        try:
            amended = await self._casework.call(amend_incident, actor, incident_id, submission)
        except CorrectionWindowPassed as passed:
            return _nothing_changed(str(passed))
        except AccessRefused:
            return refusal_card(AMEND_WHO_MAY)
        except InvalidSubmission as invalid:
            form = await self._casework.call(amendment_form, actor, incident_id)
            return keep_typed(amendment_form_card(form, typed, invalid.errors), data)
        except CaseworkError as error:
            return _nothing_changed(str(error))
        return incident_amended_card(amended)


def _nothing_changed(why: str) -> Card:
    return envelope([heading("Nothing was changed"), text(why)], summary="Nothing was changed")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _choices(value: str) -> tuple[str, ...]:
    """A multi-select's value as Teams sends it: the chosen values, comma-separated."""
    return tuple(part.strip() for part in value.split(",") if part.strip())
