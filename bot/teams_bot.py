"""The activity handler: routes each Teams activity to a dialog, a card action or the menu."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue

from bot.card_actions import (
    DecisionActions,
    ManagerOutcomeActions,
    OutcomeAnswer,
    ReviewActions,
    is_decision_verb,
    is_manager_outcome_verb,
    is_review_verb,
)
from bot.casework_gateway import CaseworkGateway
from bot.identity import actor_of, tenant_of
from bot.notifier import card_activity
from bot.routes import COMMANDS, command_named, menu
from bot.state_storage import DatabaseStorage
from cards.escalation import pending_card
from cards.letters import reception_card
from cards.review import reviews_list_card
from cards.status import check_result_card, history_card, status_card
from cards.verbs import Verb
from casework.errors import CaseworkError, InvalidSubmission
from casework.letters import mark_collected, reception_list
from casework.reviews import reviews_for
from casework.services import (
    check_customer,
    customer_history,
    pending_escalations,
    remember_actor,
    show_customer,
)
from dialogs.check_customer import CheckCustomerDialog
from dialogs.report_incident import IncidentReported, ReportIncidentDialog
from dialogs.request_escalation import EscalationRequested, RequestEscalationDialog
from storage.bot_state import BotStateStore
from storage.conversation_references import ConversationReferenceStore

log = logging.getLogger(__name__)

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


class CaseworkBot(TeamsActivityHandler):
    def __init__(
        self,
        state_store: BotStateStore,
        casework: CaseworkGateway,
        references: ConversationReferenceStore,
        decisions: DecisionActions,
        on_escalation_requested: EscalationRequested,
        on_incident_reported: IncidentReported,
        safety_guidance: str,
    ) -> None:
        super().__init__()
        conversation_state = ConversationState(DatabaseStorage(state_store))
        self._conversation_state = conversation_state
        self._casework = casework
        self._references = references
        self._decisions = decisions
        self._outcomes = ManagerOutcomeActions(casework)
        self._reviews = ReviewActions(casework, decisions.letters)
        self.review_lead = timedelta(days=7)
        self._dialogs = DialogSet(conversation_state.create_property("DialogState"))
        self._dialogs.add(ReportIncidentDialog(casework, on_incident_reported, safety_guidance))
        self._dialogs.add(CheckCustomerDialog(casework))
        self._dialogs.add(RequestEscalationDialog(casework, on_escalation_requested))
        self._known_conversations: set[tuple[str, str]] = set()
        # Resolved once, so a route naming a method the bot lacks fails at start-up, not on someone's message.
        self._command_handlers = {command.name: getattr(self, command.handler) for command in COMMANDS}

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember_conversation(turn_context)
        await super().on_turn(turn_context)
        await self._conversation_state.save_changes(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        dialog_context = await self._dialogs.create_context(turn_context)
        value = turn_context.activity.value
        if isinstance(value, dict) and value.get("verb"):
            await self._on_card_submit(turn_context, dialog_context, value)
            return
        # In a channel the bot only hears messages that @mention it; the mention is not part of the command.
        text = TurnContext.remove_recipient_mention(turn_context.activity) or turn_context.activity.text or ""
        words = text.strip().split(maxsplit=1)
        command = command_named(words[0]) if words else None
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
        views = await self._casework.call(
            reviews_for, actor_of(turn_context.activity), self.review_lead, self._casework.clock
        )
        await turn_context.send_activity(card_activity(reviews_list_card(views)))

    async def _send_reception(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        lines = await self._casework.call(reception_list)
        await turn_context.send_activity(card_activity(reception_card(lines)))

    async def _send_menu(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        await turn_context.send_activity(card_activity(menu()))

    async def _on_card_submit(self, turn_context: TurnContext, dialog_context: Any, value: dict[str, Any]) -> None:
        verb = value.get("verb")
        starts = {
            Verb.MENU_REPORT.value: ReportIncidentDialog.__name__,
            Verb.MENU_CHECK.value: CheckCustomerDialog.__name__,
            Verb.MENU_ESCALATE.value: RequestEscalationDialog.__name__,
        }
        forms = {
            Verb.INCIDENT_SUBMIT.value: ReportIncidentDialog.__name__,
            Verb.ESCALATION_SUBMIT.value: RequestEscalationDialog.__name__,
        }
        if verb == Verb.MENU_REPORT.value:
            await dialog_context.cancel_all_dialogs()
            customer_id = value.get("customer_id")
            await dialog_context.begin_dialog(
                ReportIncidentDialog.__name__,
                ReportIncidentDialog.options_for(customer_id=customer_id if isinstance(customer_id, int) else None),
            )
        elif verb in starts:
            await dialog_context.cancel_all_dialogs()
            await dialog_context.begin_dialog(starts[verb])
        elif verb in forms:
            active = dialog_context.active_dialog
            if active is not None and active.id == forms[verb]:
                await dialog_context.continue_dialog()
            else:
                await dialog_context.cancel_all_dialogs()
                await dialog_context.begin_dialog(forms[verb], {"submitted": value})
        elif verb in (Verb.CUSTOMER_SHOW.value, Verb.CUSTOMER_HISTORY.value):
            await self._show_customer(turn_context, str(verb), value.get("customer_id"))
        elif verb == Verb.LETTER_COLLECTED.value:
            await self._collected(turn_context, value.get("letter_id"))
        elif verb == Verb.ESCALATION_ANSWER.value:
            await turn_context.send_activity(await self._decisions.answer(turn_context, value))
        elif is_decision_verb(verb):
            # Action.Submit fallback from a host without Action.Execute: same checks, answered in the thread.
            card = await self._decisions.decide(turn_context, str(verb), value)
            await turn_context.send_activity(card_activity(card))
        elif is_review_verb(verb):
            await turn_context.send_activity(card_activity(await self._reviews.decide(turn_context, str(verb), value)))
        elif is_manager_outcome_verb(verb):
            answer = await self._outcomes.record(turn_context, str(verb), value)
            await turn_context.send_activity(card_activity(answer.card))
            await self._follow_outcome(dialog_context, answer)
        else:
            await turn_context.send_activity(card_activity(menu("That button is no longer in use.")))

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        action = invoke_value.action if isinstance(invoke_value.action, dict) else {}
        verb = action.get("verb")
        raw_data = action.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        if is_decision_verb(verb):
            card = await self._decisions.decide(turn_context, str(verb), data)
        elif is_review_verb(verb):
            card = await self._reviews.decide(turn_context, str(verb), data)
        elif is_manager_outcome_verb(verb):
            answer = await self._outcomes.record(turn_context, str(verb), data)
            await self._follow_outcome(await self._dialogs.create_context(turn_context), answer)
            card = answer.card
        else:
            card = menu("That button is no longer in use.")
        return AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD_CONTENT_TYPE, value=card)

    async def _show_customer(self, turn_context: TurnContext, verb: str, customer_id: object) -> None:
        """A customer picked from a list, or their full history; the server decides who may see what."""
        if not isinstance(customer_id, int):
            await turn_context.send_activity("That button is not valid any more; check the customer again.")
            return
        actor = actor_of(turn_context.activity)
        try:
            if verb == Verb.CUSTOMER_SHOW.value:
                status = await self._casework.call(show_customer, actor, customer_id, self._casework.clock)
                card = status_card(status)
            else:
                history = await self._casework.call(customer_history, actor, customer_id, self._casework.clock)
                card = history_card(history)
        except CaseworkError as error:
            await turn_context.send_activity(str(error))
            return
        await turn_context.send_activity(card_activity(card))

    async def _collected(self, turn_context: TurnContext, letter_id: object) -> None:
        """Reception hands a held letter over (s11.3): recorded once, and the list shown again."""
        if not isinstance(letter_id, int):
            await turn_context.send_activity("That button is not valid any more; type reception.")
            return
        clock = self._casework.clock
        try:
            await self._casework.call(mark_collected, actor_of(turn_context.activity), letter_id, clock().date(), clock)
        except CaseworkError as error:
            await turn_context.send_activity(str(error))
            return
        await turn_context.send_activity("Recorded as collected.")
        await turn_context.send_activity(card_activity(reception_card(await self._casework.call(reception_list))))

    async def _send_pending(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        try:
            views = await self._casework.call(
                pending_escalations, actor_of(turn_context.activity), self._casework.clock, self._decisions.rules
            )
        except CaseworkError as error:
            await turn_context.send_activity(str(error))
            return
        await turn_context.send_activity(card_activity(pending_card(views)))

    async def _send_case(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        """`case <customer>`: the full history, for those entitled to it (need to know)."""
        actor = actor_of(turn_context.activity)
        try:
            found = await self._casework.call(check_customer, actor, rest, self._casework.clock)
            if found.status is None:
                await turn_context.send_activity(card_activity(check_result_card(found)))
                return
            history = await self._casework.call(customer_history, actor, found.status.customer_id, self._casework.clock)
        except InvalidSubmission as invalid:
            await turn_context.send_activity(" ".join(invalid.errors.values()))
            return
        except CaseworkError as error:
            await turn_context.send_activity(str(error))
            return
        await turn_context.send_activity(card_activity(history_card(history)))

    async def _follow_outcome(self, dialog_context: Any, answer: OutcomeAnswer) -> None:
        """A manager who escalates gets the escalation form straight away, for the same customer (s8.6, s10)."""
        if answer.escalate_customer is not None:
            await dialog_context.cancel_all_dialogs()
            await dialog_context.begin_dialog(
                RequestEscalationDialog.__name__, {"values": {"customer_name": answer.escalate_customer}}
            )

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
