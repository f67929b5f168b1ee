"""Shared fixtures: databases (SQLite files and real PostgreSQL), the fake connector, and a running bot."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine

from app import OUTBOX_KEY, SWEEP_KEY, create_app
from bot.outbox_worker import OutboxWorker
from bot.reminders import ReminderSweep
from casework.entities import Actor, StaffMember
from casework.staff import register_staff
from settings import Settings
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.card_schema import card_problems
from tests.fake_connector import FakeConnector
from tests.message_summaries import card_summary_problems
from tests.teams import CAST, TEAM_CHANNEL, User

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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it, which is much faster than migrating again."""
    path = tmp_path_factory.mktemp("sqlite_template") / "uca.db"
    upgrade(f"sqlite:///{path}")
    # WAL mode: the file alone is the database only once the migration's last connection has closed.
    assert not path.with_name(f"{path.name}-wal").exists()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of the test's own."""
    path = tmp_path / "uca.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """A SQLite database with no tables yet, for the tests of migrating one."""
    return f"sqlite:///{tmp_path / 'empty.db'}"


def _admin_dsn() -> str:
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server's admin DSN. In CI a server that cannot be reached fails the tests; elsewhere they skip."""
    try:
        psycopg.connect(_admin_dsn(), autocommit=True, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI but could not be reached at {POSTGRES_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    return _admin_dsn()


@contextlib.contextmanager
def _postgres_database(admin_dsn: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A database of its own, made (from the template, if given) and dropped again; yields its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield name
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> Iterator[str]:
    """A migrated template database; each test copies it, which is much faster than migrating again."""
    with _postgres_database(postgres_server, "uca_template") as name:
        upgrade(_database_url(name))
        yield name


def _database_url(name: str) -> str:
    base = POSTGRES_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture
def postgres_url(postgres_server: str, postgres_template: str) -> Iterator[str]:
    with _postgres_database(postgres_server, "uca_test", template=postgres_template) as name:
        yield _database_url(name)


@pytest.fixture
def empty_postgres_url(postgres_server: str) -> Iterator[str]:
    """A PostgreSQL database with no tables yet, for the tests of migrating one."""
    with _postgres_database(postgres_server, "uca_empty") as name:
        yield _database_url(name)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on a real PostgreSQL, each a migrated database of the test's own."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on a real PostgreSQL, each an empty database of the test's own."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("empty_sqlite_url"))
    return str(request.getfixturevalue("empty_postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's migrated database, SQLite and PostgreSQL in turn."""
    created = create_database_engine(database_url)
    yield created
    created.dispose()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()
    # Every card the bot sent during the test, to anyone, is valid Adaptive Card 1.5 (issue 8).
    assert fake.card_errors == [], "\n".join(fake.card_errors)
    # Every message it sent says what it is, in the chat list and the phone's notification (issue 20).
    assert fake.summary_errors == [], "\n".join(fake.summary_errors)


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
    database_url: str = ""
    deliver_after_each_post: bool = True
    """Runs the outbox worker after each request, as the app's background worker would at once. Tests of the
    outbox itself turn it off and drive the worker."""

    @property
    def app(self) -> web.Application:
        return self.server.app

    @property
    def sweep(self) -> ReminderSweep:
        return self.app[SWEEP_KEY]

    @property
    def outbox(self) -> OutboxWorker:
        return self.app[OUTBOX_KEY]

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.session.post(
            self.server.make_url("/api/messages"), json=activity, headers=headers or {}
        ) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            if isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive":
                self.connector.card_errors.extend(card_problems(body["value"]))
                self.connector.summary_errors.extend(card_summary_problems(body["value"]))
                self.connector.check_accessibility(body["value"])
        if self.deliver_after_each_post:
            await self.outbox.deliver_until_idle()
        return response.status, body

    async def close(self) -> None:
        await self.session.close()
        await self.server.close()


def list_as_staff(database_url: str, users: Sequence[User], clock: MutableClock) -> None:
    """The administrator's list as most tests need it: each of these people is staff. Anyone already on the list
    keeps the roles a test gave them (scenarios.register_team sets the determination team and line managers)."""
    engine = create_database_engine(database_url)
    try:
        for user in users:
            with SqlUnitOfWork(engine) as uow:
                known = uow.staff.get(user.aad_object_id)
            if known is None or not known.listed:
                member = StaffMember(user.aad_object_id, user.name)
                register_staff(SqlUnitOfWork(engine), Actor("admin", "Admin"), member, clock)
    finally:
        engine.dispose()


async def start_bot(
    settings: Settings, connector: FakeConnector, clock: MutableClock, staff: Sequence[User] = CAST
) -> RunningBot:
    """The app on a local port, with `staff` (the tests' usual cast unless a test says otherwise) on the
    administrator's list."""
    app = create_app(settings, clock=clock, run_sweep=False)  # migrates the database
    list_as_staff(settings.database_url, staff, clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    running = RunningBot(server, ClientSession(), connector, settings.database_url)
    # What the test's setup wrote to the outbox goes out at start, as the app's worker would send it.
    await running.outbox.deliver_until_idle()
    return running


@pytest.fixture
async def bot(sqlite_url: str, connector: FakeConnector, clock: MutableClock) -> AsyncIterator[RunningBot]:
    running = await start_bot(make_settings(sqlite_url), connector, clock)
    yield running
    await running.close()
