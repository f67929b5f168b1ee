"""Determination-team decisions (s2.6, s11.2, s12.3, s14): votes, rules per kind, questions, chasing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework import escalations, letters, policy, staff
from casework.entities import Actor, StaffMember
from casework.errors import AccessRefused, InvalidSubmission
from casework.events import LettersDrafted
from casework.views import DecisionResult
from casework.vocabulary import DecisionOutcome, EscalationState, LetterKind
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.scenarios import (
    ADMIN,
    COUNCIL,
    DECIDER,
    MANAGER,
    OFFICER,
    RULES,
    SECOND,
    STAFF,
    escalate,
    further_action_request,
    restriction_request,
    warning_request,
)
from tests.scenarios import clock as clock  # fixtures, found by pytest where they are imported
from tests.scenarios import team as team
from tests.scenarios import uow as uow

THIRD = Actor("u-third", "Tia Third")


@pytest.fixture(autouse=True)
def third(uow: FakeUnitOfWork, clock: FakeClock, team: None) -> None:
    """The determination team with a third uninvolved member, as further action needs (s14)."""
    staff.register_staff(uow, ADMIN, StaffMember(THIRD.user_id, THIRD.name, is_determination_team=True), clock)


def vote(
    uow: FakeUnitOfWork,
    clock: FakeClock,
    who: Actor,
    escalation_id: int,
    approve: bool = True,
    notes: str = "",
    considered: bool = True,
) -> DecisionResult:
    outcome = DecisionOutcome.APPROVE if approve else DecisionOutcome.DECLINE
    return escalations.decide_escalation(
        uow, who, escalation_id, outcome, notes, clock, alternatives_considered=considered, rules=RULES
    )


def test_a_formal_warning_needs_one_approval(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    escalation_id = escalate(uow, clock, warning_request())
    assert vote(uow, clock, DECIDER, escalation_id).escalation.state is EscalationState.APPROVED


def test_a_restriction_needs_two_approvals_and_shows_progress(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    escalation_id = escalate(uow, clock)
    first = vote(uow, clock, DECIDER, escalation_id)
    assert first.escalation.state is EscalationState.PENDING
    assert (first.escalation.approvals, first.escalation.approvals_needed) == ((DECIDER.name,), 2)
    assert uow.state.measures == {}
    second = vote(uow, clock, SECOND, escalation_id)
    assert second.escalation.state is EscalationState.APPROVED
    assert second.escalation.approvals == (DECIDER.name, SECOND.name)
    assert len(uow.state.measures) == 1


def test_further_action_needs_all_three(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    escalation_id = escalate(uow, clock, further_action_request())
    assert vote(uow, clock, DECIDER, escalation_id).escalation.state is EscalationState.PENDING
    assert vote(uow, clock, SECOND, escalation_id).escalation.state is EscalationState.PENDING
    assert vote(uow, clock, THIRD, escalation_id).escalation.state is EscalationState.APPROVED


def test_any_decline_declines_and_needs_a_reason(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    escalation_id = escalate(uow, clock)
    vote(uow, clock, DECIDER, escalation_id)
    unexplained = vote(uow, clock, SECOND, escalation_id, approve=False)
    assert unexplained.recorded_now is False
    assert "Say why you are declining" in (unexplained.refusal or "")
    declined = vote(uow, clock, SECOND, escalation_id, approve=False, notes="Try mediation first (s11.2).")
    assert declined.escalation.state is EscalationState.DECLINED
    assert uow.state.measures == {}


def test_an_approval_confirms_alternatives_were_considered(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    escalation_id = escalate(uow, clock, warning_request())
    result = vote(uow, clock, DECIDER, escalation_id, considered=False)
    assert result.recorded_now is False
    assert "(s11.2)" in (result.refusal or "")
    assert uow.state.votes == {}


def test_the_same_member_counts_once(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    escalation_id = escalate(uow, clock)
    vote(uow, clock, DECIDER, escalation_id)
    again = vote(uow, clock, DECIDER, escalation_id)
    assert again.recorded_now is False
    assert again.refusal == "You have already given your decision on this."
    assert again.escalation.state is EscalationState.PENDING
    assert len(uow.state.votes) == 1


def test_an_immediate_restriction_takes_effect_on_one_approval_and_a_second_confirms(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    escalation_id = escalate(
        uow, clock, restriction_request(investigation_reference="", serious_threat="credible_threat_to_harm")
    )
    first = vote(uow, clock, DECIDER, escalation_id)
    assert first.escalation.state is EscalationState.APPROVED
    assert first.escalation.immediate and first.escalation.confirmed_by_name is None
    assert len(uow.state.measures) == 1
    confirmed = vote(uow, clock, SECOND, escalation_id)
    assert confirmed.escalation.confirmed_by_name == SECOND.name
    assert uow.events("escalation.confirmed")[0].actor_id == SECOND.user_id
    assert vote(uow, clock, THIRD, escalation_id).recorded_now is False  # nothing left to decide


def test_an_immediate_restriction_a_second_member_disagrees_with_ends_at_once(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    escalation_id = escalate(
        uow, clock, restriction_request(investigation_reference="", serious_threat="police_advice")
    )
    vote(uow, clock, DECIDER, escalation_id)
    clock.advance(timedelta(hours=2))
    overturned = vote(uow, clock, SECOND, escalation_id, approve=False, notes="Threat was not credible.")
    assert overturned.escalation.state is EscalationState.DECLINED
    (measure,) = uow.state.measures.values()
    assert measure.ended_at == clock.now
    assert uow.events("escalation.overturned")

    # The case owner is sent the withdrawal letter (and the restriction's own draft, made as the first was sent).
    assert any(isinstance(e, LettersDrafted) for e in overturned.events)
    views = letters.drafted_letters(uow, escalation_id, None, COUNCIL, clock)
    withdrawal = next(v for v in views if v.kind is LetterKind.WITHDRAWAL)
    assert withdrawal.title == "The immediate restriction of your contact with the council is withdrawn"
    assert withdrawal.label == "Withdrawal of immediate restriction letter"
    (letter,) = [v for v in uow.state.letters.values() if v.kind is LetterKind.WITHDRAWAL]
    text = " ".join(line for section in letters.letter_sections(letter.content) for line in section.lines)
    assert "withdrawn the restriction from" in text and "not confirmed" in text
    assert "(s1" not in text and "Restrictions on your contact" not in text
    assert letters.missing_elements(letter.content, LetterKind.WITHDRAWAL) == [letters.ADDRESS]  # reported, no address
    with uow:
        (produced,) = [e for e in uow.audit.events("letter", str(letter.id)) if e.action == "letter.produced"]
    assert produced.actor_id == SECOND.user_id, "recorded as produced by the member who overturned it"
    assert len(letters.drafted_letters(uow, escalation_id, None, COUNCIL, clock)) == len(views), "made once"


def test_more_information_goes_back_to_the_requester_and_holds_the_decision(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    escalation_id = escalate(uow, clock)
    asked = escalations.ask_for_information(uow, DECIDER, escalation_id, "Were adjustments offered?", clock, RULES)
    assert asked.escalation.state is EscalationState.MORE_INFORMATION
    assert asked.escalation.question == "Were adjustments offered?"
    assert "Waiting for the requester" in (vote(uow, clock, SECOND, escalation_id).refusal or "")
    with pytest.raises(AccessRefused):
        escalations.answer_escalation(uow, STAFF, escalation_id, "Yes", clock, RULES)
    with pytest.raises(InvalidSubmission):
        escalations.answer_escalation(uow, MANAGER, escalation_id, "  ", clock, RULES)
    answered = escalations.answer_escalation(
        uow, MANAGER, escalation_id, "Large print was offered.", clock, RULES
    ).escalation
    assert (answered.state, answered.answer) == (EscalationState.PENDING, "Large print was offered.")
    assert vote(uow, clock, SECOND, escalation_id).recorded_now is True


def test_only_an_entitled_member_can_ask_and_only_with_a_question(
    uow: FakeUnitOfWork, clock: FakeClock, team: None
) -> None:
    escalation_id = escalate(uow, clock)
    with pytest.raises(AccessRefused):  # no need to know: refused with nothing about the escalation
        escalations.ask_for_information(uow, STAFF, escalation_id, "Why?", clock, RULES)
    assert escalations.ask_for_information(uow, OFFICER, escalation_id, "Why?", clock, RULES).refusal
    assert escalations.ask_for_information(uow, DECIDER, escalation_id, "  ", clock, RULES).refusal
    assert uow.state.escalations[escalation_id].state is EscalationState.PENDING


def test_undecided_escalations_are_chased_once_per_interval_and_shown_overdue(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    waiting = escalate(uow, clock)
    decided = escalate(uow, clock, warning_request("Other Person"))
    vote(uow, clock, DECIDER, decided)
    chase_after, repeat = timedelta(hours=48), timedelta(hours=24)

    clock.advance(timedelta(hours=47))
    assert escalations.chase_overdue_escalations(uow, clock, chase_after, repeat, RULES) == ()
    clock.advance(timedelta(hours=1))
    (chased,) = escalations.chase_overdue_escalations(uow, clock, chase_after, repeat, RULES)
    assert (chased.escalation_id, chased.overdue) == (waiting, True)
    assert escalations.chase_overdue_escalations(uow, clock, chase_after, repeat, RULES) == ()
    clock.advance(timedelta(hours=24))
    assert len(escalations.chase_overdue_escalations(uow, clock, chase_after, repeat, RULES)) == 1
    assert len(uow.events("escalation.chased")) == 2


def test_pending_is_for_the_team_only(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    escalation_id = escalate(uow, clock)
    assert [v.escalation_id for v in escalations.pending_escalations(uow, DECIDER, clock, RULES)] == [escalation_id]
    with pytest.raises(AccessRefused):
        escalations.pending_escalations(uow, STAFF, clock, RULES)


def test_overlong_notes_questions_and_answers_are_refused_not_cut_short(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    escalation_id = escalate(uow, clock)
    limit = policy.REASON_MAX_LENGTH
    declined = vote(uow, clock, DECIDER, escalation_id, approve=False, notes="x" * (limit + 1))
    assert declined.recorded_now is False and f"{limit} characters or fewer" in (declined.refusal or "")
    asked = escalations.ask_for_information(uow, DECIDER, escalation_id, "q" * (limit + 1), clock, RULES)
    assert asked.recorded_now is False and f"{limit} characters or fewer" in (asked.refusal or "")
    asked = escalations.ask_for_information(uow, DECIDER, escalation_id, "q" * limit, clock, RULES)
    assert asked.recorded_now and asked.escalation.question == "q" * limit, "at the limit it is kept whole"
    with pytest.raises(InvalidSubmission) as too_long:
        escalations.answer_escalation(uow, MANAGER, escalation_id, "a" * (limit + 1), clock, RULES)
    assert f"{limit} characters or fewer" in too_long.value.errors["answer"]
    assert escalations.view_escalation(uow, escalation_id, RULES).answer == ""
