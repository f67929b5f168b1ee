"""`stats [period]` through real HTTP to /api/messages (issue 19, s3): the determination team gets the oversight
card, in its own channel where it was asked and privately anywhere else shared; anyone else is refused and shown
nothing; a period not understood gets what to type."""

from __future__ import annotations

from typing import Any

import pytest

from casework.entities import Actor
from casework.errors import AccessRefused
from casework.oversight import ONLY_THE_TEAM, oversight_figures
from storage.database import create_database_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import Call, FakeConnector
from tests.oversight_data import NOW, build_november
from tests.scenarios import last_card, register_team, say
from tests.teams import GROUP_CHAT, HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, group_message, message
from tests.test_private_answers import in_group, only_the_line
from tests.test_routes import read, replies_to


def known_month(database_url: str, clock: MutableClock) -> None:
    clock.now = NOW
    register_team(database_url, clock)
    engine = create_database_engine(database_url)
    build_november(engine)
    engine.dispose()


async def test_the_team_gets_the_figures_and_nobody_else_does(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    known_month(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        card = last_card_of(await replies_to(bot, HARPER, message(HARPER, "stats", connector.url)))
        shown = all_text(card)
        assert "Oversight figures: November 2026" in shown
        assert "Incidents: 5" in shown and "3.5 days (of 4)" in shown
        assert "fewer than 5" in shown, "the month's equality figures are for groups of fewer than 5"

        quarter = all_text(last_card_of(await replies_to(bot, HARPER, message(HARPER, "stats 2026Q4", connector.url))))
        assert "Oversight figures: Q4 2026 (October to December), so far" in quarter and "Incidents: 7" in quarter

        bad = read(await replies_to(bot, HARPER, message(HARPER, "stats fortnight", connector.url)))
        assert 'I can\'t tell which period "fortnight" is.' in bad and "2026Q4" in bad

        for someone in (SAM, MORGAN):
            refused = await replies_to(bot, someone, message(someone, "stats 2026-11", connector.url))
            assert read(refused) == "Only the determination team can use this.", someone.name
            assert all(call.cards == [] for call in refused)
    finally:
        await bot.close()


def last_card_of(calls: list[Call]) -> dict[str, Any]:
    cards = [card for call in calls for card in call.cards]
    assert cards, "no card was sent"
    return cards[-1]


async def test_in_the_teams_channel_it_is_shown_there_and_in_a_group_chat_privately(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    known_month(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "stats 2026-11", channel=True)
        assert "Oversight figures: November 2026" in all_text(last_card(connector, TEAM_CHANNEL))

        await say(bot, HARPER, "hello")  # a 1:1 chat to answer in
        group, personal = await in_group(bot, HARPER, group_message(HARPER, "stats last month", connector.url))
        assert only_the_line(group).startswith("I've sent you the answer")
        assert "Oversight figures: November 2026" in read(personal)
        assert "Oversight" not in read([c for c in connector.calls if c.conversation_id == GROUP_CHAT])
    finally:
        await bot.close()


def test_the_use_case_refuses_anyone_off_the_team(database_url: str, clock: MutableClock) -> None:
    """Behind the door, the use case decides on the record too."""
    known_month(database_url, clock)
    engine = create_database_engine(database_url)
    try:
        with pytest.raises(AccessRefused, match=ONLY_THE_TEAM):
            oversight_figures(SqlUnitOfWork(engine), Actor(MORGAN.aad_object_id, MORGAN.name), "", clock, 5)
        figures = oversight_figures(SqlUnitOfWork(engine), Actor(HARPER.aad_object_id, HARPER.name), "", clock, 5)
        assert figures.incidents == 5
    finally:
        engine.dispose()
