"""Queuing review reminders (casework/reviews.py, s13.1) over the in-memory unit of work: each reminder is marked
and written to the outbox for its owner in one transaction, once. Reminders through Teams, with faults and several
instances, are in test_reviews.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework import reviews
from casework.entities import personal_chat
from casework.vocabulary import MessagePurpose
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.scenarios import MANAGER, START, approved, restriction_request
from tests.scenarios import clock as clock  # fixtures, found by pytest where they are imported
from tests.scenarios import team as team
from tests.scenarios import uow as uow

LEAD = timedelta(days=7)


def queue(uow: FakeUnitOfWork, clock: FakeClock, limit: int = 100) -> int:
    return reviews.queue_due_reminders(uow, clock, LEAD, limit)


def reminders(uow: FakeUnitOfWork) -> list[tuple[str, int]]:
    """(addressee, review id) of every review reminder in the outbox, oldest first."""
    return [
        (row.message.addressee, int(row.message.subject["review_id"]))
        for _, row in sorted(uow.state.outbox.items())
        if row.message.purpose is MessagePurpose.REVIEW_REMINDER
    ]


@pytest.fixture
def review_due(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> datetime:
    """A restriction approved at START, whose review falls due three months later."""
    approved(uow, clock)
    (measure,) = uow.state.measures.values()
    return measure.review_due_at


def test_a_reminder_is_queued_for_its_owner_once_it_is_within_the_lead_time(
    uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime
) -> None:
    clock.now = review_due - LEAD - timedelta(microseconds=1)
    assert queue(uow, clock) == 0
    assert reminders(uow) == []

    clock.now = review_due - LEAD
    before = uow.committed
    assert queue(uow, clock) == 1

    assert uow.committed == before + 1  # marked and queued together
    (review_id,) = uow.state.reviews
    assert reminders(uow) == [(personal_chat(MANAGER.user_id), review_id)]
    assert uow.state.reviews[review_id].reminder_sent_at == clock.now


def test_a_queued_reminder_is_never_queued_again(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    assert queue(uow, clock) == 1
    clock.advance(timedelta(days=2))
    assert queue(uow, clock) == 0
    assert len(reminders(uow)) == 1


def test_reminders_are_queued_earliest_due_first_up_to_the_limit(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    clock.now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    approved(uow, clock, restriction_request("Later Customer"))
    clock.now = START
    approved(uow, clock, restriction_request("Earlier Customer"))
    clock.now = datetime(2027, 3, 6, 10, 0, tzinfo=UTC)

    assert queue(uow, clock, limit=1) == 1
    assert queue(uow, clock, limit=1) == 1
    assert queue(uow, clock) == 0
    measures = {m.id: m.customer_id for m in uow.state.measures.values()}
    names = {c.id: c.name for c in uow.state.customers.values()}
    order = [names[measures[uow.state.reviews[review_id].measure_id]] for _, review_id in reminders(uow)]
    assert order == ["Earlier Customer", "Later Customer"]


def test_no_reminder_for_a_measure_that_has_ended(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    (measure,) = uow.state.measures.values()
    measure.ended_at = review_due - timedelta(days=30)
    clock.now = review_due

    assert queue(uow, clock) == 0
    assert reminders(uow) == []
