"""Roles from configuration, not from first contact (issue 14): every command and every button declares who may use
it in the routes table, and the door in bot/teams_bot.py lets in exactly them. For each route, through /api/messages
on SQLite and PostgreSQL: someone allowed gets through; someone in the tenant whom no administrator listed is told
they are not registered and nothing at all is written (every table's rows counted before and after); a member of
staff without the route's role is refused and no record changes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.routes import COMMANDS, VERB_ROUTES, Arrival
from cards.common import REFUSAL_HEADING
from cards.verbs import Verb
from casework import appeals, letters
from casework.appeals import AppealSubmission
from casework.policy import NOT_REGISTERED, door_refusal
from casework.vocabulary import Audience, DeliveryMethod, Role
from storage.database import create_database_engine
from storage.tables import CustomerRecord, IncidentRecord, LetterRecord, Review, StaffMemberRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    as_actor,
    audited,
    log_filed_item,
    morgan_escalates,
    placeholder_docx,
    register,
    register_team,
    restriction_request,
    rows,
    sam_reports,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, UMA, User, all_text, execute, message, submit

ALEX = User("00000000-0000-0000-0000-0000000000c1", "Alex Colleague")
"""Listed staff and nothing more: manages nobody, owns no case, on no team, not reception."""
REECE = User("00000000-0000-0000-0000-0000000000c2", "Reece Reception")

ALLOWED: dict[Audience, User] = {
    Audience.STAFF: ALEX,
    Audience.DETERMINATION_TEAM: HARPER,
    Audience.NEED_TO_KNOW: MORGAN,  # Sam's line manager and the case's owner
    Audience.CASE_OWNERS: MORGAN,
    Audience.LINE_MANAGERS: MORGAN,
    Audience.RECEPTION: REECE,
}
"""Someone each audience admits, and no more than that audience needs."""

COMMAND_TEXT = {
    "report": "report",
    "check": "check Jane Smith",
    "escalate": "escalate",
    "pending": "pending",
    "case": "case Jane Smith",
    "reviews": "reviews",
    "work": "work",
    "reception": "reception",
    "log": "log Jane Smith",
    "stats": "stats 2026Q4",
    "help": "help",
}
"""What each command's test types: a new command without a line here fails the test below."""

VERB_DATA: dict[Verb, str] = {
    Verb.MENU_REPORT: "",
    Verb.MENU_CHECK: "",
    Verb.MENU_ESCALATE: "",
    Verb.CUSTOMER_SHOW: "customer_id",
    Verb.CUSTOMER_HISTORY: "customer_id",
    Verb.CUSTOMER_EDIT: "customer_id",
    Verb.CUSTOMER_SAVE: "customer_id",
    Verb.CUSTOMER_NOTE_NEED: "incident_id",
    Verb.CUSTOMER_SAVE_NEED: "incident_id",
    Verb.INCIDENT_AMEND: "incident_id",
    Verb.INCIDENT_SAVE_AMENDMENT: "incident_id",
    Verb.INCIDENT_SUBMIT: "",
    Verb.INCIDENT_NO_FURTHER_ACTION: "incident_id",
    Verb.INCIDENT_INFORMAL_WARNING_NOTED: "incident_id",
    Verb.INCIDENT_ESCALATE: "incident_id",
    Verb.ESCALATION_SUBMIT: "",
    Verb.ESCALATION_APPROVE: "escalation_id",
    Verb.ESCALATION_DECLINE: "escalation_id",
    Verb.ESCALATION_ASK: "escalation_id",
    Verb.ESCALATION_ANSWER: "escalation_id",
    Verb.ESCALATION_REFRESH: "escalation_id",
    Verb.LETTER_COLLECTED: "letter_id",
    Verb.LETTER_REVISE: "letter_id",
    Verb.LETTER_ISSUE: "letter_id",
    Verb.LETTER_DELIVER: "letter_id",
    Verb.REVIEW_LIFT: "review_id",
    Verb.REVIEW_EXTEND: "review_id",
    Verb.REVIEW_REASSIGN: "review_id",
    Verb.WORK_DISCUSSION: "incident_id",
    Verb.WORK_REVIEW: "review_id",
    Verb.WORK_LETTER: "letter_id",
    Verb.WORK_QUESTION: "escalation_id",
    Verb.WORK_DECISION: "escalation_id",
    Verb.CORRESPONDENCE_LOG: "customer_id",
    Verb.CORRESPONDENCE_SAVE: "customer_id",
    Verb.CORRESPONDENCE_REVIEW: "correspondence_id",
    Verb.WORK_CORRESPONDENCE: "correspondence_id",
    Verb.APPEAL_FORM: "customer_id",
    Verb.APPEAL_RECORD: "customer_id",
    Verb.APPEAL_DECIDE: "appeal_id",
    Verb.APPEAL_OPEN: "appeal_id",
    Verb.OMBUDSMAN_FORM: "customer_id",
    Verb.OMBUDSMAN_RECORD: "customer_id",
    Verb.OVERSIGHT_REPORT: "",
}
"""Each verb's record key in the card's data ("" for none): a new verb without a line here fails the test below."""

TYPED: dict[str, Any] = {
    "notes": "Typed on the card.",
    "alternatives_considered": "true",
    "answer": "Here is my answer.",
    "reason": "No further incidents.",
    "customer_advised": "true",
    "owner_id": MORGAN.aad_object_id,
    "customer_name": "Jane Smith",
    "channel": "telephone",
    "actions": "abusive",
    "description": "Shouted.",
    "kind": "formal_warning",
    "delivery_method": "post",
    "query": "Jane Smith",
    "outcome": "no_new_information",
}
"""What a click carries besides the record id: enough that only the door can stop it."""


def test_every_command_and_verb_declares_its_audience_and_is_tried_here() -> None:
    """A route added without an audience fails to build; one added without a case here fails this test."""
    assert {c.name for c in COMMANDS} == set(COMMAND_TEXT)
    assert {r.verb for r in VERB_ROUTES} == set(VERB_DATA)
    audiences = [(c.name, c.who) for c in COMMANDS] + [(r.verb.value, r.who) for r in VERB_ROUTES]
    for name, who in audiences:
        assert isinstance(who, Audience), name
        assert who in ALLOWED, f"no one is allowed {name} in these tests"
    assert next(c for c in COMMANDS if c.name == "reception").who is Audience.RECEPTION
    assert next(r for r in VERB_ROUTES if r.verb is Verb.LETTER_COLLECTED).who is Audience.RECEPTION


@pytest.fixture
def case(database_url: str, clock: MutableClock) -> dict[str, int]:
    """Sam reports Jane Smith (Morgan is Sam's line manager); Morgan asks for a restriction, which Harper and Casey
    approve: an incident, an escalation, a review owned by Morgan and a letter, held at reception; Sam records
    Jane's appeal against it. Alex is listed staff, Reece reception; Uma is nobody's."""
    register_team(database_url, clock)
    register(database_url, ALEX, clock)
    register(database_url, REECE, clock, is_reception=True)
    engine = create_database_engine(database_url)
    try:
        sam_reports(SqlUnitOfWork(engine), clock, "Jane Smith")
        with SqlUnitOfWork(engine) as uow:  # no fixed address: her letters are held at reception (s11.3)
            customer = uow.customers.get(1)
            assert customer is not None
            customer.no_fixed_address = True
            uow.customers.update(customer)
            uow.commit()
        # Her correspondence is placed on file (s16), and one item of it is waiting for Morgan's review.
        on_file = restriction_request(restrictions=("written_only", "correspondence_on_file"))
        escalation_id = morgan_escalates(lambda: SqlUnitOfWork(engine), clock, on_file, approved_by=(HARPER, CASEY))
        appeal = AppealSubmission("1:restriction", "appeal", clock().date().isoformat(), "letter", "Not me.")
        recorded = appeals.record_appeal(SqlUnitOfWork(engine), as_actor(SAM), 1, "Jane Smith", appeal, clock)
    finally:
        engine.dispose()
    (customer,) = rows(database_url, CustomerRecord)
    correspondence_id = log_filed_item(database_url, clock, customer.id)
    (incident,) = rows(database_url, IncidentRecord)
    (review,) = rows(database_url, Review)
    letter = rows(database_url, LetterRecord)[0]
    _hold_at_reception(database_url, letter.id, clock)
    return {
        "customer_id": customer.id,
        "incident_id": incident.id,
        "escalation_id": escalation_id,
        "review_id": review.id,
        "letter_id": letter.id,
        "correspondence_id": correspondence_id,
        "appeal_id": recorded.appeal.appeal_id,
    }


def _hold_at_reception(database_url: str, letter_id: int, clock: MutableClock) -> None:
    engine = create_database_engine(database_url)
    try:
        letters.issue_letter(SqlUnitOfWork(engine), as_actor(MORGAN), letter_id, clock, placeholder_docx)
        letters.record_delivery(
            SqlUnitOfWork(engine),
            as_actor(MORGAN),
            letter_id,
            DeliveryMethod.HELD_AT_RECEPTION,
            clock().date(),
            clock,
        )
    finally:
        engine.dispose()


@pytest.fixture
async def running(
    case: dict[str, int], database_url: str, connector: FakeConnector, clock: MutableClock
) -> AsyncIterator[RunningBot]:
    bot = await start_bot(make_settings(database_url), connector, clock, staff=())
    # Everyone but Uma has said hello once, so a first turn's conversation reference is not what a test counts.
    for user in (SAM, MORGAN, HARPER, CASEY, ALEX, REECE):
        await bot.post(message(user, "hello", connector.url))
    yield bot
    await bot.close()


def everything(database_url: str) -> dict[str, int]:
    """Rows in every table: what a refusal of someone unregistered must leave exactly as it was."""
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                for table in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def casework_records(database_url: str) -> str:
    """Every casework record and staff row in full: what a refused click must not change (updates included)."""
    engine = create_database_engine(database_url)
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in ("audit_event", "bot_state")]
    try:
        with engine.connect() as connection:
            return repr([sorted(repr(tuple(row)) for row in connection.execute(select(table))) for table in tables])
    finally:
        engine.dispose()


async def _send(bot: RunningBot, activity: dict[str, Any], user: User) -> str:
    """Everything the person reads because of this activity: the invoke's answer and what came to their chat or to
    the conversation they wrote in."""
    where = {user.personal_conversation, activity["conversation"]["id"]}
    before = len(bot.connector.calls)
    status, body = await bot.post(activity)
    assert status == 200
    shown = [all_text(body["value"])] if isinstance(body, dict) and "value" in body else []
    for call in bot.connector.calls[before:]:
        if call.conversation_id in where:
            shown.append(call.text)
            shown.extend(all_text(card) for card in call.cards)
    return "\n".join(shown)


def _command(bot: RunningBot, user: User, name: str) -> dict[str, Any]:
    return message(user, COMMAND_TEXT[name], bot.connector.url)


def _click(bot: RunningBot, user: User, verb: Verb, case: dict[str, int]) -> dict[str, Any]:
    route = next(r for r in VERB_ROUTES if r.verb is verb)
    key = VERB_DATA[verb]
    data = {**TYPED, **({key: case[key]} if key else {})}
    if Arrival.EXECUTE in route.arrives_as:
        return execute(user, verb.value, data, bot.connector.url, "card-1", channel=False)
    return submit(user, {"verb": verb.value, **data}, bot.connector.url)


def _door_refusals() -> tuple[str, ...]:
    """Every sentence the door says when it refuses."""
    return tuple(
        refusal
        for audience in Audience
        for roles in (frozenset(), frozenset({Role.STAFF}))
        if (refusal := door_refusal(audience, roles)) is not None
    )


def _was_let_in(shown: str) -> bool:
    return not any(refusal in shown for refusal in _door_refusals())


async def _assert_unregistered_is_refused_and_nothing_is_written(
    bot: RunningBot, database_url: str, activity: dict[str, Any]
) -> None:
    before = everything(database_url)
    shown = await _send(bot, activity, UMA)
    assert NOT_REGISTERED in shown
    assert "Jane Smith" not in shown
    assert everything(database_url) == before, "an unregistered person's turn wrote something"
    assert not [row for row in rows(database_url, StaffMemberRecord) if row.user_id == UMA.aad_object_id]


async def _assert_staff_without_the_role_is_refused(
    bot: RunningBot, database_url: str, activity: dict[str, Any], audience: Audience
) -> None:
    before = casework_records(database_url)
    refusals_before = len(audited(database_url, "route.refused"))
    shown = await _send(bot, activity, ALEX)
    assert not _was_let_in(shown) and NOT_REGISTERED not in shown, shown
    assert "Jane Smith" not in shown
    assert casework_records(database_url) == before, "a refused turn changed a record"
    (refused,) = audited(database_url, "route.refused")[refusals_before:]
    assert refused.actor_id == ALEX.aad_object_id


@pytest.mark.parametrize("name", [c.name for c in COMMANDS])
async def test_each_command_lets_in_its_audience_and_refuses_everyone_else(
    name: str, running: RunningBot, database_url: str
) -> None:
    command = next(c for c in COMMANDS if c.name == name)
    await _assert_unregistered_is_refused_and_nothing_is_written(running, database_url, _command(running, UMA, name))
    if command.who is not Audience.STAFF:
        await _assert_staff_without_the_role_is_refused(
            running, database_url, _command(running, ALEX, name), command.who
        )
    allowed = ALLOWED[command.who]
    shown = await _send(running, _command(running, allowed, name), allowed)
    assert shown and _was_let_in(shown), f"{allowed.name} was refused {name}: {shown}"


@pytest.mark.parametrize("verb", [r.verb for r in VERB_ROUTES], ids=str)
async def test_each_button_lets_in_its_audience_and_refuses_everyone_else(
    verb: Verb, case: dict[str, int], running: RunningBot, database_url: str
) -> None:
    route = next(r for r in VERB_ROUTES if r.verb is verb)
    await _assert_unregistered_is_refused_and_nothing_is_written(
        running, database_url, _click(running, UMA, verb, case)
    )
    if route.who is not Audience.STAFF:
        await _assert_staff_without_the_role_is_refused(
            running, database_url, _click(running, ALEX, verb, case), route.who
        )
    allowed = ALLOWED[route.who]
    shown = await _send(running, _click(running, allowed, verb, case), allowed)
    assert _was_let_in(shown), f"{allowed.name} was refused {verb}: {shown}"


async def test_a_door_refusal_of_a_button_is_the_short_refusal_card(case: dict[str, int], running: RunningBot) -> None:
    status, body = await running.post(_click(running, ALEX, Verb.ESCALATION_APPROVE, case))
    assert status == 200
    card = body["value"]
    assert card["body"][0]["text"] == REFUSAL_HEADING and "actions" not in card
    assert "Only the determination team can use this." in all_text(card)


async def test_anything_an_unregistered_person_types_or_clicks_is_refused_and_writes_nothing(
    running: RunningBot, database_url: str
) -> None:
    url = running.connector.url
    for activity in (
        message(UMA, "He swore at me", url),
        message(UMA, "hello", url, channel=True),
        submit(UMA, {"verb": "retired.verb"}, url),
        execute(UMA, "retired.verb", {}, url, "card-1", channel=False),
    ):
        await _assert_unregistered_is_refused_and_nothing_is_written(running, database_url, activity)


async def test_an_unregistered_persons_refusal_is_the_same_whoever_they_name(
    case: dict[str, int], running: RunningBot
) -> None:
    """The refusal says nothing about the records: not whether a customer or a case exists."""
    shown = {
        await _send(running, message(UMA, text, running.connector.url), UMA)
        for text in ("check Jane Smith", "check Nobody Atall", "case Jane Smith")
    }
    assert shown == {NOT_REGISTERED}
    assert json.dumps(sorted(shown)).count("Jane") == 0


async def test_someone_taken_off_the_staff_list_is_refused_on_their_very_next_message(
    running: RunningBot, database_url: str
) -> None:
    """The door reads the roles from the records every turn (with the conversation's state, in one statement):
    nothing remembered from the turn before lets a removed member of staff in, not even to an open dialog."""
    url = running.connector.url
    assert NOT_REGISTERED not in await _send(running, message(SAM, "help", url), SAM)
    assert NOT_REGISTERED not in await _send(running, message(SAM, "report Jane Smith", url), SAM)
    engine = create_database_engine(database_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            member = uow.staff.get(SAM.aad_object_id)
            assert member is not None
            uow.staff.save(replace(member, listed=False))
            uow.commit()
    finally:
        engine.dispose()

    for text in ("help", "He shouted at me on the phone"):
        assert await _send(running, message(SAM, text, url), SAM) == NOT_REGISTERED
