"""The use cases (casework/services.py) over the in-memory unit of work, with a clock the tests move by hand."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casework import customer_checks, escalations, incidents, reviews, staff
from casework.commands import EscalationRequest, IncidentSubmission
from casework.configuration import DecisionRules
from casework.entities import Actor, Decision, StaffMember
from casework.errors import CustomerChoiceNeeded, InvalidSubmission, NotFound
from casework.views import CustomerStatusView, DecisionResult
from casework.vocabulary import (
    ContactChannel,
    ContactRestriction,
    CustomerStanding,
    DecisionOutcome,
    EscalationKind,
    EscalationState,
    MeasureKind,
    SeriousThreat,
    UnreasonableAction,
)
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.scenarios import COUNCIL, RULES

ADMIN = Actor("u-admin", "Ada Admin")
STAFF = Actor("u-staff", "Sam Staff")  # front-line, not on the determination team
OFFICER = Actor("u-officer", "Olu Officer")  # on the team, and reports incidents
MANAGER = Actor("u-manager", "Mia Manager")  # on the team, and asks for escalations
DECIDER = Actor("u-decider", "Dev Decider")  # on the team, uninvolved
SECOND = Actor("u-second", "Sol Second")  # on the team, uninvolved

START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
# Most tests look at one vote deciding; the rules for several votes have tests of their own.
ONE_VOTE: dict[str, Any] = {
    "alternatives_considered": True,
    "rules": DecisionRules(restriction=1, further_action=1, mandatory_service_withdrawal=1),
}
LEAD = timedelta(days=7)
CLAIM_FOR = timedelta(minutes=10)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    # Every reporter here names Mia as their line manager, so she must be known staff (s8.6).
    fake.state.staff[MANAGER.user_id] = StaffMember(MANAGER.user_id, MANAGER.name)
    return fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def team(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    for actor in (OFFICER, MANAGER, DECIDER, SECOND):
        staff.register_staff(uow, ADMIN, StaffMember(actor.user_id, actor.name, is_determination_team=True), clock)
    staff.register_staff(uow, ADMIN, StaffMember(STAFF.user_id, STAFF.name), clock)


def submission(key: str = "submit-1", name: str = "Jane Smith", **changes: object) -> IncidentSubmission:
    made = IncidentSubmission(
        submission_key=key,
        customer_name=name,
        channel=ContactChannel.TELEPHONE.value,
        actions=(UnreasonableAction.ABUSIVE_OR_THREATENING.value, UnreasonableAction.REPEAT_CONTACTS.value),
        description="  Shouted at the officer and rang back six times.  ",
        line_manager_id=MANAGER.user_id,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def restriction_request(name: str = "Jane Smith", **changes: object) -> EscalationRequest:
    made = EscalationRequest(
        customer_name=name,
        kind=EscalationKind.RESTRICTION.value,
        reason="Abuse continued after the formal warning.",
        investigation_reference="HS-2026-014",
        restrictions=(ContactRestriction.WRITTEN_ONLY.value, ContactRestriction.NO_PHYSICAL_ACCESS.value),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def warning_request(name: str = "Jane Smith") -> EscalationRequest:
    return EscalationRequest(name, EscalationKind.FORMAL_WARNING.value, "Three abusive calls in a week.")


def escalate(
    uow: FakeUnitOfWork, clock: FakeClock, request: EscalationRequest | None = None, reporter: Actor = OFFICER
) -> int:
    """Reports an incident for the request's customer and asks for the escalation; returns its id."""
    request = request or restriction_request()
    key = f"escalate-{len(uow.state.incidents) + 1}"
    known = [c.id for c in uow.state.customers.values() if c.name == request.customer_name]
    incidents.report_incident(
        uow, reporter, submission(key, request.customer_name, customer_id=known[0] if known else None), clock
    )
    return escalations.request_escalation(uow, MANAGER, request, clock, rules=RULES).escalation.escalation_id


def approved(uow: FakeUnitOfWork, clock: FakeClock, request: EscalationRequest | None = None) -> int:
    """A measure put in force by an uninvolved member's approval; returns the escalation id."""
    escalation_id = escalate(uow, clock, request)
    result = escalations.decide_escalation(
        uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )
    assert result.recorded_now
    return escalation_id


# report_incident (s8.6)


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


def test_a_retry_that_loses_the_race_answers_with_the_incident_that_won(
    uow: FakeUnitOfWork, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    jane = incidents.report_incident(uow, STAFF, submission("earlier"), clock).customer.customer_id
    first = incidents.report_incident(uow, STAFF, submission(customer_id=jane), clock)
    events_before = list(uow.state.audit)
    # The retry looks before the first submit commits, so it misses it, then collides on the unique key.
    really_look_up = uow.incidents.by_submission_key
    lookups: list[str] = []

    def blind_once(key: str):
        lookups.append(key)
        return None if len(lookups) == 1 else really_look_up(key)

    monkeypatch.setattr(uow.incidents, "by_submission_key", blind_once)

    retry = incidents.report_incident(uow, STAFF, submission(customer_id=jane), clock)

    assert len(lookups) == 2
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


# check_customer (s15, s16)


def _status_of(uow: FakeUnitOfWork, clock: FakeClock, name: str = "Jane Smith") -> CustomerStatusView:
    status = customer_checks.check_customer(uow, STAFF, name, clock).status
    assert status is not None, f"{name} not found"
    return status


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

    match = _status_of(uow, clock)

    assert match.standing is CustomerStanding.NO_RESTRICTIONS
    assert match.measures == ()


def test_a_restricted_customer_shows_the_restriction_and_what_to_do(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    approved(uow, clock)

    match = _status_of(uow, clock)

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

    match = _status_of(uow, clock)

    assert match.standing is CustomerStanding.WARNED
    assert [m.title for m in match.measures] == ["Formal warning"]


def test_an_ended_restriction_no_longer_shows(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    approved(uow, clock)
    (measure,) = uow.state.measures.values()
    measure.ended_at = clock.now + timedelta(days=1)

    clock.advance(timedelta(days=1) - timedelta(microseconds=1))
    assert _status_of(uow, clock).standing is CustomerStanding.RESTRICTED
    clock.advance(timedelta(microseconds=1))
    match = _status_of(uow, clock)
    assert match.standing is CustomerStanding.NO_RESTRICTIONS
    assert match.measures == ()


# request_escalation (s10, s11.2, s12, s14.3)


@pytest.mark.parametrize(
    "request_",
    [
        restriction_request(investigation_reference="  "),
        restriction_request(restrictions=()),
        EscalationRequest("Jane Smith", EscalationKind.FURTHER_ACTION.value, "Police involved."),
        EscalationRequest("Jane Smith", EscalationKind.MANDATORY_SERVICE_WITHDRAWAL.value, "Last resort.", "HS-1"),
    ],
    ids=["restriction-without-investigation", "restriction-without-restrictions", "further-action", "withdrawal"],
)
def test_a_request_that_fails_a_gate_stores_nothing(
    uow: FakeUnitOfWork, clock: FakeClock, request_: EscalationRequest
) -> None:
    incidents.report_incident(uow, OFFICER, submission(), clock)
    before = uow.committed

    with pytest.raises(InvalidSubmission) as raised:
        escalations.request_escalation(uow, MANAGER, request_, clock, rules=RULES)

    assert set(raised.value.errors) == {"gate"}
    assert uow.state.escalations == {}
    assert uow.committed == before
    assert uow.events("escalation.requested") == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "banishment"}, "kind"),
        ({"serious_threat": "bad_vibes"}, "serious_threat"),
        ({"restrictions": ("written_only", "no_biscuits")}, "restrictions"),
        ({"reason": " \n "}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
        ({"customer_name": "  "}, "customer_name"),
    ],
)
def test_a_request_with_a_bad_field_names_it(
    uow: FakeUnitOfWork, clock: FakeClock, changes: dict[str, object], field: str
) -> None:
    incidents.report_incident(uow, OFFICER, submission(), clock)

    with pytest.raises(InvalidSubmission) as raised:
        escalations.request_escalation(uow, MANAGER, replace(restriction_request(), **changes), clock, rules=RULES)  # type: ignore[arg-type]

    assert field in raised.value.errors
    assert uow.state.escalations == {}


def test_a_request_for_an_unknown_customer_is_rejected(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    incidents.report_incident(uow, OFFICER, submission(), clock)
    before = uow.committed

    with pytest.raises(InvalidSubmission) as raised:
        escalations.request_escalation(uow, MANAGER, restriction_request("John Doe"), clock, rules=RULES)

    assert set(raised.value.errors) == {"customer_name"}
    assert uow.state.escalations == {}
    assert len(uow.state.customers) == 1
    assert uow.committed == before


def test_a_valid_request_is_stored_with_the_customers_incidents_as_evidence(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    first = incidents.report_incident(uow, OFFICER, submission("a"), clock)
    incidents.report_incident(uow, STAFF, submission("other", "Someone Else"), clock)
    clock.advance(timedelta(days=2))
    second = incidents.report_incident(uow, STAFF, submission("b", customer_id=first.customer.customer_id), clock)
    clock.advance(timedelta(hours=1))
    before = uow.committed

    view = escalations.request_escalation(
        uow, MANAGER, restriction_request("jane smith"), clock, rules=RULES
    ).escalation

    assert uow.committed == before + 1
    escalation = uow.state.escalations[view.escalation_id]
    jane = uow.state.incidents
    assert escalation.customer_id == first.customer.customer_id
    assert escalation.kind is EscalationKind.RESTRICTION
    assert escalation.reason == "Abuse continued after the formal warning."
    assert escalation.requested_by == MANAGER.user_id
    assert escalation.requested_at == clock.now
    assert escalation.state is EscalationState.PENDING
    assert escalation.investigation_reference == "HS-2026-014"
    assert escalation.restrictions == (ContactRestriction.WRITTEN_ONLY, ContactRestriction.NO_PHYSICAL_ACCESS)
    assert sorted(jane[i].reference for i in escalation.incident_ids) == [first.reference, second.reference]
    assert [line.reference for line in view.evidence] == [first.reference, second.reference]
    assert view.state is EscalationState.PENDING
    assert view.requested_by_id == MANAGER.user_id
    (event,) = uow.events("escalation.requested")
    assert (event.actor_id, event.record_type, event.record_id) == (
        MANAGER.user_id,
        "escalation",
        str(view.escalation_id),
    )
    assert event.detail == {"kind": "restriction"}


def test_a_serious_threat_allows_a_restriction_without_an_investigation(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    incidents.report_incident(uow, OFFICER, submission(), clock)
    request = restriction_request(investigation_reference="", serious_threat=SeriousThreat.POLICE_ADVICE.value)

    view = escalations.request_escalation(uow, MANAGER, request, clock, rules=RULES).escalation

    escalation = uow.state.escalations[view.escalation_id]
    assert escalation.serious_threat is SeriousThreat.POLICE_ADVICE
    assert escalation.investigation_reference is None
    assert "Serious-threat exception (s12.3): Police advised restricting contact" in view.basis


def test_further_action_with_legal_advice_is_accepted(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    incidents.report_incident(uow, OFFICER, submission(), clock)
    request = EscalationRequest(
        "Jane Smith", EscalationKind.FURTHER_ACTION.value, "Continued threats.", legal_advice_reference=" LS/2026/3 "
    )

    view = escalations.request_escalation(uow, MANAGER, request, clock, rules=RULES).escalation

    assert uow.state.escalations[view.escalation_id].legal_advice_reference == "LS/2026/3"
    assert "Legal advice: LS/2026/3" in view.basis


# decide_escalation (s2.6, s11.2, s12.2, s13.1)


def assert_refused(uow: FakeUnitOfWork, result: DecisionResult, escalation_id: int, decider: Actor, words: str) -> None:
    assert result.recorded_now is False
    assert result.refusal is not None
    assert words in result.refusal
    assert result.escalation.state is EscalationState.PENDING
    assert uow.state.escalations[escalation_id].state is EscalationState.PENDING
    assert uow.state.decisions == {}
    assert uow.state.measures == {}
    assert uow.state.reviews == {}
    (event,) = uow.events("escalation.decision_refused")
    assert (event.actor_id, event.record_id) == (decider.user_id, str(escalation_id))
    assert event.detail == {"reason": result.refusal}


@pytest.mark.parametrize(
    ("decider", "words"),
    [
        (STAFF, "Only members of the determination team"),
        (Actor("u-stranger", "Never Registered"), "Only members of the determination team"),
        (MANAGER, "You asked for this escalation"),
        (OFFICER, "You were involved in the incidents"),
    ],
    ids=["non-member", "unknown", "requester", "involved-reporter"],
)
def test_a_decision_by_someone_not_entitled_is_refused_and_audited(
    uow: FakeUnitOfWork, clock: FakeClock, team: None, decider: Actor, words: str
) -> None:
    escalation_id = escalate(uow, clock, reporter=OFFICER)
    before = uow.committed

    result = escalations.decide_escalation(
        uow, decider, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )

    assert_refused(uow, result, escalation_id, decider, words)
    assert uow.committed == before + 1


def test_approving_a_restriction_puts_it_in_force_with_a_review_in_three_months(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock)
    before = uow.committed

    result = escalations.decide_escalation(
        uow,
        DECIDER,
        escalation_id,
        DecisionOutcome.APPROVE,
        "  Adjustments considered. ",
        clock,
        **ONE_VOTE,
        council=COUNCIL,
    )

    review_due = datetime(2027, 2, 28, 10, 0, tzinfo=UTC)  # 30 Nov + 3 months, clamped
    assert result.recorded_now is True
    assert result.refusal is None
    assert uow.committed == before + 1
    escalation = uow.state.escalations[escalation_id]
    assert escalation.state is EscalationState.APPROVED
    assert uow.state.decisions[escalation_id] == Decision(
        escalation_id, DecisionOutcome.APPROVE, DECIDER.user_id, START, "Adjustments considered."
    )
    (measure,) = uow.state.measures.values()
    assert measure.kind is MeasureKind.RESTRICTION
    assert measure.customer_id == escalation.customer_id
    assert measure.escalation_id == escalation_id
    assert measure.starts_at == START
    assert measure.review_due_at == review_due
    assert measure.case_owner_id == MANAGER.user_id
    assert measure.restrictions == (ContactRestriction.WRITTEN_ONLY, ContactRestriction.NO_PHYSICAL_ACCESS)
    assert measure.ended_at is None
    (review,) = uow.state.reviews.values()
    assert (review.measure_id, review.due_at, review.reminder_sent_at) == (measure.id, review_due, None)
    view = result.escalation
    assert (view.state, view.decided_by_name, view.decided_at) == (EscalationState.APPROVED, DECIDER.name, START)
    assert view.decision_notes == "Adjustments considered."
    assert view.review_due_at == review_due
    (event,) = uow.events("escalation.approved")
    assert (event.actor_id, event.record_id) == (DECIDER.user_id, str(escalation_id))


def test_declining_puts_nothing_in_force(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    escalation_id = escalate(uow, clock)

    result = escalations.decide_escalation(
        uow,
        DECIDER,
        escalation_id,
        DecisionOutcome.DECLINE,
        "Try mediation.",
        clock,
        **ONE_VOTE,
        council=COUNCIL,
    )

    assert result.recorded_now is True
    assert uow.state.escalations[escalation_id].state is EscalationState.DECLINED
    assert uow.state.decisions[escalation_id].outcome is DecisionOutcome.DECLINE
    assert uow.state.measures == {}
    assert uow.state.reviews == {}
    assert result.escalation.review_due_at is None
    assert [e.action for e in uow.events() if e.record_type == "escalation"] == [
        "escalation.requested",
        "escalation.vote",
        "escalation.declined",
    ]
    match = _status_of(uow, clock)
    assert match.standing is CustomerStanding.NO_RESTRICTIONS


def test_a_second_decision_changes_nothing(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    escalation_id = escalate(uow, clock)
    escalations.decide_escalation(
        uow,
        DECIDER,
        escalation_id,
        DecisionOutcome.DECLINE,
        "Not proportionate yet.",
        clock,
        **ONE_VOTE,
        council=COUNCIL,
    )
    after_first = uow.state
    clock.advance(timedelta(minutes=1))

    result = escalations.decide_escalation(
        uow, SECOND, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )

    assert result.recorded_now is False
    assert result.refusal is None
    assert result.escalation.state is EscalationState.DECLINED
    assert result.escalation.decided_by_name == DECIDER.name
    assert uow.state == after_first


def test_a_decided_escalation_is_shown_as_decided_without_a_second_attempt(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock)
    escalations.decide_escalation(
        uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )

    # Even the requester, who may not decide, is simply shown the decision rather than refused.
    result = escalations.decide_escalation(
        uow,
        MANAGER,
        escalation_id,
        DecisionOutcome.DECLINE,
        "Not proportionate yet.",
        clock,
        **ONE_VOTE,
        council=COUNCIL,
    )

    assert (result.recorded_now, result.refusal) == (False, None)
    assert result.escalation.state is EscalationState.APPROVED
    assert uow.rolled_back == 0  # answered from the escalation's state, not by colliding on the decision key
    assert uow.events("escalation.decision_refused") == []


def test_a_double_click_by_the_same_member_records_one_decision(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock)

    first = escalations.decide_escalation(
        uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )
    again = escalations.decide_escalation(
        uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )

    assert (first.recorded_now, again.recorded_now) == (True, False)
    assert len(uow.state.measures) == 1
    assert len(uow.state.reviews) == 1
    assert len(uow.events("escalation.approved")) == 1


def test_a_decision_that_loses_the_race_leaves_the_winners(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    escalation_id = escalate(uow, clock)
    # Another instance recorded its decision but has not yet moved the escalation on.
    winner = Decision(escalation_id, DecisionOutcome.DECLINE, SECOND.user_id, START)
    uow.state.decisions[escalation_id] = winner

    result = escalations.decide_escalation(
        uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )

    assert result.recorded_now is False
    assert result.escalation.decided_by_name == SECOND.name
    assert uow.rolled_back == 1
    assert uow.state.decisions[escalation_id] == winner
    assert uow.state.measures == {}
    assert uow.events("escalation.approved") == []


def test_approving_a_formal_warning_puts_a_warning_in_force(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    escalation_id = escalate(uow, clock, warning_request())

    result = escalations.decide_escalation(
        uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )

    assert result.recorded_now is True
    (measure,) = uow.state.measures.values()
    assert measure.kind is MeasureKind.FORMAL_WARNING
    assert measure.escalation_id == escalation_id
    assert measure.restrictions == ()
    assert measure.review_due_at == datetime(2027, 2, 28, 10, 0, tzinfo=UTC)  # monitored for 3 months (s11.4)


def test_approving_further_action_records_the_decision_without_a_measure(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    request = EscalationRequest(
        "Jane Smith", EscalationKind.FURTHER_ACTION.value, "Threats.", legal_advice_reference="LS-1"
    )
    escalation_id = escalate(uow, clock, request)

    result = escalations.decide_escalation(
        uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )

    assert result.recorded_now is True
    assert uow.state.escalations[escalation_id].state is EscalationState.APPROVED
    assert uow.state.measures == {}
    assert result.escalation.review_due_at is None


def test_deciding_an_unknown_escalation_is_not_found(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    with pytest.raises(NotFound):
        escalations.decide_escalation(
            uow, DECIDER, 999, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
        )


# review reminders (s13.1)


def claim(uow: FakeUnitOfWork, clock: FakeClock, claimant: str, limit: int = 100):
    return reviews.claim_due_reminders(uow, clock, LEAD, claimant, CLAIM_FOR, limit)


@pytest.fixture
def review_due(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> datetime:
    """A restriction approved at START, whose review falls due three months later."""
    approved(uow, clock)
    (measure,) = uow.state.measures.values()
    return measure.review_due_at


def test_a_reminder_is_claimed_once_it_is_within_the_lead_time(
    uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime
) -> None:
    clock.now = review_due - LEAD - timedelta(microseconds=1)
    assert claim(uow, clock, "sweep-a") == []

    clock.now = review_due - LEAD
    before = uow.committed
    (due,) = claim(uow, clock, "sweep-a")

    assert uow.committed == before + 1
    (measure,) = uow.state.measures.values()
    assert (due.measure_id, due.customer_name, due.measure_kind) == (measure.id, "Jane Smith", MeasureKind.RESTRICTION)
    assert (due.due_at, due.case_owner_id) == (review_due, MANAGER.user_id)
    review = uow.state.reviews[due.review_id]
    assert (review.reminder_claimed_by, review.reminder_claimed_until) == ("sweep-a", clock.now + CLAIM_FOR)


def test_a_live_claim_keeps_other_sweeps_off(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (due,) = claim(uow, clock, "sweep-a")

    assert claim(uow, clock, "sweep-b") == []
    assert claim(uow, clock, "sweep-a") == []
    clock.advance(CLAIM_FOR)  # the claim runs until this instant
    assert claim(uow, clock, "sweep-b") == []
    assert uow.state.reviews[due.review_id].reminder_claimed_by == "sweep-a"


def test_an_expired_claim_can_be_claimed_again(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (first,) = claim(uow, clock, "sweep-a")

    clock.advance(CLAIM_FOR + timedelta(microseconds=1))
    (second,) = claim(uow, clock, "sweep-b")

    assert second.review_id == first.review_id
    assert uow.state.reviews[second.review_id].reminder_claimed_by == "sweep-b"
    # The crashed sweep comes back too late: its claim was lost, so it may not mark the reminder sent.
    assert reviews.confirm_reminder_sent(uow, first, "sweep-a", clock) is False
    assert uow.events("review.reminder_sent") == []
    assert reviews.confirm_reminder_sent(uow, second, "sweep-b", clock) is True


def test_a_sent_reminder_is_never_claimed_again(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (due,) = claim(uow, clock, "sweep-a")
    clock.advance(timedelta(seconds=3))

    assert reviews.confirm_reminder_sent(uow, due, "sweep-a", clock) is True

    assert uow.state.reviews[due.review_id].reminder_sent_at == clock.now
    (event,) = uow.events("review.reminder_sent")
    assert (event.actor_id, event.record_type, event.record_id) == ("system", "review", str(due.review_id))
    assert event.detail == {"recipient": MANAGER.user_id}
    clock.advance(CLAIM_FOR * 10)
    assert claim(uow, clock, "sweep-b") == []
    assert reviews.confirm_reminder_sent(uow, due, "sweep-a", clock) is False
    assert len(uow.events("review.reminder_sent")) == 1


def test_a_released_reminder_is_claimable_at_once(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (due,) = claim(uow, clock, "sweep-a")

    reviews.release_reminder(uow, due, "sweep-a", "Teams said 403: " + "x" * 600, clock)

    (event,) = uow.events("review.reminder_failed")
    assert (event.actor_id, event.record_type, event.record_id) == ("system", "review", str(due.review_id))
    assert event.detail["reason"].startswith("Teams said 403: ")
    assert len(event.detail["reason"]) == 500
    (again,) = claim(uow, clock, "sweep-b")
    assert again.review_id == due.review_id


def test_only_the_claimant_can_release_a_claim(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    clock.now = review_due
    (due,) = claim(uow, clock, "sweep-a")

    reviews.release_reminder(uow, due, "sweep-b", "not mine", clock)

    assert claim(uow, clock, "sweep-c") == []
    assert uow.state.reviews[due.review_id].reminder_claimed_by == "sweep-a"
    assert uow.events("review.reminder_failed") == []  # nothing was released, so nothing failed


def test_reminders_are_claimed_earliest_due_first_up_to_the_limit(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    clock.now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    approved(uow, clock, restriction_request("Later Customer"))
    clock.now = START
    approved(uow, clock, restriction_request("Earlier Customer"))
    clock.now = datetime(2027, 3, 6, 10, 0, tzinfo=UTC)

    (first,) = claim(uow, clock, "sweep-a", limit=1)
    (second,) = claim(uow, clock, "sweep-a", limit=1)

    assert (first.customer_name, second.customer_name) == ("Earlier Customer", "Later Customer")
    assert claim(uow, clock, "sweep-a") == []


def test_no_reminder_for_a_measure_that_has_ended(uow: FakeUnitOfWork, clock: FakeClock, review_due: datetime) -> None:
    (measure,) = uow.state.measures.values()
    measure.ended_at = review_due - timedelta(days=30)
    clock.now = review_due

    assert claim(uow, clock, "sweep-a") == []
