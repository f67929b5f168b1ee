"""Use cases for the 3-monthly review of restrictions and formal warnings (s13): lift, extend, reassign, chase."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from casework import letters, policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock, CouncilDetails
from casework.entities import Actor, Measure, ScheduledReview
from casework.errors import AccessRefused, NotFound
from casework.events import LettersDrafted, ReviewDue, ReviewOverdue
from casework.outbox import publish
from casework.ports import UnitOfWork
from casework.views import EvidenceLine, PastReview, ReviewResult, ReviewView, informal_warnings, representative_of
from casework.vocabulary import LetterKind, MeasureKind, ReviewOutcome

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
) -> ReviewResult:
    """Lifts (s13.1) or extends by 3 months (s13.2), once; an extension schedules the next review. Either way a
    draft letter to the customer says what was decided and why (s13)."""
    with uow:
        review, measure = _entitled(uow, actor, review_id, clock)
        if review.decided_at is not None:
            return ReviewResult(_view(uow, review, measure, clock), recorded_now=False)
        refusal = _refusal(uow, actor, review, measure)
        if refusal is None:
            problems = policy.review_decision_problems(outcome, reason, customer_advised, not_advised_reason)
            refusal = " ".join(problems.values()) or None
        if refusal is not None:
            return ReviewResult(_view(uow, review, measure, clock), recorded_now=False, refusal=refusal)
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
        if outcome is ReviewOutcome.LIFT:
            uow.measures.end(measure.id, now)
        else:
            next_due = policy.next_review_after_extension(review.due_at)
            uow.measures.set_review_due(measure.id, next_due)
            uow.reviews.schedule(measure.id, next_due)
        letter = "lifting" if outcome is ReviewOutcome.LIFT else "extension"
        record_audit(
            uow,
            actor,
            AuditAction.REVIEW_LIFTED if outcome is ReviewOutcome.LIFT else AuditAction.REVIEW_EXTENDED,
            review.id,
            clock,
            customer_advised=str(customer_advised),
        )
        record_audit(uow, actor, AuditAction.LETTER_REQUESTED, review.id, clock, letter=letter)
        letters.produce_draft(
            uow,
            actor,
            uow.measures.get(measure.id) or measure,
            LetterKind.LIFTING if outcome is ReviewOutcome.LIFT else LetterKind.EXTENSION,
            council,
            clock,
        )
        view = _view(uow, decided, uow.measures.get(measure.id) or measure, clock)
        events = (LettersDrafted(case_owner_id=measure.case_owner_id, review_id=review.id),)
        publish(uow, events, clock)
        uow.commit()
    return ReviewResult(view, recorded_now=True, events=events)


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
    since = max([measure.starts_at, *[r.decided_at for r in past if r.decided_at]])
    incidents = [i for i in uow.incidents.for_customer(measure.customer_id) if i.occurred_at > since]
    owner_id = review.owner_id or measure.case_owner_id
    owner = uow.staff.get(owner_id)
    decider = uow.staff.get(review.decided_by) if review.decided_by else None

    def name(user_id: str | None) -> str:
        found = uow.staff.get(user_id) if user_id else None
        return found.name if found else (user_id or "")

    return ReviewView(
        review_id=review.id,
        customer_name=customer.name if customer else "",
        title="Restriction" if measure.kind is MeasureKind.RESTRICTION else "Formal warning",
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
