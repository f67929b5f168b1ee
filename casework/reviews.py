"""Use cases for the 3-monthly review of restrictions and formal warnings (s13): lift, extend, reassign, chase."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from casework import letters, policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock, CouncilDetails, DecisionRules
from casework.entities import Actor, Escalation, Incident, Measure, NewEscalation, ScheduledReview
from casework.errors import AccessRefused, NotFound
from casework.events import EscalationRequested, LettersDrafted, ReviewDue, ReviewOverdue
from casework.outbox import publish
from casework.ports import UnitOfWork
from casework.views import (
    EvidenceLine,
    PastReview,
    ReviewResult,
    ReviewView,
    escalation_view,
    informal_warnings,
    representative_of,
)
from casework.vocabulary import EscalationKind, EscalationState, LetterKind, ReviewOutcome

REMINDER_SWEEP = Actor("system", "Reminder sweep")
NOT_ENTITLED = "You can't act on this review."
"""The one refusal for a review card's buttons, whether the review is not the clicker's or not on record."""


def review_view(uow: UnitOfWork, review_id: int, clock: Clock) -> ReviewView:
    with uow:
        review, measure = _load(uow, review_id)
        return _view(uow, review, measure, clock)


def shown_review(uow: UnitOfWork, actor: Actor, review_id: int, clock: Clock) -> ReviewView | None:
    """Inside the caller's unit of work: the review's card for its owner or the determination team, read without a
    lock; None for anyone else and for a review no longer on record (need to know: the two are not told apart)."""
    review = uow.reviews.get(review_id)
    measure = uow.measures.get(review.measure_id) if review is not None else None
    if review is None or measure is None or _refusal(uow, actor, review, measure) is not None:
        return None
    return _view(uow, review, measure, clock)


def decide_review(
    uow: UnitOfWork,
    actor: Actor,
    review_id: int,
    outcome: ReviewOutcome,
    reason: str,
    customer_advised: bool,
    not_advised_reason: str,
    clock: Clock,
    council: CouncilDetails,
    rules: DecisionRules,
) -> ReviewResult:
    """Lifts (s13.1), once, with a draft letter to the customer saying what was decided and why (s13); or asks
    the determination team to extend by 3 months (s13.2), which their approval does (extension_approved). Whoever
    decides must not have reported the incidents the review weighs (s2.6), and a lifting despite incidents since
    the last review says why."""
    with uow:
        review, measure = _entitled(uow, actor, review_id, clock)
        if review.decided_at is not None:
            return ReviewResult(_view(uow, review, measure, clock), recorded_now=False)
        weighed = _incidents_weighed(uow, review, measure)
        refusal = _refusal(uow, actor, review, measure)
        reporters = {i.reported_by for i in weighed.all}
        reported = policy.review_decider_refusal(actor.user_id, reporters) if refusal is None else None
        if reported:
            # Told only to someone entitled to the review, of incidents its card shows them: nothing new. Audited.
            record_audit(uow, actor, AuditAction.REVIEW_ACTION_REFUSED, review.id, clock, reason="reported them")
            view = _view(uow, review, measure, clock)
            uow.commit()
            return ReviewResult(view, recorded_now=False, refusal=reported)
        if refusal is None and _pending_extension(uow, review, measure) is not None:
            refusal = "An extension of this is waiting for the determination team's approval."
        if refusal is None:
            problems = policy.review_decision_problems(
                outcome,
                reason,
                customer_advised,
                not_advised_reason,
                # The customer's own actions: a representative's are not held against them (s5.4).
                incidents_since=len([i for i in weighed.since if not representative_of(i)]),
            )
            refusal = " ".join(problems.values()) or None
        if refusal is not None:
            return ReviewResult(_view(uow, review, measure, clock), recorded_now=False, refusal=refusal)
        if outcome is ReviewOutcome.EXTEND:
            return _ask_team_to_extend(
                uow, actor, review, measure, weighed, reason, customer_advised, not_advised_reason, clock, rules
            )
        now = clock()
        decided = replace(
            review,
            decided_at=now,
            outcome=outcome,
            decided_by=actor.user_id,
            reason=reason.strip(),
            customer_advised=customer_advised,
            not_advised_reason=not_advised_reason.strip(),
        )
        uow.reviews.save_decision(decided)
        uow.measures.end(measure.id, now)
        record_audit(uow, actor, AuditAction.REVIEW_LIFTED, review.id, clock, customer_advised=str(customer_advised))
        record_audit(uow, actor, AuditAction.LETTER_REQUESTED, review.id, clock, letter="lifting")
        letters.produce_draft(uow, actor, uow.measures.get(measure.id) or measure, LetterKind.LIFTING, council, clock)
        view = _view(uow, decided, uow.measures.get(measure.id) or measure, clock)
        events = (LettersDrafted(case_owner_id=measure.case_owner_id, review_id=review.id),)
        publish(uow, events, clock)
        uow.commit()
    return ReviewResult(view, recorded_now=True, events=events)


@dataclass(frozen=True)
class _Weighed:
    """The incidents a review weighs: those its measure rests on, and those since it began or was last reviewed."""

    rests_on: tuple[Incident, ...]
    since: tuple[Incident, ...]

    @property
    def all(self) -> tuple[Incident, ...]:
        return (*self.rests_on, *self.since)


def _incidents_weighed(uow: UnitOfWork, review: ScheduledReview, measure: Measure) -> _Weighed:
    escalation = uow.escalations.get(measure.escalation_id)
    rests_on = tuple(uow.incidents.with_ids(escalation.incident_ids)) if escalation is not None else ()
    return _Weighed(rests_on, tuple(_incidents_since(uow, review, measure)))


def _incidents_since(uow: UnitOfWork, review: ScheduledReview, measure: Measure) -> list[Incident]:
    past = [r for r in uow.reviews.for_measure(measure.id) if r.decided_at is not None and r.id != review.id]
    since = max([measure.starts_at, *[r.decided_at for r in past if r.decided_at]])
    return [i for i in uow.incidents.for_customer(measure.customer_id) if i.occurred_at > since]


def _pending_extension(uow: UnitOfWork, review: ScheduledReview, measure: Measure) -> Escalation | None:
    """The extension asked for at this review and still waiting for the determination team, if any."""
    for escalation in uow.escalations.for_customer(measure.customer_id):
        waiting = escalation.state in (EscalationState.PENDING, EscalationState.MORE_INFORMATION)
        if escalation.kind is EscalationKind.EXTENSION and escalation.review_id == review.id and waiting:
            return escalation
    return None


def _last_extension(uow: UnitOfWork, review: ScheduledReview, measure: Measure) -> Escalation | None:
    asked = [
        e
        for e in uow.escalations.for_customer(measure.customer_id)
        if e.kind is EscalationKind.EXTENSION and e.review_id == review.id
    ]
    return asked[-1] if asked else None


def _ask_team_to_extend(
    uow: UnitOfWork,
    actor: Actor,
    review: ScheduledReview,
    measure: Measure,
    weighed: _Weighed,
    reason: str,
    customer_advised: bool,
    not_advised_reason: str,
    clock: Clock,
    rules: DecisionRules,
) -> ReviewResult:
    """An extension is a new 3 months of restriction, so a member of the determination team approves it (s2.6,
    s13.2): it goes to their channel as a decision card, and the review waits for it. What the reviewer said is
    kept on the review, for the record and the letter, until the team decides."""
    now = clock()
    proposal = replace(
        review, reason=reason.strip(), customer_advised=customer_advised, not_advised_reason=not_advised_reason.strip()
    )
    uow.reviews.save_decision(proposal)
    escalation = uow.escalations.add(
        NewEscalation(
            customer_id=measure.customer_id,
            kind=EscalationKind.EXTENSION,
            reason=reason.strip(),
            requested_by=actor.user_id,
            requested_at=now,
            incident_ids=tuple(i.id for i in weighed.all),
            review_id=review.id,
        )
    )
    record_audit(uow, actor, AuditAction.REVIEW_EXTENSION_REQUESTED, review.id, clock, escalation=str(escalation.id))
    record_audit(uow, actor, AuditAction.ESCALATION_REQUESTED, escalation.id, clock, kind=escalation.kind.value)
    events = (EscalationRequested(escalation_view(uow, escalation, rules)),)
    publish(uow, events, clock)
    view = _view(uow, proposal, measure, clock)
    uow.commit()
    return ReviewResult(view, recorded_now=True, events=events)


def extension_approved(uow: UnitOfWork, actor: Actor, escalation: Escalation, now: datetime, clock: Clock) -> None:
    """Inside the deciding vote's unit of work: the team approved an extension (s13.2), so its review is decided,
    as extended by the reviewer who asked, the measure's review moves on 3 months and the next is scheduled. Its
    letter is drafted as it goes to the case owner (letters.drafted_letters)."""
    review = uow.reviews.get_for_update(escalation.review_id) if escalation.review_id is not None else None
    measure = uow.measures.get(review.measure_id) if review is not None else None
    if review is None or measure is None or review.decided_at is not None or measure.ended_at is not None:
        # Nothing left to extend (decided or ended meanwhile): the approval stands on record, and changes nothing.
        return
    uow.reviews.save_decision(
        replace(review, decided_at=now, outcome=ReviewOutcome.EXTEND, decided_by=escalation.requested_by)
    )
    next_due = policy.next_review_after_extension(review.due_at)
    uow.measures.set_review_due(measure.id, next_due)
    uow.reviews.schedule(measure.id, next_due)
    record_audit(
        uow,
        actor,
        AuditAction.REVIEW_EXTENDED,
        review.id,
        clock,
        customer_advised=str(review.customer_advised),
        approved_by=actor.user_id,
    )
    record_audit(uow, actor, AuditAction.LETTER_REQUESTED, review.id, clock, letter="extension")


def reassign_review(uow: UnitOfWork, actor: Actor, review_id: int, new_owner_id: str, clock: Clock) -> ReviewResult:
    with uow:
        review, measure = _entitled(uow, actor, review_id, clock)
        refusal = _refusal(uow, actor, review, measure)
        new_owner = uow.staff.get(new_owner_id) if new_owner_id else None
        if refusal is None and review.decided_at is not None:
            refusal = "This review has already been decided."
        if refusal is None and new_owner is None:
            refusal = "Choose who should own this review."
        if refusal is not None:
            return ReviewResult(_view(uow, review, measure, clock), recorded_now=False, refusal=refusal)
        assert new_owner is not None
        uow.reviews.reassign(review.id, new_owner.user_id)
        record_audit(uow, actor, AuditAction.REVIEW_REASSIGNED, review.id, clock, owner=new_owner.user_id)
        view = _view(uow, replace(review, owner_id=new_owner.user_id), measure, clock)
        uow.commit()
    return ReviewResult(view, recorded_now=True)


def escalate_overdue_reviews(
    uow: UnitOfWork, clock: Clock, repeat_every: timedelta, limit: int = 100
) -> tuple[ReviewView, ...]:
    """Reviews past due and undecided, claimed for the determination team once per `repeat_every`."""
    now = clock()
    with uow:
        claimed = uow.reviews.claim_overdue(now, now - repeat_every, limit)
        views = []
        for review in claimed:
            measure = uow.measures.get(review.measure_id)
            assert measure is not None
            record_audit(uow, REMINDER_SWEEP, AuditAction.REVIEW_ESCALATED_OVERDUE, review.id, clock)
            views.append(_view(uow, review, measure, clock))
        publish(uow, [ReviewOverdue(view.review_id) for view in views], clock)
        uow.commit()
    return tuple(views)


def reviews_for(uow: UnitOfWork, actor: Actor, review_lead: timedelta, clock: Clock) -> tuple[ReviewView, ...]:
    """A manager's reviews due (within the lead time) and overdue; the determination team sees them all."""
    now = clock()
    with uow:
        member = uow.staff.get(actor.user_id)
        everyone = member is not None and member.is_determination_team
        views = []
        for review in uow.reviews.open_reviews(now + review_lead):
            measure = uow.measures.get(review.measure_id)
            assert measure is not None
            if everyone or (review.owner_id or measure.case_owner_id) == actor.user_id:
                views.append(_view(uow, review, measure, clock))
        return tuple(views)


def _load(uow: UnitOfWork, review_id: int) -> tuple[ScheduledReview, Measure]:
    review = uow.reviews.get_for_update(review_id)
    if review is None:
        raise NotFound("That review no longer exists.")
    measure = uow.measures.get(review.measure_id)
    if measure is None:
        raise NotFound("The restriction under review no longer exists.")
    return review, measure


def _entitled(uow: UnitOfWork, actor: Actor, review_id: int, clock: Clock) -> tuple[ScheduledReview, Measure]:
    """The review and its measure, locked, for a clicker with need to know (policy.may_see_review). Anyone else,
    and a review not on record, is refused in the same words and audited: nothing about the review is returned."""
    review = uow.reviews.get_for_update(review_id)
    measure = uow.measures.get(review.measure_id) if review is not None else None
    if review is None or measure is None or _refusal(uow, actor, review, measure) is not None:
        reason = "not on record" if review is None or measure is None else "no need to know"
        record_audit(uow, actor, AuditAction.REVIEW_ACTION_REFUSED, review_id, clock, reason=reason)
        uow.commit()
        raise AccessRefused(NOT_ENTITLED)
    return review, measure


def _refusal(uow: UnitOfWork, actor: Actor, review: ScheduledReview, measure: Measure) -> str | None:
    member = uow.staff.get(actor.user_id)
    owner = review.owner_id or measure.case_owner_id
    if policy.may_see_review(actor.user_id, owner, member is not None and member.is_determination_team):
        return None
    return "Only the review's owner or the determination team can decide or reassign it."


def _view(uow: UnitOfWork, review: ScheduledReview, measure: Measure, clock: Clock) -> ReviewView:
    customer = uow.customers.get(measure.customer_id)
    reviews = uow.reviews.for_measure(measure.id)
    past = [r for r in reviews if r.decided_at is not None and r.id != review.id]
    incidents = _incidents_since(uow, review, measure)
    extension = _last_extension(uow, review, measure)
    declined = uow.escalations.decision_for(extension.id) if extension is not None else None
    owner_id = review.owner_id or measure.case_owner_id
    owner = uow.staff.get(owner_id)
    decider = uow.staff.get(review.decided_by) if review.decided_by else None

    def name(user_id: str | None) -> str:
        found = uow.staff.get(user_id) if user_id else None
        return found.name if found else (user_id or "")

    return ReviewView(
        review_id=review.id,
        customer_name=customer.name if customer else "",
        title=policy.measure_name(measure.kind),
        instructions=tuple(policy.handling_instructions(measure)),
        started_at=measure.starts_at,
        due_at=review.due_at,
        owner_id=owner_id,
        owner_name=owner.name if owner else owner_id,
        history=tuple(
            PastReview(r.due_at, r.outcome.value if r.outcome else "", name(r.decided_by), r.reason) for r in past
        ),
        incidents_since=tuple(
            EvidenceLine(
                i.reference, i.occurred_at, i.channel.label, i.action_labels, by_representative=representative_of(i)
            )
            for i in incidents
        ),
        # The customer's own actions only: a representative's are not held against them (s5.4).
        proposed=policy.proposed_review_outcome(len([i for i in incidents if not representative_of(i)])),
        warnings_since=informal_warnings(incidents),
        overdue=review.decided_at is None and review.due_at < clock(),
        staff_options=tuple((m.user_id, m.name) for m in uow.staff.all() if m.user_id != owner_id),
        decided_outcome=review.outcome,
        decided_by_name=decider.name if decider else review.decided_by,
        decided_at=review.decided_at,
        customer_advised=review.customer_advised,
        not_advised_reason=review.not_advised_reason,
        next_review_at=policy.next_review_after_extension(review.due_at)
        if review.outcome is ReviewOutcome.EXTEND
        else None,
        extension_waiting=extension is not None
        and extension.state in (EscalationState.PENDING, EscalationState.MORE_INFORMATION),
        extension_declined=declined.notes or "No reason given."
        if extension is not None and extension.state is EscalationState.DECLINED and declined is not None
        else "",
    )


def queue_due_reminders(uow: UnitOfWork, clock: Clock, review_lead: timedelta, limit: int = 100) -> int:
    """Review reminders now due (s13.1): each marked reminded and written to the outbox for its owner in one
    transaction, so it is sent once, by whichever instance sweeps, and never lost. Returns how many."""
    now = clock()
    with uow:
        due = uow.reviews.claim_reminders(now + review_lead, now, now, REMINDER_SWEEP.user_id, limit)
        for review in due:
            uow.reviews.mark_reminded(review.review_id, REMINDER_SWEEP.user_id, now)
        publish(uow, [ReviewDue(review.review_id, review.case_owner_id) for review in due], clock)
        uow.commit()
    return len(due)
