"""Asking the determination team for an escalation and deciding it (casework/escalations.py) over the in-memory
unit of work, one vote deciding. The rules for several votes, questions and chasing are in test_decision_rules.py;
decisions through Teams and on a real database in test_escalation_decisions.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from casework import escalations, incidents, letters, policy
from casework.commands import EscalationRequest
from casework.customer_checks import customer_history
from casework.entities import Actor, Decision, SeriousStepParticulars
from casework.errors import AccessRefused, InvalidSubmission
from casework.events import LettersDrafted
from casework.views import DecisionResult
from casework.vocabulary import (
    ContactRestriction,
    CustomerStanding,
    DecisionOutcome,
    EscalationKind,
    EscalationState,
    LetterKind,
    MeasureKind,
    SeriousThreat,
)
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.scenarios import (
    COUNCIL,
    DECIDER,
    MANAGER,
    OFFICER,
    ONE_VOTE,
    RULES,
    SECOND,
    STAFF,
    START,
    approved,
    escalate,
    further_action_request,
    restriction_request,
    status_of,
    submission,
    warning_request,
)
from tests.scenarios import clock as clock  # fixtures, found by pytest where they are imported
from tests.scenarios import team as team
from tests.scenarios import uow as uow

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

    # The gate says what is missing; further action and a withdrawal also name each missing field (s14.3, s15.4).
    assert "gate" in raised.value.errors
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
    request = further_action_request(police_reference=" LC-77 ")

    view = escalations.request_escalation(uow, MANAGER, request, clock, rules=RULES).escalation

    kept = uow.state.escalations[view.escalation_id].particulars
    assert kept.legal_advice_by == "Legal Services (R. Khan)"
    assert kept.police_reference == "LC-77"
    assert "Legal advice (s14.3) from Legal Services (R. Khan) on 20 Nov 2026: An injunction is proportionate." in (
        view.basis
    )


def test_a_warning_keeps_no_further_action_particulars(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    incidents.report_incident(uow, OFFICER, submission(), clock)
    request = replace(warning_request(), particulars=further_action_request().particulars)

    view = escalations.request_escalation(uow, MANAGER, request, clock, rules=RULES).escalation

    assert uow.state.escalations[view.escalation_id].particulars == SeriousStepParticulars()


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
        (MANAGER, "You asked for this escalation"),
        (OFFICER, "You were involved in the incidents"),
    ],
    ids=["requester", "involved-reporter"],
)
def test_a_decision_by_someone_not_entitled_is_refused_and_audited(
    uow: FakeUnitOfWork, clock: FakeClock, team: None, decider: Actor, words: str
) -> None:
    escalation_id = escalate(uow, clock, reporter=OFFICER)
    before = uow.committed

    result = escalations.decide_escalation(uow, decider, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)

    assert_refused(uow, result, escalation_id, decider, words)
    assert uow.committed == before + 1


@pytest.mark.parametrize("clicker", [STAFF, Actor("u-stranger", "Never Registered")], ids=["non-member", "unknown"])
def test_a_decision_by_someone_without_need_to_know_is_refused_with_nothing_shown_and_audited(
    uow: FakeUnitOfWork, clock: FakeClock, team: None, clicker: Actor
) -> None:
    """Not on the team and not the requester: refused with no view at all, in the same words as for an escalation
    that does not exist, and both audited."""
    escalation_id = escalate(uow, clock, reporter=OFFICER)
    before = uow.committed

    with pytest.raises(AccessRefused) as refused:
        escalations.decide_escalation(uow, clicker, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)
    with pytest.raises(AccessRefused) as missing:
        escalations.decide_escalation(uow, clicker, escalation_id + 100, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)

    assert str(refused.value) == str(missing.value) == escalations.NOT_ENTITLED
    assert uow.state.escalations[escalation_id].state is EscalationState.PENDING
    assert (uow.state.votes, uow.state.decisions, uow.state.measures) == ({}, {}, {})
    events = uow.events("escalation.decision_refused")
    assert [(e.actor_id, e.record_id, e.detail) for e in events] == [
        (clicker.user_id, str(escalation_id), {"reason": "no need to know"}),
        (clicker.user_id, str(escalation_id + 100), {"reason": "not on record"}),
    ]
    assert uow.committed == before + 2


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
    match = status_of(uow, clock)
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
    )
    after_first = uow.state
    clock.advance(timedelta(minutes=1))

    result = escalations.decide_escalation(uow, SECOND, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)

    assert result.recorded_now is False
    assert result.refusal is None
    assert result.escalation.state is EscalationState.DECLINED
    assert result.escalation.decided_by_name == DECIDER.name
    assert uow.state == after_first


def test_a_decided_escalation_is_shown_as_decided_without_a_second_attempt(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock)
    escalations.decide_escalation(uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)

    # Even the requester, who may not decide, is simply shown the decision rather than refused.
    result = escalations.decide_escalation(
        uow,
        MANAGER,
        escalation_id,
        DecisionOutcome.DECLINE,
        "Not proportionate yet.",
        clock,
        **ONE_VOTE,
    )

    assert (result.recorded_now, result.refusal) == (False, None)
    assert result.escalation.state is EscalationState.APPROVED
    assert uow.rolled_back == 0  # answered from the escalation's state, not by colliding on the decision key
    assert uow.events("escalation.decision_refused") == []


def test_a_double_click_by_the_same_member_records_one_decision(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock)

    first = escalations.decide_escalation(uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)
    again = escalations.decide_escalation(uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)

    assert (first.recorded_now, again.recorded_now) == (True, False)
    assert len(uow.state.measures) == 1
    assert len(uow.state.reviews) == 1
    assert len(uow.events("escalation.approved")) == 1


def test_a_decision_that_loses_the_race_leaves_the_winners(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    escalation_id = escalate(uow, clock)
    # Another instance recorded its decision but has not yet moved the escalation on.
    winner = Decision(escalation_id, DecisionOutcome.DECLINE, SECOND.user_id, START)
    uow.state.decisions[escalation_id] = winner

    result = escalations.decide_escalation(uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)

    assert result.recorded_now is False
    assert result.escalation.decided_by_name == SECOND.name
    assert uow.rolled_back == 1
    assert uow.state.decisions[escalation_id] == winner
    assert uow.state.measures == {}
    assert uow.events("escalation.approved") == []


def test_approving_a_formal_warning_puts_a_warning_in_force(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    escalation_id = escalate(uow, clock, warning_request())

    result = escalations.decide_escalation(uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)

    assert result.recorded_now is True
    (measure,) = uow.state.measures.values()
    assert measure.kind is MeasureKind.FORMAL_WARNING
    assert measure.escalation_id == escalation_id
    assert measure.restrictions == ()
    assert measure.review_due_at == datetime(2027, 2, 28, 10, 0, tzinfo=UTC)  # monitored for 3 months (s11.4)


def test_an_approvals_draft_letter_is_made_once_as_it_goes_to_the_case_owner_not_in_the_deciders_turn(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock, warning_request())
    result = escalations.decide_escalation(uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)
    assert any(isinstance(e, LettersDrafted) for e in result.events)
    assert uow.state.letters == {}, "the decider's turn writes no letter"

    # The outbox sends the case owner's card: at least once, so perhaps twice.
    first = letters.drafted_letters(uow, escalation_id, None, COUNCIL, clock)
    again = letters.drafted_letters(uow, escalation_id, None, COUNCIL, clock)

    (letter,) = uow.state.letters.values()
    assert letter.kind is LetterKind.FORMAL_WARNING and letter.version == 1
    assert [v.letter_id for v in first] == [v.letter_id for v in again] == [letter.id]
    with uow:
        (produced,) = [e for e in uow.audit.events("letter") if e.action == "letter.produced"]
    assert produced.actor_id == DECIDER.user_id, "recorded as the deciding member's"


def test_approving_further_action_puts_it_in_force_with_a_review_date(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock, further_action_request())

    result = escalations.decide_escalation(uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)

    assert result.recorded_now is True
    assert uow.state.escalations[escalation_id].state is EscalationState.APPROVED
    (measure,) = uow.state.measures.values()
    assert measure.kind is MeasureKind.FURTHER_ACTION
    assert measure.particulars.contact_officer == "Priya Patel, Legal Services"
    assert measure.review_due_at == policy.review_due_date(clock()) == result.escalation.review_due_at
    assert "refer contact about it to Priya Patel, Legal Services" in " ".join(
        status_of(uow, clock).measures[0].instructions
    )


def test_deciding_an_unknown_escalation_is_refused_like_one_not_yours(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    with pytest.raises(AccessRefused, match=escalations.NOT_ENTITLED):
        escalations.decide_escalation(uow, DECIDER, 999, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)


def test_a_restriction_with_no_warning_on_record_is_refused_until_the_requester_says_why(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    incidents.report_incident(uow, OFFICER, submission(), clock)
    with pytest.raises(InvalidSubmission) as refused:
        escalations.request_escalation(uow, MANAGER, restriction_request(no_warning_reason="  "), clock, rules=RULES)
    assert set(refused.value.errors) == {"no_warning_reason"}
    assert uow.state.escalations == {}


def test_a_restriction_after_a_formal_warning_needs_no_reason(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    approved(uow, clock, warning_request())  # a formal warning in force: the warning s12.1 looks for
    request = restriction_request(no_warning_reason="typed, though not needed")
    view = escalations.request_escalation(uow, MANAGER, request, clock, rules=RULES).escalation
    assert view.no_warning_reason == "" and view.warnings == ()


def test_the_customers_history_lists_each_informal_warning(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    reported = incidents.report_incident(uow, OFFICER, submission(informal_warning_given=True), clock)
    history = customer_history(uow, DECIDER, reported.customer.customer_id, clock)
    warnings = [(line.what, line.detail) for line in history.lines if line.what == "Informal warning"]
    assert warnings == [("Informal warning", f"Given at the time, incident {reported.reference} (s10)")]
