"""Measures: round trips with their restrictions and terms, a new review date, and ending."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from casework.entities import NewCustomer, RestrictionTerms
from casework.vocabulary import ContactRestriction, EscalationState, MeasureKind
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW


def test_a_measure_round_trips_gets_a_new_review_date_and_ends(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        other_id = uow.customers.add(NewCustomer("Peter Brown")).id
        escalation_id = uow.escalations.add(records.escalation(customer_id, state=EscalationState.APPROVED)).id
        restriction = uow.measures.add(
            records.measure(
                customer_id,
                escalation_id,
                kind=MeasureKind.RESTRICTION,
                restrictions=(ContactRestriction.NAMED_CONTACT, ContactRestriction.LIMITED_CALLS),
                terms=RestrictionTerms(named_contact="Jane Doe, Housing Officer", call_minutes=10, calls_per_week=1),
            )
        )
        warning = uow.measures.add(records.measure(customer_id, escalation_id, ended_at=NOW - timedelta(days=1)))
        uow.commit()

    with new_uow() as uow:
        assert uow.measures.get(restriction.id) == restriction
        assert uow.measures.get(restriction.id + warning.id + 100) is None
        assert sorted(uow.measures.for_customer(customer_id), key=lambda m: m.id) == [restriction, warning]
        assert uow.measures.for_customer(other_id) == []
        uow.measures.set_review_due(restriction.id, NOW + timedelta(days=180))
        uow.measures.end(restriction.id, NOW + timedelta(days=1))
        uow.commit()

    with new_uow() as uow:
        assert uow.measures.get(restriction.id) == replace(
            restriction, review_due_at=NOW + timedelta(days=180), ended_at=NOW + timedelta(days=1)
        )
