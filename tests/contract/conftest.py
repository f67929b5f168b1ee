"""The repository contract: every test here runs against the in-memory fakes, SQLite and PostgreSQL alike, so
the fakes the service tests use cannot drift from the SQL the bot runs on."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from casework.ports import UnitOfWork
from storage.database import create_database_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.fakes import FakeUnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
"""A new unit of work on the test's own store, each call."""


@pytest.fixture(params=["fake", "sqlite", "postgres"])
def new_uow(request: pytest.FixtureRequest) -> Iterator[NewUnitOfWork]:
    if request.param == "fake":
        fake = FakeUnitOfWork()  # one store: each `with` is a new transaction on it
        yield lambda: fake
        return
    engine = create_database_engine(str(request.getfixturevalue(f"{request.param}_url")))
    yield lambda: SqlUnitOfWork(engine)
    engine.dispose()
