"""A refusal reveals nothing (issue 14): every card verb that names a record, clicked by someone with no need to know,
answers without case data and in the same way whether the record exists or not; every read through a card is
checked on the server and audited. Through /api/messages, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.routes import VERB_ROUTES, Arrival
from cards.common import REFUSAL_HEADING
from cards.verbs import Verb
from casework import appeals, staff
from casework.appeals import AppealSubmission
from casework.entities import StaffMember
from storage.database import create_database_engine
from storage.tables import (
    AppealRecord,
    CorrespondenceItemRecord,
    CustomerRecord,
    DecisionRecord,
    EscalationRecord,
    IncidentAmendmentRecord,
    IncidentRecord,
    LetterRecord,
    MeasureRecord,
    OmbudsmanSignpostingRecord,
    Review,
    VoteRecord,
)
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    ADMIN,
    as_actor,
    audited,
    log_filed_item,
    morgan_escalates,
    register_team,
    restriction_request,
    rows,
    sam_reports,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, User, all_text, execute, submit

ALEX = User("00000000-0000-0000-0000-0000000000c1", "Alex Stranger")
"""Registered ordinary staff: no line manager of anyone, on no team, owner of nothing."""

DESCRIPTION = "Threw a chair across the reception desk."
FILED = "Wrote again about the housing repair."
GROUNDS = "The officer misheard what I said."
CASE_DATA = (
    "Jane Smith",
    DESCRIPTION,
    FILED,
    "Abuse continued after the formal warning.",
    MORGAN.name,
    SAM.name,
    "HS-2026",
    GROUNDS,
)
"""What no refusal may show: the customer, the narrative, the reason and evidence, the requester and the reporter."""

RECORD_KEY: dict[Verb, str] = {
    Verb.INCIDENT_NO_FURTHER_ACTION: "incident_id",
    Verb.INCIDENT_INFORMAL_WARNING_NOTED: "incident_id",
    Verb.INCIDENT_ESCALATE: "incident_id",
    Verb.ESCALATION_APPROVE: "escalation_id",
    Verb.ESCALATION_DECLINE: "escalation_id",
    Verb.ESCALATION_ASK: "escalation_id",
    Verb.ESCALATION_ANSWER: "escalation_id",
    Verb.ESCALATION_REFRESH: "escalation_id",
    Verb.REVIEW_LIFT: "review_id",
    Verb.REVIEW_EXTEND: "review_id",
    Verb.REVIEW_REASSIGN: "review_id",
    Verb.WORK_DISCUSSION: "incident_id",
    Verb.WORK_REVIEW: "review_id",
    Verb.WORK_LETTER: "letter_id",
    Verb.LETTER_REVISE: "letter_id",
    Verb.LETTER_ISSUE: "letter_id",
    Verb.LETTER_DELIVER: "letter_id",
    Verb.WORK_QUESTION: "escalation_id",
    Verb.WORK_DECISION: "escalation_id",
    Verb.CUSTOMER_HISTORY: "customer_id",
    Verb.CUSTOMER_SHOW: "customer_id",
    Verb.CUSTOMER_EDIT: "customer_id",
    Verb.CUSTOMER_SAVE: "customer_id",
    Verb.CUSTOMER_NOTE_NEED: "incident_id",
    Verb.CUSTOMER_SAVE_NEED: "incident_id",
    Verb.INCIDENT_AMEND: "incident_id",
    Verb.INCIDENT_SAVE_AMENDMENT: "incident_id",
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
}
"""Each verb that names a record, by the key of the record's id in the card's data."""

SKIPPED: dict[Verb, str] = {
    Verb.MENU_REPORT: "a menu verb: opens the report form (its optional customer id only preselects the customer)",
    Verb.MENU_CHECK: "a menu verb: opens the check form; names no record",
    Verb.MENU_ESCALATE: "a menu verb: opens the escalation form; names no record",
    Verb.INCIDENT_SUBMIT: "a form submission: creates a record, reads none by id",
    Verb.ESCALATION_SUBMIT: "a form submission: creates a record, reads none by id",
    Verb.LETTER_COLLECTED: "reception's button: refused at the door to all but reception staff, which "
    "tests/test_roles.py proves",
    Verb.OVERSIGHT_REPORT: "names a period, no record: refused at the door to all but the team (tests/test_roles.py) "
    "and by the use case (tests/test_committee_report.py)",
}
"""Verbs the test does not click as a stranger, each with the reason."""


def test_every_verb_is_either_clicked_by_the_stranger_or_skipped_with_a_reason() -> None:
    """A verb added to the routes table must be classified here, so its refusal is tested too."""
    routed = {route.verb for route in VERB_ROUTES}
    assert routed == set(RECORD_KEY) | set(SKIPPED)
    assert not set(RECORD_KEY) & set(SKIPPED)


@dataclass(frozen=True)
class Case:
    customer_id: int
    incident_id: int
    escalation_id: int
    review_id: int
    letter_id: int
    correspondence_id: int
    appeal_id: int

    def record_id(self, key: str) -> int:
        return int(getattr(self, key))


@pytest.fixture
def case(database_url: str, clock: MutableClock) -> Case:
    """Sam reports Jane Smith; Morgan (Sam's line manager) asks for a restriction, which Harper and Casey approve:
    an incident, a decided escalation, a restriction with its review owned by Morgan and a draft letter; Sam
    records Jane's appeal against it."""
    register_team(database_url, clock)
    engine = create_database_engine(database_url)
    try:
        staff.register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(ALEX.aad_object_id, ALEX.name), clock)
        sam_reports(SqlUnitOfWork(engine), clock, "Jane Smith", description=DESCRIPTION)
        # Her correspondence is placed on file (s16): one item of it waits for Morgan's review.
        on_file = restriction_request(restrictions=("written_only", "correspondence_on_file"))
        escalation_id = morgan_escalates(lambda: SqlUnitOfWork(engine), clock, on_file, approved_by=(HARPER, CASEY))
        appeal = AppealSubmission("1:restriction", "appeal", clock().date().isoformat(), "letter", GROUNDS)
        recorded = appeals.record_appeal(SqlUnitOfWork(engine), as_actor(SAM), 1, "Jane Smith", appeal, clock)
    finally:
        engine.dispose()
    (customer,) = rows(database_url, CustomerRecord)
    (incident,) = rows(database_url, IncidentRecord)
    (review,) = rows(database_url, Review)
    letters = rows(database_url, LetterRecord)
    assert customer.id and incident.id and review.id and letters and letters[0].id
    item_id = log_filed_item(database_url, clock, customer.id, summary=FILED)
    return Case(customer.id, incident.id, escalation_id, review.id, letters[0].id, item_id, recorded.appeal.appeal_id)


@pytest.fixture
async def running(database_url: str, connector: FakeConnector, clock: MutableClock) -> AsyncIterator[RunningBot]:
    bot = await start_bot(make_settings(database_url), connector, clock)
    yield bot
    await bot.close()


TYPED: dict[str, Any] = {
    "notes": "Approved by me.",
    "alternatives_considered": "true",
    "answer": "Here is my answer.",
    "reason": "Still abusive.",
    "customer_advised": "true",
    "owner_id": ALEX.aad_object_id,
    "address": "1 Stranger Street",
    "signatory_name": "Alex Stranger",
    "delivery_method": "post",
    "reasonable_adjustments": "Forged adjustment.",
    "communication_needs": "Forged need.",
    "channel": "email",
    "actions": "abusive",
    "description": "A forged correction.",
}
"""What the stranger types on the forged card before clicking: enough that only the refusal can stop it."""


def _records(database_url: str) -> str:
    """Every casework record the clicks could change (the audit trail is expected to grow)."""
    tables = (
        CustomerRecord,
        IncidentRecord,
        IncidentAmendmentRecord,
        EscalationRecord,
        VoteRecord,
        DecisionRecord,
        MeasureRecord,
        Review,
        LetterRecord,
        CorrespondenceItemRecord,
        AppealRecord,
        OmbudsmanSignpostingRecord,
    )
    engine = create_database_engine(database_url)
    try:
        with Session(engine) as session:
            return repr([sorted(repr(r) for r in session.exec(select(table)).all()) for table in tables])
    finally:
        engine.dispose()


async def _click(bot: RunningBot, user: User, verb: Verb, data: dict[str, Any]) -> tuple[Any, list[str]]:
    """The stranger's click, by Action.Execute where the verb may come that way, otherwise by Action.Submit: the
    invoke's answer, and everything the connector was sent for the clicker's chat because of it."""
    route = next(r for r in VERB_ROUTES if r.verb is verb)
    before = len(bot.connector.calls)
    if Arrival.EXECUTE in route.arrives_as:
        status, body = await bot.post(execute(user, verb.value, data, bot.connector.url, "card-1", channel=False))
    else:
        status, body = await bot.post(submit(user, {"verb": verb.value, **data}, bot.connector.url))
    assert status == 200
    sent = [
        json.dumps({"text": call.text, "cards": call.cards}, sort_keys=True)
        for call in bot.connector.calls[before:]
        if call.conversation_id == user.personal_conversation
    ]
    return body, sent


@pytest.mark.parametrize("verb", sorted(RECORD_KEY), ids=str)
async def test_a_strangers_click_reveals_nothing_for_an_existing_or_missing_record(
    case: Case, running: RunningBot, database_url: str, verb: Verb
) -> None:
    key = RECORD_KEY[verb]
    records_before = _records(database_url)

    existing = await _click(running, ALEX, verb, {**TYPED, key: case.record_id(key)})
    missing = await _click(running, ALEX, verb, {**TYPED, key: case.record_id(key) + 1000})

    shown = json.dumps(existing) + json.dumps(missing)
    for secret in CASE_DATA:
        assert secret not in shown, f"{verb} showed {secret!r} to a stranger"
    assert existing == missing, "the refusal must not say whether the record exists"
    assert existing[0] is not None or existing[1], "the stranger is told something"
    assert _records(database_url) == records_before, "a refused click changes nothing"


async def test_a_refused_decision_click_answers_with_the_short_refusal_card(case: Case, running: RunningBot) -> None:
    body, _ = await _click(running, ALEX, Verb.ESCALATION_APPROVE, {"escalation_id": case.escalation_id})
    card = body["value"]
    assert card["body"][0]["text"] == REFUSAL_HEADING
    assert "actions" not in card


async def test_a_refresh_by_the_team_is_audited(case: Case, running: RunningBot, database_url: str) -> None:
    body, _ = await _click(running, HARPER, Verb.ESCALATION_REFRESH, {"escalation_id": case.escalation_id})
    assert "Jane Smith" in all_text(body["value"])
    viewed = audited(database_url, "escalation.viewed")
    assert [(e.actor_id, e.record_id) for e in viewed] == [(HARPER.aad_object_id, str(case.escalation_id))]
    assert audited(database_url, "escalation.view_refused") == []


async def test_a_refresh_by_a_stranger_is_refused_and_audited(
    case: Case, running: RunningBot, database_url: str
) -> None:
    for escalation_id in (case.escalation_id, case.escalation_id + 1000):
        body, _ = await _click(running, ALEX, Verb.ESCALATION_REFRESH, {"escalation_id": escalation_id})
        assert all_text(body["value"]).startswith(REFUSAL_HEADING)
    refused = audited(database_url, "escalation.view_refused")
    assert [(e.actor_id, e.record_id, e.detail) for e in refused] == [
        (ALEX.aad_object_id, str(case.escalation_id), {"reason": "no need to know"}),
        (ALEX.aad_object_id, str(case.escalation_id + 1000), {"reason": "not on record"}),
    ]
    assert audited(database_url, "escalation.viewed") == []


async def test_the_requester_may_see_their_escalation_but_not_vote_on_it(
    case: Case, running: RunningBot, database_url: str
) -> None:
    """Morgan asked for it (s11.2): entitled to the card's content, so shown it; voting is the determination team's
    (s2.6), so Morgan's vote is refused at the door like anyone's off the team, and nothing is recorded."""
    body, _ = await _click(running, MORGAN, Verb.ESCALATION_REFRESH, {"escalation_id": case.escalation_id})
    assert "Jane Smith" in all_text(body["value"])
    votes_before = rows(database_url, VoteRecord)
    body, _ = await _click(
        running, MORGAN, Verb.ESCALATION_DECLINE, {"escalation_id": case.escalation_id, "notes": "No."}
    )
    assert all_text(body["value"]).startswith(REFUSAL_HEADING)
    assert "Only the determination team can use this." in all_text(body["value"])
    assert len(rows(database_url, VoteRecord)) == len(votes_before)


async def test_the_line_manager_and_the_review_owner_still_see_their_cards(case: Case, running: RunningBot) -> None:
    """The refusals are for strangers only: Morgan, Sam's line manager and the review's owner, acts as before."""
    body, _ = await _click(running, MORGAN, Verb.INCIDENT_NO_FURTHER_ACTION, {"incident_id": case.incident_id})
    assert DESCRIPTION in all_text(body["value"]) and "recorded by Morgan Manager" in all_text(body["value"])
    body, _ = await _click(
        running,
        MORGAN,
        Verb.REVIEW_LIFT,
        {"review_id": case.review_id, "customer_advised": "true", "reason": "No further incidents."},
    )
    assert "Jane Smith" in all_text(body["value"])


@pytest.mark.parametrize("verb", sorted(RECORD_KEY), ids=str)
async def test_an_id_no_record_can_have_is_answered_not_a_server_error(
    case: Case, running: RunningBot, database_url: str, verb: Verb
) -> None:
    """2**31 is past the INTEGER keys of both databases: PostgreSQL would refuse it in the query itself."""
    records_before = _records(database_url)
    body, sent = await _click(running, ALEX, verb, {**TYPED, RECORD_KEY[verb]: 2**31})
    assert body is not None or sent
    assert _records(database_url) == records_before
