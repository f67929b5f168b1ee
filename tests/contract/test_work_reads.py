"""The read side of "my work" (CaseReads.work_for): the same items, in the same order, on every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.entities import NewCustomer, StaffMember
from casework.ports import WorkFacts
from casework.vocabulary import (
    EscalationKind,
    EscalationState,
    LetterKind,
    ManagerOutcome,
    MeasureKind,
    SeriousThreat,
)
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW, escalation, incident, letter, measure

DUE_BEFORE = NOW + timedelta(days=7)


def _work(new_uow: NewUnitOfWork) -> None:
    """Lee line-manages Sam; Owen owns Jane's warning and its letters; Morgan asked about Jane and was asked a
    question; Harper is on the team; Pat is nobody here. Each kind also has an item for someone else, or one that is
    no longer waiting, so that nothing leaks between people or states."""
    with new_uow() as uow:
        for member in (
            StaffMember("harper", "Harper Team", is_determination_team=True),
            StaffMember("lee", "Lee Manager"),
            StaffMember("sam", "Sam Officer", line_manager_id="lee"),
            StaffMember("alex", "Alex Officer", line_manager_id="someone-else"),
            StaffMember("morgan", "Morgan Requester"),
            StaffMember("owen", "Owen Owner"),
            StaffMember("pat", "Pat Elsewhere"),
        ):
            uow.staff.save(member)
        jane = uow.customers.add(NewCustomer(name="Jane Smith")).id
        peter = uow.customers.add(NewCustomer(name="Peter Brown")).id
        # Discussions: two of Sam's waiting (the later one first in the table), one recorded, one of Alex's.
        later = uow.incidents.add(incident(jane, "k1", reported_by="sam", occurred_at=NOW - timedelta(hours=1)))
        uow.incidents.assign_reference(later.id, "INC-2")
        earlier = uow.incidents.add(incident(peter, "k2", reported_by="sam", occurred_at=NOW - timedelta(days=1)))
        uow.incidents.assign_reference(earlier.id, "INC-1")
        done = uow.incidents.add(incident(jane, "k3", reported_by="sam"))
        uow.incidents.record_manager_outcome(done.id, ManagerOutcome.NO_FURTHER_ACTION, "lee", NOW)
        uow.incidents.add(incident(jane, "k4", reported_by="alex"))
        # Escalations: Morgan's question, a pending immediate restriction, an approved one, Pat's question.
        asked = escalation(jane, requested_by="morgan", state=EscalationState.MORE_INFORMATION, question="When?")
        question = uow.escalations.add(asked).id
        pending = escalation(
            peter,
            requested_at=NOW - timedelta(days=2),
            requested_by="pat",
            kind=EscalationKind.RESTRICTION,
            serious_threat=SeriousThreat.CREDIBLE_THREAT_TO_HARM,
        )
        uow.escalations.add(pending)
        approved = uow.escalations.add(escalation(jane, requested_by="morgan", state=EscalationState.APPROVED)).id
        uow.escalations.add(escalation(peter, requested_by="pat", state=EscalationState.MORE_INFORMATION))
        uow.escalations.add(escalation(peter, requested_by="morgan", state=EscalationState.DECLINED))
        # Measures and reviews: Owen's warning due soon, a restriction reassigned from Owen to Lee, one due later,
        # one of an ended measure, one decided.
        warning = uow.measures.add(measure(jane, approved, case_owner_id="owen")).id
        uow.reviews.schedule(warning, NOW + timedelta(days=3))
        restriction = uow.measures.add(measure(peter, approved, case_owner_id="owen", kind=MeasureKind.RESTRICTION)).id
        uow.reviews.schedule(restriction, NOW - timedelta(days=1))
        uow.reviews.schedule(restriction, NOW + timedelta(days=30))
        ended = uow.measures.add(measure(jane, approved, case_owner_id="owen", ended_at=NOW - timedelta(days=1))).id
        uow.reviews.schedule(ended, NOW)
        # Letters: the warning's v1 superseded by v2 (a draft), an issued restriction letter, an ended measure's
        # lifting letter (a draft still to issue), and a letter of Pat's case.
        uow.letters.add(letter(warning, 1, created_at=NOW - timedelta(days=2)))
        uow.letters.add(letter(warning, 2, created_at=NOW - timedelta(days=1)))
        issued = uow.letters.add(letter(restriction, 1, kind=LetterKind.RESTRICTION)).id
        uow.letters.mark_issued(issued, NOW, "owen", b"docx")
        uow.letters.add(letter(ended, 1, kind=LetterKind.LIFTING))
        others = uow.measures.add(measure(peter, approved, case_owner_id="pat")).id
        uow.letters.add(letter(others, 1))
        uow.commit()
    with new_uow() as uow:
        for review in uow.reviews.for_measure(restriction):
            if review.due_at < NOW:
                uow.reviews.reassign(review.id, "lee")
        uow.commit()
    assert question


def _read(new_uow: NewUnitOfWork, viewer: str) -> WorkFacts:
    with new_uow() as uow:
        return uow.reads.work_for(viewer, DUE_BEFORE)


def test_a_line_manager_sees_the_discussions_of_the_people_they_manage_oldest_first(new_uow: NewUnitOfWork) -> None:
    _work(new_uow)
    work = _read(new_uow, "lee")
    assert [(d.reference, d.customer_name, d.reporter_name) for d in work.discussions] == [
        ("INC-1", "Peter Brown", "Sam Officer"),
        ("INC-2", "Jane Smith", "Sam Officer"),
    ]
    assert [(r.customer_name, r.measure_kind, r.due_at) for r in work.reviews] == [
        ("Peter Brown", MeasureKind.RESTRICTION, NOW - timedelta(days=1))
    ]
    assert (work.letters, work.questions, work.decisions, work.viewer_is_determination_team) == ((), (), (), False)


def test_a_case_owner_sees_their_reviews_due_and_their_newest_unissued_letters(new_uow: NewUnitOfWork) -> None:
    _work(new_uow)
    work = _read(new_uow, "owen")
    assert [(r.customer_name, r.due_at) for r in work.reviews] == [("Jane Smith", NOW + timedelta(days=3))]
    assert [(x.customer_name, x.kind, x.version) for x in work.letters] == [
        ("Jane Smith", LetterKind.FORMAL_WARNING, 2),
        ("Jane Smith", LetterKind.LIFTING, 1),
    ]
    assert all(x.reference.startswith("UCA-") for x in work.letters)
    with new_uow() as uow:
        stored = uow.letters.get(work.letters[0].letter_id)
    assert stored is not None and stored.version == 2 and stored.issued_at is None
    assert (work.discussions, work.questions, work.decisions) == ((), (), ())


def test_a_requester_sees_the_teams_questions_waiting_for_their_answer(new_uow: NewUnitOfWork) -> None:
    _work(new_uow)
    work = _read(new_uow, "morgan")
    assert [(q.customer_name, q.question, q.state) for q in work.questions] == [
        ("Jane Smith", "When?", EscalationState.MORE_INFORMATION)
    ]
    assert (work.discussions, work.reviews, work.letters, work.decisions) == ((), (), (), ())


def test_a_team_member_sees_every_escalation_waiting_for_the_team(new_uow: NewUnitOfWork) -> None:
    _work(new_uow)
    work = _read(new_uow, "harper")
    assert work.viewer_is_determination_team
    assert [(d.customer_name, d.kind, d.is_immediate, d.state) for d in work.decisions] == [
        ("Peter Brown", EscalationKind.RESTRICTION, True, EscalationState.PENDING),
        ("Jane Smith", EscalationKind.FORMAL_WARNING, False, EscalationState.MORE_INFORMATION),
        ("Peter Brown", EscalationKind.FORMAL_WARNING, False, EscalationState.MORE_INFORMATION),
    ]
    assert (work.discussions, work.reviews, work.letters, work.questions) == ((), (), (), ())


@pytest.mark.parametrize("viewer", ["pat-unknown", "sam", "alex", ""])
def test_someone_with_nothing_waiting_gets_nothing(new_uow: NewUnitOfWork, viewer: str) -> None:
    _work(new_uow)
    assert _read(new_uow, viewer) == WorkFacts(False, (), (), (), (), ())
