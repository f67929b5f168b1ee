"""The activity handler: routes each Teams activity to a dialog, a card action or the menu."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue

from bot.card_actions import DecisionActions, ManagerOutcomeActions, ReviewActions, WorkItemActions
from bot.letter_links import LetterDelivery
from bot.notifications import Notifications
from bot.ports import BotStateStore, ConversationReferences
from bot.routes import COMMANDS, VERB_ROUTES, Arrival, command_named, menu, verb_route
from bot.state_storage import DatabaseStorage
from cards.common import Card
from cards.escalation import pending_card
from cards.letters import reception_card
from cards.my_work import my_work_card
from cards.review import reviews_list_card
from cards.status import check_result_card, history_card, status_card
from cards.verbs import Verb
from casework.customer_checks import check_customer, customer_history, show_customer
from casework.errors import CaseworkError, InvalidSubmission
from casework.escalations import pending_escalations
from casework.gateway import CaseworkGateway
from casework.letters import mark_collected, reception_list
from casework.my_work import my_work
from casework.reviews import reviews_for
from casework.staff import remember_actor
from dialogs.activities import actor_of, card_activity, tenant_of
from dialogs.check_customer import CheckCustomerDialog
from dialogs.report_incident import ReportIncidentDialog
from dialogs.request_escalation import RequestEscalationDialog

log = logging.getLogger(__name__)

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

Answer = Callable[[Card], Awaitable[None]]


@dataclass(frozen=True)
class CardClick:
    """A button press, whichever way it came. `answer` shows a card in reply: a message after an Action.Submit, the
    card that replaces the clicked one after an Action.Execute."""

    turn_context: TurnContext
    verb: Verb
    data: Mapping[str, Any]
    answer: Answer


class CaseworkBot(TeamsActivityHandler):
    def __init__(
        self,
        state_store: BotStateStore,
        casework: CaseworkGateway,
        references: ConversationReferences,
        notifications: Notifications,
        safety_guidance: str,
        letters: LetterDelivery,
    ) -> None:
        super().__init__()
        conversation_state = ConversationState(DatabaseStorage(state_store))
        self._conversation_state = conversation_state
        self._casework = casework
        self._references = references
        self._decisions = DecisionActions(casework, notifications)
        self._outcomes = ManagerOutcomeActions(casework)
        self._reviews = ReviewActions(casework, notifications)
        self._work_items = WorkItemActions(casework, letters)
        self._dialogs = DialogSet(conversation_state.create_property("DialogState"))
        self._dialogs.add(ReportIncidentDialog(casework, notifications.publish, safety_guidance))
        self._dialogs.add(CheckCustomerDialog(casework))
        self._dialogs.add(RequestEscalationDialog(casework, notifications.publish))
        self._known_conversations: set[tuple[str, str]] = set()
        # Resolved once, so a route naming a method the bot lacks fails at start-up, not on someone's message.
        self._command_handlers = {command.name: getattr(self, command.handler) for command in COMMANDS}
        self._verb_handlers = {route.verb: getattr(self, route.handler) for route in VERB_ROUTES}

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember_conversation(turn_context)
        await super().on_turn(turn_context)
        await self._conversation_state.save_changes(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        value = turn_context.activity.value
        if isinstance(value, dict) and value.get("verb"):

            async def reply_in_conversation(card: Card) -> None:
                await turn_context.send_activity(card_activity(card))

            await self._on_card_action(turn_context, value.get("verb"), value, Arrival.SUBMIT, reply_in_conversation)
            return
        # In a channel the bot only hears messages that @mention it; the mention is not part of the command.
        text = TurnContext.remove_recipient_mention(turn_context.activity) or turn_context.activity.text or ""
        words = text.strip().split(maxsplit=1)
        command = command_named(words[0]) if words else None
        dialog_context = await self._dialogs.create_context(turn_context)
        if command is None:
            result = await dialog_context.continue_dialog()
            if result.status is DialogTurnStatus.Empty:
                await turn_context.send_activity(card_activity(menu("Sorry, I didn't understand that.")))
            return
        if command.cancels_dialog:
            await dialog_context.cancel_all_dialogs()
        await self._command_handlers[command.name](turn_context, dialog_context, words[1] if len(words) > 1 else "")

    async def _start_report(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        await dialog_context.begin_dialog(ReportIncidentDialog.__name__, ReportIncidentDialog.options_for(rest))

    async def _start_check(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        await dialog_context.begin_dialog(CheckCustomerDialog.__name__, rest)

    async def _start_escalation(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        await dialog_context.begin_dialog(RequestEscalationDialog.__name__, {"values": {"customer_name": rest}})

    async def _send_reviews(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        views = await self._casework.call(reviews_for, actor_of(turn_context.activity))
        await turn_context.send_activity(card_activity(reviews_list_card(views)))

    async def _send_reception(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        lines = await self._casework.call(reception_list)
        await turn_context.send_activity(card_activity(reception_card(lines)))

    async def _send_pending(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        try:
            views = await self._casework.call(pending_escalations, actor_of(turn_context.activity))
        except CaseworkError as error:
            await turn_context.send_activity(str(error))
            return
        await turn_context.send_activity(card_activity(pending_card(views)))

    async def _send_case(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        """`case <customer>`: the full history, for those entitled to it (need to know)."""
        actor = actor_of(turn_context.activity)
        try:
            found = await self._casework.call(check_customer, actor, rest)
            if found.status is None:
                await turn_context.send_activity(card_activity(check_result_card(found)))
                return
            history = await self._casework.call(customer_history, actor, found.status.customer_id)
        except InvalidSubmission as invalid:
            await turn_context.send_activity(" ".join(invalid.errors.values()))
            return
        except CaseworkError as error:
            await turn_context.send_activity(str(error))
            return
        await turn_context.send_activity(card_activity(history_card(history)))

    async def _send_work(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        """`work`: everything waiting for the person, each item with the button that shows its card again."""
        view = await self._casework.call(my_work, actor_of(turn_context.activity))
        await turn_context.send_activity(card_activity(my_work_card(view)))

    async def _show_work_item(self, click: CardClick) -> None:
        shown = await self._work_items.show(click.turn_context, click.verb, click.data)
        if isinstance(shown, str):
            await click.turn_context.send_activity(shown)
        else:
            await click.answer(shown)

    async def _send_menu(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        await turn_context.send_activity(card_activity(menu()))

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        action = invoke_value.action if isinstance(invoke_value.action, dict) else {}
        raw_data = action.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        answers: list[Card] = []

        async def replace_clicked_card(card: Card) -> None:
            answers.append(card)

        await self._on_card_action(turn_context, action.get("verb"), data, Arrival.EXECUTE, replace_clicked_card)
        # Every verb that may arrive by Action.Execute answers with a card, so there is always one to return.
        return AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD_CONTENT_TYPE, value=answers[-1])

    async def _on_card_action(
        self, turn_context: TurnContext, verb: object, data: Mapping[str, Any], arrival: Arrival, answer: Answer
    ) -> None:
        """Every button click, by Action.Execute or Action.Submit: its verb's handler from the routes table."""
        route = verb_route(verb, arrival)
        if route is None:
            await answer(menu("That button is no longer in use."))
            return
        await self._verb_handlers[route.verb](CardClick(turn_context, route.verb, data, answer))

    async def _begin_afresh(self, turn_context: TurnContext, dialog_id: str, options: object = None) -> None:
        dialog_context = await self._dialogs.create_context(turn_context)
        await dialog_context.cancel_all_dialogs()
        await dialog_context.begin_dialog(dialog_id, options)

    async def _report_from_card(self, click: CardClick) -> None:
        customer_id = click.data.get("customer_id")
        options = ReportIncidentDialog.options_for(customer_id=customer_id if isinstance(customer_id, int) else None)
        await self._begin_afresh(click.turn_context, ReportIncidentDialog.__name__, options)

    async def _check_from_card(self, click: CardClick) -> None:
        await self._begin_afresh(click.turn_context, CheckCustomerDialog.__name__)

    async def _escalate_from_card(self, click: CardClick) -> None:
        await self._begin_afresh(click.turn_context, RequestEscalationDialog.__name__)

    async def _submit_incident_form(self, click: CardClick) -> None:
        await self._take_form(click.turn_context, ReportIncidentDialog.__name__, click.data)

    async def _submit_escalation_form(self, click: CardClick) -> None:
        await self._take_form(click.turn_context, RequestEscalationDialog.__name__, click.data)

    async def _take_form(self, turn_context: TurnContext, dialog_id: str, submitted: Mapping[str, Any]) -> None:
        """The open form takes its own submission; a form from an earlier, closed dialog starts afresh with it."""
        dialog_context = await self._dialogs.create_context(turn_context)
        active = dialog_context.active_dialog
        if active is not None and active.id == dialog_id:
            await dialog_context.continue_dialog()
        else:
            await dialog_context.cancel_all_dialogs()
            await dialog_context.begin_dialog(dialog_id, {"submitted": submitted})

    async def _answer_escalation(self, click: CardClick) -> None:
        await click.turn_context.send_activity(await self._decisions.answer(click.turn_context, click.data))

    async def _decide_escalation(self, click: CardClick) -> None:
        await click.answer(await self._decisions.decide(click.turn_context, click.verb, click.data))

    async def _decide_review(self, click: CardClick) -> None:
        await click.answer(await self._reviews.decide(click.turn_context, click.verb, click.data))

    async def _record_manager_outcome(self, click: CardClick) -> None:
        outcome = await self._outcomes.record(click.turn_context, click.verb, click.data)
        await click.answer(outcome.card)
        # A manager who escalates gets the escalation form straight away, for the same customer (s8.6, s10).
        if outcome.escalate_customer is not None:
            await self._begin_afresh(
                click.turn_context,
                RequestEscalationDialog.__name__,
                {"values": {"customer_name": outcome.escalate_customer}},
            )

    async def _show_customer(self, click: CardClick) -> None:
        """A customer picked from a list, or their full history; the server decides who may see what."""
        customer_id = click.data.get("customer_id")
        if not isinstance(customer_id, int):
            await click.turn_context.send_activity("That button is not valid any more; check the customer again.")
            return
        actor = actor_of(click.turn_context.activity)
        try:
            if click.verb is Verb.CUSTOMER_SHOW:
                status = await self._casework.call(show_customer, actor, customer_id)
                card = status_card(status)
            else:
                history = await self._casework.call(customer_history, actor, customer_id)
                card = history_card(history)
        except CaseworkError as error:
            await click.turn_context.send_activity(str(error))
            return
        await click.answer(card)

    async def _letter_collected(self, click: CardClick) -> None:
        """Reception hands a held letter over (s11.3): recorded once, and the list shown again."""
        letter_id = click.data.get("letter_id")
        turn_context = click.turn_context
        if not isinstance(letter_id, int):
            await turn_context.send_activity("That button is not valid any more; type reception.")
            return
        clock = self._casework.clock
        try:
            await self._casework.call(mark_collected, actor_of(turn_context.activity), letter_id, clock().date())
        except CaseworkError as error:
            await turn_context.send_activity(str(error))
            return
        await turn_context.send_activity("Recorded as collected.")
        await click.answer(reception_card(await self._casework.call(reception_list)))

    async def _remember_conversation(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        conversation = activity.conversation
        if conversation is None or not conversation.id or not activity.service_url:
            return
        actor = actor_of(activity)
        key = (conversation.id, actor.user_id)
        if key in self._known_conversations:
            return
        conversation_type = conversation.conversation_type or "personal"
        reference = TurnContext.get_conversation_reference(activity).serialize()
        await asyncio.to_thread(
            self._references.save,
            conversation.id,
            conversation_type,
            actor.user_id if conversation_type == "personal" else None,
            tenant_of(activity),
            reference,
        )
        if actor.user_id != "unknown" and activity.type in ("message", "invoke"):
            await self._casework.call(remember_actor, actor)
        self._known_conversations.add(key)
