"""A record that is not there: reading it gives None, changing it is the caller's mistake (LookupError), and a
claim on it is simply not won (False), on every backend alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType

import pytest

from casework.entities import Customer, Escalation, ScheduledReview
from casework.ports import UnitOfWork
from casework.vocabulary import DeliveryMethod, EscalationKind, ManagerOutcome
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW

MISSING = 424242

CHANGES: Mapping[str, Callable[[UnitOfWork], object]] = MappingProxyType(
    {
        "customers.update": lambda uow: uow.customers.update(Customer("Nobody", id=MISSING)),
        "incidents.assign_reference": lambda uow: uow.incidents.assign_reference(MISSING, "INC-2026-9999"),
        "escalations.save_state": lambda uow: uow.escalations.save_state(
            Escalation(MISSING, EscalationKind.FORMAL_WARNING, "r", "requester", NOW, id=MISSING)
        ),
        "escalations.record_card": lambda uow: uow.escalations.record_card(MISSING, "19:team", "a-1"),
        "measures.set_review_due": lambda uow: uow.measures.set_review_due(MISSING, NOW),
        "measures.end": lambda uow: uow.measures.end(MISSING, NOW),
        "reviews.save_decision": lambda uow: uow.reviews.save_decision(ScheduledReview(MISSING, NOW, id=MISSING)),
        "reviews.reassign": lambda uow: uow.reviews.reassign(MISSING, "deputy"),
        "letters.mark_issued": lambda uow: uow.letters.mark_issued(MISSING, NOW, "officer", None),
        "letters.record_delivery": lambda uow: uow.letters.record_delivery(
            MISSING, DeliveryMethod.POST, date.today(), None
        ),
        "letters.mark_collected": lambda uow: uow.letters.mark_collected(MISSING, date.today(), "Jane Smith"),
    }
)

CLAIMS: Mapping[str, Callable[[UnitOfWork], bool]] = MappingProxyType(
    {
        "incidents.record_manager_outcome": lambda uow: uow.incidents.record_manager_outcome(
            MISSING, ManagerOutcome.ESCALATE, "manager", NOW
        ),
        "escalations.claim_chase": lambda uow: uow.escalations.claim_chase(MISSING, NOW, NOW),
        "reviews.mark_reminded": lambda uow: uow.reviews.mark_reminded(MISSING, "sweep", NOW),
        "reviews.release_claim": lambda uow: uow.reviews.release_claim(MISSING, "sweep"),
    }
)


def test_reading_a_missing_record_gives_none(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        assert uow.customers.get(MISSING) is None
        assert uow.incidents.get(MISSING) is None
        assert uow.escalations.get(MISSING) is None
        assert uow.escalations.decision_for(MISSING) is None
        assert uow.measures.get(MISSING) is None
        assert uow.reviews.get(MISSING) is None
        assert uow.letters.get(MISSING) is None
        assert uow.staff.get("nobody") is None


@pytest.mark.parametrize("change", CHANGES)
def test_changing_a_missing_record_raises_lookup_error(new_uow: NewUnitOfWork, change: str) -> None:
    with new_uow() as uow, pytest.raises(LookupError):
        CHANGES[change](uow)


@pytest.mark.parametrize("claim", CLAIMS)
def test_a_claim_on_a_missing_record_is_not_won(new_uow: NewUnitOfWork, claim: str) -> None:
    with new_uow() as uow:
        assert CLAIMS[claim](uow) is False
