"""Kill -9 of the app in the middle of a burst (issue 15): after a restart every row is delivered, none is lost,
and the crash re-sends at most the messages that were in flight (one per conversation being sent to, so at most
OUTBOX_CONCURRENCY), counted by the fake connector in this process.

The app runs as a real subprocess (create_app and web.run_app, its background outbox worker on), reaching the fake
connector through the service URL stored in each manager's conversation reference. The connector answers after
20 ms so that the kill lands mid-burst. OUTBOX_LEASE_SECONDS is 3 s: the killed instance's conversations pass to
the restarted one after that rather than after the production minute.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fake_connector import FakeConnector
from tests.outbox_burst import delivered, misdelivered, seed_burst, waiting

ROOT = Path(__file__).resolve().parent.parent
ROWS_PER_CONVERSATION = [5] * 40
"""200 rows, 5 per conversation: within Teams' 7 a second, so the limiter's waits do not blur the counts."""

SERVE = """
import sys
from aiohttp import web
from app import create_app
from settings import Settings

settings = Settings(
    _env_file=None,
    DEVELOPMENT_MODE=True,
    DATABASE_URL=sys.argv[1],
    OUTBOX_CONCURRENCY=sys.argv[2],
    OUTBOX_LEASE_SECONDS=3,
    OUTBOX_POLL_SECONDS=0.2,
    OUTBOUND_BASE_DELAY_SECONDS=0.01,
    LOG_LEVEL="WARNING",
)
web.run_app(create_app(settings), host="127.0.0.1", port=0, print=None)
"""


def _start(database_url: str, concurrency: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", SERVE, database_url, str(concurrency)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _crash_mid_burst(database_url: str, connector: FakeConnector, concurrency: int) -> int:
    """Delivers a burst through a subprocess killed with SIGKILL part-way; returns the duplicates counted."""
    connector.check_cards = False
    connector.latency = 0.02
    burst = seed_burst(database_url, connector.url, ROWS_PER_CONVERSATION)
    total = len(burst.rows)
    first = _start(database_url, concurrency)
    try:
        deadline = time.monotonic() + 60
        while len(connector.calls) < total // 3 and time.monotonic() < deadline and first.poll() is None:
            await asyncio.sleep(0.01)
        assert first.poll() is None, "the app died before the kill"
        assert len(connector.calls) < total, "the kill came too late to land mid-burst"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    before_restart = len(connector.calls)
    assert waiting(database_url) > 0
    second = _start(database_url, concurrency)
    try:
        deadline = time.monotonic() + 60
        while waiting(database_url) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert waiting(database_url) == 0, "rows still waiting a minute after the restart"
    finally:
        os.kill(second.pid, signal.SIGTERM)
        second.wait(10)

    received = delivered(connector)
    assert set(received) == set(burst.rows), "no row was lost"
    assert misdelivered(connector, burst) == []
    duplicates = sum(n - 1 for n in received.values())
    print(f"\nconcurrency {concurrency}: {total} rows, {before_restart} sent before the kill, {duplicates} duplicates")
    return duplicates


async def test_a_crash_mid_burst_loses_nothing_and_resends_at_most_the_one_message_in_flight(
    postgres_url: str, connector: FakeConnector
) -> None:
    assert await _crash_mid_burst(postgres_url, connector, concurrency=1) <= 1


async def test_a_crash_mid_burst_resends_at_most_one_message_per_conversation_being_sent_to(
    postgres_url: str, connector: FakeConnector
) -> None:
    assert await _crash_mid_burst(postgres_url, connector, concurrency=4) <= 4


async def test_a_crash_mid_burst_on_sqlite_loses_nothing(sqlite_url: str, connector: FakeConnector) -> None:
    assert await _crash_mid_burst(sqlite_url, connector, concurrency=1) <= 1
