"""What a customer check shows (casework/customer_checks.py, s15, s16) and that every lookup is audited, over the
in-memory unit of work. Searching a real database and the wording in Teams are in test_customer_check.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework import customer_checks, incidents
from casework.errors import InvalidSubmission
from casework.vocabulary import CustomerStanding
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.scenarios import OFFICER, STAFF, approved, status_of, submission, warning_request
from tests.scenarios import clock as clock  # fixtures, found by pytest where they are imported
from tests.scenarios import team as team
from tests.scenarios import uow as uow


def test_a_lookup_with_no_match_is_audited(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    result = customer_checks.check_customer(uow, STAFF, "  Nobody Known ", clock)

    assert result.query == "Nobody Known"
    assert (result.status, result.options) == (None, ())
    assert uow.committed == 1
    (event,) = uow.events()
    assert (event.actor_id, event.action, event.record_type, event.record_id) == (
        STAFF.user_id,
        "customer.searched",
        "customer_search",
        "",
    )
    assert event.detail == {"query": "Nobody Known", "matched": ""}


def test_a_lookup_that_matches_is_audited_against_the_customer(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    reported = incidents.report_incident(uow, STAFF, submission(name="Jáne Smith"), clock)
    committed_before = uow.committed

    result = customer_checks.check_customer(uow, OFFICER, "jane smith", clock)

    assert result.status is not None
    assert result.status.customer_id == reported.customer.customer_id
    assert uow.committed == committed_before + 1
    (event,) = uow.events("customer.checked")
    assert (event.actor_id, event.record_type, event.record_id) == (
        OFFICER.user_id,
        "customer",
        str(reported.customer.customer_id),
    )
    assert event.detail == {"query": "jane smith"}


def test_an_empty_lookup_is_refused(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    with pytest.raises(InvalidSubmission) as raised:
        customer_checks.check_customer(uow, STAFF, "   ", clock)

    assert set(raised.value.errors) == {"query"}
    assert uow.committed == 0


def test_a_customer_with_only_incidents_has_no_restrictions(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    incidents.report_incident(uow, STAFF, submission(), clock)

    match = status_of(uow, clock)

    assert match.standing is CustomerStanding.NO_RESTRICTIONS
    assert match.measures == ()


def test_a_restricted_customer_shows_the_restriction_and_what_to_do(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    approved(uow, clock)

    match = status_of(uow, clock)

    assert match.standing is CustomerStanding.RESTRICTED
    (shown,) = match.measures
    assert shown.title == "Restricted"
    assert shown.review_due_at == datetime(2027, 2, 28, 10, 0, tzinfo=UTC)
    assert len(shown.instructions) == 2
    assert shown.instructions[0].startswith("Written contact only")
    assert shown.instructions[1].startswith("Not to enter council offices")
    assert shown.scope == "Applies to all council services."
    assert shown.applies_to == "Applies to the customer."


def test_a_warned_customer_is_shown_as_warned(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    approved(uow, clock, warning_request())

    match = status_of(uow, clock)

    assert match.standing is CustomerStanding.WARNED
    assert [m.title for m in match.measures] == ["Formal warning"]


def test_an_ended_restriction_no_longer_shows(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    approved(uow, clock)
    (measure,) = uow.state.measures.values()
    measure.ended_at = clock.now + timedelta(days=1)

    clock.advance(timedelta(days=1) - timedelta(microseconds=1))
    assert status_of(uow, clock).standing is CustomerStanding.RESTRICTED
    clock.advance(timedelta(microseconds=1))
    match = status_of(uow, clock)
    assert match.standing is CustomerStanding.NO_RESTRICTIONS
    assert match.measures == ()
