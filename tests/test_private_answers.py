"""Need to know in shared conversations (s8.4): in a group chat or channel, what the routes table marks private is
answered in the asker's 1:1 chat, and the shared conversation reads only where the answer went, or why it could not
go there. Through real HTTP, with the fake connector recording what each conversation was sent."""

from __future__ import annotations

from typing import Any

from bot.routes import COMMANDS, Command
from bot.teams_bot import ASK_WHO_TO_CHECK, NOT_REACHABLE_PRIVATELY, PRIVATE_DELIVERY_FAILED, SENT_PRIVATELY
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import Call, FakeConnector
from tests.scenarios import escalated_to_team, last_card, register_team, report, say
from tests.teams import (
    CASEY,
    GROUP_CHAT,
    HARPER,
    SAM,
    TEAM_CHANNEL,
    User,
    all_text,
    group_message,
    group_submit,
    message,
)
from tests.test_customer_check import approve_restriction
from tests.test_routes import NOT_UNDERSTOOD, read, replies_to

CUSTOMER = "Jane Smith"


def typed(command: Command) -> str:
    if command.argument == "period":
        return f"{command.name} last month"
    return f"{command.name} {CUSTOMER}" if command.argument else command.name


def everything_sent_to(connector: FakeConnector, conversation_id: str) -> list[Call]:
    """Messages and card updates alike: all that the members of a conversation could read."""
    return [call for call in connector.calls if call.conversation_id == conversation_id]


async def in_group(bot: RunningBot, user: User, activity: dict[str, Any]) -> tuple[list[Call], list[Call]]:
    """What the bot sent to the group chat and to the user's 1:1 chat while handling one activity in the group;
    it sent nothing anywhere else."""
    before = len(bot.connector.calls)
    status, _ = await bot.post(activity)
    assert status == 200
    sent = bot.connector.calls[before:]
    assert {call.conversation_id for call in sent} <= {GROUP_CHAT, user.personal_conversation}
    return (
        [call for call in sent if call.conversation_id == GROUP_CHAT],
        [call for call in sent if call.conversation_id == user.personal_conversation],
    )


def only_the_line(calls: list[Call]) -> str:
    """The one line of text a shared conversation was sent, with no card."""
    (call,) = calls
    assert call.cards == []
    return call.text


def test_the_table_says_where_each_command_is_answered() -> None:
    private = {command.name for command in COMMANDS if command.private_in_shared}
    assert private == {"check", "case", "log", "pending", "reviews", "stats"}, (
        "the commands that say something about customers, or the team's own figures"
    )
    for command in COMMANDS:
        assert not command.answers_privately("personal", in_team_channel=False)
        assert not command.answers_privately(None, in_team_channel=False), "the Emulator sends no type for a 1:1 chat"
        for shared in ("groupChat", "channel"):
            assert command.answers_privately(shared, in_team_channel=False) is command.private_in_shared
        expected = command.private_in_shared and not command.shared_in_team_channel
        assert command.answers_privately("channel", in_team_channel=True) is expected
    assert [c.name for c in COMMANDS if c.shared_in_team_channel] == ["pending", "stats"]


async def test_check_in_a_group_chat_answers_only_in_the_askers_personal_chat(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await approve_restriction(bot, restrictions="written_only")  # Sam reported Jane Smith, so has a 1:1 chat

        group, personal = await in_group(bot, SAM, group_message(SAM, f"check {CUSTOMER}", connector.url))

        assert only_the_line(group) == SENT_PRIVATELY
        assert "Jane" not in read(everything_sent_to(connector, GROUP_CHAT)), "not even the name Sam typed"
        (card,) = [card for call in personal for card in call.cards]
        assert "Jane Smith: Restricted" in all_text(card)
        assert "Written contact only" in all_text(card)
    finally:
        await bot.close()


async def test_someone_the_bot_cannot_reach_privately_is_told_so_and_nothing_more(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await report(bot, SAM, CUSTOMER)
    # Casey has never opened a 1:1 chat with the bot, so no personal conversation reference is stored for her.
    group, personal = await in_group(bot, CASEY, group_message(CASEY, f"case {CUSTOMER}", bot.connector.url))
    assert only_the_line(group) == NOT_REACHABLE_PRIVATELY
    assert personal == []
    assert "Jane" not in read(everything_sent_to(bot.connector, GROUP_CHAT))

    await say(bot, CASEY, "hello")  # she does as she was told, and asking again in the group now works
    group, personal = await in_group(bot, CASEY, group_message(CASEY, f"case {CUSTOMER}", bot.connector.url))
    assert only_the_line(group) == SENT_PRIVATELY
    assert "Shouted and swore at me." in read(personal)


async def test_a_private_answer_teams_refuses_is_told_in_the_group_and_nothing_more(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url, OUTBOUND_MAX_ATTEMPTS=1), connector, clock)
    try:
        await report(bot, SAM, CUSTOMER)
        connector.faults = [500]  # the first call after this is the answer to Sam's 1:1 chat
        group, personal = await in_group(bot, SAM, group_message(SAM, f"check {CUSTOMER}", connector.url))
        assert only_the_line(group) == PRIVATE_DELIVERY_FAILED
        assert personal == []
        assert "Jane" not in read(everything_sent_to(connector, GROUP_CHAT))
    finally:
        await bot.close()


async def test_every_command_the_table_keeps_private_gives_its_1_to_1_answer_privately(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await escalated_to_team(bot)  # Jane Smith reported and escalated: something to check, a case, a pending decision
    await say(bot, HARPER, "hello")  # a team member, entitled to every answer, with a 1:1 chat
    flagged = [command for command in COMMANDS if command.private_in_shared]
    assert flagged
    for command in flagged:
        in_1_to_1 = read(await replies_to(bot, HARPER, message(HARPER, typed(command), bot.connector.url)))
        assert in_1_to_1 and NOT_UNDERSTOOD not in in_1_to_1, command.name

        group, personal = await in_group(bot, HARPER, group_message(HARPER, typed(command), bot.connector.url))

        assert only_the_line(group) == SENT_PRIVATELY, command.name
        assert read(personal) == in_1_to_1, f"{command.name}: the same answer as in the 1:1 chat"
    assert "Jane" not in read(everything_sent_to(bot.connector, GROUP_CHAT))

    # A command the table leaves alone is still answered where it was asked.
    group, personal = await in_group(bot, HARPER, group_message(HARPER, "help", bot.connector.url))
    assert "Report an incident" in read(group) and personal == []


async def test_pending_in_the_team_channel_is_shown_there_and_anywhere_else_privately(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await escalated_to_team(bot)
    await say(bot, HARPER, "hello")
    url = bot.connector.url
    in_1_to_1 = len(bot.connector.sent_to(HARPER.personal_conversation))

    await say(bot, HARPER, "pending", channel=True)
    assert "Jane Smith" in all_text(last_card(bot.connector, TEAM_CHANNEL)), "the team sees its own pending list"
    in_thread = message(HARPER, "pending", url, channel=True)
    in_thread["conversation"]["id"] = f"{TEAM_CHANNEL};messageid=1764324000000"  # a reply in one of its threads
    status, _ = await bot.post(in_thread)
    assert status == 200
    assert "Jane Smith" in all_text(bot.connector.sent_to(in_thread["conversation"]["id"])[-1].cards[0])
    assert len(bot.connector.sent_to(HARPER.personal_conversation)) == in_1_to_1

    # Only `pending` is the team's to share there: a customer's history still goes to the asker alone.
    before = len(bot.connector.sent_to(TEAM_CHANNEL))
    await say(bot, HARPER, f"case {CUSTOMER}", channel=True)
    assert only_the_line(bot.connector.sent_to(TEAM_CHANNEL)[before:]) == SENT_PRIVATELY
    assert "Shouted and swore at me." in all_text(last_card(bot.connector, HARPER.personal_conversation))

    group, personal = await in_group(bot, HARPER, group_message(HARPER, "pending", url))
    assert only_the_line(group) == SENT_PRIVATELY
    assert "Jane Smith" in read(personal)


async def test_check_without_a_name_in_a_group_chat_asks_privately_and_starts_nothing_there(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await report(bot, SAM, CUSTOMER)
    url = bot.connector.url

    for asked in (group_message(SAM, "check", url), group_submit(SAM, {"verb": "menu.check"}, url)):
        group, personal = await in_group(bot, SAM, asked)
        assert only_the_line(group) == SENT_PRIVATELY
        assert ASK_WHO_TO_CHECK in read(personal)

    # No dialog waits in the group for a name, so the next message there is not taken as one.
    group, personal = await in_group(bot, SAM, group_message(SAM, CUSTOMER, url))
    assert NOT_UNDERSTOOD in read(group) and "No restrictions" not in read(group) and personal == []


async def test_a_customer_button_clicked_in_a_group_chat_answers_privately(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await report(bot, SAM, CUSTOMER)
    await say(bot, SAM, f"check {CUSTOMER}")
    customer_id = last_card(bot.connector, SAM.personal_conversation)["actions"][0]["data"]["customer_id"]
    url = bot.connector.url

    show = {"verb": "customer.show", "customer_id": customer_id, "query": CUSTOMER}
    group, personal = await in_group(bot, SAM, group_submit(SAM, show, url))
    assert only_the_line(group) == SENT_PRIVATELY
    assert "Jane Smith: No restrictions" in read(personal)

    # A refusal, too, is said only to the one refused.
    history = {"verb": "customer.history", "customer_id": customer_id}
    group, personal = await in_group(bot, SAM, group_submit(SAM, history, url))
    assert only_the_line(group) == SENT_PRIVATELY
    assert "Only the determination team" in read(personal)
    assert "Jane" not in read(everything_sent_to(bot.connector, GROUP_CHAT))
