"""Check a customer before or during contact (s15, s16): asks who, if not told, then shows the status."""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    PromptOptions,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
)

from cards.status import check_result_card
from casework.customer_checks import check_customer
from casework.errors import InvalidSubmission
from casework.gateway import CaseworkGateway
from dialogs.activities import actor_of, card_activity


class CheckCustomerDialog(ComponentDialog):
    def __init__(self, casework: CaseworkGateway) -> None:
        super().__init__(CheckCustomerDialog.__name__)
        self._casework = casework
        self.add_dialog(TextPrompt("who"))
        self.add_dialog(WaterfallDialog("check", [self._ask_who, self._answer]))
        self.initial_dialog_id = "check"

    async def _ask_who(self, step: WaterfallStepContext) -> DialogTurnResult:
        query = step.options if isinstance(step.options, str) else ""
        if query.strip():
            return await step.next(query)
        return await step.prompt(
            "who", PromptOptions(prompt=MessageFactory.text("Who should I check? Type their name."))
        )

    async def _answer(self, step: WaterfallStepContext) -> DialogTurnResult:
        query = str(step.result or "")
        try:
            result = await self._casework.call(check_customer, actor_of(step.context.activity), query)
        except InvalidSubmission as invalid:
            await step.context.send_activity(invalid.errors.get("query", "Type a name to check."))
            return await step.end_dialog()
        await step.context.send_activity(card_activity(check_result_card(result)))
        return await step.end_dialog()
