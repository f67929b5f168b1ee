"""'Is this customer restricted?' (s15, s16, s5; Equality Act 2010): search, pick list, wording, need to know."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from casework.customer_checks import check_customer, customer_history, show_customer
from casework.customer_records import add_representative, import_customers, merge_customers
from casework.errors import AccessRefused
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.tables import AuditEventRecord, CustomerRecord, EscalationRecord, IncidentRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot
from tests.scenarios import (
    ADMIN,
    STAFF,
    approve_button,
    considered,
    escalate_restriction,
    escalated_to_team,
    last_card,
    register_team,
    report,
    rows,
    say,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, all_text, execute, inputs_of, submit

CUSTOMERS = [
    {
        "name": "Jane Smith",
        "council_reference": "CT-100001",
        "date_of_birth": "1961-03-04",
        "postcode": "LN8 2AB",
        "phone": "01427 676676",
        "email": "jane.smith@example.org",
        "reasonable_adjustments": "Large print letters",
    },
    {"name": "Jane Smith", "council_reference": "CT-100002", "date_of_birth": "1984-11-20", "postcode": "DN21 2NA"},
    {"name": "José O'Brien", "postcode": "LN1 1AA", "phone": "07700 900123"},
    {"name": "Margaret Thompson-Hughes", "other_names": "Peggy Hughes", "email": "Peggy@Example.org"},
    {"name": "Peter Brown", "no_fixed_address": "yes"},
]


@pytest.fixture
def people(database_url: str, clock: MutableClock) -> Iterator[tuple[SqlUnitOfWork, dict[str, int]]]:
    upgrade(database_url)
    engine = create_database_engine(database_url)
    report_ = import_customers(SqlUnitOfWork(engine), ADMIN, list(enumerate(CUSTOMERS, start=2)), clock)
    assert report_.rejected == ()
    with Session(engine) as session:
        ids = {f"{c.name}/{c.council_reference or ''}": c.id or 0 for c in session.exec(select(CustomerRecord))}
    yield SqlUnitOfWork(engine), ids
    engine.dispose()


def found(uow: SqlUnitOfWork, query: str, clock: MutableClock) -> list[str]:
    result = check_customer(uow, STAFF, query, clock)
    if result.status is not None:
        return [result.status.name]
    return [option.name for option in result.options]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Jose O'Brien", ["José O'Brien"]),  # accents
        ("josé obrien", ["José O'Brien"]),  # case, apostrophe
        ("Jsoe O'Brien", ["José O'Brien"]),  # a typo
        ("O'Brien José", ["José O'Brien"]),  # order
        ("J O'Brien", ["José O'Brien"]),  # an initial
        ("Margaret Thomson-Hughes", ["Margaret Thompson-Hughes"]),  # a typo in a double-barrelled name
        ("Peggy Hughes", ["Margaret Thompson-Hughes"]),  # another name she uses
        ("07700900123", ["José O'Brien"]),  # phone, no spaces
        ("+44 7700 900 123", ["José O'Brien"]),  # phone, international
        ("(01427) 676676", ["Jane Smith"]),  # phone, brackets
        ("ln82ab", ["Jane Smith"]),  # postcode, no space
        ("  LN8   2AB ", ["Jane Smith"]),  # postcode, odd spacing
        ("PEGGY@example.ORG", ["Margaret Thompson-Hughes"]),  # email, any case
        ("ct-100002", ["Jane Smith"]),  # council reference
        ("Nobody Atall", []),
    ],
)
def test_each_kind_of_search_finds_the_customer(
    people: tuple[SqlUnitOfWork, dict[str, int]], clock: MutableClock, query: str, expected: list[str]
) -> None:
    uow, _ = people
    assert found(uow, query, clock) == expected


def test_two_people_of_the_same_name_get_a_pick_list_that_tells_them_apart(
    people: tuple[SqlUnitOfWork, dict[str, int]], clock: MutableClock
) -> None:
    uow, _ = people
    result = check_customer(uow, STAFF, "jane smith", clock)
    assert result.status is None
    labels = sorted(option.label for option in result.options)
    assert labels == ["Jane Smith (DN21 2NA, CT-100002, born 11/1984)", "Jane Smith (LN8 2AB, CT-100001, born 03/1961)"]


def test_every_lookup_is_audited_with_who_looked_up_whom(
    people: tuple[SqlUnitOfWork, dict[str, int]], clock: MutableClock, database_url: str
) -> None:
    uow, ids = people
    check_customer(uow, STAFF, "jane smith", clock)  # a pick list
    show_customer(uow, STAFF, ids["Jane Smith/CT-100001"], "jane smith", clock)  # then one chosen
    check_customer(uow, STAFF, "Peter Brown", clock)
    engine = create_database_engine(database_url)
    with Session(engine) as session:
        seen = [
            (e.actor_id, e.action, e.record_id, e.at)
            for e in session.exec(select(AuditEventRecord).where(AuditEventRecord.actor_id == STAFF.user_id))
        ]
    engine.dispose()
    assert [(a, b, c) for a, b, c, _ in seen] == [
        (STAFF.user_id, "customer.searched", ""),
        (STAFF.user_id, "customer.checked", str(ids["Jane Smith/CT-100001"])),
        (STAFF.user_id, "customer.checked", str(ids["Peter Brown/"])),
    ]
    assert all(at == clock.now for *_, at in seen)


def test_status_shows_adjustments_representatives_and_no_fixed_address(
    people: tuple[SqlUnitOfWork, dict[str, int]], clock: MutableClock
) -> None:
    uow, ids = people
    add_representative(uow, ADMIN, ids["Jane Smith/CT-100001"], "Ron Advocate", "advocate", "written consent", clock)
    jane = show_customer(uow, STAFF, ids["Jane Smith/CT-100001"], "CT-100001", clock)
    assert jane.reasonable_adjustments == "Large print letters"
    assert jane.representatives == ("Ron Advocate (advocate; written consent)",)
    assert show_customer(uow, STAFF, ids["Peter Brown/"], "Peter Brown", clock).no_fixed_address


def test_a_customer_is_shown_only_from_a_search_that_finds_them(
    people: tuple[SqlUnitOfWork, dict[str, int]], clock: MutableClock
) -> None:
    """Ids are sequential: a forged pick-list button must not step through every customer on record."""
    uow, ids = people
    peter = ids["Peter Brown/"]
    for query in ("", "jane smith", "nobody at all"):
        with pytest.raises(AccessRefused):
            show_customer(uow, STAFF, peter, query, clock)
    with uow:
        refused = [e for e in uow.audit.events("customer", str(peter)) if e.action == "customer.show_refused"]
    assert len(refused) == 3
    assert show_customer(uow, STAFF, peter, "peter brown", clock).customer_id == peter


def test_an_import_with_a_bad_row_imports_nothing_and_names_every_problem(
    people: tuple[SqlUnitOfWork, dict[str, int]], clock: MutableClock
) -> None:
    uow, _ = people
    rows: list[tuple[int, dict[str, Any]]] = [
        (2, {"name": "Good Person", "postcode": "LN8 2AB"}),
        (3, {"name": "", "phone": "12"}),
        (4, {"name": "Copy Cat", "council_reference": "CT-100001"}),
    ]
    outcome = import_customers(uow, ADMIN, rows, clock)
    assert outcome.imported == 0
    assert [line for line, _ in outcome.rejected] == [3, 4]
    assert "name is empty" in outcome.rejected[0][1] and "phone '12' is not valid" in outcome.rejected[0][1]
    assert "already on record" in outcome.rejected[1][1]
    assert found(uow, "Good Person", clock) == []
    assert import_customers(uow, ADMIN, rows, clock, skip_invalid=True).imported == 1
    assert found(uow, "Good Person", clock) == ["Good Person"]


def test_merging_duplicates_moves_the_history_and_removes_the_copy(
    people: tuple[SqlUnitOfWork, dict[str, int]], clock: MutableClock, database_url: str
) -> None:
    uow, ids = people
    keep, copy = ids["Peter Brown/"], ids["José O'Brien/"]
    merged = merge_customers(uow, ADMIN, keep, copy, clock)
    assert merged.phone == "+447700900123" and "José O'Brien" in merged.other_names
    assert found(uow, "07700 900123", clock) == ["Peter Brown"]
    assert found(uow, "José O'Brien", clock) == ["Peter Brown"]  # found by the other name now
    engine = create_database_engine(database_url)
    with Session(engine) as session:
        assert session.get(CustomerRecord, copy) is None
    engine.dispose()


def test_history_is_for_the_team_and_the_case_managers_only(
    people: tuple[SqlUnitOfWork, dict[str, int]], clock: MutableClock
) -> None:
    uow, ids = people
    with pytest.raises(AccessRefused):
        customer_history(uow, STAFF, ids["Peter Brown/"], clock)


# Through Teams: wording for each restriction, representative-only, need to know


async def approve_restriction(bot: RunningBot, **terms: str) -> None:
    data = considered(approve_button(await escalated_to_team(bot, **terms)))
    for member in (HARPER, CASEY):  # a restriction takes two members' approval
        status, _ = await bot.post(execute(member, "escalation.approve", data, bot.connector.url, "x"))
        assert status == 200


async def test_the_status_card_speaks_in_instructions_with_the_particulars(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await approve_restriction(
        bot,
        restrictions="named_contact,limited_calls,correspondence_on_file,no_physical_access,discretionary_services",
        named_contact="Jane Doe, Housing Officer, or housing@west-lindsey.gov.uk",
        call_minutes="10",
        calls_per_week="1",
        services_withdrawn="garden waste",
        scope="housing",
    )
    await say(bot, SAM, "check Jane Smith")
    text = all_text(last_card(bot.connector, SAM.personal_conversation))
    for words in (
        "Jane Smith: Restricted",
        "Contact only through Jane Doe, Housing Officer, or housing@west-lindsey.gov.uk",
        "Calls limited to 10 minutes, once a week",
        "Correspondence is placed on file: log it",
        "Not to enter council offices",
        "Discretionary services withdrawn: garden waste.",
        "Applies to Housing only.",
        "Applies to the customer.",
        "review due 28 Feb 2027",
    ):
        assert words in text


async def test_a_restriction_on_the_representative_only_says_so(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await approve_restriction(
        bot, restrictions="written_only", representative_name="Ron Advocate", representative_option="find_another"
    )
    await say(bot, SAM, "check Jane Smith")
    text = all_text(last_card(bot.connector, SAM.personal_conversation))
    assert (
        "Applies to their representative Ron Advocate only: the customer may still contact us directly. We help the "
        "customer find another representative (an advocacy service) (s5.4)."
    ) in text


async def test_restricting_a_representative_needs_what_the_customer_is_offered(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await say(bot, HARPER, "hello", channel=True)
    await report(
        bot,
        SAM,
        "Jane Smith",
        acting_party="representative",
        representative_name="Ron Advocate",
        representative_authority="Jane's written consent",
    )
    await escalate_restriction(bot, MORGAN, "Jane Smith", representative_name="Ron Advocate")
    form = last_card(bot.connector, MORGAN.personal_conversation)
    assert "so they are not disadvantaged (s5.4)" in all_text(form)
    assert inputs_of(form)["representative_name"] == "Ron Advocate"
    assert rows(sqlite_url, EscalationRecord) == []


async def test_general_staff_see_instructions_not_narratives_and_the_team_sees_the_history(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await approve_restriction(bot, restrictions="written_only")
    await say(bot, SAM, "check Jane Smith")
    staff_card = last_card(bot.connector, SAM.personal_conversation)
    assert "Shouted and swore" not in all_text(staff_card)
    # No history and no record editing; any member of staff may record the customer's complaint or appeal (s11.4).
    assert [a["title"] for a in staff_card["actions"]] == ["Report an incident", "Complaint or appeal"]
    customer_id = staff_card["actions"][0]["data"]["customer_id"]

    # A forged history button from someone without the need to know is refused and audited.
    await bot.post(submit(SAM, {"verb": "customer.history", "customer_id": customer_id}, bot.connector.url))
    refused = last_card(bot.connector, SAM.personal_conversation)
    assert "You can't act on this card" in all_text(refused) and "Jane Smith" not in all_text(refused)

    for viewer in (HARPER, MORGAN):  # a team member; the manager who asked (the case owner)
        await say(bot, viewer, "check Jane Smith")
        card = last_card(bot.connector, viewer.personal_conversation)
        history = next(a for a in card["actions"] if a["title"] == "Full history")
        await bot.post(submit(viewer, history["data"], bot.connector.url))
        assert "Shouted and swore at me." in all_text(last_card(bot.connector, viewer.personal_conversation))

    engine = create_database_engine(sqlite_url)
    with Session(engine) as session:
        audited = [
            (e.actor_id, e.action)
            for e in session.exec(select(AuditEventRecord))
            if e.action.startswith("customer.history") or e.action == "route.refused"
        ]
        assert len(session.exec(select(IncidentRecord)).all()) == 1
    engine.dispose()
    assert audited == [
        (SAM.aad_object_id, "route.refused"),  # Sam manages nobody: refused at the door
        (HARPER.aad_object_id, "customer.history_viewed"),
        (MORGAN.aad_object_id, "customer.history_viewed"),
    ]


async def test_no_match_offers_to_report(bot: RunningBot) -> None:
    await say(bot, SAM, "check Nobody Atall")
    card = last_card(bot.connector, SAM.personal_conversation)
    assert "No customer found" in all_text(card)
    assert [a["data"]["verb"] for a in card["actions"]] == ["menu.report"]
