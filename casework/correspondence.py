"""Correspondence on file (s16, issue 17). Where a restriction places a customer's correspondence on file without
acknowledgement or reply (s15.2), staff still log each item received, and a named reviewer reads it for significant
new information or safeguarding concerns (s16.1): new information goes to the case owner to pass to the service
that must act on it, a safeguarding concern to the determination team's channel at once. Nothing is ever sent to
the customer about an item on file, and nobody is told it held nothing new (s16.2). Items not reviewed within
CORRESPONDENCE_REVIEW_DAYS go to the determination team, once.

Logging is for any member of staff (every one of them is told by the status card to log what arrives), and shows
only the customer's name and the form; what items on file say is for their reviewer and the determination team."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.customer_query import interpret
from casework.entities import Actor, CorrespondenceItem, Measure, NewCorrespondenceItem
from casework.errors import AccessRefused, AlreadyRecorded, InvalidSubmission
from casework.events import CorrespondenceLogged, CorrespondenceOverdue, CorrespondenceReviewed, Event
from casework.outbox import publish
from casework.ports import UnitOfWork
from casework.vocabulary import ContactChannel, CorrespondenceOutcome, ServiceArea

NOT_LOGGED_HERE = (
    "Only correspondence from a customer whose restriction places it on file is logged here: check the customer "
    "for what applies to them."
)
"""The one refusal of the log form, whether the customer is not on record, not from the person's search, or has
no restriction placing correspondence on file: it says nothing about any customer."""
NOT_YOURS_TO_REVIEW = "You can't open this item."
"""The one refusal of an item on file, whether it is someone else's to review or not on record."""
REVIEW_WHO_MAY = "Only its reviewer (the case owner) and the determination team can open correspondence on file."
SWEEP = Actor("system", "Reminder sweep")
MAX_FORM_ID_LENGTH = 64


@dataclass(frozen=True)
class LogCorrespondence:
    """The log form as submitted: each value as typed, checked by policy.correspondence_problems."""

    form_id: str
    received_on: str
    channel: str
    summary: str
    attachment_reference: str


@dataclass(frozen=True)
class ReviewCorrespondence:
    outcome: str
    service_area: str
    notes: str


@dataclass(frozen=True)
class CorrespondenceForm:
    """The log form for one customer: whom it is from, who will review it, and the form's own id."""

    customer_id: int
    customer_name: str
    query: str
    """The search the customer was found by: the form's button carries it, so a forged id shows nobody."""
    reviewer_name: str
    form_id: str
    today: date


@dataclass(frozen=True)
class CorrespondenceItemView:
    item_id: int
    customer_name: str
    received_on: date
    channel: str
    summary: str
    attachment_reference: str
    logged_by_name: str
    logged_at: datetime
    reviewer_name: str
    case_owner_name: str
    review_by: datetime
    overdue: bool
    outcome: CorrespondenceOutcome | None = None
    service_area: str = ""
    notes: str = ""
    reviewed_by_name: str = ""
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class CorrespondenceLogResult:
    item: CorrespondenceItemView
    recorded_now: bool
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class CorrespondenceReviewResult:
    item: CorrespondenceItemView
    recorded_now: bool
    events: tuple[Event, ...] = ()


def correspondence_form(
    uow: UnitOfWork, actor: Actor, customer_id: int, query: str, clock: Clock
) -> CorrespondenceForm:
    with uow:
        customer_name, measure = _on_file(uow, actor, customer_id, query, clock)
        reviewer = uow.staff.get(measure.case_owner_id)
    return CorrespondenceForm(
        customer_id,
        customer_name,
        " ".join(query.split()),
        reviewer.name if reviewer else measure.case_owner_id,
        uuid.uuid4().hex,
        clock().astimezone(policy.LOCAL_TIME).date(),
    )


def log_correspondence(
    uow: UnitOfWork,
    actor: Actor,
    customer_id: int,
    query: str,
    submission: LogCorrespondence,
    clock: Clock,
    correspondence_review_within: timedelta,
) -> CorrespondenceLogResult:
    """Logs one item for the customer's restriction that places correspondence on file, named for its case owner
    to review; the same form saved twice logs it once. Nothing is sent to the customer (s15.2)."""
    now = clock()
    form_id = submission.form_id.strip()[:MAX_FORM_ID_LENGTH] or uuid.uuid4().hex
    with uow:
        # Who may log for whom is settled first: a forged form is refused, not checked.
        _, measure = _on_file(uow, actor, customer_id, query, clock)
        already = uow.correspondence.by_submission_key(form_id)
        if already is not None:
            return CorrespondenceLogResult(_view(uow, already, now, correspondence_review_within), False)
        errors = policy.correspondence_problems(
            submission.received_on, submission.channel, submission.summary, submission.attachment_reference, now
        )
        if errors:
            raise InvalidSubmission(errors)
        new = NewCorrespondenceItem(
            measure_id=measure.id,
            received_on=date.fromisoformat(submission.received_on.strip()),
            channel=ContactChannel(submission.channel),
            summary=submission.summary.strip(),
            attachment_reference=submission.attachment_reference.strip(),
            logged_by=actor.user_id,
            logged_at=now,
            reviewer_id=measure.case_owner_id,
            submission_key=form_id,
        )
        try:
            item = uow.correspondence.add(new)
        except AlreadyRecorded:
            uow.rollback()
            found = uow.correspondence.by_submission_key(form_id)
            assert found is not None
            return CorrespondenceLogResult(_view(uow, found, now, correspondence_review_within), False)
        record_audit(
            uow,
            actor,
            AuditAction.CORRESPONDENCE_LOGGED,
            item.id,
            clock,
            customer_id=str(customer_id),
            measure_id=str(measure.id),
            reviewer=item.reviewer_id,
        )
        events: tuple[Event, ...] = (CorrespondenceLogged(item.id, item.reviewer_id),)
        publish(uow, events, clock)
        view = _view(uow, item, now, correspondence_review_within)
        uow.commit()
    return CorrespondenceLogResult(view, True, events)


def correspondence_item(
    uow: UnitOfWork, actor: Actor, item_id: int, clock: Clock, correspondence_review_within: timedelta
) -> CorrespondenceItemView:
    """The item and its review form again, for its reviewer or the determination team."""
    with uow:
        item = _reviewable(uow, actor, item_id, clock, "opened")
        return _view(uow, item, clock(), correspondence_review_within)


def review_correspondence(
    uow: UnitOfWork,
    actor: Actor,
    item_id: int,
    submission: ReviewCorrespondence,
    clock: Clock,
    correspondence_review_within: timedelta,
) -> CorrespondenceReviewResult:
    """Records what the review of the item found, once, and routes it: new information to the case owner naming
    the service that must act, a safeguarding concern to the team's channel; no new information to nobody."""
    now = clock()
    with uow:
        item = _reviewable(uow, actor, item_id, clock, "review")
        if item.reviewed_at is not None:
            return CorrespondenceReviewResult(_view(uow, item, now, correspondence_review_within), False)
        errors = policy.correspondence_review_problems(submission.outcome, submission.service_area, submission.notes)
        if errors:
            raise InvalidSubmission(errors)
        outcome = CorrespondenceOutcome(submission.outcome)
        service = ServiceArea(submission.service_area) if outcome is CorrespondenceOutcome.NEW_INFORMATION else None
        notes = submission.notes.strip()
        if not uow.correspondence.record_review(item.id, outcome, service, notes, actor.user_id, now):
            # Someone else's review was recorded a moment ago: theirs stands.
            uow.rollback()
            latest = uow.correspondence.get(item.id)
            assert latest is not None
            return CorrespondenceReviewResult(_view(uow, latest, now, correspondence_review_within), False)
        measure = uow.measures.get(item.measure_id)
        assert measure is not None
        record_audit(
            uow,
            actor,
            AuditAction.CORRESPONDENCE_REVIEWED,
            item.id,
            clock,
            outcome=outcome.value,
            service_area=service.value if service else "",
        )
        events: tuple[Event, ...] = (CorrespondenceReviewed(item.id, outcome, measure.case_owner_id),)
        publish(uow, events, clock)
        reviewed = uow.correspondence.get(item.id)
        assert reviewed is not None
        view = _view(uow, reviewed, now, correspondence_review_within)
        uow.commit()
    return CorrespondenceReviewResult(view, True, events)


def correspondence_message(
    uow: UnitOfWork, item_id: int, clock: Clock, correspondence_review_within: timedelta
) -> CorrespondenceItemView | None:
    """The item as the outbox's messages show it when sent; None if it is no longer on record."""
    with uow:
        item = uow.correspondence.get(item_id)
        return _view(uow, item, clock(), correspondence_review_within) if item is not None else None


def escalate_overdue_correspondence(
    uow: UnitOfWork, clock: Clock, correspondence_review_within: timedelta, limit: int = 100
) -> tuple[int, ...]:
    """Items not reviewed within the review period go to the determination team, once each (claimed, so two
    instances' sweeps do not both send one); the team's `work` lists them until they are reviewed."""
    now = clock()
    with uow:
        claimed = uow.correspondence.claim_overdue(now - correspondence_review_within, now, limit)
        for item in claimed:
            record_audit(uow, SWEEP, AuditAction.CORRESPONDENCE_ESCALATED_OVERDUE, item.id, clock)
        publish(uow, [CorrespondenceOverdue(item.id) for item in claimed], clock)
        uow.commit()
    return tuple(item.id for item in claimed)


def review_deadline(logged_at: datetime, correspondence_review_within: timedelta) -> datetime:
    """An item is to be reviewed within the review period of being logged (CORRESPONDENCE_REVIEW_DAYS)."""
    return logged_at + correspondence_review_within


def _on_file(uow: UnitOfWork, actor: Actor, customer_id: int, query: str, clock: Clock) -> tuple[str, Measure]:
    """The customer's name and the newest restriction in force placing their correspondence on file, for a
    customer the person's own search finds (ids are sequential: a forged button must not step through them)."""
    query = " ".join(query.split())
    found = {c.id: c for c in uow.customers.search(interpret(query), limit=8)} if query else {}
    customer = found.get(customer_id)
    now = clock()
    measures = (
        [m for m in uow.measures.for_customer(customer_id) if policy.places_correspondence_on_file(m, now)]
        if customer is not None
        else []
    )
    if customer is None or not measures:
        record_audit(
            uow,
            actor,
            AuditAction.CORRESPONDENCE_LOG_REFUSED,
            customer_id,
            clock,
            reason="not from the search" if customer is None else "not placed on file",
        )
        uow.commit()
        raise AccessRefused(NOT_LOGGED_HERE)
    return customer.name, max(measures, key=lambda m: m.starts_at)


def _reviewable(uow: UnitOfWork, actor: Actor, item_id: int, clock: Clock, action: str) -> CorrespondenceItem:
    item = uow.correspondence.get(item_id)
    viewer = uow.staff.get(actor.user_id)
    on_team = viewer is not None and viewer.is_determination_team
    if item is None or not policy.may_review_correspondence(actor.user_id, item.reviewer_id, on_team):
        record_audit(
            uow,
            actor,
            AuditAction.CORRESPONDENCE_REVIEW_REFUSED,
            item_id,
            clock,
            attempt=action,
            reason="not on record" if item is None else "no need to know",
        )
        uow.commit()
        raise AccessRefused(NOT_YOURS_TO_REVIEW)
    return item


def _view(
    uow: UnitOfWork, item: CorrespondenceItem, now: datetime, correspondence_review_within: timedelta
) -> CorrespondenceItemView:
    measure = uow.measures.get(item.measure_id)
    assert measure is not None
    customer = uow.customers.get(measure.customer_id)
    people = uow.staff.many(
        {item.logged_by, item.reviewer_id, measure.case_owner_id, *([item.reviewed_by] if item.reviewed_by else [])}
    )

    def name(user_id: str) -> str:
        member = people.get(user_id)
        return member.name if member else user_id

    deadline = review_deadline(item.logged_at, correspondence_review_within)
    return CorrespondenceItemView(
        item_id=item.id,
        customer_name=customer.name if customer else "",
        received_on=item.received_on,
        channel=item.channel.label,
        summary=item.summary,
        attachment_reference=item.attachment_reference,
        logged_by_name=name(item.logged_by),
        logged_at=item.logged_at,
        reviewer_name=name(item.reviewer_id),
        case_owner_name=name(measure.case_owner_id),
        review_by=deadline,
        overdue=item.reviewed_at is None and now > deadline,
        outcome=item.outcome,
        service_area=item.service_area.label if item.service_area else "",
        notes=item.review_notes,
        reviewed_by_name=name(item.reviewed_by) if item.reviewed_by else "",
        reviewed_at=item.reviewed_at,
    )
