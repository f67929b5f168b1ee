""" "My work" (issue 15): everything waiting for the person who asks, and each item's card again.

Whatever card someone missed — the s8.6 discussion, a review reminder, a draft letter, the team's question, a
decision card — they can get it again from here. Every item is opened by its record id alone: the record is reloaded
and the person's entitlement checked again on every click (need to know), and a refusal says nothing about the
record, not even whether it exists.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from casework import appeals, letters, policy, reviews
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock, DecisionRules
from casework.entities import Actor, personal_chat
from casework.errors import AccessRefused, CaseworkError
from casework.ports import EscalationDue, UnitOfWork, WorkFacts
from casework.views import (
    EscalationView,
    IncidentSummary,
    LetterView,
    MyWorkView,
    ReviewView,
    UndeliveredMessage,
    WorkItem,
    escalation_view,
    incident_summary,
)
from casework.vocabulary import EscalationState, MessagePurpose

NOT_YOURS = "You can't open this item."


class NotYours(AccessRefused):
    """The item is not the person's to open, or is no longer on record; which of the two is not said."""

    def __init__(self) -> None:
        super().__init__(NOT_YOURS)


class AlreadyAnswered(CaseworkError):
    def __init__(self) -> None:
        super().__init__("That question has already been answered; the determination team has your answer.")


def my_work(
    uow: UnitOfWork, actor: Actor, clock: Clock, review_lead: timedelta, correspondence_review_within: timedelta
) -> MyWorkView:
    """What is waiting for the actor, read in one go from the read side."""
    now = clock()
    with uow:
        facts = uow.reads.work_for(actor.user_id, now + review_lead)
        # Cards the outbox could not deliver: the items they were about are listed below with their buttons.
        failed = uow.outbox.failed_for(personal_chat(actor.user_id))
        filed = _correspondence_to_review(
            uow, actor.user_id, facts.viewer_is_determination_team, now, correspondence_review_within
        )
        open_appeals = appeals.open_appeals_for(uow, actor)
    undelivered = tuple(
        UndeliveredMessage(m.id, m.purpose.label.capitalize(), m.created_at)
        for m in failed
        if m.purpose is not MessagePurpose.NOT_DELIVERED
    )
    return replace(_shaped(facts, now, undelivered=undelivered), correspondence=filed, appeals=open_appeals)


def _correspondence_to_review(
    uow: UnitOfWork, viewer_id: str, on_team: bool, now: datetime, within: timedelta
) -> tuple[WorkItem, ...]:
    """Items on file the viewer is to review (s16.1), and for the determination team every item past its deadline,
    which the team took over when it was sent to their channel."""
    due = list(uow.correspondence.unreviewed(viewer_id, None))
    if on_team:
        mine = {d.item_id for d in due}
        due += [d for d in uow.correspondence.unreviewed(None, now - within) if d.item_id not in mine]
    return tuple(
        WorkItem(
            d.item_id,
            d.customer_name,
            f"Correspondence received {d.received_on:%d %b %Y}",
            d.logged_at + within,
            overdue=now > d.logged_at + within,
        )
        for d in sorted(due, key=lambda d: d.logged_at)
    )


def discussion_item(uow: UnitOfWork, actor: Actor, incident_id: int, clock: Clock) -> IncidentSummary:
    """The s8.6 discussion card again, for the reporter's line manager (or the determination team, who may also
    record it)."""
    with uow:
        incident = uow.incidents.get(incident_id)
        reporter = uow.staff.get(incident.reported_by) if incident is not None else None
        clicker = uow.staff.get(actor.user_id)
        if incident is not None and (
            policy.manager_outcome_refusal(
                actor.user_id,
                reporter.line_manager_id if reporter else None,
                clicker is not None and clicker.is_determination_team,
            )
            is None
        ):
            return incident_summary(uow, incident, reporter=reporter)
    raise _refused(uow, actor, "incident", incident_id, clock)


def review_item(uow: UnitOfWork, actor: Actor, review_id: int, clock: Clock) -> ReviewView:
    """The review card again, for its owner or the determination team."""
    with uow:
        view = reviews.shown_review(uow, actor, review_id, clock)
    if view is None:
        raise _refused(uow, actor, "review", review_id, clock)
    return view


def letter_item(uow: UnitOfWork, actor: Actor, letter_id: int, clock: Clock) -> LetterView:
    """The letter's card again (the bot adds a fresh link), for the case owner or the determination team."""
    with uow:
        found = letters.handled_letters(uow, actor, [letter_id])
    if not found:
        raise _refused(uow, actor, "letter", letter_id, clock)
    return found[0]


def question_item(
    uow: UnitOfWork, actor: Actor, escalation_id: int, clock: Clock, rules: DecisionRules
) -> EscalationView:
    """The team's question again, for the escalation's requester, while it waits for their answer."""
    with uow:
        escalation = uow.escalations.get(escalation_id)
        if escalation is not None and escalation.requested_by == actor.user_id:
            if escalation.state is not EscalationState.MORE_INFORMATION:
                raise AlreadyAnswered()
            return escalation_view(uow, escalation, rules)
    raise _refused(uow, actor, "escalation", escalation_id, clock)


def decision_item(
    uow: UnitOfWork, actor: Actor, escalation_id: int, clock: Clock, rules: DecisionRules
) -> EscalationView:
    """The decision card again, for members of the determination team (s2.6); its buttons re-check the clicker."""
    with uow:
        member = uow.staff.get(actor.user_id)
        escalation = uow.escalations.get(escalation_id)
        if escalation is not None and member is not None and member.is_determination_team:
            return escalation_view(uow, escalation, rules)
    raise _refused(uow, actor, "escalation", escalation_id, clock)


def _refused(uow: UnitOfWork, actor: Actor, record_type: str, record_id: int, clock: Clock) -> NotYours:
    """Audits the refused click (in a transaction of its own, after the read) and returns the error to raise."""
    with uow:
        record_audit(uow, actor, AuditAction.WORK_ITEM_REFUSED, record_id, clock, record_type=record_type)
        uow.commit()
    return NotYours()


def _shaped(facts: WorkFacts, now: datetime, undelivered: tuple[UndeliveredMessage, ...]) -> MyWorkView:
    return MyWorkView(
        discussions=tuple(
            WorkItem(
                d.incident_id,
                d.customer_name,
                f"Incident {d.reference} reported by {d.reporter_name}"
                if d.reference
                else f"Incident reported by {d.reporter_name}",
                d.occurred_at,
            )
            for d in facts.discussions
        ),
        reviews=tuple(
            WorkItem(
                r.review_id,
                r.customer_name,
                f"{policy.measure_name(r.measure_kind)} review",
                r.due_at,
                overdue=r.due_at < now,
            )
            for r in facts.reviews
        ),
        letters=tuple(
            WorkItem(x.letter_id, x.customer_name, f"{x.kind.label}, version {x.version} ({x.reference})", x.created_at)
            for x in facts.letters
        ),
        questions=tuple(_escalation_item(q, note=q.question) for q in facts.questions),
        decisions=tuple(
            _escalation_item(
                d,
                note="Waiting for the requester's answer" if d.state is EscalationState.MORE_INFORMATION else "",
            )
            for d in facts.decisions
        ),
        undelivered=undelivered,
    )


def _escalation_item(due: EscalationDue, note: str) -> WorkItem:
    return WorkItem(
        due.escalation_id,
        due.customer_name,
        "Immediate restriction (s12.3)" if due.is_immediate else due.kind.label,
        due.requested_at,
        overdue=due.last_chased_at is not None and due.state is EscalationState.PENDING,
        note=note,
    )
