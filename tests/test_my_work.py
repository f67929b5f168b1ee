""" "My work" (issue 15) over the in-memory unit of work: each kind of waiting item is listed for the person it waits
for, its card opens again for them, and anyone else is refused without learning anything about the record."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cards.escalation import decision_card, information_request_card
from cards.incident import manager_discussion_card
from cards.my_work import NOTHING_WAITING, UNDELIVERED, my_work_card
from cards.review import review_card
from casework import escalations, incidents, my_work, staff
from casework.audit import AuditAction
from casework.entities import Actor, StaffMember
from casework.errors import CaseworkError
from casework.my_work import NOT_YOURS, AlreadyAnswered, NotYours
from casework.views import MyWorkView, UndeliveredMessage, WorkItem
from casework.vocabulary import ManagerOutcome
from tests.card_schema import validate_card
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.scenarios import (
    ADMIN,
    DECIDER,
    MANAGER,
    RULES,
    STAFF,
    START,
    approved,
    clock,
    escalate,
    submission,
    team,
    uow,
    warning_request,
)
from tests.teams import all_text

__all__ = ["clock", "team", "uow"]  # fixtures, used by name

LINE = Actor("u-line", "Lee Line")
"""Sam's line manager, not on the determination team."""
LEAD = timedelta(days=7)


@pytest.fixture
def line_manager(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    staff.register_staff(uow, ADMIN, StaffMember(LINE.user_id, LINE.name), clock)


def work(uow: FakeUnitOfWork, clock: FakeClock, actor: Actor) -> MyWorkView:
    return my_work.my_work(uow, actor, clock, LEAD, timedelta(days=5))


def refusals(uow: FakeUnitOfWork) -> list[str]:
    return [e.detail["record_type"] for e in uow.state.audit if e.action == AuditAction.WORK_ITEM_REFUSED.value]


def test_someone_with_nothing_waiting_is_told_so_plainly(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    view = work(uow, clock, STAFF)
    assert view.is_empty and view.undelivered == ()
    card = my_work_card(view)
    validate_card(card)
    assert NOTHING_WAITING in all_text(card) and "actions" not in card


def test_a_line_manager_is_asked_for_the_discussion_until_it_is_recorded(
    uow: FakeUnitOfWork, clock: FakeClock, line_manager: None
) -> None:
    reported = incidents.report_incident(uow, STAFF, submission(line_manager_id=LINE.user_id), clock)
    view = work(uow, clock, LINE)
    (item,) = view.discussions
    assert (item.record_id, item.customer_name) == (reported.incident.incident_id, "Jane Smith")
    assert reported.reference in item.what and STAFF.name in item.what
    assert (view.reviews, view.letters, view.questions, view.decisions) == ((), (), (), ())

    summary = my_work.discussion_item(uow, LINE, item.record_id, clock)
    card = manager_discussion_card(summary)
    validate_card(card)
    assert {a.get("verb") or a["data"]["verb"] for a in card["actions"]} >= {
        "incident.no_further_action",
        "incident.escalate",
    }

    incidents.record_manager_outcome(uow, LINE, item.record_id, ManagerOutcome.NO_FURTHER_ACTION, clock)
    assert work(uow, clock, LINE).discussions == ()


def test_a_review_due_is_listed_for_its_owner_overdue_once_past_its_date(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    approved(uow, clock)  # Mia asked, so she owns the restriction and its review
    assert work(uow, clock, MANAGER).reviews == ()  # not due for 3 months
    (row,) = uow.state.reviews.values()
    clock.now = row.due_at - timedelta(days=6)
    (item,) = work(uow, clock, MANAGER).reviews
    assert (item.record_id, item.what, item.overdue) == (row.id, "Restriction review", False)
    clock.now = row.due_at + timedelta(days=1)
    assert work(uow, clock, MANAGER).reviews[0].overdue
    assert work(uow, clock, DECIDER).reviews == ()  # the team sees every review in `reviews`, not here

    card = review_card(my_work.review_item(uow, MANAGER, row.id, clock))
    validate_card(card)
    assert {a["verb"] for a in card["actions"]} == {"review.lift", "review.extend", "review.reassign"}


def test_the_case_owner_is_given_their_newest_draft_letters(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    approved(uow, clock)
    (item,) = work(uow, clock, MANAGER).letters
    (letter,) = uow.state.letters.values()
    assert item.record_id == letter.id and "Restriction of contact letter, version 1" in item.what
    view = my_work.letter_item(uow, MANAGER, item.record_id, clock)
    assert (view.letter_id, view.case_owner_id) == (letter.id, MANAGER.user_id)
    uow.state.letters[letter.id].issued_at = clock()
    assert work(uow, clock, MANAGER).letters == ()


def test_the_requester_is_given_the_teams_question_until_they_answer_it(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock, warning_request())
    escalations.ask_for_information(uow, DECIDER, escalation_id, "Which dates were the calls?", clock, RULES)
    (item,) = work(uow, clock, MANAGER).questions
    assert (item.record_id, item.note) == (escalation_id, "Which dates were the calls?")
    card = information_request_card(my_work.question_item(uow, MANAGER, escalation_id, clock, RULES))
    validate_card(card)
    assert card["actions"][0]["data"] == {"verb": "escalation.answer", "escalation_id": escalation_id}

    escalations.answer_escalation(uow, MANAGER, escalation_id, "The 3rd and the 9th.", clock, RULES)
    assert work(uow, clock, MANAGER).questions == ()
    with pytest.raises(AlreadyAnswered):
        my_work.question_item(uow, MANAGER, escalation_id, clock, RULES)


def test_the_team_is_given_the_pending_decisions_and_nobody_else_is(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock, warning_request())
    (item,) = work(uow, clock, DECIDER).decisions
    assert (item.record_id, item.what, item.overdue) == (escalation_id, "Formal warning", False)
    assert work(uow, clock, STAFF).decisions == ()
    card = decision_card(my_work.decision_item(uow, DECIDER, escalation_id, clock, RULES))
    validate_card(card)
    assert any(a.get("verb") == "escalation.approve" for a in card["actions"])


def test_someone_not_entitled_is_refused_every_item_alike_and_the_refusal_is_audited(
    uow: FakeUnitOfWork, clock: FakeClock, line_manager: None
) -> None:
    reported = incidents.report_incident(uow, STAFF, submission(line_manager_id=LINE.user_id), clock)
    approved(uow, clock, warning_request("Peter Brown"))
    asked = escalate(uow, clock, warning_request("Ann Other"))
    escalations.ask_for_information(uow, DECIDER, asked, "When?", clock, RULES)
    (review,) = uow.state.reviews.values()
    (letter,) = uow.state.letters.values()
    items = {
        "incident": lambda record_id: my_work.discussion_item(uow, STAFF, record_id, clock),
        "review": lambda record_id: my_work.review_item(uow, STAFF, record_id, clock),
        "letter": lambda record_id: my_work.letter_item(uow, STAFF, record_id, clock),
        "question": lambda record_id: my_work.question_item(uow, STAFF, record_id, clock, RULES),
        "decision": lambda record_id: my_work.decision_item(uow, STAFF, record_id, clock, RULES),
    }
    real = {
        "incident": reported.incident.incident_id,
        "review": review.id,
        "letter": letter.id,
        "question": asked,
        "decision": asked,
    }
    messages = set()
    for kind, open_item in items.items():
        for record_id in (real[kind], 999):  # someone else's record, and one that does not exist
            with pytest.raises(NotYours) as refused:
                open_item(record_id)
            messages.add(str(refused.value))
    assert messages == {NOT_YOURS}, "a refusal says nothing about the record, not even whether it exists"
    assert len(refusals(uow)) == 10
    assert work(uow, clock, STAFF).is_empty


def test_the_card_shows_every_kind_with_a_button_carrying_only_a_verb_and_an_id() -> None:
    when = datetime(2026, 11, 30, 10, 0, tzinfo=START.tzinfo)
    view = MyWorkView(
        discussions=(WorkItem(1, "Jane Smith", "Incident INC-2026-0001 reported by Sam Staff", when),),
        reviews=(WorkItem(2, "Jane Smith", "Restriction review", when, overdue=True),),
        letters=(WorkItem(3, "Jane Smith", "Formal warning letter, version 2 (UCA/1/formal_warning/v2)", when),),
        questions=(WorkItem(4, "Jane Smith", "Restriction", when, note="Which dates?"),),
        decisions=(WorkItem(5, "Peter Brown", "Formal warning", when, note="Waiting for the requester's answer"),),
        undelivered=(UndeliveredMessage(6, "The s8.6 discussion card for INC-2026-0002", when),),
    )
    card = my_work_card(view)
    validate_card(card)
    text = all_text(card)
    for expected in (
        "Discussions to record (s8.6) (1)",
        "OVERDUE – Jane Smith: Restriction review, due 30 Nov 2026, 10:00",
        "Draft letters to check and issue (1)",
        "Which dates?",
        "Decisions waiting for the determination team (1)",
        f"{UNDELIVERED} (1)",
    ):
        assert expected in text
    buttons = [a["data"] for element in card["body"] if element["type"] == "ActionSet" for a in element["actions"]]
    assert buttons == [
        {"verb": "work.discussion", "incident_id": 1},
        {"verb": "work.review", "review_id": 2},
        {"verb": "work.letter", "letter_id": 3},
        {"verb": "work.question", "escalation_id": 4},
        {"verb": "work.decision", "escalation_id": 5},
    ]
    assert not my_work_card(view).get("actions")
    assert issubclass(NotYours, CaseworkError)
