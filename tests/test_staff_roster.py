"""Staff by a configured Teams roster (bot/staff_roster.py, STAFF_TEAM_IDS): the team's members are staff without the
administrator listing them, and staff only; the roster is read from the Bot Connector and kept, not read every turn;
when Teams cannot be read the last roster read stands. And the roles rule itself (casework.policy.roles_of)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.notifier import TryAgain
from bot.staff_roster import TeamsStaffRoster
from casework.entities import StaffMember, StaffStanding
from casework.policy import NOT_REGISTERED, roles_of
from casework.vocabulary import Role
from storage.tables import StaffMemberRecord
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import rows, say
from tests.teams import SAM, UMA, User

STAFF_TEAM = "19:all-staff@thread.tacv2"

# --- the rule ------------------------------------------------------------------------------------------------------


def standing(member: StaffMember | None = None, manages: bool = False, owns: bool = False) -> StaffStanding:
    return StaffStanding(member, manages, owns)


def test_talking_to_the_bot_gives_no_role() -> None:
    remembered_from_before_roles = StaffMember("u1", "Una")  # a row, but not on the administrator's list
    assert roles_of(standing(), in_staff_roster=False) == frozenset()
    assert roles_of(standing(remembered_from_before_roles, manages=True, owns=True), False) == frozenset()


def test_the_administrators_list_gives_staff_and_the_roles_it_names() -> None:
    assert roles_of(standing(StaffMember("u1", "Una", listed=True)), False) == {Role.STAFF}
    everything = StaffMember("u1", "Una", True, listed=True, is_reception=True, is_administrator=True)
    assert roles_of(standing(everything), False) == {
        Role.STAFF,
        Role.DETERMINATION_TEAM,
        Role.RECEPTION,
        Role.ADMINISTRATOR,
    }


def test_the_records_give_line_manager_and_case_owner_to_staff_only() -> None:
    listed = StaffMember("u1", "Una", listed=True)
    assert roles_of(standing(listed, manages=True, owns=True), False) == {
        Role.STAFF,
        Role.LINE_MANAGER,
        Role.CASE_OWNER,
    }
    assert roles_of(standing(None, manages=True), in_staff_roster=True) == {Role.STAFF, Role.LINE_MANAGER}


def test_a_roster_gives_staff_only() -> None:
    assert roles_of(standing(), in_staff_roster=True) == {Role.STAFF}
    assert roles_of(standing(StaffMember("u1", "Una")), in_staff_roster=True) == {Role.STAFF}


# --- the cache -----------------------------------------------------------------------------------------------------


class Teams:
    """The references and the connector's members call, counted, failing when told to."""

    def __init__(self) -> None:
        self.members: frozenset[str] = frozenset({"a"})
        self.reads = 0
        self.failing = False

    def for_team(self, conversation_id: str) -> dict[str, Any] | None:
        return {"conversation": {"id": conversation_id}, "serviceUrl": "https://smba.example/"}

    async def members_once(self, reference: dict[str, Any]) -> frozenset[str]:
        self.reads += 1
        if self.failing:
            raise TryAgain("Teams answered 503")
        return self.members


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def teams() -> Teams:
    return Teams()


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


def roster(teams: Teams, seconds: Seconds) -> TeamsStaffRoster:
    return TeamsStaffRoster(teams, teams, ["team-1"], keep_for=900, recheck_after=60, now=seconds)


async def test_a_roster_is_read_once_and_kept_until_it_is_old(teams: Teams, seconds: Seconds) -> None:
    kept = roster(teams, seconds)
    assert [await kept.includes("a") for _ in range(5)] == [True] * 5
    assert teams.reads == 1
    teams.members = frozenset({"b"})
    seconds.now += 899
    assert await kept.includes("a") and teams.reads == 1
    seconds.now += 2
    assert not await kept.includes("a") and teams.reads == 2  # read again: a has left the team


async def test_someone_not_on_the_roster_causes_at_most_one_fresh_read_a_minute(teams: Teams, seconds: Seconds) -> None:
    kept = roster(teams, seconds)
    assert not await kept.includes("stranger") and teams.reads == 1
    assert not await kept.includes("stranger") and not await kept.includes("another") and teams.reads == 1
    teams.members = frozenset({"a", "new-starter"})
    seconds.now += 61
    assert await kept.includes("new-starter") and teams.reads == 2  # let in within a minute of joining


async def test_when_teams_cannot_be_read_the_last_roster_stands(teams: Teams, seconds: Seconds) -> None:
    kept = roster(teams, seconds)
    assert await kept.includes("a")
    teams.failing = True
    seconds.now += 901
    assert await kept.includes("a") and teams.reads == 2
    assert await kept.includes("a") and teams.reads == 2  # and it is not asked again on every turn


async def test_with_no_roster_ever_read_nobody_is_staff_by_it(teams: Teams, seconds: Seconds) -> None:
    teams.failing = True
    assert not await roster(teams, seconds).includes("a")


# --- through /api/messages -----------------------------------------------------------------------------------------


@pytest.fixture
async def rostered(database_url: str, connector: FakeConnector, clock: MutableClock) -> AsyncIterator[RunningBot]:
    connector.add_member(STAFF_TEAM, UMA.aad_object_id, UMA.name)
    settings = make_settings(database_url, STAFF_TEAM_IDS=STAFF_TEAM)
    bot = await start_bot(settings, connector, clock, staff=(SAM,))
    await say(bot, SAM, "hello")  # the tenant's service URL, as the app's installation in the team would give it
    yield bot
    await bot.close()


async def test_a_member_of_a_configured_team_is_staff_without_being_listed(
    rostered: RunningBot, database_url: str
) -> None:
    await say(rostered, UMA, "help")
    (menu,) = rostered.connector.sent_to(UMA.personal_conversation)[-1].cards
    assert "Unacceptable customer actions" in str(menu)
    (remembered,) = [r for r in rows(database_url, StaffMemberRecord) if r.user_id == UMA.aad_object_id]
    assert not remembered.listed  # staff by the roster: leave the team and the row makes nobody staff
    assert rostered.connector.member_reads == [STAFF_TEAM]


async def test_a_roster_gives_staff_only_not_the_determination_teams_commands(rostered: RunningBot) -> None:
    await say(rostered, UMA, "pending")
    assert rostered.connector.sent_to(UMA.personal_conversation)[-1].text == "Only the determination team can use this."


async def test_someone_on_no_configured_roster_is_still_refused(rostered: RunningBot, database_url: str) -> None:
    stranger = User("00000000-0000-0000-0000-0000000000f2", "Stranger Danger")
    await say(rostered, stranger, "help")
    assert rostered.connector.sent_to(stranger.personal_conversation)[-1].text == NOT_REGISTERED
    assert not [r for r in rows(database_url, StaffMemberRecord) if r.user_id == stranger.aad_object_id]
