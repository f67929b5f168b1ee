"""The administrator's list from the command line (admin.py): add-staff with role flags, remove-staff, and the
Agents Playground's people with their roles (seed-playground), stored on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import admin
from casework.entities import StaffStanding
from casework.policy import roles_of
from casework.vocabulary import Role
from storage.database import create_database_engine
from storage.unit_of_work import SqlUnitOfWork


def roles(database_url: str, user_id: str) -> frozenset[Role]:
    engine = create_database_engine(database_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            standing: StaffStanding = uow.staff.standing(user_id)
        return roles_of(standing, in_staff_roster=False)
    finally:
        engine.dispose()


@pytest.fixture
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEVELOPMENT_MODE", "true")
    return database_url


def test_add_staff_gives_the_roles_it_is_told_and_remove_staff_takes_them_all(environment: str) -> None:
    assert admin.main(["add-staff", "u-rec", "Rae Reception", "--reception"]) == 0
    assert admin.main(["add-staff", "u-dt", "Dee Decider", "--determination-team", "--administrator"]) == 0
    assert roles(environment, "u-rec") == {Role.STAFF, Role.RECEPTION}
    assert roles(environment, "u-dt") == {Role.STAFF, Role.DETERMINATION_TEAM, Role.ADMINISTRATOR}
    assert admin.main(["remove-staff", "u-dt"]) == 0
    assert roles(environment, "u-dt") == frozenset()
    assert admin.main(["remove-staff", "nobody"]) == 1


def test_seed_playground_lists_each_mock_person_with_their_roles(environment: str) -> None:
    assert admin.main(["seed-playground"]) == 0
    by_name = {member.name: roles(environment, member.user_id) for member in admin.PLAYGROUND_STAFF}
    assert by_name == {
        "Sam Staff": {Role.STAFF},
        "Morgan Manager": {Role.STAFF},  # a line manager once Sam names him on the first report
        "Harper Safety": {Role.STAFF, Role.DETERMINATION_TEAM},
        "Casey Experience": {Role.STAFF, Role.DETERMINATION_TEAM},
        "Lee Strategy": {Role.STAFF, Role.DETERMINATION_TEAM, Role.ADMINISTRATOR},
        "Alex Colleague": {Role.STAFF, Role.RECEPTION},
    }
