"""Two instances of the app on one PostgreSQL deliver a burst of 1,000 outbox rows (issue 15): every row exactly
once, to its own conversation, and no conversation ever receives more than Teams' 7 messages in a second or 60 in
30 seconds, as the fake connector counts them on arrival.

Teams' real limits are used, not a tighter test-only pair: two of the hundred conversations get 70 rows each, so
their 61st message must wait for the first one's 30 s window, and the two instances hand those conversations to
each other between rounds (a lease covers 20 messages), which is where the limits could break. The test therefore
takes a little over 30 s.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp.test_utils import TestServer

from app import OUTBOX_KEY, create_app
from tests.conftest import make_settings
from tests.fake_connector import FakeConnector
from tests.outbox_burst import busiest_windows, delivered, misdelivered, seed_burst, waiting

HEAVY = 70
"""Rows for each of the two busiest conversations: more than Teams' 60 in 30 seconds."""


def _burst_shape() -> list[int]:
    # 2 conversations x 70 rows and 98 conversations sharing the other 860 (8 or 9 each: more than 7 in a second).
    light = [860 // 98 + (1 if n < 860 % 98 else 0) for n in range(98)]
    return [HEAVY, HEAVY, *light]


async def test_two_instances_deliver_a_burst_of_1000_rows_exactly_once_within_teams_limits(
    postgres_url: str, connector: FakeConnector
) -> None:
    connector.check_cards = False
    shape = _burst_shape()
    assert sum(shape) == 1000 and len(shape) == 100
    burst = seed_burst(postgres_url, connector.url, shape)
    # No team channel: the sweep would post the oversight digests of the month and quarter just ended (a first
    # deployment's), two messages beside the burst this test counts.
    settings = make_settings(postgres_url, OUTBOX_POLL_SECONDS=0.2, DETERMINATION_TEAM_CONVERSATION_ID="")
    servers = [TestServer(create_app(settings, run_sweep=True), host="127.0.0.1") for _ in range(2)]
    for server in servers:
        await server.start_server()
    started = time.monotonic()
    try:
        claimants = {server.app[OUTBOX_KEY].claimant for server in servers}
        assert len(claimants) == 2
        while waiting(postgres_url) and time.monotonic() - started < 90:
            await asyncio.sleep(0.5)
        elapsed = time.monotonic() - started
        assert waiting(postgres_url) == 0, f"rows still waiting after {elapsed:.0f} s"
    finally:
        for server in servers:
            await server.close()
    # Read once the workers have stopped: each counts a message just after marking it sent.
    shares = [server.app[OUTBOX_KEY].delivered for server in servers]

    busiest = busiest_windows(connector)
    print(f"\n1000 rows in {elapsed:.1f} s, per instance {shares}, busiest windows {busiest}")
    received = delivered(connector)
    assert set(received) == set(burst.rows), "every row reached Teams"
    assert {reference: n for reference, n in received.items() if n != 1} == {}, "no row twice"
    assert misdelivered(connector, burst) == []
    assert len(connector.attempts) == 1000, "no retries were needed, and none was sent beside the rows"
    # Both instances took part: otherwise this would test one worker twice over.
    assert sum(shares) == 1000 and min(shares) > 100, shares
    assert busiest[1.0] <= 7
    assert busiest[30.0] <= 60
    # The heavy conversations (70 rows each) could not go faster than the 30 s limit allows, so it was tested, not
    # merely not reached: the burst took more than 30 s and came close to 60 in some 30 s window.
    assert busiest[30.0] >= 50 and elapsed >= 30
