"""The read side (CaseReads): one query each in SQL, one port call at a time in the fake, the same answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.entities import NewCustomer, NewRepresentative, RecentIncident, StaffMember
from casework.vocabulary import ActingParty, ServiceArea
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW, escalation, incident, measure


def _case(new_uow: NewUnitOfWork) -> int:
    """Jane: a warning that ended and one in force, two representatives, an escalation asked for by Morgan, and an
    incident reported by Sam, whom Lee line-manages. Harper is on the determination team; Pat is nobody here."""
    with new_uow() as uow:
        for member in (
            StaffMember("harper", "Harper Team", is_determination_team=True),
            StaffMember("lee", "Lee Manager"),
            StaffMember("sam", "Sam Officer", line_manager_id="lee"),
            StaffMember("morgan", "Morgan Requester"),
            StaffMember("owen", "Owen Owner"),
            StaffMember("pat", "Pat Elsewhere"),
        ):
            uow.staff.save(member)
        jane = uow.customers.add(NewCustomer(name="Jane Smith")).id
        other = uow.customers.add(NewCustomer(name="Peter Brown")).id
        asked = uow.escalations.add(escalation(jane, requested_by="morgan")).id
        uow.measures.add(measure(jane, asked, case_owner_id="owen", ended_at=NOW - timedelta(days=1)))
        uow.measures.add(measure(jane, asked, case_owner_id="owen"))
        uow.representatives.add(NewRepresentative(jane, "Ann Advocate", "advocate", "written consent"))
        uow.representatives.add(NewRepresentative(jane, "Bob Brother", "brother", "power of attorney"))
        uow.incidents.add(incident(jane, "k1", reported_by="sam"))
        # Someone else's case, so that nothing about Peter counts for Jane.
        uow.escalations.add(escalation(other, requested_by="pat"))
        uow.commit()
    return jane


@pytest.mark.parametrize(
    ("viewer", "team", "manages"),
    [
        ("harper", True, False),
        ("owen", False, True),  # owns a measure (the ended one counts too)
        ("morgan", False, True),  # asked for an escalation about her
        ("lee", False, True),  # line-manages someone who reported an incident about her
        ("sam", False, False),  # reported, but reporters are not the case's managers
        ("pat", False, False),
        ("nobody-known", False, False),
        (None, False, False),
    ],
)
def test_a_customers_status_facts_are_the_same_on_every_store(
    new_uow: NewUnitOfWork, viewer: str | None, team: bool, manages: bool
) -> None:
    jane = _case(new_uow)
    with new_uow() as uow:
        facts = uow.reads.customer_status(jane, viewer)
        every_measure = tuple(uow.measures.for_customer(jane))
        representatives = tuple(uow.representatives.for_customer(jane))
    assert facts.measures == every_measure and len(every_measure) == 2
    assert facts.representatives == representatives
    assert [r.name for r in facts.representatives] == ["Ann Advocate", "Bob Brother"]
    assert (facts.viewer_is_determination_team, facts.viewer_manages_case) == (team, manages)


def test_a_customer_with_no_measures_or_representatives_has_empty_facts(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        peter = uow.customers.add(NewCustomer(name="Peter Brown")).id
        uow.commit()
    with new_uow() as uow:
        facts = uow.reads.customer_status(peter, "anyone")
    assert (facts.measures, facts.representatives) == ((), ())
    assert not facts.viewer_is_determination_team and not facts.viewer_manages_case


def test_the_people_on_a_card_are_those_named_and_the_whole_team(new_uow: NewUnitOfWork) -> None:
    _case(new_uow)
    with new_uow() as uow:
        people = uow.reads.people_on_card({"morgan", "sam", "not-on-record"})
        nobody_named = uow.reads.people_on_card(set())
    assert set(people) == {"morgan", "sam", "harper"}
    assert people["morgan"] == StaffMember("morgan", "Morgan Requester")
    assert set(nobody_named) == {"harper"}


def test_a_customers_incidents_since_a_time_come_with_the_status_facts_oldest_first(new_uow: NewUnitOfWork) -> None:
    jane = _case(new_uow)  # one incident at NOW
    with new_uow() as uow:
        uow.incidents.add(
            incident(
                jane,
                "k2",
                occurred_at=NOW - timedelta(days=3, microseconds=250),
                service_area=ServiceArea.HOUSING,
                matter_reference="CMP-12",
                acting_party=ActingParty.REPRESENTATIVE,
                representative_name="Rob Smith",
            )
        )
        uow.incidents.add(incident(jane, "k3", occurred_at=NOW - timedelta(days=40)))
        uow.commit()
    with new_uow() as uow:
        assert uow.reads.customer_status(jane, None).recent_incidents == ()
        facts = uow.reads.customer_status(jane, "harper", NOW - timedelta(days=30))
    assert facts.recent_incidents == (
        RecentIncident(NOW - timedelta(days=3, microseconds=250), ServiceArea.HOUSING, "CMP-12", True),
        RecentIncident(NOW, ServiceArea.OTHER, "", False),
    )
    assert facts.viewer_is_determination_team
    assert len(facts.measures) == 2
