"""Correspondence on file (s16): items logged once per form, a review recorded once, the unreviewed listed by
reviewer and age, and an overdue item claimed for the team once however many sweeps run."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from casework.entities import CorrespondenceItem, NewCorrespondenceItem
from casework.errors import AlreadyRecorded
from casework.vocabulary import ContactChannel, CorrespondenceOutcome, ServiceArea
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW


def item(measure_id: int, key: str, logged_at: datetime = NOW, reviewer: str = "owner") -> NewCorrespondenceItem:
    return NewCorrespondenceItem(
        measure_id, date(2026, 11, 27), ContactChannel.LETTER, "Asks again.", "DMS-1", "clerk", logged_at, reviewer, key
    )


def test_an_item_is_stored_as_logged_and_the_same_form_twice_is_refused(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        stored = uow.correspondence.add(item(measure_id, "form-1"))
        uow.commit()
    assert stored == CorrespondenceItem(**vars(item(measure_id, "form-1")), id=stored.id)
    with new_uow() as uow:
        assert uow.correspondence.get(stored.id) == stored
        assert uow.correspondence.by_submission_key("form-1") == stored
        assert uow.correspondence.get(stored.id + 100) is None and uow.correspondence.by_submission_key("x") is None
        with pytest.raises(AlreadyRecorded):
            uow.correspondence.add(item(measure_id, "form-1"))


def test_a_review_is_recorded_once_and_leaves_the_unreviewed(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id, measure_id = records.customer_with_measure(uow)
        first = uow.correspondence.add(item(measure_id, "a", NOW - timedelta(days=6)))
        second = uow.correspondence.add(item(measure_id, "b", NOW, reviewer="someone else"))
        uow.commit()
    with new_uow() as uow:
        assert [d.item_id for d in uow.correspondence.unreviewed(None, None)] == [first.id, second.id]
        assert [d.item_id for d in uow.correspondence.unreviewed("owner", None)] == [first.id]
        assert [d.item_id for d in uow.correspondence.unreviewed(None, NOW - timedelta(days=5))] == [first.id]
        (due,) = uow.correspondence.unreviewed("owner", None)
        assert (due.received_on, due.logged_at, due.reviewer_id) == (date(2026, 11, 27), first.logged_at, "owner")
        assert due.customer_name
        outcome = CorrespondenceOutcome.NEW_INFORMATION
        assert uow.correspondence.record_review(first.id, outcome, ServiceArea.HOUSING, "Heating.", "owner", NOW)
        assert not uow.correspondence.record_review(first.id, outcome, None, "Again.", "other", NOW)
        uow.commit()
    with new_uow() as uow:
        reviewed = uow.correspondence.get(first.id)
        assert reviewed is not None
        assert (reviewed.outcome, reviewed.service_area, reviewed.review_notes, reviewed.reviewed_by) == (
            outcome,
            ServiceArea.HOUSING,
            "Heating.",
            "owner",
        )
        assert [d.item_id for d in uow.correspondence.unreviewed(None, None)] == [second.id]
        assert [i.id for i in uow.correspondence.for_customer(customer_id)] == [first.id, second.id]
        assert uow.correspondence.for_customer(customer_id + 100) == []


def test_an_overdue_item_is_claimed_once(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        old = uow.correspondence.add(item(measure_id, "old", NOW - timedelta(days=6)))
        uow.correspondence.add(item(measure_id, "new", NOW))
        uow.commit()
    with new_uow() as uow:
        (claimed,) = uow.correspondence.claim_overdue(NOW - timedelta(days=5), NOW, 100)
        uow.commit()
    assert claimed.id == old.id and claimed.escalated_at == NOW
    with new_uow() as uow:
        assert uow.correspondence.claim_overdue(NOW - timedelta(days=5), NOW + timedelta(days=1), 100) == []
        assert uow.correspondence.get(old.id) == claimed
