"""A dialog around one Adaptive Card form: send it, take its submit, re-send it with inline errors until valid."""

from __future__ import annotations

import uuid
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult

from bot.notifier import card_activity
from cards.common import Card
from cards.verbs import Verb
from casework.errors import InvalidSubmission


class FormDialog(Dialog):
    """Options: {"values": {...}} prefills the form; {"submitted": {...}} handles a submit that arrived with no
    dialog waiting for it (state expired, or an old card), so a person's typing is never thrown away."""

    submit_verb: Verb
    fields: tuple[str, ...]

    @abstractmethod
    def render(self, form_id: str, values: Mapping[str, str], errors: Mapping[str, str]) -> Card: ...

    @abstractmethod
    async def submit(self, context: TurnContext, form_id: str, values: Mapping[str, str]) -> Card:
        """Saves the form through a use case and returns the confirmation card; raises InvalidSubmission."""

    async def begin_dialog(self, dialog_context: DialogContext, options: object = None) -> DialogTurnResult:
        opts: Mapping[str, Any] = options if isinstance(options, Mapping) else {}
        form_id = uuid.uuid4().hex
        dialog_context.active_dialog.state["form_id"] = form_id
        submitted = opts.get("submitted")
        if isinstance(submitted, Mapping):
            return await self._take(dialog_context, submitted)
        await dialog_context.context.send_activity(card_activity(self.render(form_id, opts.get("values", {}), {})))
        return Dialog.end_of_turn

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        value = dialog_context.context.activity.value
        if not isinstance(value, Mapping) or value.get("verb") != self.submit_verb.value:
            await dialog_context.context.send_activity("Fill in the form above and press its button, or type help.")
            return Dialog.end_of_turn
        return await self._take(dialog_context, value)

    async def _take(self, dialog_context: DialogContext, submitted: Mapping[str, Any]) -> DialogTurnResult:
        values = {name: str(submitted.get(name) or "") for name in self.fields}
        form_id = str(submitted.get("form_id") or dialog_context.active_dialog.state["form_id"])[:40]
        try:
            confirmation = await self.submit(dialog_context.context, form_id, values)
        except InvalidSubmission as invalid:
            await dialog_context.context.send_activity(card_activity(self.render(form_id, values, invalid.errors)))
            return Dialog.end_of_turn
        await dialog_context.context.send_activity(card_activity(confirmation))
        return await dialog_context.end_dialog()
