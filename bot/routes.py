"""The one table of what the bot answers: the commands people type and the verbs of the buttons they press.

The activity handler dispatches through it, the menu card lists its commands and tools/package_app.py writes the
manifest's command lists from it, so none of them can drift apart (tests/test_routes.py checks they agree). Each command and verb declares who may use
it (`who`): bot/teams_bot.py checks it at the door of every turn with the rule in casework.policy (door_refusal), and
tests/test_roles.py tries each with someone allowed and someone not; the use cases still decide on the record. Handlers
are named here and looked up on the bot when it is built: this module needs nothing from botbuilder, so the packaging
tool can import it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from cards.common import Card
from cards.menu import MenuEntry, menu_card
from cards.verbs import Verb
from casework.vocabulary import Audience


class CommandList(enum.Enum):
    """One of the manifest's command lists, by the Teams scopes it is offered in."""

    PERSONAL = ("personal",)
    TEAM_AND_GROUP_CHAT = ("team", "groupChat")


def is_shared(conversation_type: str | None) -> bool:
    """Teams calls a 1:1 chat "personal" (the Bot Framework Emulator sends no type for it); anything else, a group
    chat or a channel, is read by others too."""
    return (conversation_type or "personal") != "personal"


PERSONAL_ONLY = (CommandList.PERSONAL,)
EVERYWHERE = (CommandList.PERSONAL, CommandList.TEAM_AND_GROUP_CHAT)


@dataclass(frozen=True)
class Command:
    name: str
    handler: str
    """The bot's method that answers it, called with (turn_context, dialog_context, the rest of the text). It may
    return its answer (a card or a line) instead of sending it, and must if the command is `private_in_shared`: the
    dispatch then delivers it where it belongs, and gives it no dialog context when that is the asker's 1:1 chat."""
    help: str
    """For the menu, after the name."""
    description: str
    """For the manifest: Teams shows it under the name as people type (at most 80 characters)."""
    who: Audience
    """Who may use it: everyone else is refused at the door (casework.policy.door_refusal)."""
    offered_in: tuple[CommandList, ...]
    argument: str = ""
    aliases: tuple[str, ...] = ()
    cancels_dialog: bool = True
    """A command starts something or shows the menu, so a form left open would only catch the next message."""
    private_in_shared: bool = False
    """Its answer says something about customers, so in a group chat or channel it goes to the asker's 1:1 chat
    instead, where only they read it (need to know, s8.4)."""
    shared_in_team_channel: bool = False
    """A `private_in_shared` command answered where it was asked in the determination team's own channel, whose
    members all need to know it."""

    def answers_privately(self, conversation_type: str | None, in_team_channel: bool) -> bool:
        """Whether it is answered in the asker's 1:1 chat rather than where it was asked."""
        if not (self.private_in_shared and is_shared(conversation_type)):
            return False
        return not (self.shared_in_team_channel and in_team_channel)


COMMANDS: tuple[Command, ...] = (
    Command(
        "report",
        "_start_report",
        help="log an incident after a difficult call, visit or email",
        description="Report an incident after a difficult call or visit",
        who=Audience.STAFF,
        offered_in=PERSONAL_ONLY,
    ),
    Command(
        "check",
        "_start_check",
        argument="name",
        help="is this customer restricted, and what may I do?",
        description="Is this customer restricted, and what may I do? e.g. check Jane Smith",
        who=Audience.STAFF,
        offered_in=PERSONAL_ONLY,
        private_in_shared=True,
    ),
    Command(
        "escalate",
        "_start_escalation",
        help="ask the determination team for a formal warning or restriction",
        description="Ask the determination team for a warning or restriction",
        who=Audience.STAFF,
        offered_in=PERSONAL_ONLY,
    ),
    Command(
        "pending",
        "_send_pending",
        help="escalations waiting for a decision, overdue first",
        description="Escalations waiting for a decision, overdue first (determination team)",
        who=Audience.DETERMINATION_TEAM,
        offered_in=EVERYWHERE,
        private_in_shared=True,
        shared_in_team_channel=True,
    ),
    Command(
        "case",
        "_send_case",
        argument="name",
        help="a customer's full history",
        description="A customer's full history (need to know), e.g. case Jane Smith",
        who=Audience.NEED_TO_KNOW,
        offered_in=EVERYWHERE,
        private_in_shared=True,
    ),
    Command(
        "log",
        "_start_log",
        argument="name",
        help="log correspondence from a customer whose letters and emails are placed on file (s16)",
        description="Log correspondence placed on file (s16), e.g. log Jane Smith",
        # Whoever receives it logs it (the status card tells all staff to); the use case checks the restriction.
        who=Audience.STAFF,
        offered_in=PERSONAL_ONLY,
        private_in_shared=True,
    ),
    Command(
        "reviews",
        "_send_reviews",
        help="restriction reviews due or overdue",
        description="Restriction reviews due or overdue",
        who=Audience.CASE_OWNERS,
        offered_in=EVERYWHERE,
        private_in_shared=True,
    ),
    Command(
        "work",
        "_send_work",
        help="everything waiting for you, each with its card again (fresh links to your draft letters too); "
        "letters <name>: a customer's letters",
        description="What's waiting for you; letters <name> for a customer's letters",
        who=Audience.STAFF,
        offered_in=PERSONAL_ONLY,
        aliases=("letters",),
    ),
    Command(
        "reception",
        "_send_reception",
        help="letters held at reception for customers to collect",
        description="Letters held at reception for customers to collect",
        who=Audience.RECEPTION,
        offered_in=PERSONAL_ONLY,
    ),
    # The personal list is full (Teams lists at most 10 commands a scope): `stats` is suggested in team channels and
    # group chats, where the determination team works, and typed anywhere; the menu lists it with every command.
    Command(
        "stats",
        "_send_stats",
        argument="period",
        help="the oversight figures for a month or quarter (s3, s4.3), e.g. stats 2026Q4, stats last month",
        description="Oversight figures for a month or quarter, e.g. stats 2026Q4 (determination team)",
        who=Audience.DETERMINATION_TEAM,
        offered_in=(CommandList.TEAM_AND_GROUP_CHAT,),
        private_in_shared=True,
        shared_in_team_channel=True,
    ),
    # `cancel` is an alias of help (the same answer, closing the open form): Teams lists at most 10 commands a scope.
    Command(
        "help",
        "_send_menu",
        aliases=("menu", "hi", "hello", "cancel"),
        help="this menu; cancel: stop the form or question in progress",
        description="What this bot can do; cancel stops a form in progress",
        who=Audience.STAFF,
        offered_in=EVERYWHERE,
    ),
)


def command_named(word: str) -> Command | None:
    """The command a message's first word names, by its name or an alias; None if it names none."""
    word = word.lower()
    return next((c for c in COMMANDS if word == c.name or word in c.aliases), None)


def menu_entries() -> tuple[MenuEntry, ...]:
    """Every command the bot answers, in table order: the menu is the help people read, whichever of Teams'
    suggestion lists (at most 10 each) a command is in."""
    return tuple(
        MenuEntry(c.name, c.help, c.argument, audience="" if c.who is Audience.STAFF else c.who.value) for c in COMMANDS
    )


def menu(notice: str = "") -> Card:
    return menu_card(menu_entries(), notice)


def manifest_command_lists() -> list[dict[str, Any]]:
    """bots[0].commandLists of the Teams manifest: the commands Teams suggests in each scope, in table order."""
    return [
        {
            "scopes": list(command_list.value),
            "commands": [
                {"title": c.name, "description": c.description} for c in COMMANDS if command_list in c.offered_in
            ],
        }
        for command_list in CommandList
    ]


class Arrival(enum.Flag):
    """How a button's click reaches the bot."""

    EXECUTE = enum.auto()
    """Action.Execute: an adaptiveCard/action invoke, answered with the card that replaces the clicked one."""
    SUBMIT = enum.auto()
    """Action.Submit: a message whose value holds the card's data; answered in the conversation."""
    EITHER = EXECUTE | SUBMIT
    """Action.Execute with its Action.Submit fallback for hosts without it (cards.common.execute)."""


@dataclass(frozen=True)
class VerbRoute:
    verb: Verb
    handler: str
    """The bot's method that answers it, called with (turn_context, verb, the card's data, answer): `answer` shows a
    card in reply, whichever way the click came."""
    arrives_as: Arrival
    who: Audience
    """Who may press it: everyone else is refused at the door, before the handler reads any record."""
    private_in_shared: bool = False
    """As for a command: clicked in a group chat or channel, it answers in the clicker's 1:1 chat (s8.4)."""

    def answers_privately(self, conversation_type: str | None) -> bool:
        return self.private_in_shared and is_shared(conversation_type)


VERB_ROUTES: tuple[VerbRoute, ...] = (
    VerbRoute(Verb.MENU_REPORT, "_report_from_card", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.MENU_CHECK, "_check_from_card", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True),
    VerbRoute(Verb.MENU_ESCALATE, "_escalate_from_card", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.CUSTOMER_SHOW, "_show_customer", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True),
    VerbRoute(Verb.CUSTOMER_HISTORY, "_show_customer", Arrival.SUBMIT, Audience.NEED_TO_KNOW, private_in_shared=True),
    # Editing a record: its case owners and the team; noting a need: the reporter (the use cases check which).
    VerbRoute(Verb.CUSTOMER_EDIT, "_change_record", Arrival.SUBMIT, Audience.CASE_OWNERS, private_in_shared=True),
    VerbRoute(Verb.CUSTOMER_SAVE, "_change_record", Arrival.SUBMIT, Audience.CASE_OWNERS, private_in_shared=True),
    VerbRoute(Verb.CUSTOMER_NOTE_NEED, "_change_record", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True),
    VerbRoute(Verb.CUSTOMER_SAVE_NEED, "_change_record", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True),
    VerbRoute(Verb.INCIDENT_SUBMIT, "_submit_incident_form", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.INCIDENT_NO_FURTHER_ACTION, "_record_manager_outcome", Arrival.EITHER, Audience.LINE_MANAGERS),
    VerbRoute(Verb.INCIDENT_INFORMAL_WARNING_NOTED, "_record_manager_outcome", Arrival.EITHER, Audience.LINE_MANAGERS),
    VerbRoute(Verb.INCIDENT_ESCALATE, "_record_manager_outcome", Arrival.EITHER, Audience.LINE_MANAGERS),
    # The reporter (within the window) or their line manager: the use case checks which (issue 16).
    VerbRoute(Verb.INCIDENT_AMEND, "_change_record", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True),
    VerbRoute(Verb.INCIDENT_SAVE_AMENDMENT, "_change_record", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True),
    VerbRoute(Verb.ESCALATION_SUBMIT, "_submit_escalation_form", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.ESCALATION_APPROVE, "_decide_escalation", Arrival.EITHER, Audience.DETERMINATION_TEAM),
    VerbRoute(Verb.ESCALATION_DECLINE, "_decide_escalation", Arrival.EITHER, Audience.DETERMINATION_TEAM),
    VerbRoute(Verb.ESCALATION_ASK, "_decide_escalation", Arrival.EITHER, Audience.DETERMINATION_TEAM),
    # The requester answers the team's question and may refresh the card of their request (s11.2).
    VerbRoute(Verb.ESCALATION_ANSWER, "_answer_escalation", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.ESCALATION_REFRESH, "_decide_escalation", Arrival.EITHER, Audience.STAFF),
    VerbRoute(Verb.LETTER_COLLECTED, "_letter_collected", Arrival.SUBMIT, Audience.RECEPTION),
    # The use case checks the letter's own case: its owner or the determination team.
    VerbRoute(Verb.LETTER_REVISE, "_act_on_letter", Arrival.EITHER, Audience.CASE_OWNERS),
    VerbRoute(Verb.LETTER_ISSUE, "_act_on_letter", Arrival.EITHER, Audience.CASE_OWNERS),
    VerbRoute(Verb.LETTER_DELIVER, "_act_on_letter", Arrival.EITHER, Audience.CASE_OWNERS),
    VerbRoute(Verb.REVIEW_LIFT, "_decide_review", Arrival.EITHER, Audience.CASE_OWNERS),
    VerbRoute(Verb.REVIEW_EXTEND, "_decide_review", Arrival.EITHER, Audience.CASE_OWNERS),
    VerbRoute(Verb.REVIEW_REASSIGN, "_decide_review", Arrival.EITHER, Audience.CASE_OWNERS),
    # Correspondence on file (s16): staff log it for a customer their search finds; its reviewer (the case owner)
    # or the determination team records the review (the use case checks which).
    VerbRoute(
        Verb.CORRESPONDENCE_LOG, "_act_on_correspondence", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True
    ),
    VerbRoute(
        Verb.CORRESPONDENCE_SAVE, "_act_on_correspondence", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True
    ),
    VerbRoute(Verb.CORRESPONDENCE_REVIEW, "_act_on_correspondence", Arrival.EITHER, Audience.CASE_OWNERS),
    VerbRoute(Verb.WORK_CORRESPONDENCE, "_act_on_correspondence", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.OVERSIGHT_REPORT, "_offer_committee_report", Arrival.EITHER, Audience.DETERMINATION_TEAM),
    # "My work" lists only the person's own items, and each click is checked again on the record.
    VerbRoute(Verb.WORK_DISCUSSION, "_show_work_item", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.WORK_REVIEW, "_show_work_item", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.WORK_LETTER, "_show_work_item", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.WORK_QUESTION, "_show_work_item", Arrival.SUBMIT, Audience.STAFF),
    VerbRoute(Verb.WORK_DECISION, "_show_work_item", Arrival.SUBMIT, Audience.STAFF),
    # Complaints and appeals (issue 17): any member of staff records one; an uninvolved member of the team decides
    # it (the use case checks involvement); the case owner and the team open it from `work`.
    VerbRoute(Verb.APPEAL_FORM, "_act_on_appeal", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True),
    VerbRoute(Verb.APPEAL_RECORD, "_act_on_appeal", Arrival.SUBMIT, Audience.STAFF, private_in_shared=True),
    VerbRoute(Verb.APPEAL_DECIDE, "_act_on_appeal", Arrival.EITHER, Audience.DETERMINATION_TEAM),
    VerbRoute(Verb.APPEAL_OPEN, "_act_on_appeal", Arrival.SUBMIT, Audience.CASE_OWNERS, private_in_shared=True),
    # Ombudsman signposting (s17): the case owner and the team (the use case checks which customer's).
    VerbRoute(Verb.OMBUDSMAN_FORM, "_act_on_appeal", Arrival.SUBMIT, Audience.CASE_OWNERS, private_in_shared=True),
    VerbRoute(Verb.OMBUDSMAN_RECORD, "_act_on_appeal", Arrival.SUBMIT, Audience.CASE_OWNERS, private_in_shared=True),
)


def verb_route(verb: object, arrival: Arrival) -> VerbRoute | None:
    """The route for a click's verb when it may come this way; None for a retired or unknown verb, or a non-string."""
    return next((r for r in VERB_ROUTES if r.verb == verb and arrival in r.arrives_as), None)
