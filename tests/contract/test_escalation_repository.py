"""Escalations with their evidence, votes and decision: round trips, one vote each, one decision, and chasing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from casework.entities import Decision, NewCustomer, RestrictionTerms, Vote
from casework.errors import AlreadyRecorded
from casework.vocabulary import ContactRestriction, DecisionOutcome, EscalationKind, EscalationState, SeriousThreat
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW


def test_an_escalation_round_trips_with_its_incidents_and_get_and_get_for_update_agree(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        first, _, third = (uow.incidents.add(records.incident(customer_id, f"k{n}")).id for n in range(3))
        stored = uow.escalations.add(
            records.escalation(
                customer_id,
                kind=EscalationKind.RESTRICTION,
                incident_ids=(third, first),
                serious_threat=SeriousThreat.CREDIBLE_THREAT_TO_HARM,
                legal_advice_reference="LEGAL-7",
                investigation_reference="HS-1",
                restrictions=(ContactRestriction.WRITTEN_ONLY, ContactRestriction.NO_PHYSICAL_ACCESS),
                terms=RestrictionTerms(named_contact="Housing Officer", calls_per_week=2, scope="housing"),
            )
        )
        uow.commit()
    assert stored.incident_ids == (first, third)  # a set of links, in id order

    with new_uow() as uow:
        assert uow.escalations.get(stored.id) == stored
        assert uow.escalations.get_for_update(stored.id) == stored
        assert uow.escalations.get(stored.id) == stored  # and after the lock, the same again
        assert uow.escalations.for_customer(customer_id) == [stored]
        assert uow.escalations.get(stored.id + 100) is None
        assert uow.escalations.get_for_update(stored.id + 100) is None


def test_after_an_escalation_is_read_its_incidents_and_customer_read_as_in_a_fresh_unit_of_work(
    new_uow: NewUnitOfWork,
) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        later = uow.incidents.add(records.incident(customer_id, "k-later", NOW + timedelta(hours=2))).id
        earlier = uow.incidents.add(records.incident(customer_id, "k-earlier", NOW)).id
        stored = uow.escalations.add(records.escalation(customer_id, incident_ids=(later, earlier)))
        uow.commit()
    with new_uow() as uow:
        fresh_incidents = uow.incidents.with_ids([later, earlier])
        fresh_customer = uow.customers.get(customer_id)
    assert [incident.id for incident in fresh_incidents] == [earlier, later]  # oldest first

    for read in ("get", "get_for_update"):
        with new_uow() as uow:
            escalation = getattr(uow.escalations, read)(stored.id)
            assert escalation is not None
            assert uow.incidents.with_ids(escalation.incident_ids) == fresh_incidents
            assert uow.incidents.with_ids([later]) == [fresh_incidents[1]]
            assert uow.customers.get(customer_id) == fresh_customer


def test_state_question_answer_and_card_are_saved(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        stored = uow.escalations.add(records.escalation(customer_id))
        uow.commit()

    with new_uow() as uow:
        loaded = uow.escalations.get_for_update(stored.id)
        assert loaded is not None
        asked = replace(loaded, state=EscalationState.MORE_INFORMATION, question="Which dates?", answer="1 and 3 May")
        uow.escalations.save_state(asked)
        uow.escalations.record_card(stored.id, "19:team@thread", "activity-1")
        uow.commit()

    with new_uow() as uow:
        assert uow.escalations.get(stored.id) == replace(
            asked, card_conversation_id="19:team@thread", card_activity_id="activity-1"
        )


def test_an_escalation_is_decided_once(new_uow: NewUnitOfWork) -> None:
    first = Decision(0, DecisionOutcome.APPROVE, "first", NOW, "Agreed.")
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        escalation_id = uow.escalations.add(records.escalation(customer_id)).id
        assert uow.escalations.decision_for(escalation_id) is None
        uow.escalations.add_decision(replace(first, escalation_id=escalation_id))
        uow.commit()

    with new_uow() as uow:
        with pytest.raises(AlreadyRecorded):
            uow.escalations.add_decision(Decision(escalation_id, DecisionOutcome.DECLINE, "second", NOW))
        uow.escalations.record_card(escalation_id, "19:team", "a-2")  # the unit of work goes on
        uow.commit()

    with new_uow() as uow:
        assert uow.escalations.decision_for(escalation_id) == replace(first, escalation_id=escalation_id)
        loaded = uow.escalations.get(escalation_id)
        assert loaded is not None and loaded.card_activity_id == "a-2"


def test_each_member_votes_once_and_votes_come_in_the_order_given(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        escalation_id = uow.escalations.add(records.escalation(customer_id)).id
        other_id = uow.escalations.add(records.escalation(customer_id)).id
        later = Vote(escalation_id, "m1", DecisionOutcome.APPROVE, NOW + timedelta(minutes=5), "Yes.", True)
        earlier = Vote(escalation_id, "m2", DecisionOutcome.DECLINE, NOW, "No.")
        uow.escalations.add_vote(later)
        uow.escalations.add_vote(earlier)
        uow.escalations.add_vote(Vote(other_id, "m1", DecisionOutcome.APPROVE, NOW))
        uow.commit()

    with new_uow() as uow:
        with pytest.raises(AlreadyRecorded):
            uow.escalations.add_vote(Vote(escalation_id, "m1", DecisionOutcome.DECLINE, NOW + timedelta(hours=1)))
        assert uow.escalations.votes_for(escalation_id) == [earlier, later]
        assert uow.escalations.votes_for(other_id + 100) == []


def test_waiting_and_overdue_escalations_oldest_first(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        jane = uow.customers.add(NewCustomer("Jane Doe")).id
        peter = uow.customers.add(NewCustomer("Peter Brown")).id
        add = uow.escalations.add
        newest = add(records.escalation(jane, NOW, requested_by="manager-a")).id
        asked = add(records.escalation(peter, NOW - timedelta(days=3), state=EscalationState.MORE_INFORMATION)).id
        oldest = add(records.escalation(peter, NOW - timedelta(days=5), requested_by="manager-b")).id
        add(records.escalation(jane, NOW - timedelta(days=9), state=EscalationState.APPROVED))
        add(records.escalation(jane, NOW - timedelta(days=9), state=EscalationState.DECLINED))
        uow.commit()

    with new_uow() as uow:
        assert [e.id for e in uow.escalations.waiting()] == [oldest, asked, newest]
        assert [e.id for e in uow.escalations.pending_since_before(NOW - timedelta(days=1))] == [oldest]
        assert [e.id for e in uow.escalations.pending_since_before(NOW)] == [oldest, newest]  # at the cutoff too
        assert uow.escalations.requesters_for(jane) == {"manager-a", "requester"}
        assert uow.escalations.requesters_for(peter) == {"manager-b", "requester"}
        assert [e.requested_at for e in uow.escalations.for_customer(jane)] == sorted(
            e.requested_at for e in uow.escalations.for_customer(jane)
        )


def test_a_pending_escalation_is_chased_once_per_interval(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        pending = uow.escalations.add(records.escalation(customer_id)).id
        approved = uow.escalations.add(records.escalation(customer_id, state=EscalationState.APPROVED)).id
        uow.commit()

    chased_at = NOW + timedelta(days=2)
    with new_uow() as uow:
        assert uow.escalations.claim_chase(pending, chased_at, not_since=NOW)
        assert not uow.escalations.claim_chase(approved, chased_at, not_since=NOW)
        uow.commit()

    with new_uow() as uow:
        # Another sweep that has not waited since the chase loses; one that has waited long enough wins.
        assert not uow.escalations.claim_chase(pending, chased_at + timedelta(hours=1), not_since=NOW)
        assert uow.escalations.claim_chase(pending, chased_at + timedelta(days=2), not_since=chased_at)
        uow.commit()

    with new_uow() as uow:
        loaded = uow.escalations.get(pending)
        assert loaded is not None and loaded.last_chased_at == chased_at + timedelta(days=2)
