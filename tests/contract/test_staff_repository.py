"""Staff: saving is an upsert (roles included), the standing roles are read from, found one, many or all at once, the determination team and line reports."""

from __future__ import annotations

from casework.entities import StaffMember, StaffStanding
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import customer_with_measure

UNA = StaffMember("u1", "Una Manager", is_determination_team=True, teams_user_id="29:una")
VIC = StaffMember("u2", "Vic Officer", line_manager_id="u1")
ABE = StaffMember("u3", "Abe Officer", line_manager_id="u1")
ZED = StaffMember("u4", "Zed Member", is_determination_team=True)


def test_staff_are_saved_once_each_and_a_second_save_replaces_every_detail(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        for member in (UNA, VIC):
            uow.staff.save(member)
        uow.commit()

    with new_uow() as uow:
        assert uow.staff.get("u1") == UNA
        assert uow.staff.get("u2") == VIC
        assert uow.staff.get("nobody") is None
        uow.staff.save(StaffMember("u2", "Victoria Officer", is_determination_team=True))
        # The unit of work sees its own save at once, even of a member it had already read.
        assert uow.staff.get("u2") == StaffMember("u2", "Victoria Officer", is_determination_team=True)
        uow.commit()

    with new_uow() as uow:
        assert uow.staff.get("u2") == StaffMember("u2", "Victoria Officer", is_determination_team=True)
        assert [m.user_id for m in uow.staff.all()] == ["u1", "u2"]


def test_many_finds_those_it_knows_by_user_id(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        for member in (UNA, VIC, ABE):
            uow.staff.save(member)
        uow.commit()

    with new_uow() as uow:
        assert uow.staff.many(["u1", "u3", "nobody", "u1"]) == {"u1": UNA, "u3": ABE}
        assert uow.staff.many({"u2"}) == {"u2": VIC}
        assert uow.staff.many([]) == {}


def test_everyone_and_the_determination_team_by_name_and_who_reports_to_whom(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        for member in (ZED, VIC, UNA, ABE):
            uow.staff.save(member)
        uow.commit()

    with new_uow() as uow:
        assert uow.staff.all() == [ABE, UNA, VIC, ZED]
        assert uow.staff.determination_team() == [UNA, ZED]
        assert sorted(uow.staff.reports_to("u1")) == ["u2", "u3"]
        assert uow.staff.reports_to("u2") == []


def test_with_line_managers_finds_the_person_their_recorded_manager_and_the_proposed_one_at_once(
    new_uow: NewUnitOfWork,
) -> None:
    with new_uow() as uow:
        for member in (UNA, VIC, ABE, ZED):
            uow.staff.save(member)
        uow.commit()

    with new_uow() as uow:
        assert set(uow.staff.with_line_managers("u2", "")) == {"u2", "u1"}
        assert set(uow.staff.with_line_managers("u2", "u4")) == {"u2", "u1", "u4"}
        assert set(uow.staff.with_line_managers("u1", "u3")) == {"u1", "u3"}  # Una has no manager on record
        assert set(uow.staff.with_line_managers("nobody", "u4")) == {"u4"}
        assert set(uow.staff.with_line_managers("nobody", "ghost")) == set()
        assert uow.staff.with_line_managers("u2", "")["u1"] == UNA


def test_the_administered_roles_are_kept_and_standing_reads_who_manages_and_who_owns_a_case(
    new_uow: NewUnitOfWork,
) -> None:
    listed_manager = StaffMember("m1", "Max Manager", listed=True, is_reception=True, is_administrator=True)
    named_by_nobody_listed = StaffMember("m2", "Nia Named")
    with new_uow() as uow:
        uow.staff.save(listed_manager)
        uow.staff.save(named_by_nobody_listed)
        uow.staff.save(StaffMember("r1", "Ray Report", listed=True, line_manager_id="m1"))
        # Someone not on the list naming m2 makes m2 nobody's line manager: roles come from the list.
        uow.staff.save(StaffMember("r2", "Ros Unlisted", line_manager_id="m2"))
        customer_with_measure(uow, case_owner_id="owner")
        uow.commit()

    with new_uow() as uow:
        assert uow.staff.standing("m1") == StaffStanding(listed_manager, manages_staff=True, owns_cases=False)
        assert uow.staff.standing("m2") == StaffStanding(named_by_nobody_listed, manages_staff=False, owns_cases=False)
        assert uow.staff.standing("owner") == StaffStanding(None, manages_staff=False, owns_cases=False)
        assert uow.staff.standing("nobody") == StaffStanding(None, manages_staff=False, owns_cases=False)
        uow.staff.save(StaffMember("owner", "Olu Owner", listed=True))
        assert uow.staff.standing("owner").owns_cases
