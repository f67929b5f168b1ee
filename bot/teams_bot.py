"""The activity handler: routes each Teams activity to a dialog, a card action or the menu."""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogContext, DialogSet, DialogTurnStatus
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    TextFormatTypes,
)

from bot.adapter import INCOMING_TURN_STARTED
from bot.appeal_actions import AppealActions
from bot.card_actions import HISTORY_WHO_MAY, DecisionActions, ManagerOutcomeActions, ReviewActions, WorkItemActions
from bot.correspondence_actions import CorrespondenceActions
from bot.letter_actions import LetterActions
from bot.letter_links import LetterCards
from bot.notifier import DeliveryFailed, Unreachable
from bot.ports import BotStateStore, ConversationReferences, DoorReads, PrivateMessages, StaffRoster
from bot.record_actions import RecordActions
from bot.report_links import ReportLinkMaker
from bot.routes import COMMANDS, VERB_ROUTES, Arrival, command_named, menu, verb_route
from bot.state_storage import DatabaseStorage, DoorReadConversationState
from cards.common import Card, envelope, heading, refusal_card
from cards.escalation import pending_card
from cards.letters import customer_letters_card, reception_card
from cards.my_work import my_work_card
from cards.oversight import oversight_card
from cards.review import reviews_list_card
from cards.status import check_result_card, history_card, status_card
from cards.verbs import Verb
from casework.configuration import StaffGuidance
from casework.customer_checks import check_customer, customer_history, show_customer
from casework.errors import AccessRefused, CaseworkError, InvalidSubmission, NotFound, RecordsUnavailable
from casework.escalations import pending_escalations
from casework.gateway import CaseworkGateway
from casework.letters import LETTERS_WHO_MAY, customer_letters, mark_collected, reception_list
from casework.my_work import my_work
from casework.oversight import oversight_figures
from casework.policy import NOT_REGISTERED, door_refusal
from casework.reviews import reviews_for
from casework.staff import admit, record_door_refusal
from casework.vocabulary import Audience, Role
from dialogs.activities import actor_of, card_activity, tenant_of, with_summary
from dialogs.check_customer import CheckCustomerDialog
from dialogs.report_incident import ReportIncidentDialog
from dialogs.request_escalation import RequestEscalationDialog

log = logging.getLogger(__name__)

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

Reply = Card | str
"""What the bot answers: a card, or a line of text."""
Answer = Callable[[Reply], Awaitable[None]]

# What a shared conversation reads when the answer went to the asker's 1:1 chat: nothing about any customer, nor the
# name they typed.
SENT_PRIVATELY = "I've sent you the answer in our 1:1 chat."
NOT_REACHABLE_PRIVATELY = "I can't message you privately yet: open a 1:1 chat with me and ask there."
PRIVATE_DELIVERY_FAILED = "I couldn't message you privately just now: open our 1:1 chat and ask there."
ASK_WHO_TO_CHECK = "Who should I check? Type check and their name here, for example: check Jane Smith"
_View = TypeVar("_View")
ROLES = "casework.roles"
"""The turn state key of the sender's roles."""
PERSON_SENT = ("message", "invoke")
"""The activities a person sends: each passes the door. Teams' own (installation, conversation updates) carry no
command."""


@dataclass(frozen=True)
class CardClick:
    """A button press, whichever way it came. `answer` shows a card in reply: a message after an Action.Submit, the
    card that replaces the clicked one after an Action.Execute."""

    turn_context: TurnContext
    verb: Verb
    data: Mapping[str, Any]
    answer: Answer
    privately: bool = False
    """Clicked in a shared conversation, so `answer` goes to the clicker's 1:1 chat and nothing may start here."""


class CaseworkBot(TeamsActivityHandler):
    def __init__(
        self,
        state_store: BotStateStore,
        door: DoorReads,
        casework: CaseworkGateway,
        references: ConversationReferences,
        guidance: StaffGuidance,
        private_messages: PrivateMessages,
        team_conversation_id: str,
        letters: LetterCards,
        staff_roster: StaffRoster,
        report_links: ReportLinkMaker,
    ) -> None:
        super().__init__()
        self._report_links = report_links
        self._staff_roster = staff_roster
        self._door = door
        self._private_messages = private_messages
        self._team_conversation_id = team_conversation_id
        conversation_state = DoorReadConversationState(DatabaseStorage(state_store, casework.blocking))
        self._conversation_state = conversation_state
        self._casework = casework
        self._state_conflict = state_store.conflict
        self._references = references
        self._decisions = DecisionActions(casework)
        self._outcomes = ManagerOutcomeActions(casework)
        self._reviews = ReviewActions(casework)
        self._work_items = WorkItemActions(casework, letters)
        self._letter_actions = LetterActions(casework, letters)
        self._records = RecordActions(casework)
        self._correspondence = CorrespondenceActions(casework)
        self._appeals = AppealActions(casework)
        self._record_changes = {
            Verb.CUSTOMER_EDIT: self._records.edit_record,
            Verb.CUSTOMER_SAVE: self._records.save_record,
            Verb.CUSTOMER_NOTE_NEED: self._records.note_need,
            Verb.CUSTOMER_SAVE_NEED: self._records.save_need,
            Verb.INCIDENT_AMEND: self._records.amend,
            Verb.INCIDENT_SAVE_AMENDMENT: self._records.save_amendment,
        }
        self._dialogs = DialogSet(conversation_state.create_property("DialogState"))
        self._dialogs.add(ReportIncidentDialog(casework, guidance))
        self._dialogs.add(CheckCustomerDialog(casework))
        self._dialogs.add(RequestEscalationDialog(casework))
        self._known_conversations = RecentConversations()
        # Resolved once, so a route naming a method the bot lacks fails at start-up, not on someone's message.
        self._command_handlers = {command.name: getattr(self, command.handler) for command in COMMANDS}
        self._verb_handlers = {route.verb: getattr(self, route.handler) for route in VERB_ROUTES}

    async def on_turn(self, turn_context: TurnContext) -> None:
        turn_context.on_send_activities(_as_plain_text)
        # A person's turn: its replies are retried within the time Teams gives it (bot/adapter.py).
        turn_context.turn_state[INCOMING_TURN_STARTED] = time.monotonic()
        roles: frozenset[Role] | None = None
        if turn_context.activity.type in PERSON_SENT:
            # Roles first: someone who is not staff is answered by the door and nothing of theirs is written down.
            roles = await self._roles_of(turn_context)
            turn_context.turn_state[ROLES] = roles
        if roles is None or Role.STAFF in roles:
            await self._remember_conversation(turn_context)
        await super().on_turn(turn_context)
        try:
            await self._conversation_state.save_changes(turn_context)
        except self._state_conflict:
            # Another turn of this conversation (a double click, Teams' retry) saved first, and its state stands.
            # This turn's answer has been sent and its record written: an apology now would be untrue.
            log.info("dialog state not saved: another turn of the conversation saved it first")
        except RecordsUnavailable:
            # The answer has been sent; what the turn recorded stays recorded, so "nothing was recorded" would be
            # untrue now. A form submitted again is answered "Already received".
            log.warning("dialog state not saved: the database could not be reached")

    async def _roles_of(self, turn_context: TurnContext) -> frozenset[Role]:
        actor = actor_of(turn_context.activity)
        if actor.user_id == "unknown" or len(actor.user_id) > MAX_PARTY_ID_LENGTH:
            return frozenset()  # no staff id is missing or longer than the column holding it
        standing = None
        if turn_context.activity.type == "message":
            # A message's turn reads the conversation's dialog state next: read with the roles, in one statement.
            key = self._conversation_state.get_storage_key(turn_context)
            standing, state = await self._casework.blocking.run(self._door.standing_and_state, actor.user_id, key)
            if state is not None:
                self._conversation_state.read_at_the_door(turn_context, state)
        roles = await self._casework.call(admit, actor, False, standing)
        # Teams is asked only about people the administrator has not listed: listed staff never wait on it.
        if Role.STAFF not in roles and await self._staff_roster.includes(actor.user_id):
            roles = await self._casework.call(admit, actor, True, standing)
        return roles

    @staticmethod
    def _roles(turn_context: TurnContext) -> frozenset[Role] | None:
        """The sender's roles, read at the start of the turn; None for an activity no person sent."""
        roles: frozenset[Role] | None = turn_context.turn_state.get(ROLES)
        return roles

    async def _admitted(
        self, turn_context: TurnContext, route: str, audience: Audience, answer: Answer, here: Answer, *, card: bool
    ) -> bool:
        """The door of every command, button and message, by the audience the routes table declares (the rule is
        casework.policy.door_refusal). A refusal says who the thing is for, never anything about a record, and
        changes nothing. Someone unregistered is answered `here` and nothing about them is written; staff are
        answered as the route answers (`answer`: privately for a route that answers privately in a shared
        conversation), and the refusal is audited."""
        refusal = door_refusal(audience, self._roles(turn_context) or frozenset())
        if refusal is None:
            return True
        if refusal == NOT_REGISTERED:
            await here(refusal)
            return False
        await self._casework.call(record_door_refusal, actor_of(turn_context.activity), route)
        await answer(refusal_card(refusal) if card else refusal)
        return False

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        value = turn_context.activity.value
        if isinstance(value, dict) and value.get("verb"):
            await self._on_card_action(
                turn_context, value.get("verb"), value, Arrival.SUBMIT, self._reply_in_conversation(turn_context)
            )
            return
        # In a channel the bot only hears messages that @mention it; the mention is not part of the command.
        typed = TurnContext.remove_recipient_mention(turn_context.activity) or turn_context.activity.text or ""
        words = typed.strip().split(maxsplit=1)
        command = command_named(words[0]) if words else None
        rest = words[1] if len(words) > 1 else ""
        reply_here = self._reply_in_conversation(turn_context)
        if command is None:
            # Anything else typed goes to the open form, which only staff may have.
            if not await self._admitted(turn_context, "message", Audience.STAFF, reply_here, reply_here, card=False):
                return
            dialog_context = await self._dialogs.create_context(turn_context)
            result = await dialog_context.continue_dialog()
            if result.status is DialogTurnStatus.Empty:
                await turn_context.send_activity(card_activity(menu("Sorry, I didn't understand that.")))
            return
        handler = self._command_handlers[command.name]
        privately = command.answers_privately(_conversation_type(turn_context), self._in_team_channel(turn_context))

        async def answer_privately(reply: Reply) -> None:
            await self._answer_privately(turn_context, reply, reply_here)

        answer = answer_privately if privately else reply_here
        if not await self._admitted(turn_context, command.name, command.who, answer, reply_here, card=False):
            return
        if privately:
            # No dialog here: a shared conversation's dialog state is every member's, so a prompt would take
            # anyone's next message and show its answer to all.
            await self._answer_privately(turn_context, await handler(turn_context, None, rest), reply_here)
            return
        dialog_context = await self._dialogs.create_context(turn_context)
        if command.cancels_dialog:
            await dialog_context.cancel_all_dialogs()
        reply: Reply | None = await handler(turn_context, dialog_context, rest)
        if reply is not None:
            await reply_here(reply)

    def _reply_in_conversation(self, turn_context: TurnContext) -> Answer:
        async def reply_in_conversation(reply: Reply) -> None:
            await turn_context.send_activity(_activity_of(reply))

        return reply_in_conversation

    def _in_team_channel(self, turn_context: TurnContext) -> bool:
        conversation = turn_context.activity.conversation
        # A message in a channel thread carries ";messageid=..." after the channel's id.
        conversation_id = (conversation.id or "").split(";", 1)[0] if conversation else ""
        return bool(self._team_conversation_id) and conversation_id == self._team_conversation_id

    async def _answer_privately(self, turn_context: TurnContext, reply: Reply | None, tell_here: Answer) -> None:
        """Sends the reply to the asker's 1:1 chat; the shared conversation is told only where it went, or why not."""
        if reply is None:
            return
        card = _card_of(reply)
        user_id = actor_of(turn_context.activity).user_id
        try:
            await self._private_messages.send_to_user(user_id, card)
        except Unreachable:
            await tell_here(NOT_REACHABLE_PRIVATELY)
            return
        except DeliveryFailed as failure:
            log.warning("could not answer %s privately: %s", user_id, failure)
            await tell_here(PRIVATE_DELIVERY_FAILED)
            return
        await tell_here(SENT_PRIVATELY)

    async def _start_report(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        await dialog_context.begin_dialog(ReportIncidentDialog.__name__, ReportIncidentDialog.options_for(rest))

    async def _start_check(
        self, turn_context: TurnContext, dialog_context: DialogContext | None, rest: str
    ) -> Reply | None:
        if dialog_context is not None and not rest:
            await dialog_context.begin_dialog(CheckCustomerDialog.__name__, rest)  # it asks who
            return None
        # Told whom, or asked in a shared conversation: the dialog's answer (status, pick list or no match) without
        # the dialog, which has nothing to ask; its machinery was a tenth of a check turn (issue 13).
        if not rest:
            return ASK_WHO_TO_CHECK
        try:
            found = await self._casework.call(check_customer, actor_of(turn_context.activity), rest)
        except InvalidSubmission as invalid:
            return invalid.errors.get("query", ASK_WHO_TO_CHECK)
        return check_result_card(found)

    async def _start_escalation(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        await dialog_context.begin_dialog(RequestEscalationDialog.__name__, {"values": {"customer_name": rest}})

    async def _start_log(self, turn_context: TurnContext, dialog_context: DialogContext | None, rest: str) -> Reply:
        """`log <customer>`: the form to log an item of their correspondence placed on file (s16)."""
        return await self._correspondence.log_named(turn_context, rest)

    async def _act_on_correspondence(self, click: CardClick) -> None:
        """Correspondence on file: the log form, logging an item, its review, or the item again from `work`."""
        await click.answer(await self._correspondence.act(click.turn_context, click.verb, click.data))

    async def _send_reviews(self, turn_context: TurnContext, dialog_context: DialogContext | None, rest: str) -> Reply:
        views = await self._casework.call(reviews_for, actor_of(turn_context.activity))
        return reviews_list_card(views)

    async def _send_reception(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> None:
        lines = await self._casework.call(reception_list)
        await turn_context.send_activity(card_activity(reception_card(lines)))

    async def _send_pending(self, turn_context: TurnContext, dialog_context: DialogContext | None, rest: str) -> Reply:
        try:
            views = await self._casework.call(pending_escalations, actor_of(turn_context.activity))
        except CaseworkError as error:
            return str(error)
        return pending_card(views)

    async def _send_stats(self, turn_context: TurnContext, dialog_context: DialogContext | None, rest: str) -> Reply:
        """`stats [period]`: the oversight figures (s3, s4.3) for the determination team; a period not understood
        gets what to type."""
        try:
            figures = await self._casework.call(oversight_figures, actor_of(turn_context.activity), rest)
        except CaseworkError as error:
            return str(error)
        return oversight_card(figures)

    async def _offer_committee_report(self, click: CardClick) -> None:
        """The figures card again with download links for the committee report signed for the clicker (issue 19):
        the digest in the team's channel is seen by everyone, the links are each person's own."""
        actor = actor_of(click.turn_context.activity)
        period = click.data.get("period")
        try:
            figures = await self._casework.call(oversight_figures, actor, period if isinstance(period, str) else "")
        except CaseworkError as error:
            await click.answer(str(error))
            return
        links = self._report_links.links(figures.period.code, actor.user_id, self._casework.clock())
        await click.answer(oversight_card(figures, report_links=links))

    async def _send_case(self, turn_context: TurnContext, dialog_context: DialogContext | None, rest: str) -> Reply:
        """`case <customer>`: the full history, for those entitled to it (need to know)."""
        return await self._about_customer_named(turn_context, rest, customer_history, history_card)

    async def _send_work(self, turn_context: TurnContext, dialog_context: Any, rest: str) -> Reply | None:
        """`work` (or `letters`): everything waiting for the person, each item with the button that shows its card
        again; `letters <customer>`: every letter on record for them, for their case owner and the team."""
        if rest.strip():
            return await self._customer_letters(turn_context, rest)
        view = await self._casework.call(my_work, actor_of(turn_context.activity))
        await turn_context.send_activity(card_activity(my_work_card(view)))
        return None

    async def _customer_letters(self, turn_context: TurnContext, rest: str) -> Reply:
        return await self._about_customer_named(
            turn_context, rest, customer_letters, customer_letters_card, refusal_card(LETTERS_WHO_MAY)
        )

    async def _about_customer_named(
        self,
        turn_context: TurnContext,
        rest: str,
        use_case: Callable[..., _View],
        card: Callable[[_View], Card],
        refusal: Card | None = None,
    ) -> Reply:
        """`use_case(actor, customer_id)` for the one customer `rest` names, as `card`; a pick list if it names
        several; `refusal` (or the use case's words) when the person may not see it."""
        actor = actor_of(turn_context.activity)
        try:
            found = await self._casework.call(check_customer, actor, rest)
            if found.status is None:
                return check_result_card(found)
            view = await self._casework.call(use_case, actor, found.status.customer_id)
        except AccessRefused as refused:
            return refusal if refusal is not None else str(refused)
        except InvalidSubmission as invalid:
            return " ".join(invalid.errors.values())
        except CaseworkError as error:
            return str(error)
        return card(view)

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

        async def replace_clicked_card(reply: Reply) -> None:
            answers.append(_card_of(reply))

        await self._on_card_action(turn_context, action.get("verb"), data, Arrival.EXECUTE, replace_clicked_card)
        # Every verb that may arrive by Action.Execute answers with a card, so there is always one to return.
        return AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD_CONTENT_TYPE, value=answers[-1])

    async def _on_card_action(
        self, turn_context: TurnContext, verb: object, data: Mapping[str, Any], arrival: Arrival, answer: Answer
    ) -> None:
        """Every button click, by Action.Execute or Action.Submit: its verb's handler from the routes table."""
        route = verb_route(verb, arrival)
        if route is None:
            if await self._admitted(turn_context, "button", Audience.STAFF, answer, answer, card=True):
                await answer(menu("That button is no longer in use."))
            return
        answer_where_clicked = answer
        data = _without_impossible_ids(data)
        privately = route.answers_privately(_conversation_type(turn_context))
        if privately:

            async def answer_in_personal_chat(reply: Reply) -> None:
                await self._answer_privately(turn_context, reply, answer_where_clicked)

            answer = answer_in_personal_chat
        if not await self._admitted(turn_context, route.verb.value, route.who, answer, answer_where_clicked, card=True):
            return
        await self._verb_handlers[route.verb](CardClick(turn_context, route.verb, data, answer, privately))

    async def _begin_afresh(self, turn_context: TurnContext, dialog_id: str, options: object = None) -> None:
        dialog_context = await self._dialogs.create_context(turn_context)
        await dialog_context.cancel_all_dialogs()
        await dialog_context.begin_dialog(dialog_id, options)

    async def _report_from_card(self, click: CardClick) -> None:
        customer_id = click.data.get("customer_id")
        options = ReportIncidentDialog.options_for(customer_id=customer_id if isinstance(customer_id, int) else None)
        await self._begin_afresh(click.turn_context, ReportIncidentDialog.__name__, options)

    async def _check_from_card(self, click: CardClick) -> None:
        if click.privately:  # a dialog in a shared conversation would answer there (see on_message_activity)
            await click.answer(ASK_WHO_TO_CHECK)
            return
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
            await click.answer("That button is not valid any more; check the customer again.")
            return
        actor = actor_of(click.turn_context.activity)
        try:
            if click.verb is Verb.CUSTOMER_SHOW:
                query = click.data.get("query")
                status = await self._casework.call(
                    show_customer, actor, customer_id, query if isinstance(query, str) else ""
                )
                card = status_card(status, query=query if isinstance(query, str) else "")
            else:
                history = await self._casework.call(customer_history, actor, customer_id)
                card = history_card(history)
        except CaseworkError as error:
            # A refused history says nothing about the customer, not even whether they are on record.
            refused = isinstance(error, AccessRefused | NotFound)
            who_may = HISTORY_WHO_MAY if click.verb is Verb.CUSTOMER_HISTORY else "Check the customer by name again."
            await click.answer(refusal_card(who_may) if refused else str(error))
            return
        await click.answer(card)

    async def _act_on_letter(self, click: CardClick) -> None:
        await click.answer(await self._letter_actions.act(click.turn_context, click.verb, click.data))

    async def _change_record(self, click: CardClick) -> None:
        """A customer's record, a need noted from an incident, or an incident amended: a form, or what saving it
        did (issue 16)."""
        await click.answer(await self._record_changes[click.verb](click.turn_context, click.data))

    async def _act_on_appeal(self, click: CardClick) -> None:
        """A complaint or appeal recorded or decided, or Ombudsman signposting (issue 17)."""
        await click.answer(await self._appeals.act(click.turn_context, click.verb, click.data))

    async def _letter_collected(self, click: CardClick) -> None:
        """Reception hands a held letter over (s11.3): recorded once, with who collected it, and the list shown
        again."""
        letter_id = click.data.get("letter_id")
        turn_context = click.turn_context
        if not isinstance(letter_id, int):
            await turn_context.send_activity("That button is not valid any more; type reception.")
            return
        collected_by = click.data.get(f"collected_by_{letter_id}")
        clock = self._casework.clock
        try:
            await self._casework.call(
                mark_collected,
                actor_of(turn_context.activity),
                letter_id,
                clock().date(),
                collected_by if isinstance(collected_by, str) else "",
            )
        except InvalidSubmission as invalid:
            await turn_context.send_activity(" ".join(invalid.errors.values()))
            return
        except CaseworkError as error:
            await turn_context.send_activity(str(error))
            return
        await turn_context.send_activity("Recorded as collected.")
        await click.answer(reception_card(await self._casework.call(reception_list)))

    async def _remember_conversation(self, turn_context: TurnContext) -> None:
        """Saves the conversation's reference when it is new to this process or Teams now gives it a different
        address (a changed service URL is how a moved conversation stays reachable). Staff themselves are remembered
        by `admit` as their roles are read."""
        activity = turn_context.activity
        conversation = activity.conversation
        if conversation is None or not conversation.id or not activity.service_url:
            return
        actor = actor_of(activity)
        tenant_id = tenant_of(activity)
        conversation_type = conversation.conversation_type or "personal"
        if _too_long(conversation.id, actor.user_id, conversation_type == "personal", tenant_id, activity.service_url):
            # Nothing Teams sends is this long; refused before the database sees it, and kept out of the memo.
            log.warning("conversation reference not saved: an id or service URL is longer than the store allows")
            return
        key = (conversation.id, actor.user_id)
        parties = _parties_of(activity)
        known = self._known_conversations.get(key)
        if known is not None and known.parties == parties:
            return  # the same reference as this process last saved, without serialising it again (issue 13)
        reference = TurnContext.get_conversation_reference(activity).serialize()
        address = _address_of(reference)
        if known is None or known.address != address:
            await self._casework.blocking.run(
                self._references.save,
                conversation.id,
                conversation_type,
                actor.user_id if conversation_type == "personal" else None,
                tenant_id,
                reference,
            )
        self._known_conversations.remember(key, _Remembered(address, parties))


MAX_REMEMBERED_CONVERSATIONS = 10_000
"""How many (conversation, person) pairs each process remembers having saved; older ones are simply saved again."""
MAX_CONVERSATION_ID_LENGTH = 400
MAX_PARTY_ID_LENGTH = 64
MAX_SERVICE_URL_LENGTH = 500
"""The widths of the stored reference's and tenant service URL's columns (storage/tables.py): longer values would
fail on PostgreSQL."""


@dataclass(frozen=True)
class _Remembered:
    address: str
    """The saved reference without the activity id (which changes with every message), as canonical JSON."""
    parties: str
    """Everything the reference is made of but the activity id, as the activity held it (`_parties_of`)."""


class RecentConversations:
    """A small LRU of what this process last saved per (conversation, person), so memory stays bounded."""

    def __init__(self, max_size: int = MAX_REMEMBERED_CONVERSATIONS) -> None:
        self._max_size = max_size
        self._entries: OrderedDict[tuple[str, str], _Remembered] = OrderedDict()

    def get(self, key: tuple[str, str]) -> _Remembered | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def remember(self, key: tuple[str, str], value: _Remembered) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def _parties_of(activity: Activity) -> str:
    """What TurnContext.get_conversation_reference takes from the activity, less the activity id: the sender, the
    bot and the conversation with every attribute msrest would serialise (and any it kept as unknown), the channel,
    locale and service URL. Equal here means an equal reference, so the reference is serialised only when it changes
    (serialising it cost about 4% of a check turn)."""
    parts: list[object] = []
    for party in (activity.from_property, activity.recipient, activity.conversation):
        if party is None:
            parts.append(None)
        else:
            parts.append(tuple(getattr(party, name, None) for name in party._attribute_map))
            parts.append(getattr(party, "additional_properties", None))
    return repr((*parts, activity.channel_id, activity.locale, activity.service_url))


def _address_of(reference: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in reference.items() if k != "activityId"}, sort_keys=True, default=str)


def _too_long(conversation_id: str, user_id: str, personal: bool, tenant_id: str | None, service_url: str) -> bool:
    # A personal chat stores its person's id; elsewhere the id is only part of the memo's key.
    return (
        len(conversation_id) > MAX_CONVERSATION_ID_LENGTH
        or len(user_id) > (MAX_PARTY_ID_LENGTH if personal else MAX_CONVERSATION_ID_LENGTH)
        or len(tenant_id or "") > MAX_PARTY_ID_LENGTH
        or len(service_url) > MAX_SERVICE_URL_LENGTH
    )


MAX_RECORD_ID = 2**31 - 1
"""The largest id a record can have: the tables' INTEGER primary keys (PostgreSQL refuses a larger one outright)."""


def _without_impossible_ids(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The card's data without a record id no record can have (a forged card), so each handler answers it as it
    answers a card with no valid id, rather than the database failing on it."""
    impossible = [
        key
        for key, value in data.items()
        if key.endswith("_id") and isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_RECORD_ID
    ]
    return {key: value for key, value in data.items() if key not in impossible} if impossible else data


def _conversation_type(turn_context: TurnContext) -> str | None:
    conversation = turn_context.activity.conversation
    return conversation.conversation_type if conversation else None


async def _as_plain_text(
    _turn_context: TurnContext, activities: list[Activity], send: Callable[[], Awaitable[Any]]
) -> Any:
    """Every line the bot writes as a message is sent as plain text: Teams renders a message's text as markdown
    by default, and a line may quote what someone typed (cards escape theirs in cards.common). Every message has
    its summary."""
    for activity in activities:
        with_summary(activity)  # the chat list's and the notification's line (cards.common.summary_line)
        if activity.type == ActivityTypes.message and activity.text and not activity.text_format:
            activity.text_format = TextFormatTypes.plain
    return await send()


def _activity_of(reply: Reply) -> Activity | str:
    return card_activity(reply) if isinstance(reply, dict) else reply


def _card_of(reply: Reply) -> Card:
    # A card of one line: that line is its title, announced as a heading (issue 20), and its summary.
    return reply if isinstance(reply, dict) else envelope([heading(reply)], summary=reply)
