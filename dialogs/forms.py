"""A dialog around one Adaptive Card form: send it, take its submit, re-send it with inline errors until valid."""

from __future__ import annotations

import uuid
from abc import abstractmethod
from collections.abc import Mapping, MutableMapping
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult

from cards.common import FORM_PROBLEM, Card, keep_typed
from cards.verbs import Verb
from casework.errors import CaseworkError, InvalidSubmission
from dialogs.activities import card_activity

FormState = MutableMapping[str, Any]
"""The dialog's own saved state (JSON-friendly): what the server offered on the form, never taken from the card."""


class FormDialog(Dialog):
    """Options: {"values": {...}} prefills the form; {"submitted": {...}} handles a submit that arrived with no
    dialog waiting for it (state expired, or an old card), so a person's typing is never thrown away."""

    submit_verb: Verb
    fields: tuple[str, ...]

    async def prepare(self, context: TurnContext, options: Mapping[str, Any], state: FormState) -> None:
        """Looks up what the form should offer before it is first shown."""

    @abstractmethod
    def render(self, form_id: str, values: Mapping[str, str], errors: Mapping[str, str], state: FormState) -> Card: ...

    @abstractmethod
    async def submit(self, context: TurnContext, form_id: str, values: Mapping[str, str], state: FormState) -> Card:
        """Saves the form through a use case and returns the confirmation card; raises InvalidSubmission."""

    def on_invalid(self, invalid: InvalidSubmission, state: FormState) -> None:
        """Keeps anything the rejection offers (a pick list, say) for the next render and submit."""

    async def begin_dialog(self, dialog_context: DialogContext, options: object = None) -> DialogTurnResult:
        opts: Mapping[str, Any] = options if isinstance(options, Mapping) else {}
        state: FormState = dialog_context.active_dialog.state
        state["form_id"] = uuid.uuid4().hex
        await self.prepare(dialog_context.context, opts, state)
        submitted = opts.get("submitted")
        if isinstance(submitted, Mapping):
            return await self._take(dialog_context, submitted)
        values = {k: str(v) for k, v in (opts.get("values") or {}).items()}
        await dialog_context.context.send_activity(card_activity(self.render(state["form_id"], values, {}, state)))
        return Dialog.end_of_turn

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        value = dialog_context.context.activity.value
        if not isinstance(value, Mapping) or value.get("verb") != self.submit_verb.value:
            await dialog_context.context.send_activity("Fill in the form above and press its button, or type help.")
            return Dialog.end_of_turn
        return await self._take(dialog_context, value)

    async def _take(self, dialog_context: DialogContext, submitted: Mapping[str, Any]) -> DialogTurnResult:
        state: FormState = dialog_context.active_dialog.state
        values = {name: str(submitted.get(name) or "") for name in self.fields}
        form_id = str(submitted.get("form_id") or state["form_id"])[:40]
        try:
            confirmation = await self.submit(dialog_context.context, form_id, values, state)
        except InvalidSubmission as invalid:
            self.on_invalid(invalid, state)
            card = keep_typed(self.render(form_id, values, invalid.errors, state), submitted)
            await dialog_context.context.send_activity(card_activity(card))
            return Dialog.end_of_turn
        except CaseworkError as refused:
            # A record the form names has gone (a merged customer, say) or the person may not do this: the message
            # says which, on the form, with what they typed kept. Nothing was saved.
            card = keep_typed(self.render(form_id, values, {FORM_PROBLEM: str(refused)}, state), submitted)
            await dialog_context.context.send_activity(card_activity(card))
            return Dialog.end_of_turn
        await dialog_context.context.send_activity(card_activity(confirmation))
        return await dialog_context.end_dialog()
