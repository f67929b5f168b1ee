"""Incident amendments (issue 16): the amended fields and the version move on together, every amendment is kept with
its before and after, and a second amendment built on the same version is refused and changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casework.entities import NewCustomer, NewIncidentAmendment
from casework.errors import AlreadyRecorded
from casework.vocabulary import ContactChannel, ImmediateStep, ServiceArea, UnreasonableAction
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork

REPORTED = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _amendment(incident_id: int, version: int, **changes: Any) -> NewIncidentAmendment:
    new = NewIncidentAmendment(
        incident_id=incident_id,
        version=version,
        amended_at=REPORTED + timedelta(hours=version),
        amended_by="reporter",
        reason="Typed the wrong channel.",
        before={"channel": "email"},
        after={"channel": "telephone"},
    )
    return replace(new, **changes)


def test_an_amendment_changes_the_incident_and_keeps_what_it_was(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        incident = uow.incidents.add(records.incident(customer_id, "k1", reported_at=REPORTED))
        uow.commit()
    assert incident.version == 1
    amended = replace(
        incident,
        occurred_at=REPORTED - timedelta(days=1),
        channel=ContactChannel.TELEPHONE,
        service_area=ServiceArea.HOUSING,
        actions=(UnreasonableAction.ABUSIVE_OR_THREATENING,),
        immediate_steps=(ImmediateStep.ENDED_CALL,),
        description="Shouted on the phone.\nTwice.",
        informal_warning_given=True,
    )
    with new_uow() as uow:
        stored = uow.incidents.amend(amended, _amendment(incident.id, 2))
        uow.commit()
    assert stored.id and stored.version == 2 and stored.after == {"channel": "telephone"}
    with new_uow() as uow:
        found = uow.incidents.get(incident.id)
        (kept,) = uow.incidents.amendments_for([incident.id])
    assert found is not None
    assert found == replace(amended, version=2)
    assert found.reported_at == REPORTED and found.submission_key == "k1"
    assert kept == stored
    assert kept.reason == "Typed the wrong channel." and kept.before == {"channel": "email"}


def test_amendments_are_listed_by_incident_and_version(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        first = uow.incidents.add(records.incident(customer_id, "k1"))
        second = uow.incidents.add(records.incident(customer_id, "k2"))
        uow.incidents.amend(replace(second, version=1), _amendment(second.id, 2))
        uow.incidents.amend(replace(first, version=1), _amendment(first.id, 2))
        uow.incidents.amend(replace(first, version=2), _amendment(first.id, 3, reason="And the date."))
        uow.commit()
    with new_uow() as uow:
        listed = uow.incidents.amendments_for([first.id, second.id])
        assert uow.incidents.amendments_for([]) == []
        assert uow.incidents.amendments_for([second.id + 100]) == []
    assert [(a.incident_id, a.version) for a in listed] == [(first.id, 2), (first.id, 3), (second.id, 2)]
    assert listed[1].reason == "And the date."


def test_a_second_amendment_of_the_same_version_is_refused_and_changes_nothing(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        incident = uow.incidents.add(records.incident(customer_id, "k1"))
        uow.incidents.amend(replace(incident, description="First correction."), _amendment(incident.id, 2))
        uow.commit()
    with new_uow() as uow, pytest.raises(AlreadyRecorded):
        uow.incidents.amend(replace(incident, description="Racing correction."), _amendment(incident.id, 2))
    with new_uow() as uow:
        found = uow.incidents.get(incident.id)
        assert found is not None and found.description == "First correction." and found.version == 2
        assert len(uow.incidents.amendments_for([incident.id])) == 1
