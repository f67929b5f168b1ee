"""Every message the bot sends says what it is and for whom (issue 20): the `summary` Teams shows in the chat list
and in the phone's notification. The suite-wide check is tests/message_summaries.summary_problems, applied to every
activity the fake connector receives; these tests say what the lines are, and that none can be left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.notifications import Outgoing
from cards.common import envelope, heading, summary_line
from dialogs.activities import card_activity, cards_activity, with_summary
from storage.database import create_database_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import Call, FakeConnector
from tests.message_summaries import summary_problems
from tests.scenarios import morgan_escalates, register_team, report, restriction_request, sam_reports, say
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL

REVIEW_DUE = datetime(2027, 2, 28, 10, 0, tzinfo=UTC)


def _summary(call: Call) -> str:
    assert summary_problems(call.activity) == []
    return str(call.activity["summary"])


async def test_the_s8_6_discussion_and_the_review_reminder_say_what_they_are_and_differ(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    """Morgan is sent both on his phone: each notification says which it is, about whom, and what to do, and
    neither carries what happened."""
    register_team(sqlite_url, clock)
    engine = create_database_engine(sqlite_url)
    sam_reports(SqlUnitOfWork(engine), clock, "Customer 00000", description="Threw a chair at the counter.")
    morgan_escalates(
        lambda: SqlUnitOfWork(engine), clock, restriction_request("Customer 00000"), approved_by=(HARPER, CASEY)
    )
    engine.dispose()
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(bot, MORGAN, "hello")
        await say(bot, HARPER, "hello", channel=True)
        before = len(connector.sent_to(MORGAN.personal_conversation))
        await report(bot, SAM, "Jane Smith", description="Shouted and swore at me.")
        (discussion,) = connector.sent_to(MORGAN.personal_conversation)[before:]

        clock.now = REVIEW_DUE - timedelta(days=6)
        assert await bot.sweep.run_once() == 1
        await bot.outbox.deliver_until_idle()
        (reminder,) = connector.sent_to(MORGAN.personal_conversation)[before + 1 :]
    finally:
        await bot.close()

    assert _summary(discussion) == (
        "Incident INC-2026-0002 about Jane Smith: please record your discussion with Sam Staff (s8.6)"
    )
    assert _summary(reminder) == (
        "Review due 28 Feb 2027: Restriction for Customer 00000; please lift or extend it (s13)"
    )
    assert _summary(discussion) != _summary(reminder)
    for call in (discussion, reminder):
        assert call.cards[0]["fallbackText"] == call.activity["summary"], "the card says the same if not shown"
        assert "Shouted" not in _summary(call) and "chair" not in _summary(call), "no narrative on a locked screen"


async def test_an_urgent_alert_names_no_customer_on_a_locked_screen(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await report(bot, SAM, "Jane Smith", serious_threats="credible_threat_to_harm")
        (urgent,) = [c for c in connector.sent_to(TEAM_CHANNEL) if "URGENT" in str(c.activity.get("summary"))]
    finally:
        await bot.close()
    assert _summary(urgent) == "URGENT: incident INC-2026-0001 needs the determination team now (s12.3)"
    assert "Jane" not in _summary(urgent)


def test_a_card_cannot_be_built_or_sent_without_a_summary() -> None:
    with pytest.raises(ValueError, match="summary is empty"):
        envelope([heading("Something")], summary="  ")
    card = envelope([heading("Something")], summary="Something for Jane Smith")
    assert card_activity(card).summary == "Something for Jane Smith"
    del card["fallbackText"]
    with pytest.raises(ValueError, match="without a summary"):
        card_activity(card)
    bare = Activity(type=ActivityTypes.message, attachments=[Attachment(content_type="x", content=card)])
    with pytest.raises(ValueError, match="no summary"):
        with_summary(bare)
    with pytest.raises(ValueError, match="no summary"):
        Outgoing(bare, user_id="someone")  # the outbox's message shape refuses it too
    assert with_summary(Activity(type=ActivityTypes.message, text="Recorded as collected.")).summary == (
        "Recorded as collected."
    )
    assert cards_activity([card, card], "2 draft letters").summary == "2 draft letters"


def test_a_summary_is_one_plain_line_short_enough_for_a_notification() -> None:
    assert summary_line("Incident  INC-1\nabout *Jane*") == "Incident INC-1 about *Jane*", "plain text, unescaped"
    long = summary_line("x" * 300)
    assert len(long) == 160 and long.endswith("…")
