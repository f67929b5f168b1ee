"""A representative's actions are theirs (issue 18: s5.4), through real HTTP to /api/messages on SQLite and
PostgreSQL: shown as the representative's on the decision card, and not counted in the customer's escalation
suggestion."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import NO_WARNING_REASON, escalate_restriction, last_card, register_team, report, say
from tests.teams import HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text

BY_RON = {"acting_party": "representative", "representative_name": "Ron Advocate"}


async def test_a_representatives_incidents_are_shown_as_theirs_and_not_counted_against_the_customer(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await say(bot, MORGAN, "hello")
        for fields in ({}, BY_RON, BY_RON):
            await report(bot, SAM, "Jane Smith", **fields)
            clock.now += timedelta(days=1)
        # Three incidents, two of them Ron's: the customer's own one is under the threshold of three (s10, s11).
        discussion = all_text(last_card(connector, MORGAN.personal_conversation))
        assert "Customer\nJane Smith (by their representative Ron Advocate)" in discussion
        assert "incidents in 90 days" not in discussion

        await report(bot, SAM, "Jane Smith")
        await report(bot, SAM, "Jane Smith")
        counted = all_text(last_card(connector, MORGAN.personal_conversation))
        assert (
            "3 incidents in 90 days (2 more by their representative, not counted: s5.4): consider asking the "
            "determination team"
        ) in counted

        await escalate_restriction(bot, MORGAN, "Jane Smith", no_warning_reason=NO_WARNING_REASON)
        decision = all_text(last_card(connector, TEAM_CHANNEL))
        lines = [line for line in decision.splitlines() if line.startswith("INC-")]
        assert len(lines) == 5
        assert sum("(by their representative Ron Advocate, s5.4)" in line for line in lines) == 2
    finally:
        await bot.close()
