"""Complaints and appeals, Ombudsman signposting, and what an appeal's outcome changes on a measure and its review:
the same on the fakes, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from casework.entities import NewAppeal, NewCustomer, NewOmbudsmanSignposting, RestrictionTerms
from casework.vocabulary import (
    AppealedDecision,
    AppealKind,
    AppealOutcome,
    ContactChannel,
    ContactRestriction,
    EscalationState,
    MeasureKind,
)
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW


def test_an_appeal_round_trips_is_open_until_its_outcome_and_the_outcome_is_recorded_once(
    new_uow: NewUnitOfWork,
) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        other_id = uow.customers.add(NewCustomer("Peter Brown")).id
        escalation_id = uow.escalations.add(records.escalation(customer_id, state=EscalationState.APPROVED)).id
        measure_id = uow.measures.add(records.measure(customer_id, escalation_id, kind=MeasureKind.RESTRICTION)).id
        appeal = uow.appeals.add(
            NewAppeal(
                customer_id=customer_id,
                measure_id=measure_id,
                kind=AppealKind.COMPLAINT,
                decision=AppealedDecision.RESTRICTION,
                received_on=date(2026, 11, 27),
                channel=ContactChannel.EMAIL,
                grounds="Not fair.",
                recorded_by="u-staff",
                recorded_at=NOW,
            )
        )
        uow.commit()

    with new_uow() as uow:
        assert uow.appeals.get(appeal.id) == appeal
        assert uow.appeals.get_for_update(appeal.id) == appeal
        assert uow.appeals.get(appeal.id + 100) is None
        assert uow.appeals.for_customer(customer_id) == [appeal]
        assert uow.appeals.for_customer(other_id) == []
        assert uow.appeals.open_appeals() == [appeal]
        assert uow.reads.customer_status(customer_id, None).appealed_measure_ids == {measure_id}
        uow.appeals.record_card(appeal.id, "19:team@thread.tacv2", "activity-7")
        appeal = replace(appeal, card_conversation_id="19:team@thread.tacv2", card_activity_id="activity-7")
        assert uow.appeals.get(appeal.id) == appeal
        decided = replace(
            appeal,
            outcome=AppealOutcome.VARIED,
            reasons="Too broad.",
            decided_by="u-decider",
            decided_at=NOW + timedelta(hours=1),
            new_review_due_at=NOW + timedelta(days=30),
        )
        assert uow.appeals.save_outcome(decided)
        assert not uow.appeals.save_outcome(replace(decided, outcome=AppealOutcome.LIFTED))
        uow.commit()

    with new_uow() as uow:
        assert uow.appeals.get(appeal.id) == decided
        assert uow.appeals.open_appeals() == []
        assert uow.reads.customer_status(customer_id, None).appealed_measure_ids == frozenset()


def test_signpostings_are_kept_per_customer(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        other_id = uow.customers.add(NewCustomer("Peter Brown")).id
        first = uow.appeals.add_signposting(
            NewOmbudsmanSignposting(customer_id, "Council tax 2025", date(2026, 11, 30), "u-owner", NOW)
        )
        second = uow.appeals.add_signposting(
            NewOmbudsmanSignposting(customer_id, "Parking permit", date(2026, 11, 30), "u-owner", NOW)
        )
        uow.commit()

    with new_uow() as uow:
        assert uow.appeals.signpostings_for(customer_id) == [first, second]
        assert uow.appeals.signpostings_for(other_id) == []
        facts = uow.reads.customer_status(customer_id, "u-owner")
        assert facts.signposted == (("Council tax 2025", date(2026, 11, 30)), ("Parking permit", date(2026, 11, 30)))
        assert uow.reads.customer_status(other_id, None).signposted == ()


def test_a_measure_is_varied_and_its_waiting_review_moved(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        escalation_id = uow.escalations.add(records.escalation(customer_id, state=EscalationState.APPROVED)).id
        measure = uow.measures.add(records.measure(customer_id, escalation_id, kind=MeasureKind.RESTRICTION))
        uow.reviews.schedule(measure.id, measure.review_due_at)
        uow.commit()

    later = NOW + timedelta(days=40)
    terms = RestrictionTerms(named_contact="Jo Bloggs, Housing Officer")
    with new_uow() as uow:
        (review,) = uow.reviews.for_measure(measure.id)
        uow.measures.vary(measure.id, (ContactRestriction.NAMED_CONTACT,), terms)
        uow.reviews.reschedule(review.id, later)
        uow.commit()

    with new_uow() as uow:
        varied = uow.measures.get(measure.id)
        assert varied == replace(measure, restrictions=(ContactRestriction.NAMED_CONTACT,), terms=terms)
        (moved,) = uow.reviews.for_measure(measure.id)
        assert (moved.id, moved.due_at, moved.decided_at) == (review.id, later, None)
