"""The oversight digest (issue 19, s3): at the start of each month the month just ended, and of each quarter the
quarter, posted to the determination team's channel by the sweep through the outbox, exactly once whatever the
instances and restarts, and audited."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from storage.database import create_database_engine
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.oversight_data import NOW, build_november
from tests.scenarios import audited, register_team, say
from tests.teams import HARPER, TEAM_CHANNEL, all_text


def digests_in(connector: FakeConnector, since: int = 0) -> list[str]:
    """The headings of the digest cards the team's channel was sent."""
    cards = [card for call in connector.sent_to(TEAM_CHANNEL)[since:] for card in call.cards]
    return [all_text(c).splitlines()[0] for c in cards if all_text(c).startswith("Oversight figures")]


async def test_the_month_and_the_quarter_just_ended_are_posted_once(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    clock.now = NOW  # 1 December 2026: November has ended, and the third quarter
    register_team(database_url, clock)
    engine = create_database_engine(database_url)
    build_november(engine)
    engine.dispose()
    first = await start_bot(make_settings(database_url), connector, clock)
    second = await start_bot(make_settings(database_url), connector, clock)  # another instance, same database
    try:
        # Until the bot has heard from the tenant the channel cannot be reached: the digests wait rather than fail.
        assert await first.sweep.post_digests() == 0
        assert audited(database_url, "oversight.digest_posted") == []
        await say(first, HARPER, "hello")  # the tenant is known, so the team's channel can be reached

        # Both instances' sweeps at once, then each again: two digests in all.
        posted = await asyncio.gather(first.sweep.post_digests(), second.sweep.post_digests())
        assert sorted(posted) == [0, 2]
        assert await first.sweep.post_digests() == 0 and await second.sweep.post_digests() == 0
        await first.outbox.deliver_until_idle()
        await second.outbox.deliver_until_idle()
        assert digests_in(connector) == [
            "Oversight figures: November 2026",
            "Oversight figures: Q3 2026 (July to September)",
        ]
        november = next(
            all_text(c) for call in connector.sent_to(TEAM_CHANNEL) for c in call.cards if "November" in all_text(c)
        )
        assert "The monthly digest for the determination team" in november and "Incidents: 5" in november
        assert sorted(e.record_id for e in audited(database_url, "oversight.digest_posted")) == ["2026-11", "2026Q3"]
    finally:
        await first.close()
        await second.close()

    # A restart later in the month posts nothing again.
    clock.now = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
    restarted = await start_bot(make_settings(database_url), connector, clock)
    try:
        sent = len(connector.sent_to(TEAM_CHANNEL))
        assert await restarted.sweep.post_digests() == 0
        # The new year: December's digest and the fourth quarter's.
        clock.now = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
        assert await restarted.sweep.post_digests() == 2
        await restarted.outbox.deliver_until_idle()
        assert digests_in(connector, sent) == [
            "Oversight figures: December 2026",
            "Oversight figures: Q4 2026 (October to December)",
        ]
        quarter = [e for e in audited(database_url, "oversight.digest_posted") if e.record_id == "2026Q4"]
        assert [e.detail for e in quarter] == [{"kind": "quarter"}]
    finally:
        await restarted.close()


async def test_no_team_channel_no_digest(database_url: str, connector: FakeConnector, clock: MutableClock) -> None:
    """Without a channel configured the sweep claims nothing, so the digests go out once one is."""
    clock.now = NOW
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url, DETERMINATION_TEAM_CONVERSATION_ID=""), connector, clock)
    try:
        assert await bot.sweep.post_digests() == 0
        assert audited(database_url, "oversight.digest_posted") == []
    finally:
        await bot.close()
