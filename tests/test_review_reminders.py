"""Claiming review reminders (casework/reviews.py, s13.1) over the in-memory unit of work: each is sent once, by
whichever sweep holds its claim. Reminders through Teams, with faults and several instances, are in test_reviews.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework import reviews
from casework.vocabulary import MeasureKind
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.scenarios import MANAGER, START, approved, restriction_request
from tests.scenarios import clock as clock  # fixtures, found by pytest where they are imported
from tests.scenarios import team as team
from tests.scenarios import uow as uow

LEAD = timedelta(days=7)
CLAIM_FOR = timedelta(minutes=10)


def claim(uow: FakeUnitOfWork, clock: FakeClock, claimant: str, limit: int = 100):
    return reviews.claim_due_reminders(uow, clock, LEAD, claimant, CLAIM_FOR, limit)


@pytest.fixture
def review_due(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> datetime:
    """A restriction approved at START, whose review falls due three months later."""
    approved(uow, clock)
    (measure,) = uow.state.measures.values()
    return measure.review_due_at


def test_a_reminder_is_claimed_once_it_is_within_the_lead_time(
    uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime
) -> None:
    clock.now = review_due - LEAD - timedelta(microseconds=1)
    assert claim(uow, clock, "sweep-a") == []

    clock.now = review_due - LEAD
    before = uow.committed
    (due,) = claim(uow, clock, "sweep-a")

    assert uow.committed == before + 1
    (measure,) = uow.state.measures.values()
    assert (due.measure_id, due.customer_name, due.measure_kind) == (measure.id, "Jane Smith", MeasureKind.RESTRICTION)
    assert (due.due_at, due.case_owner_id) == (review_due, MANAGER.user_id)
    review = uow.state.reviews[due.review_id]
    assert (review.reminder_claimed_by, review.reminder_claimed_until) == ("sweep-a", clock.now + CLAIM_FOR)


def test_a_live_claim_keeps_other_sweeps_off(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (due,) = claim(uow, clock, "sweep-a")

    assert claim(uow, clock, "sweep-b") == []
    assert claim(uow, clock, "sweep-a") == []
    clock.advance(CLAIM_FOR)  # the claim runs until this instant
    assert claim(uow, clock, "sweep-b") == []
    assert uow.state.reviews[due.review_id].reminder_claimed_by == "sweep-a"


def test_an_expired_claim_can_be_claimed_again(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (first,) = claim(uow, clock, "sweep-a")

    clock.advance(CLAIM_FOR + timedelta(microseconds=1))
    (second,) = claim(uow, clock, "sweep-b")

    assert second.review_id == first.review_id
    assert uow.state.reviews[second.review_id].reminder_claimed_by == "sweep-b"
    # The crashed sweep comes back too late: its claim was lost, so it may not mark the reminder sent.
    assert reviews.confirm_reminder_sent(uow, first, "sweep-a", clock) is False
    assert uow.events("review.reminder_sent") == []
    assert reviews.confirm_reminder_sent(uow, second, "sweep-b", clock) is True


def test_a_sent_reminder_is_never_claimed_again(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (due,) = claim(uow, clock, "sweep-a")
    clock.advance(timedelta(seconds=3))

    assert reviews.confirm_reminder_sent(uow, due, "sweep-a", clock) is True

    assert uow.state.reviews[due.review_id].reminder_sent_at == clock.now
    (event,) = uow.events("review.reminder_sent")
    assert (event.actor_id, event.record_type, event.record_id) == ("system", "review", str(due.review_id))
    assert event.detail == {"recipient": MANAGER.user_id}
    clock.advance(CLAIM_FOR * 10)
    assert claim(uow, clock, "sweep-b") == []
    assert reviews.confirm_reminder_sent(uow, due, "sweep-a", clock) is False
    assert len(uow.events("review.reminder_sent")) == 1


def test_a_released_reminder_is_claimable_at_once(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (due,) = claim(uow, clock, "sweep-a")

    reviews.release_reminder(uow, due, "sweep-a", "Teams said 403: " + "x" * 600, clock)

    (event,) = uow.events("review.reminder_failed")
    assert (event.actor_id, event.record_type, event.record_id) == ("system", "review", str(due.review_id))
    assert event.detail["reason"].startswith("Teams said 403: ")
    assert len(event.detail["reason"]) == 500
    (again,) = claim(uow, clock, "sweep-b")
    assert again.review_id == due.review_id


def test_only_the_claimant_can_release_a_claim(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (due,) = claim(uow, clock, "sweep-a")

    reviews.release_reminder(uow, due, "sweep-b", "not mine", clock)

    assert claim(uow, clock, "sweep-c") == []
    assert uow.state.reviews[due.review_id].reminder_claimed_by == "sweep-a"
    assert uow.events("review.reminder_failed") == []  # nothing was released, so nothing failed


def test_reminders_are_claimed_earliest_due_first_up_to_the_limit(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    clock.now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    approved(uow, clock, restriction_request("Later Customer"))
    clock.now = START
    approved(uow, clock, restriction_request("Earlier Customer"))
    clock.now = datetime(2027, 3, 6, 10, 0, tzinfo=UTC)

    (first,) = claim(uow, clock, "sweep-a", limit=1)
    (second,) = claim(uow, clock, "sweep-a", limit=1)

    assert (first.customer_name, second.customer_name) == ("Earlier Customer", "Later Customer")
    assert claim(uow, clock, "sweep-a") == []


def test_no_reminder_for_a_measure_that_has_ended(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    (measure,) = uow.state.measures.values()
    measure.ended_at = review_due - timedelta(days=30)
    clock.now = review_due

    assert claim(uow, clock, "sweep-a") == []
