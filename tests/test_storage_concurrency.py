"""Real concurrency on both databases: threads racing on decisions, reminder sweeps, repeated reports, a new
customer and a new person, each settled by the database (row locks, unique keys, advisory locks, upserts)."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from casework.commands import EscalationRequest, IncidentSubmission
from casework.entities import Actor, Incident, NewCustomer, NewEscalation, NewMeasure, StaffMember
from casework.errors import CustomerChoiceNeeded
from casework.escalations import decide_escalation, request_escalation
from casework.incidents import report_incident
from casework.reviews import queue_due_reminders
from casework.staff import register_staff, remember_actor
from casework.views import IncidentConfirmation
from casework.vocabulary import DecisionOutcome, EscalationKind, EscalationState, MeasureKind
from storage.repositories.customers import SqlCustomers
from storage.repositories.incidents import SqlIncidents
from storage.repositories.staff import SqlStaff
from storage.tables import (
    AuditEventRecord,
    CustomerRecord,
    DecisionRecord,
    EscalationRecord,
    IncidentRecord,
    MeasureRecord,
    OutboxMessageRecord,
    Review,
    VoteRecord,
)
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock
from tests.scenarios import RULES
from tests.storage_checks import count, run_together

ADMIN = Actor("admin", "Admin")
REPORTER = Actor("reporter", "Sam Staff")
REQUESTER = Actor("requester", "Morgan Manager")


def _pending_warning(engine: Engine, clock: MutableClock) -> int:
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(REQUESTER.user_id, REQUESTER.name), clock)
    reporter = StaffMember(REPORTER.user_id, REPORTER.name, line_manager_id=REQUESTER.user_id)
    register_staff(SqlUnitOfWork(engine), ADMIN, reporter, clock)
    report_incident(
        SqlUnitOfWork(engine),
        REPORTER,
        IncidentSubmission(
            submission_key="reporter:f1",
            customer_name="Jane Doe",
            channel="telephone",
            actions=("abusive",),
            description="Swore at me.",
        ),
        clock,
    )
    view = request_escalation(
        SqlUnitOfWork(engine),
        REQUESTER,
        EscalationRequest(
            customer_name="Jane Doe", kind="formal_warning", reason="Repeated abuse.", no_warning_reason="Serious."
        ),
        clock,
        rules=RULES,
    ).escalation
    assert view.state is EscalationState.PENDING
    return view.escalation_id


def test_twenty_deciders_at_once_record_exactly_one_decision(engine: Engine, clock: MutableClock) -> None:
    escalation_id = _pending_warning(engine, clock)
    deciders = [Actor(f"decider-{n:02d}", f"Decider {n}") for n in range(20)]
    for decider in deciders:
        register_staff(
            SqlUnitOfWork(engine), ADMIN, StaffMember(decider.user_id, decider.name, is_determination_team=True), clock
        )

    results = run_together(
        20,
        lambda n: decide_escalation(
            SqlUnitOfWork(engine),
            deciders[n],
            escalation_id,
            DecisionOutcome.APPROVE,
            f"approved by {n}",
            clock,
            alternatives_considered=True,
            rules=RULES,
        ),
    )

    winners = [n for n, result in enumerate(results) if result.recorded_now]
    assert len(winners) == 1
    assert all(result.refusal is None for result in results)
    assert {result.escalation.state for result in results} == {EscalationState.APPROVED}
    assert {result.escalation.decided_by_name for result in results} == {deciders[winners[0]].name}
    with SqlUnitOfWork(engine) as uow:
        decision = uow.escalations.decision_for(escalation_id)
        assert decision is not None and decision.decided_by == deciders[winners[0]].user_id
    assert count(engine, DecisionRecord) == 1
    assert count(engine, VoteRecord) == 1  # a formal warning needs one approval; later clicks see it decided
    assert count(engine, EscalationRecord, col(EscalationRecord.state) == "approved") == 1
    assert count(engine, MeasureRecord) == 1
    assert count(engine, Review) == 1
    assert count(engine, AuditEventRecord, col(AuditEventRecord.action) == "escalation.approved") == 1


LEAD = timedelta(days=14)


CLAIM_FOR = timedelta(minutes=10)


def _measures_with_reviews(engine: Engine, clock: MutableClock) -> tuple[set[int], set[int]]:
    """30 due reviews (one exactly at the lead boundary) and a few that must never be claimed."""
    now = clock()
    due: set[int] = set()
    not_due: set[int] = set()
    with SqlUnitOfWork(engine) as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        escalation = uow.escalations.add(
            NewEscalation(
                customer_id=customer_id,
                kind=EscalationKind.FORMAL_WARNING,
                reason="r",
                requested_by="requester",
                requested_at=now,
                state=EscalationState.APPROVED,
            )
        )
        assert escalation.id is not None

        def review(due_at: datetime, ended_at: datetime | None = None) -> int:
            measure = uow.measures.add(
                NewMeasure(
                    customer_id=customer_id,
                    kind=MeasureKind.FORMAL_WARNING,
                    escalation_id=escalation.id or 0,
                    starts_at=now - timedelta(days=90),
                    review_due_at=due_at,
                    case_owner_id=f"owner-{len(due) + len(not_due)}",
                    ended_at=ended_at,
                )
            )
            assert measure.id is not None
            uow.reviews.schedule(measure.id, due_at)
            return measure.id

        for n in range(29):
            due.add(review(now - timedelta(days=3) + timedelta(hours=n)))
        due.add(review(now + LEAD))  # due on or before now + lead: claimable
        not_due.add(review(now + LEAD + timedelta(days=7)))
        not_due.add(review(now - timedelta(days=1), ended_at=now - timedelta(hours=1)))  # measure no longer in force
        uow.commit()
    return due, not_due


def _queue(engine: Engine, clock: MutableClock, limit: int = 100) -> int:
    return queue_due_reminders(SqlUnitOfWork(engine), clock, LEAD, limit)


def test_concurrent_sweeps_queue_every_due_review_exactly_once(engine: Engine, clock: MutableClock) -> None:
    due_measures, _ = _measures_with_reviews(engine, clock)

    def sweep(index: int) -> int:
        queued = 0
        while batch := _queue(engine, clock, limit=4):
            queued += batch
        return queued

    first, second = run_together(2, sweep)

    assert first + second == len(due_measures)
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessageRecord).where(OutboxMessageRecord.purpose == "review_reminder"))
        review_ids = Counter(int(row.subject["review_id"]) for row in rows)
        reviews_of = {r.id: r.measure_id for r in session.exec(select(Review))}
    assert [review_id for review_id, times in review_ids.items() if times > 1] == []
    assert {reviews_of[review_id] for review_id in review_ids} == due_measures
    clock.advance(timedelta(days=1))
    assert _queue(engine, clock) == 0  # queued reminders are never queued again
    assert count(engine, Review, col(Review.reminder_sent_at).is_not(None)) == len(due_measures)


MANAGER = StaffMember("manager", "Morgan Manager")


def _report(engine: Engine, clock: MutableClock, reporter: str, key: str) -> IncidentConfirmation:
    submission = IncidentSubmission(
        submission_key=f"{reporter}:{key}",
        customer_name="Jane Doe",
        channel="telephone",
        actions=("abusive",),
        description="Swore at me.",
        line_manager_id=MANAGER.user_id,
    )
    return report_incident(SqlUnitOfWork(engine), Actor(reporter, reporter), submission, clock)


def _report_or_choice(
    engine: Engine, clock: MutableClock, reporter: str
) -> IncidentConfirmation | CustomerChoiceNeeded:
    try:
        return _report(engine, clock, reporter, "form-1")
    except CustomerChoiceNeeded as choice:
        return choice


def _meet_after(monkeypatch: pytest.MonkeyPatch, cls: type, method: str) -> None:
    """The first call of `method` in each of two threads waits for the other's, so both have read the database
    before either writes. SQLite's write lock keeps the second thread out until the first commits, so there the
    wait times out and the first carries on alone."""
    meeting = threading.Barrier(2, timeout=1)
    met = threading.local()
    original = getattr(cls, method)

    def read_then_meet(self: object, *args: object, **kwargs: object) -> object:
        found = original(self, *args, **kwargs)
        if not getattr(met, "done", False):
            met.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait()
        return found

    monkeypatch.setattr(cls, method, read_then_meet)


def test_retries_of_one_report_arriving_at_once_record_one_incident(engine: Engine, clock: MutableClock) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, MANAGER, clock)
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember("sam", "Sam"), clock)  # known, line manager not yet

    results = run_together(10, lambda _: _report_or_choice(engine, clock, "sam"))

    assert count(engine, IncidentRecord) == 1
    assert count(engine, CustomerRecord) == 1
    assert count(engine, AuditEventRecord, col(AuditEventRecord.action) == "staff.line_manager_set") == 1
    with SqlUnitOfWork(engine) as uow:
        sam = uow.staff.get("sam")
        assert sam is not None and sam.line_manager_id == MANAGER.user_id
    confirmations = [r for r in results if isinstance(r, IncidentConfirmation)]
    assert sum(not c.already_recorded for c in confirmations) == 1
    assert {c.reference for c in confirmations} == {"INC-2026-0001"}


def test_a_retry_racing_the_first_insert_of_a_report_is_answered_with_the_first(
    engine: Engine, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, MANAGER, clock)
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember("sam", "Sam", line_manager_id=MANAGER.user_id), clock)
    _meet_after(monkeypatch, SqlCustomers, "search")  # both find no incident and no customer, then both insert

    results = run_together(2, lambda _: _report(engine, clock, "sam", "form-1"))

    assert sorted(r.already_recorded for r in results) == [False, True]
    assert {r.reference for r in results} == {"INC-2026-0001"}
    assert count(engine, IncidentRecord) == 1
    assert count(engine, CustomerRecord) == 1  # the loser's customer went with its rolled-back transaction


def test_a_retry_arriving_while_the_first_commits_is_answered_with_the_first(
    engine: Engine, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, MANAGER, clock)
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember("sam", "Sam"), clock)
    first_done = threading.Event()
    role = threading.local()
    roles = iter(("first", "retry"))
    roles_lock = threading.Lock()
    by_submission_key = SqlIncidents.by_submission_key
    looked = threading.Barrier(2, timeout=1)

    def look_then_wait(self: SqlIncidents, submission_key: str) -> Incident | None:
        found = by_submission_key(self, submission_key)
        if getattr(role, "name", None) is None:
            with roles_lock:
                role.name = next(roles)
            with contextlib.suppress(threading.BrokenBarrierError):
                looked.wait()  # both have looked the key up (on SQLite the retry is still waiting for the lock)
            if role.name == "retry":
                first_done.wait(timeout=5)  # ... and the retry carries on only once the first has committed
        return found

    monkeypatch.setattr(SqlIncidents, "by_submission_key", look_then_wait)

    def submit(_: int) -> IncidentConfirmation | CustomerChoiceNeeded:
        try:
            return _report_or_choice(engine, clock, "sam")
        finally:
            if getattr(role, "name", None) == "first":
                first_done.set()

    outcomes = run_together(2, submit)

    assert all(isinstance(o, IncidentConfirmation) for o in outcomes), outcomes
    confirmations = [o for o in outcomes if isinstance(o, IncidentConfirmation)]
    assert sorted(c.already_recorded for c in confirmations) == [False, True]
    assert {c.reference for c in confirmations} == {"INC-2026-0001"}
    assert count(engine, IncidentRecord) == 1


def test_two_reports_about_the_same_new_customer_at_once_do_not_add_them_twice(
    engine: Engine, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, MANAGER, clock)
    for n in range(2):
        register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(f"reporter-{n}", f"Reporter {n}"), clock)
    _meet_after(monkeypatch, SqlCustomers, "search")

    outcomes = run_together(2, lambda n: _report_or_choice(engine, clock, f"reporter-{n}"))

    assert count(engine, CustomerRecord) == 1
    added = [o for o in outcomes if isinstance(o, IncidentConfirmation)]
    asked = [o for o in outcomes if isinstance(o, CustomerChoiceNeeded)]
    assert len(added) == 1 and len(asked) == 1
    assert [option.customer_id for option in asked[0].options] == [added[0].customer.customer_id]


def test_two_first_turns_from_a_new_person_at_once_remember_them_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _meet_after(monkeypatch, SqlStaff, "get")  # both see nobody by that id before either saves

    run_together(2, lambda _: remember_actor(SqlUnitOfWork(engine), Actor("new-person", "New Person")))

    with SqlUnitOfWork(engine) as uow:
        assert uow.staff.get("new-person") == StaffMember("new-person", "New Person")
