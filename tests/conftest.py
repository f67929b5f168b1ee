"""Shared fixtures: databases (SQLite files and real PostgreSQL), the fake connector, and a running bot."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from app import SWEEP_KEY, create_app
from bot.reminders import ReminderSweep
from settings import Settings
from storage.migrate import upgrade
from tests.card_schema import card_problems
from tests.fake_connector import FakeConnector
from tests.teams import TEAM_CHANNEL

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class MutableClock:
    """An injected clock the tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'uca.db'}"


def _admin_dsn() -> str:
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test copies it, which is much faster than migrating again."""
    try:
        admin = psycopg.connect(_admin_dsn(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI but could not be reached at {POSTGRES_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    name = f"uca_template_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    upgrade(url)
    yield name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _database_url(name: str) -> str:
    base = POSTGRES_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    name = f"uca_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield _database_url(name)
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on a real PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()
    # Every card the bot sent during the test, to anyone, is valid Adaptive Card 1.5 (issue 8).
    assert fake.card_errors == [], "\n".join(fake.card_errors)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DEVELOPMENT_MODE": True,
        "DATABASE_URL": database_url,
        "DETERMINATION_TEAM_CONVERSATION_ID": TEAM_CHANNEL,
        "OUTBOUND_BASE_DELAY_SECONDS": 0.01,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class RunningBot:
    """The real app on a real local port, as Teams would reach it."""

    server: TestServer
    session: ClientSession
    connector: FakeConnector

    @property
    def app(self) -> web.Application:
        return self.server.app

    @property
    def sweep(self) -> ReminderSweep:
        return self.app[SWEEP_KEY]

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.session.post(
            self.server.make_url("/api/messages"), json=activity, headers=headers or {}
        ) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            if isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive":
                self.connector.card_errors.extend(card_problems(body["value"]))
            return response.status, body

    async def close(self) -> None:
        await self.session.close()
        await self.server.close()


async def start_bot(settings: Settings, connector: FakeConnector, clock: MutableClock) -> RunningBot:
    server = TestServer(create_app(settings, clock=clock, run_sweep=False), host="127.0.0.1")
    await server.start_server()
    return RunningBot(server, ClientSession(), connector)


@pytest.fixture
async def bot(sqlite_url: str, connector: FakeConnector, clock: MutableClock) -> AsyncIterator[RunningBot]:
    running = await start_bot(make_settings(sqlite_url), connector, clock)
    yield running
    await running.close()
