"""Escalations to the determination team: request, vote, decide, ask and answer, chase (s2.6, s11, s12)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from casework import policy, reviews
from casework.audit import AuditAction, record_audit
from casework.commands import EscalationRequest
from casework.configuration import Clock, DecisionRules
from casework.customer_query import QueryKind, interpret, name_key
from casework.entities import (
    Actor,
    Customer,
    Decision,
    Escalation,
    Incident,
    NewEscalation,
    NewMeasure,
    SeriousStepParticulars,
    StaffMember,
    Vote,
)
from casework.errors import AccessRefused, AlreadyRecorded, InvalidSubmission, NotFound, RequestAlreadyPending
from casework.events import (
    EscalationDecided,
    EscalationOverdue,
    EscalationRequested,
    Event,
    InformationGiven,
    InformationRequested,
    LettersDrafted,
    VoteRecorded,
)
from casework.outbox import publish
from casework.ports import UnitOfWork
from casework.views import (
    DecisionResult,
    EscalationView,
    escalation_view,
    informal_warnings,
    local_date,
)
from casework.vocabulary import (
    ContactRestriction,
    DecisionOutcome,
    EscalationKind,
    EscalationState,
    MeasureKind,
    SeriousThreat,
)

_E = TypeVar("_E", bound=enum.Enum)


def request_escalation(
    uow: UnitOfWork, actor: Actor, request: EscalationRequest, clock: Clock, rules: DecisionRules
) -> DecisionResult:
    """Puts a decision to the determination team (s10, s11.2), once the policy's gates are met. A repeated submit
    of the same form (a double click, Teams' retry) returns the escalation it asked for, recorded_now False."""
    if request.submission_key:
        with uow:
            first = uow.escalations.by_submission_key(request.submission_key)
            if first is not None:
                return DecisionResult(escalation_view(uow, first, rules), recorded_now=False)
    errors: dict[str, str] = {}
    kind = _parse(EscalationKind, request.kind)
    threat = _parse(SeriousThreat, request.serious_threat) if request.serious_threat else None
    restrictions = tuple(_parse(ContactRestriction, value) for value in request.restrictions)
    if kind is None:
        errors["kind"] = "Choose what you are asking the determination team to decide."
    if request.serious_threat and threat is None:
        errors["serious_threat"] = "Choose a serious-threat exception from the list."
    if None in restrictions:
        errors["restrictions"] = "Choose restrictions from the list."
    reason = request.reason.strip()
    if not reason:
        errors["reason"] = "Say why you are asking for this."
    elif len(reason) > policy.REASON_MAX_LENGTH:
        errors["reason"] = f"Keep the reason under {policy.REASON_MAX_LENGTH} characters."
    if len(request.investigation_reference.strip()) > policy.INVESTIGATION_REFERENCE_MAX_LENGTH:
        errors["investigation_reference"] = (
            f"Keep the investigation reference to {policy.INVESTIGATION_REFERENCE_MAX_LENGTH} characters or fewer."
        )
    chosen = tuple(r for r in restrictions if r is not None)
    errors.update(policy.restriction_terms_errors(chosen, request.terms))
    particulars = _particulars_for(kind, request.particulars)
    if kind is not None:
        step_errors = policy.serious_step_errors(kind, particulars, clock().astimezone(policy.LOCAL_TIME).date())
        errors.update(step_errors)
        gate = policy.escalation_gate_errors(
            kind,
            request.investigation_reference.strip() or None,
            threat,
            request.legal_advice_reference.strip() or _legal_advice_given(particulars, step_errors),
            chosen,
        )
        if gate:
            errors["gate"] = " ".join(gate)
    if not request.customer_name.strip():
        errors["customer_name"] = "Enter the customer's name."
    if errors:
        raise InvalidSubmission(errors)
    assert kind is not None
    with uow:
        if policy.needs_a_manager(kind) and not _is_a_manager(uow, actor):
            raise InvalidSubmission({"kind": policy.MANAGERS_ONLY})
        query = interpret(request.customer_name.strip())
        customers = uow.customers.search(query)
        exact = [c for c in customers if query.kind is not QueryKind.NAME or name_key(c.name) == query.key]
        if not customers:
            raise InvalidSubmission({"customer_name": "No customer has that name. Report an incident first."})
        if len(exact) != 1:
            raise InvalidSubmission(
                {
                    "customer_name": "Several customers could match: give their full name as "
                    "recorded, council reference or postcode."
                }
            )
        customer = exact[0]
        incidents = uow.incidents.for_customer(customer.id)
        if not incidents and policy.needs_recorded_incident(kind):
            # Refused here, before the team sees it: its letter could never give examples (s11.4).
            raise InvalidSubmission({"customer_name": policy.NO_INCIDENT_ON_RECORD.format(name=customer.name)})
        _refuse_if_already_pending(uow, actor, customer, kind, rules)
        no_warning_reason = _no_warning_reason(uow, customer, kind, threat, incidents, request)
        new = NewEscalation(
            customer_id=customer.id,
            kind=kind,
            reason=reason,
            requested_by=actor.user_id,
            requested_at=clock(),
            incident_ids=tuple(i.id for i in incidents),
            investigation_reference=request.investigation_reference.strip() or None,
            serious_threat=threat,
            legal_advice_reference=request.legal_advice_reference.strip() or None,
            restrictions=chosen,
            terms=request.terms,
            submission_key=request.submission_key or None,
            no_warning_reason=no_warning_reason,
            particulars=particulars,
        )
        try:
            escalation = uow.escalations.add(new)
        except AlreadyRecorded:
            # The same submit, running at the same time, committed first: answer with its escalation.
            uow.rollback()
            first = uow.escalations.by_submission_key(request.submission_key)
            assert first is not None
            return DecisionResult(escalation_view(uow, first, rules), recorded_now=False)
        record_audit(uow, actor, AuditAction.ESCALATION_REQUESTED, str(escalation.id), clock, kind=kind.value)
        view = escalation_view(uow, escalation, rules)
        events: tuple[Event, ...] = (EscalationRequested(view),)
        publish(uow, events, clock)
        uow.commit()
    return DecisionResult(view, recorded_now=True, events=events)


def _particulars_for(kind: EscalationKind | None, typed: SeriousStepParticulars) -> SeriousStepParticulars:
    """The further-action or withdrawal particulars as they will be kept, trimmed; none for any other kind (what
    was typed into those fields for a warning or restriction is not kept)."""
    if kind not in policy.SERIOUS_STEPS:
        return SeriousStepParticulars()
    return SeriousStepParticulars(**{f.name: str(getattr(typed, f.name)).strip() for f in fields(typed)})


def _legal_advice_given(particulars: SeriousStepParticulars, step_errors: Mapping[str, str]) -> str | None:
    """Something to show the gate that the legal advice is recorded (s14.3), only when all of it is."""
    if {"legal_advice_by", "legal_advice_on", "legal_advice_summary"} & step_errors.keys():
        return None
    return particulars.legal_advice_by or None


def _is_a_manager(uow: UnitOfWork, actor: Actor) -> bool:
    """A line manager (someone listed reports to them) or a member of the determination team."""
    member = uow.staff.get(actor.user_id)
    return (member is not None and member.is_determination_team) or bool(uow.staff.reports_to(actor.user_id))


def _refuse_if_already_pending(
    uow: UnitOfWork, actor: Actor, customer: Customer, kind: EscalationKind, rules: DecisionRules
) -> None:
    waiting = [
        e
        for e in uow.escalations.for_customer(customer.id)
        if e.kind is kind and e.state in (EscalationState.PENDING, EscalationState.MORE_INFORMATION)
    ]
    if not waiting:
        return
    first = waiting[0]
    asking = first.state is EscalationState.MORE_INFORMATION
    if asking:
        progress = "the team has asked the requester a question"
    else:
        # Only what the message says: its approvals and how many it needs, not the whole decision card.
        approvals = sum(v.outcome is DecisionOutcome.APPROVE for v in uow.escalations.votes_for(first.id))
        progress = f"{approvals} of {policy.approvals_required(kind, first.is_immediate, rules)} approvals so far"
    people = uow.staff.many({actor.user_id, first.requested_by})
    member, requester = people.get(actor.user_id), people.get(first.requested_by)
    on_the_team = member is not None and member.is_determination_team
    # Who asked and how far it has got are for the team and the requester (s2.6); anyone else learns only that
    # the same request is already with the team, which refusing theirs cannot avoid saying.
    details = (
        f", asked by {requester.name if requester else first.requested_by} on {local_date(first.requested_at)}: "
        f"{progress}"
        if on_the_team or first.requested_by == actor.user_id
        else ""
    )
    raise RequestAlreadyPending(
        f"A request for a {kind.label.lower()} for {customer.name} is already waiting for the determination team"
        f"{details}. Nothing new was sent; the team can ask for anything you would add.",
        first.id,
        on_the_team=on_the_team,
        awaits_your_answer=asking and first.requested_by == actor.user_id,
    )


def _no_warning_reason(
    uow: UnitOfWork,
    customer: Customer,
    kind: EscalationKind,
    threat: SeriousThreat | None,
    incidents: Sequence[Incident],
    request: EscalationRequest,
) -> str:
    """The requester's answer to "why with no earlier warning?" when none is on record (s11.1, s12.1): refused
    until given, so the team always sees it; empty, and ignored if typed, when a warning is on record."""
    informal = bool(informal_warnings(incidents))
    formal = kind is EscalationKind.RESTRICTION and any(
        m.kind is MeasureKind.FORMAL_WARNING for m in uow.measures.for_customer(customer.id)
    )
    if not policy.warning_expected_before(kind, threat, informal, formal):
        return ""
    reason = request.no_warning_reason.strip()
    if not reason:
        raise InvalidSubmission({"no_warning_reason": policy.NO_PRIOR_WARNING.format(name=customer.name)})
    if len(reason) > policy.REASON_MAX_LENGTH:
        raise InvalidSubmission({"no_warning_reason": f"Keep the reason under {policy.REASON_MAX_LENGTH} characters."})
    return reason


NOT_ENTITLED = "You can't act on this escalation."
"""The one refusal for a card action on an escalation the clicker has no need to know about, or that is not on record:
the same words either way, so a refusal reveals nothing, not even whether the escalation exists."""


def refresh_escalation(
    uow: UnitOfWork, actor: Actor, escalation_id: int, clock: Clock, rules: DecisionRules
) -> EscalationView:
    """The decision card as it is now (its Refresh), for those with need to know (policy.may_see_escalation);
    every look is audited, refused ones too."""
    with uow:
        # Only shows the card: no row lock, so a refresh never queues behind a decision being recorded.
        escalation = uow.escalations.get(escalation_id)
        votes = uow.escalations.votes_for(escalation.id) if escalation is not None else ()
        people = _people_on_card(uow, actor, escalation, votes) if escalation is not None else {}
        if escalation is None or not _may_see(actor, escalation, people):
            raise _refused(uow, actor, AuditAction.ESCALATION_VIEW_REFUSED, escalation_id, clock, escalation is None)
        view = escalation_view(uow, escalation, rules, votes, people)
        record_audit(uow, actor, AuditAction.ESCALATION_VIEWED, escalation_id, clock)
        uow.commit()
    return view


def view_escalation(uow: UnitOfWork, escalation_id: int, rules: DecisionRules) -> EscalationView:
    """The decision card for the casework's own use (no viewer: callers check need to know and audit themselves)."""
    with uow:
        # Only shows the card: no row lock, so a refresh never queues behind a decision being recorded.
        escalation = uow.escalations.get(escalation_id)
        if escalation is None:
            raise NotFound("That escalation no longer exists.")
        return escalation_view(uow, escalation, rules)


def decide_escalation(
    uow: UnitOfWork,
    actor: Actor,
    escalation_id: int,
    outcome: DecisionOutcome,
    notes: str,
    clock: Clock,
    *,
    alternatives_considered: bool = False,
    rules: DecisionRules,
) -> DecisionResult:
    """Records one member's vote and, once the rule for this kind is met, the outcome, exactly once however
    often, however concurrently, and by however many members it is clicked (s2.6, s11.2, s12.2).

    An approved warning or restriction's draft letter (s11.4) is produced as it is sent to the case owner
    (letters.drafted_letters, from the outbox), not in the decider's turn."""
    with uow:
        escalation = uow.escalations.get_for_update(escalation_id)
        votes = list(uow.escalations.votes_for(escalation.id)) if escalation is not None else []
        # The clicker and everyone the card names, read once: for need to know, the refusal check and the card.
        people = _people_on_card(uow, actor, escalation, votes) if escalation is not None else {}
        if escalation is None or not _may_see(actor, escalation, people):
            # Checked before anything about the escalation is said, its state included.
            raise _refused(
                uow, actor, AuditAction.ESCALATION_DECISION_REFUSED, escalation_id, clock, escalation is None
            )
        # Read once: who reported them (the decider must not have, s2.6) and the card's evidence.
        incidents = uow.incidents.with_ids(escalation.incident_ids)
        if escalation.state is EscalationState.MORE_INFORMATION:
            return DecisionResult(
                escalation_view(uow, escalation, rules, votes, people, incidents),
                recorded_now=False,
                refusal="Waiting for the requester's answer before deciding.",
            )
        confirming = _awaiting_confirmation(escalation, votes)
        if escalation.state is not EscalationState.PENDING and not confirming:
            # Already decided: whoever clicks, and however often, is shown the outcome.
            return DecisionResult(escalation_view(uow, escalation, rules, votes, people, incidents), recorded_now=False)
        refusal = _decider_refusal(actor, escalation, people, incidents)
        if refusal is not None:
            record_audit(uow, actor, AuditAction.ESCALATION_DECISION_REFUSED, str(escalation_id), clock, reason=refusal)
            view = escalation_view(uow, escalation, rules, votes, people, incidents)
            uow.commit()
            return DecisionResult(view, recorded_now=False, refusal=refusal)
        problems = policy.vote_problems(outcome, notes, alternatives_considered)
        if problems:
            return DecisionResult(
                escalation_view(uow, escalation, rules, votes, people, incidents),
                recorded_now=False,
                refusal=" ".join(problems.values()),
            )
        now = clock()
        vote = Vote(escalation.id, actor.user_id, outcome, now, notes.strip(), alternatives_considered)
        try:
            uow.escalations.add_vote(vote)
        except AlreadyRecorded:
            return DecisionResult(
                escalation_view(uow, escalation, rules, votes, people, incidents),
                recorded_now=False,
                refusal="You have already given your decision on this.",
            )
        votes.append(vote)
        record_audit(uow, actor, AuditAction.ESCALATION_VOTE, str(escalation.id), clock, outcome=outcome.value)
        lost_race = False
        overturned = False
        decision: Decision | None = None
        if confirming:
            overturned = _confirm_or_overturn(uow, actor, escalation, outcome, now, clock)
        else:
            required = policy.approvals_required(escalation.kind, escalation.is_immediate, rules)
            final = policy.outcome_of(votes, required)
            if final is not None:
                decision = Decision(escalation.id, final, actor.user_id, now, notes.strip())
                try:
                    uow.escalations.add_decision(decision)
                except AlreadyRecorded:
                    # The row lock makes this rare and the unique key harmless: another instance decided first.
                    uow.rollback()
                    lost_race = True
                else:
                    _apply_decision(uow, actor, escalation, final, now, clock, rules)
        if not lost_race:
            view = escalation_view(uow, escalation, rules, votes, people, incidents, decision)
            events = _after_vote(view, overturned, _extended_review(uow, escalation))
            publish(uow, events, clock)
            uow.commit()
    if lost_race:
        return DecisionResult(view_escalation(uow, escalation_id, rules), recorded_now=False)
    return DecisionResult(view, recorded_now=True, events=events)


def _after_vote(view: EscalationView, overturned: bool, extended: tuple[str, int] | None = None) -> tuple[Event, ...]:
    """A recorded vote that leaves the request approved or declined tells the requester; an approval, and an
    immediate restriction overturned (its withdrawal letter), also sends the case owner (the requester, s13.1) the
    draft letters. Any other vote shows its progress on the card. An approved extension's letter is its review's
    (`extended`: the measure's case owner and the review)."""
    if view.state is EscalationState.APPROVED and extended is not None:
        owner, review_id = extended
        return (EscalationDecided(view), LettersDrafted(case_owner_id=owner, review_id=review_id))
    if view.state is EscalationState.APPROVED or overturned:
        return (
            EscalationDecided(view),
            LettersDrafted(case_owner_id=view.requested_by_id, escalation_id=view.escalation_id),
        )
    if view.state is EscalationState.DECLINED:
        return (EscalationDecided(view),)
    return (VoteRecorded(view.escalation_id),)


def ask_for_information(
    uow: UnitOfWork, actor: Actor, escalation_id: int, question: str, clock: Clock, rules: DecisionRules
) -> DecisionResult:
    """A member sends the request back to the requester with a question; deciding waits for the answer."""
    with uow:
        escalation = uow.escalations.get_for_update(escalation_id)
        votes = uow.escalations.votes_for(escalation.id) if escalation is not None else ()
        people = _people_on_card(uow, actor, escalation, votes) if escalation is not None else {}
        if escalation is None or not _may_see(actor, escalation, people):
            raise _refused(
                uow, actor, AuditAction.ESCALATION_DECISION_REFUSED, escalation_id, clock, escalation is None
            )
        incidents = uow.incidents.with_ids(escalation.incident_ids)
        refusal = _decider_refusal(actor, escalation, people, incidents)
        if refusal is None and escalation.state is not EscalationState.PENDING:
            refusal = "Only a request still waiting for a decision can be sent back with a question."
        if refusal is None and not question.strip():
            refusal = "Type your question in the decision notes first."
        if refusal is None and len(question.strip()) > policy.REASON_MAX_LENGTH:
            # Refused, not cut short: a question stored shorter than it was asked would mislead the requester.
            refusal = f"Keep the question to {policy.REASON_MAX_LENGTH} characters or fewer."
        if refusal is not None:
            view = escalation_view(uow, escalation, rules, votes, people, incidents)
            return DecisionResult(view, recorded_now=False, refusal=refusal)
        escalation.state = EscalationState.MORE_INFORMATION
        escalation.question = question.strip()
        escalation.answer = ""
        uow.escalations.save_state(escalation)
        record_audit(uow, actor, AuditAction.ESCALATION_INFORMATION_REQUESTED, str(escalation_id), clock)
        view = escalation_view(uow, escalation, rules, votes, people, incidents)
        events = (InformationRequested(view),)
        publish(uow, events, clock)
        uow.commit()
    return DecisionResult(view, recorded_now=True, events=events)


def answer_escalation(
    uow: UnitOfWork, actor: Actor, escalation_id: int, answer: str, clock: Clock, rules: DecisionRules
) -> DecisionResult:
    """The requester answers the team's question; the request goes back to them to decide."""
    if not answer.strip():
        raise InvalidSubmission({"answer": "Type your answer."})
    if len(answer.strip()) > policy.REASON_MAX_LENGTH:
        raise InvalidSubmission({"answer": f"Keep the answer to {policy.REASON_MAX_LENGTH} characters or fewer."})
    with uow:
        escalation = uow.escalations.get_for_update(escalation_id)
        if escalation is None or escalation.requested_by != actor.user_id:
            # The same words whether it exists or not: a refusal reveals nothing.
            raise AccessRefused("Only the person who asked for an escalation can answer the team's question on it.")
        if escalation.state is not EscalationState.MORE_INFORMATION:
            raise InvalidSubmission({"answer": "The team is not waiting for an answer on this request."})
        escalation.state = EscalationState.PENDING
        escalation.answer = answer.strip()
        uow.escalations.save_state(escalation)
        record_audit(uow, actor, AuditAction.ESCALATION_INFORMATION_GIVEN, str(escalation_id), clock)
        view = escalation_view(uow, escalation, rules)
        events = (InformationGiven(view),)
        publish(uow, events, clock)
        uow.commit()
    return DecisionResult(view, recorded_now=True, events=events)


def pending_escalations(
    uow: UnitOfWork, actor: Actor, clock: Clock, rules: DecisionRules
) -> tuple[EscalationView, ...]:
    """What awaits the determination team (s2.6); nobody else sees the list."""
    with uow:
        member = uow.staff.get(actor.user_id)
        if member is None or not member.is_determination_team:
            raise AccessRefused("Only members of the determination team can see pending escalations.")
        # Immediate restrictions in force unconfirmed come first, soonest window's end first (s12.3).
        unconfirmed: dict[int, Escalation] = {}
        for measure in uow.measures.awaiting_confirmation(datetime.max.replace(tzinfo=UTC)):
            escalation = uow.escalations.get(measure.escalation_id)
            if escalation is not None and escalation.state is EscalationState.APPROVED:
                unconfirmed.setdefault(escalation.id, escalation)
        return tuple(escalation_view(uow, e, rules) for e in [*unconfirmed.values(), *uow.escalations.waiting()])


def chase_overdue_escalations(
    uow: UnitOfWork, clock: Clock, chase_after: timedelta, repeat_every: timedelta, rules: DecisionRules
) -> tuple[EscalationView, ...]:
    """Escalations nobody has decided within `chase_after`, each claimed for chasing once per `repeat_every`."""
    now = clock()
    chased: list[EscalationView] = []
    with uow:
        for escalation in uow.escalations.pending_since_before(now - chase_after):
            if not policy.is_overdue(escalation.requested_at, now, chase_after):
                continue
            if uow.escalations.claim_chase(escalation.id, now, now - repeat_every):
                escalation.last_chased_at = now
                record_audit(uow, Actor("system", "Chase"), AuditAction.ESCALATION_CHASED, str(escalation.id), clock)
                chased.append(escalation_view(uow, escalation, rules))
        publish(uow, [EscalationOverdue(view.escalation_id) for view in chased], clock)
        uow.commit()
    return tuple(chased)


def _may_see(actor: Actor, escalation: Escalation, people: Mapping[str, StaffMember]) -> bool:
    member = people.get(actor.user_id)
    on_team = member is not None and member.is_determination_team
    return policy.may_see_escalation(actor.user_id, on_team, escalation.requested_by)


def _refused(
    uow: UnitOfWork, actor: Actor, action: AuditAction, escalation_id: int, clock: Clock, missing: bool
) -> AccessRefused:
    """Audits the refused card action (committed now, inside the caller's unit of work) and returns the error to
    raise: the same for an escalation not on record and one the actor has no need to know about."""
    record_audit(uow, actor, action, escalation_id, clock, reason="not on record" if missing else "no need to know")
    uow.commit()
    return AccessRefused(NOT_ENTITLED)


def _people_on_card(
    uow: UnitOfWork, actor: Actor, escalation: Escalation, votes: Sequence[Vote]
) -> Mapping[str, StaffMember]:
    """The clicker and everyone the decision card names, read once for the refusal check and the card."""
    return uow.reads.people_on_card({actor.user_id, escalation.requested_by, *(v.member_id for v in votes)})


def _decider_refusal(
    actor: Actor, escalation: Escalation, people: Mapping[str, StaffMember], incidents: Sequence[Incident]
) -> str | None:
    member = people.get(actor.user_id)
    involved = sorted({incident.reported_by for incident in incidents})
    return policy.decision_refusal(
        actor.user_id, member is not None and member.is_determination_team, escalation.requested_by, involved
    )


def _awaiting_confirmation(escalation: Escalation, votes: Sequence[Vote]) -> bool:
    """An immediate restriction (s12.3) approved by one member, not yet confirmed or overturned by a second."""
    return escalation.is_immediate and escalation.state is EscalationState.APPROVED and len(votes) < 2


def _confirm_or_overturn(
    uow: UnitOfWork, actor: Actor, escalation: Escalation, outcome: DecisionOutcome, now: datetime, clock: Clock
) -> bool:
    """The second member's vote on an immediate restriction (s12.3); True if it overturned it."""
    if outcome is DecisionOutcome.APPROVE:
        # Confirmed: its confirmation window closes, and nothing chases it or shows it overdue again.
        for measure in uow.measures.for_customer(escalation.customer_id):
            if measure.escalation_id == escalation.id and measure.confirm_by is not None:
                uow.measures.confirmed(measure.id)
        record_audit(uow, actor, AuditAction.ESCALATION_CONFIRMED, str(escalation.id), clock)
        return False
    # A second member disagrees: the immediate restriction ends now and the request is declined.
    for measure in uow.measures.for_customer(escalation.customer_id):
        if measure.escalation_id == escalation.id and measure.ended_at is None:
            uow.measures.end(measure.id, now)
    escalation.state = EscalationState.DECLINED
    uow.escalations.save_state(escalation)
    record_audit(uow, actor, AuditAction.ESCALATION_OVERTURNED, str(escalation.id), clock)
    return True


def _apply_decision(
    uow: UnitOfWork,
    actor: Actor,
    escalation: Escalation,
    outcome: DecisionOutcome,
    now: datetime,
    clock: Clock,
    rules: DecisionRules,
) -> None:
    """Moves the escalation to its outcome and puts an approved warning, restriction, further action or service
    withdrawal in force with its review date (s11, s12, s13, s14, s15.4); an immediate restriction (s12.3) must be
    confirmed by a second member within the configured window, and an approved extension decides the review it came
    from (s13.2). Its draft letter to the customer (s11.3, s11.4, s12.4) is produced on its way to the case owner."""
    escalation.state = EscalationState.APPROVED if outcome is DecisionOutcome.APPROVE else EscalationState.DECLINED
    uow.escalations.save_state(escalation)
    measure_kind = policy.measure_for(escalation.kind)
    if escalation.state is EscalationState.APPROVED and measure_kind is not None:
        measure = uow.measures.add(
            NewMeasure(
                customer_id=escalation.customer_id,
                kind=measure_kind,
                escalation_id=escalation.id,
                starts_at=now,
                review_due_at=policy.review_due_date(now),
                case_owner_id=escalation.requested_by,
                restrictions=escalation.restrictions,
                terms=escalation.terms,
                particulars=escalation.particulars,
                confirm_by=now + timedelta(hours=rules.confirm_within_hours) if escalation.is_immediate else None,
            )
        )
        uow.reviews.schedule(measure.id, measure.review_due_at)
    if escalation.state is EscalationState.APPROVED and escalation.kind is EscalationKind.EXTENSION:
        reviews.extension_approved(uow, actor, escalation, now, clock)
    decided = AuditAction.ESCALATION_APPROVED if outcome is DecisionOutcome.APPROVE else AuditAction.ESCALATION_DECLINED
    record_audit(uow, actor, decided, escalation.id, clock)


def _extended_review(uow: UnitOfWork, escalation: Escalation) -> tuple[str, int] | None:
    """For an approved extension: the case owner of the measure it extended and the review it decided."""
    if escalation.kind is not EscalationKind.EXTENSION or escalation.review_id is None:
        return None
    review = uow.reviews.get(escalation.review_id)
    measure = uow.measures.get(review.measure_id) if review is not None else None
    return (measure.case_owner_id, escalation.review_id) if measure is not None else None


def _parse(enum_type: type[_E], value: str) -> _E | None:
    try:
        return enum_type(value)
    except ValueError:
        return None
