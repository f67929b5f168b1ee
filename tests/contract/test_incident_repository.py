"""Incidents: round trips with every detail, one incident per submission, time windows, and the first outcome."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from casework.customer_query import interpret
from casework.entities import NewCustomer
from casework.errors import AlreadyRecorded
from casework.vocabulary import (
    ActingParty,
    ContactChannel,
    ImmediateStep,
    ManagerOutcome,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork

BST = timezone(timedelta(hours=1))


def test_an_incident_round_trips_with_every_detail_and_its_reference(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        reported = records.incident(
            customer_id,
            "reporter:form-1",
            occurred_at=datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=UTC),
            channel=ContactChannel.IN_PERSON,
            actions=(UnreasonableAction.ABUSIVE_OR_THREATENING, UnreasonableAction.LIVE_BROADCAST),
            description="Shouted at reception.\nFilmed staff.",
            service_area=ServiceArea.HOUSING,
            acting_party=ActingParty.REPRESENTATIVE,
            representative_name="Ms Agent",
            immediate_steps=(ImmediateStep.WARNED, ImmediateStep.ASKED_TO_LEAVE),
            informal_warning_given=True,
            safeguarding_concern=True,
            support_need=True,
            serious_threats=(SeriousThreat.THREAT_TO_DAMAGE_PREMISES,),
        )
        stored = uow.incidents.add(reported)
        uow.incidents.assign_reference(stored.id, "INC-2026-0001")
        uow.commit()

    with new_uow() as uow:
        assert uow.incidents.get(stored.id) == replace(stored, reference="INC-2026-0001")
        assert uow.incidents.by_submission_key("reporter:form-1") == replace(stored, reference="INC-2026-0001")
        assert uow.incidents.by_submission_key("reporter:nope") is None
        assert uow.incidents.get(stored.id + 100) is None


def test_a_repeated_submission_key_is_already_recorded_and_the_unit_of_work_goes_on(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        first = uow.incidents.add(records.incident(customer_id, "same-key"))
        uow.commit()

    with new_uow() as uow:
        uow.customers.add(NewCustomer("Added Before"))
        with pytest.raises(AlreadyRecorded):
            uow.incidents.add(records.incident(customer_id, "same-key", description="A retry."))
        uow.customers.add(NewCustomer("Added After"))
        uow.commit()

    with new_uow() as uow:
        assert uow.incidents.for_customer(customer_id) == [first]
        assert [c.name for c in uow.customers.search(interpret("Added"))] == ["Added Before", "Added After"]


def test_a_customers_incidents_come_oldest_first_and_windows_compare_instants(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        other_id = uow.customers.add(NewCustomer("Peter Brown")).id
        later = uow.incidents.add(records.incident(customer_id, "k-later", datetime(2026, 7, 1, 9, 30, tzinfo=BST)))
        earlier = uow.incidents.add(
            records.incident(customer_id, "k-earlier", datetime(2026, 6, 30, 23, 0, tzinfo=UTC))
        )
        tied = uow.incidents.add(records.incident(customer_id, "k-tied", datetime(2026, 7, 1, 8, 30, tzinfo=UTC)))
        uow.incidents.add(records.incident(other_id, "k-other", reported_by="someone-else"))
        uow.commit()

    with new_uow() as uow:
        assert [i.id for i in uow.incidents.for_customer(customer_id)] == [earlier.id, later.id, tied.id]
        since = uow.incidents.for_customer_since
        # The bound is inclusive and an instant, whatever zone it is given in.
        assert [i.id for i in since(customer_id, datetime(2026, 7, 1, 0, 0, tzinfo=BST))] == [
            earlier.id,
            later.id,
            tied.id,
        ]
        assert [i.id for i in since(customer_id, datetime(2026, 7, 1, 9, 30, tzinfo=BST))] == [later.id, tied.id]
        assert since(customer_id, datetime(2026, 7, 2, tzinfo=UTC)) == []
        assert [i.id for i in uow.incidents.with_ids([tied.id, earlier.id, 999_999])] == [earlier.id, tied.id]
        assert uow.incidents.with_ids([]) == []
        assert uow.incidents.reporters_for(customer_id) == {"reporter"}
        assert uow.incidents.reporters_for(other_id + 100) == set()


def test_only_the_first_manager_outcome_is_kept(new_uow: NewUnitOfWork) -> None:
    decided = datetime(2026, 7, 2, 9, 0, tzinfo=BST)
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        incident = uow.incidents.add(records.incident(customer_id, "k1"))
        assert uow.incidents.record_manager_outcome(incident.id, ManagerOutcome.ESCALATE, "manager", decided)
        uow.commit()

    with new_uow() as uow:
        assert not uow.incidents.record_manager_outcome(
            incident.id, ManagerOutcome.NO_FURTHER_ACTION, "other", decided + timedelta(hours=1)
        )
        uow.commit()

    with new_uow() as uow:
        stored = uow.incidents.get(incident.id)
        assert stored is not None
        assert (stored.manager_outcome, stored.manager_outcome_by, stored.manager_outcome_at) == (
            ManagerOutcome.ESCALATE,
            "manager",
            decided,
        )
