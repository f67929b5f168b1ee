"""Reviews of measures (s13): scheduling, decisions, reassignment, and the claims that make each reminder and
each overdue escalation happen once however many sweeps run."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from casework.entities import DueReview, ScheduledReview
from casework.ports import UnitOfWork
from casework.vocabulary import MeasureKind, ReviewOutcome
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW

LEAD = timedelta(days=14)
CLAIM_FOR = timedelta(minutes=10)


def scheduled(uow: UnitOfWork, measure_id: int, *due: datetime) -> list[ScheduledReview]:
    for due_at in due:
        uow.reviews.schedule(measure_id, due_at)
    return list(uow.reviews.for_measure(measure_id))


def claim(uow: UnitOfWork, claimant: str, now: datetime = NOW, limit: int = 100) -> list[DueReview]:
    return list(uow.reviews.claim_reminders(now + LEAD, now, now + CLAIM_FOR, claimant, limit))


def test_reviews_are_scheduled_soonest_first_and_get_and_get_for_update_agree(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        later, sooner = NOW + timedelta(days=90), NOW + timedelta(days=30)
        reviews = scheduled(uow, measure_id, later, sooner)
        uow.commit()
    assert [(r.measure_id, r.due_at) for r in reviews] == [(measure_id, sooner), (measure_id, later)]
    assert reviews[0] == ScheduledReview(measure_id, sooner, id=reviews[0].id)

    with new_uow() as uow:
        assert uow.reviews.get(reviews[0].id) == reviews[0]
        assert uow.reviews.get_for_update(reviews[0].id) == reviews[0]
        assert uow.reviews.get(reviews[0].id) == reviews[0]
        missing = reviews[0].id + reviews[1].id + 100
        assert uow.reviews.get(missing) is None and uow.reviews.get_for_update(missing) is None


def test_a_decision_saves_what_was_decided_and_nothing_else(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        (review,) = scheduled(uow, measure_id, NOW)
        uow.commit()

    decided = replace(
        review,
        decided_at=NOW + timedelta(hours=1),
        outcome=ReviewOutcome.EXTEND,
        decided_by="owner",
        reason="Still shouting.",
        customer_advised=False,
        not_advised_reason="No address.",
        owner_id="someone-else",  # not a decision: reassign() changes the owner
        last_escalated_at=NOW,
    )
    with new_uow() as uow:
        uow.reviews.save_decision(decided)
        uow.commit()

    with new_uow() as uow:
        assert uow.reviews.get(review.id) == replace(decided, owner_id=None, last_escalated_at=None)


def test_open_reviews_are_undecided_due_and_of_measures_not_ended(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        _, ended_id = records.customer_with_measure(uow, "Peter Brown", ended_at=NOW - timedelta(days=1))
        week, day, month = (NOW + timedelta(days=n) for n in (7, 1, 30))
        reviews = scheduled(uow, measure_id, week, day, month)
        scheduled(uow, ended_id, day)
        uow.reviews.save_decision(replace(reviews[1], decided_at=NOW, outcome=ReviewOutcome.LIFT, decided_by="owner"))
        uow.commit()

    with new_uow() as uow:
        assert [r.due_at for r in uow.reviews.open_reviews(NOW + timedelta(days=30))] == [day, month]
        assert [r.due_at for r in uow.reviews.open_reviews(NOW + timedelta(days=29))] == [day]


def test_an_overdue_review_is_escalated_once_per_interval(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        _, ended_id = records.customer_with_measure(uow, "Peter Brown", ended_at=NOW - timedelta(hours=1))
        overdue = scheduled(
            uow, measure_id, NOW - timedelta(days=2), NOW - timedelta(days=1), NOW, NOW + timedelta(days=1)
        )
        scheduled(uow, ended_id, NOW - timedelta(days=3))
        uow.commit()

    with new_uow() as uow:
        first = uow.reviews.claim_overdue(NOW, NOW - timedelta(days=1), limit=1)
        rest = uow.reviews.claim_overdue(NOW, NOW - timedelta(days=1), limit=10)
        uow.commit()
    assert [r.id for r in first] == [overdue[0].id]  # soonest first; due exactly now is not overdue yet
    assert [r.id for r in rest] == [overdue[1].id]
    assert all(r.last_escalated_at == NOW for r in [*first, *rest])

    with new_uow() as uow:
        # An hour on, only the review that has just become overdue; a day on, the first two again.
        soon = uow.reviews.claim_overdue(NOW + timedelta(hours=1), NOW + timedelta(hours=1) - timedelta(days=1), 10)
        assert [r.id for r in soon] == [overdue[2].id]
        again = uow.reviews.claim_overdue(NOW + timedelta(days=1), NOW, limit=10)
        assert [r.id for r in again] == [overdue[0].id, overdue[1].id]


def test_reminders_are_claimed_once_sent_once_and_released_for_another_sweep(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow, "Jane Doe", kind=MeasureKind.RESTRICTION)
        _, ended_id = records.customer_with_measure(uow, "Peter Brown", ended_at=NOW - timedelta(hours=1))
        _, ending_id = records.customer_with_measure(uow, "Ann Other", ended_at=NOW + timedelta(days=1))
        due = scheduled(uow, measure_id, NOW - timedelta(days=1), NOW + LEAD, NOW + LEAD + timedelta(days=1))
        (ending,) = scheduled(uow, ending_id, NOW + timedelta(days=3))
        scheduled(uow, ended_id, NOW)
        uow.reviews.reassign(due[1].id, "deputy")
        uow.commit()

    with new_uow() as uow:
        claimed = claim(uow, "sweep-a")
        assert claim(uow, "sweep-b") == []  # live claims are not taken
        uow.commit()
    assert claimed == [
        DueReview(due[0].id, measure_id, "Jane Doe", MeasureKind.RESTRICTION, due[0].due_at, "owner"),
        DueReview(ending.id, ending_id, "Ann Other", MeasureKind.FORMAL_WARNING, ending.due_at, "owner"),
        DueReview(due[1].id, measure_id, "Jane Doe", MeasureKind.RESTRICTION, due[1].due_at, "deputy"),
    ]  # soonest first; due exactly at the lead is due; the reassigned review goes to its new owner

    sent_at = NOW + timedelta(minutes=1)
    with new_uow() as uow:
        assert not uow.reviews.mark_reminded(due[0].id, "sweep-b", sent_at)  # not theirs
        assert uow.reviews.mark_reminded(due[0].id, "sweep-a", sent_at)
        assert not uow.reviews.mark_reminded(due[0].id, "sweep-a", sent_at)  # once
        assert not uow.reviews.release_claim(due[0].id, "sweep-a")  # sent: nothing to give back
        assert not uow.reviews.release_claim(ending.id, "sweep-b")
        assert uow.reviews.release_claim(ending.id, "sweep-a")
        uow.commit()

    with new_uow() as uow:
        sent = uow.reviews.get(due[0].id)
        assert sent is not None and sent.reminder_sent_at == sent_at
        assert [r.review_id for r in claim(uow, "sweep-b", NOW + timedelta(minutes=2))] == [ending.id]  # released
        uow.commit()

    later = NOW + CLAIM_FOR + timedelta(seconds=1)  # sweep-a's claim on due[1] has expired
    with new_uow() as uow:
        assert [r.review_id for r in claim(uow, "sweep-c", later)] == [due[1].id]
        assert not uow.reviews.mark_reminded(due[1].id, "sweep-a", later)  # the claim was lost
        assert uow.reviews.mark_reminded(due[1].id, "sweep-c", later)
        uow.commit()

    with new_uow() as uow:
        # Sent reminders are never claimed again, nor one whose measure has ended by then.
        assert [r.review_id for r in claim(uow, "sweep-d", NOW + timedelta(days=1))] == [due[2].id]


def test_a_reassigned_review_gets_a_new_reminder_for_its_new_owner(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        (review,) = scheduled(uow, measure_id, NOW + timedelta(days=1))
        (claimed,) = claim(uow, "sweep-a")
        assert uow.reviews.mark_reminded(review.id, "sweep-a", NOW)
        uow.commit()
    assert claimed.case_owner_id == "owner"

    with new_uow() as uow:
        uow.reviews.reassign(review.id, "deputy")
        uow.commit()

    with new_uow() as uow:
        assert uow.reviews.get(review.id) == replace(review, owner_id="deputy", reminder_sent_at=None)
        assert [r.case_owner_id for r in claim(uow, "sweep-b")] == ["deputy"]
