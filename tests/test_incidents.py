"""Reporting an incident (casework/incidents.py, s8.6) over the in-memory unit of work, with a clock the tests
move by hand. The same flow through Teams is in test_incident_reporting.py."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta

import pytest

from casework import incidents
from casework.errors import CustomerChoiceNeeded, InvalidSubmission
from casework.vocabulary import ContactChannel, CustomerStanding, UnreasonableAction
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.scenarios import MANAGER, OFFICER, STAFF, START, approved, submission
from tests.scenarios import clock as clock  # fixtures, found by pytest where they are imported
from tests.scenarios import team as team
from tests.scenarios import uow as uow


def test_report_saves_the_incident_with_a_reference(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    confirmation = incidents.report_incident(uow, STAFF, submission(), clock)

    assert confirmation.reference == "INC-2026-0001"
    assert confirmation.already_recorded is False
    assert uow.committed == 1
    (incident,) = uow.state.incidents.values()
    assert incident.reference == "INC-2026-0001"
    assert incident.reported_by == STAFF.user_id
    assert incident.occurred_at == START
    assert incident.channel is ContactChannel.TELEPHONE
    assert incident.actions == (UnreasonableAction.ABUSIVE_OR_THREATENING, UnreasonableAction.REPEAT_CONTACTS)
    assert incident.description == "Shouted at the officer and rang back six times."
    assert incident.submission_key == "submit-1"
    assert confirmation.customer.name == "Jane Smith"
    assert confirmation.customer.customer_id == incident.customer_id
    assert confirmation.customer.standing is CustomerStanding.NO_RESTRICTIONS


def test_references_count_up_and_carry_the_year_the_incident_happened(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    first = incidents.report_incident(uow, STAFF, submission("a"), clock)
    clock.now = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
    second = incidents.report_incident(uow, STAFF, submission("b", customer_id=first.customer.customer_id), clock)

    assert first.reference == "INC-2026-0001"
    assert re.fullmatch(r"INC-2027-\d{4,}", second.reference)
    assert second.reference[-4:] != first.reference[-4:]
    assert sorted(i.reference for i in uow.state.incidents.values()) == [first.reference, second.reference]


def test_a_new_customer_is_added_once_and_found_again_whatever_the_case_or_accents(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    first = incidents.report_incident(uow, STAFF, submission("a", "  Zoë  O'Brien "), clock)
    # The same name typed differently is offered back, not silently added twice; the reporter picks her.
    with pytest.raises(CustomerChoiceNeeded) as offered:
        incidents.report_incident(uow, OFFICER, submission("b", "ZOE o'brien"), clock)
    (option,) = offered.value.options
    assert option.customer_id == first.customer.customer_id
    second = incidents.report_incident(uow, OFFICER, submission("b", customer_id=option.customer_id), clock)

    (customer,) = uow.state.customers.values()
    assert customer.name == "Zoë  O'Brien"
    assert first.customer.customer_id == second.customer.customer_id == customer.id
    assert {i.customer_id for i in uow.state.incidents.values()} == {customer.id}
    added = uow.events("customer.added")
    assert [(e.actor_id, e.record_type, e.record_id) for e in added] == [(STAFF.user_id, "customer", str(customer.id))]


def test_a_different_name_is_a_different_customer(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    incidents.report_incident(uow, STAFF, submission("a", "Jane Smith"), clock)
    with pytest.raises(CustomerChoiceNeeded):  # close enough to be checked by a person first
        incidents.report_incident(uow, STAFF, submission("b", "Jane Smyth"), clock)
    incidents.report_incident(uow, STAFF, submission("b", "Jane Smyth", new_customer_confirmed=True), clock)
    incidents.report_incident(uow, STAFF, submission("c", "Peter Brown"), clock)  # nobody like him: added at once

    assert sorted(c.name for c in uow.state.customers.values()) == ["Jane Smith", "Jane Smyth", "Peter Brown"]


def test_a_repeated_submission_returns_the_first_incident(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    first = incidents.report_incident(uow, STAFF, submission(), clock)
    events_before = list(uow.state.audit)
    clock.advance(timedelta(seconds=5))

    retry = incidents.report_incident(uow, STAFF, submission(), clock)

    assert retry.reference == first.reference
    assert retry.already_recorded is True
    assert retry.customer.customer_id == first.customer.customer_id
    assert len(uow.state.incidents) == 1
    assert len(uow.state.customers) == 1
    assert uow.state.audit == events_before


def test_a_retry_collides_on_the_unique_key_and_answers_with_the_incident_that_won(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    jane = incidents.report_incident(uow, STAFF, submission("earlier"), clock).customer.customer_id
    first = incidents.report_incident(uow, STAFF, submission(customer_id=jane), clock)
    events_before = list(uow.state.audit)

    # Nothing is looked up first: the retry's insert is refused by the submission key, and everything it had
    # written is rolled back.
    retry = incidents.report_incident(uow, STAFF, submission(customer_id=jane), clock)

    assert (retry.reference, retry.already_recorded) == (first.reference, True)
    assert uow.rolled_back == 1
    assert len(uow.state.incidents) == 2
    assert uow.state.audit == events_before


def test_an_invalid_report_raises_with_field_errors_and_changes_nothing(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    bad = submission(name="  ", channel="carrier_pigeon", actions=(), description="")
    before = copy.deepcopy(uow.state)

    with pytest.raises(InvalidSubmission) as raised:
        incidents.report_incident(uow, STAFF, bad, clock)

    assert set(raised.value.errors) == {"customer_name", "channel", "actions", "description"}
    assert raised.value.errors["channel"] == "Choose how they contacted us."
    assert uow.state == before
    assert uow.committed == 0


def test_a_report_audits_the_incident_and_the_new_customer(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    confirmation = incidents.report_incident(uow, STAFF, submission(), clock)
    customer_id = str(confirmation.customer.customer_id)

    assert [(e.action, e.record_type, e.record_id) for e in uow.events()] == [
        ("staff.line_manager_set", "staff", STAFF.user_id),
        ("customer.added", "customer", customer_id),
        ("incident.reported", "incident", confirmation.reference),
    ]
    reported = uow.events("incident.reported")[0]
    assert reported.actor_id == STAFF.user_id
    assert reported.at == START
    assert reported.detail == {"customer_id": customer_id, "line_manager": MANAGER.user_id}

    incidents.report_incident(uow, STAFF, submission("again", customer_id=int(customer_id)), clock)
    assert [e.action for e in uow.events()].count("customer.added") == 1
    assert [e.action for e in uow.events()].count("incident.reported") == 2


def test_the_confirmation_shows_the_customer_is_restricted(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    approved(uow, clock)

    (jane,) = uow.state.customers
    confirmation = incidents.report_incident(uow, STAFF, submission("later", customer_id=jane), clock)

    assert confirmation.customer.standing is CustomerStanding.RESTRICTED
