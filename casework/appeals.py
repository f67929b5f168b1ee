"""After the decision (issue 17): complaints and appeals about a warning, restriction or extension, and Ombudsman
signposting.

Any member of staff (or the case owner) records that a customer has complained about or appealed a measure in force:
when it was received, how, and on what grounds (s11.4, last bullet: the council's complaints process). It goes to
the determination team's channel, where a member who took no part in the decision or its incidents records the
outcome with reasons (s2.6): upheld (it stands), varied (new terms and a new review date) or lifted (it ends now).
The outcome is applied to the measure and an appeal outcome letter drafted for the case owner to check and issue.

Once the council's process is exhausted on a matter, the case owner or the team records that the customer was
signposted to the Ombudsman (s17.1); the status card then tells staff that contact about that matter goes through
the Ombudsman (s17.2), while other matters are handled as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time

from casework import letters, policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock, CouncilDetails
from casework.customer_query import interpret
from casework.entities import Actor, Appeal, Customer, Measure, NewAppeal, NewOmbudsmanSignposting, RestrictionTerms
from casework.errors import AccessRefused, CaseworkError, InvalidSubmission
from casework.events import AppealDecided, AppealRecorded, Event
from casework.outbox import publish
from casework.ports import UnitOfWork
from casework.views import CustomerStatusView, LetterView, WorkItem, require_customer, status_view
from casework.vocabulary import (
    AppealedDecision,
    AppealKind,
    AppealOutcome,
    ContactChannel,
    ContactRestriction,
    LetterKind,
    MeasureKind,
    ReviewOutcome,
)

NOT_ENTITLED = "You can't act on this appeal."
"""The one refusal for an appeal's card and buttons, whether the appeal is not the clicker's or not on record."""
RECORD_NOT_POSSIBLE = "Check the customer by name again, and record it from their status card."
"""For a form naming a customer not found by its search, or not on record: the same words either way."""
SIGNPOST_WHO_MAY = "Only the case owner and the determination team can record Ombudsman signposting."
NOTHING_IN_FORCE = "No warning or restriction is in force for this customer, so there is nothing to appeal."


@dataclass(frozen=True)
class AppealSubmission:
    """The complaint or appeal form as typed."""

    decision: str
    """Which decision: "<measure id>:<AppealedDecision>", from the form's choices."""
    kind: str
    received_on: str
    channel: str
    grounds: str


@dataclass(frozen=True)
class OutcomeSubmission:
    """The outcome as typed on the appeal card."""

    outcome: str
    reasons: str
    new_review_on: str = ""
    restrictions: tuple[str, ...] = ()
    terms: RestrictionTerms = RestrictionTerms()


@dataclass(frozen=True)
class AppealForm:
    customer_id: int
    customer_name: str
    query: str
    """The search the status card came from: the form's button carries it back (see _searched_customer)."""
    decisions: tuple[tuple[str, str], ...]
    """(value, label) for each decision in force that may be challenged."""
    chosen: str


@dataclass(frozen=True)
class AppealView:
    appeal_id: int
    customer_name: str
    kind: AppealKind
    decision: AppealedDecision
    measure_title: str
    instructions: tuple[str, ...]
    review_due_at: datetime
    in_force: bool
    received_on: date
    channel: ContactChannel
    grounds: str
    recorded_by_name: str
    recorded_at: datetime
    restricts: bool
    """A restriction: a variation gives the restrictions that continue, with their particulars."""
    restrictions: tuple[ContactRestriction, ...]
    terms: RestrictionTerms
    card_conversation_id: str | None = None
    card_activity_id: str | None = None
    outcome: AppealOutcome | None = None
    reasons: str = ""
    decided_by_name: str = ""
    decided_at: datetime | None = None
    new_review_due_at: datetime | None = None


@dataclass(frozen=True)
class AppealResult:
    appeal: AppealView
    recorded_now: bool
    refusal: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    """By the card's field names, when the outcome as typed was refused."""
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class AppealDecidedNotice:
    """What the case owner is sent: the outcome and the draft letter to check and issue."""

    appeal: AppealView
    letters: tuple[LetterView, ...]


@dataclass(frozen=True)
class SignpostingForm:
    customer_id: int
    customer_name: str


# --- recording a complaint or appeal ------------------------------------------------------------------------------


def appeal_form(
    uow: UnitOfWork, actor: Actor, customer_id: int, query: str, clock: Clock, measure_id: int | None = None
) -> AppealForm:
    """The form for a customer's measures in force, with the one clicked chosen."""
    with uow:
        customer = _searched_customer(uow, actor, customer_id, query, clock)
        choices = _decisions_in_force(uow, customer_id, clock())
    if not choices:
        raise CaseworkError(NOTHING_IN_FORCE)
    chosen = next((value for value, _ in choices if value.split(":")[0] == str(measure_id)), choices[0][0])
    return AppealForm(customer_id, customer.name, " ".join(query.split()), tuple(choices), chosen)


def _searched_customer(uow: UnitOfWork, actor: Actor, customer_id: int, query: str, clock: Clock) -> Customer:
    """The customer, if the search the status card came from finds them (as customer_checks.show_customer: ids are
    sequential, and a forged button must not step through every customer on record). Refused and audited if not."""
    query = " ".join(query.split())
    found = uow.customers.search(interpret(query), limit=8) if query else []
    customer = next((c for c in found if c.id == customer_id), None)
    if customer is None:
        record_audit(uow, actor, AuditAction.APPEAL_RECORD_REFUSED, customer_id, clock, reason="not from the search")
        uow.commit()
        raise AccessRefused(RECORD_NOT_POSSIBLE)
    return customer


def record_appeal(
    uow: UnitOfWork, actor: Actor, customer_id: int, query: str, submission: AppealSubmission, clock: Clock
) -> AppealResult:
    """Records the complaint or appeal and sends it to the determination team's channel; nothing is recorded on an
    error. One open appeal per decision: a second is refused while the first waits."""
    now = clock()
    with uow:
        _searched_customer(uow, actor, customer_id, query, clock)
        offered = dict(_decisions_in_force(uow, customer_id, now))
        errors = policy.appeal_record_problems(
            submission.kind,
            submission.received_on,
            submission.channel,
            submission.grounds,
            submission.decision in offered,
            now.astimezone(policy.LOCAL_TIME).date(),
        )
        measure_id, _, decision = submission.decision.partition(":")
        appeals = uow.appeals.for_customer(customer_id)
        if not errors and any(a.is_open and a.measure_id == int(measure_id) for a in appeals):
            errors["decision"] = "A complaint or appeal about this is already open: the team will decide it first."
        if errors:
            raise InvalidSubmission(errors)
        appeal = uow.appeals.add(
            NewAppeal(
                customer_id=customer_id,
                measure_id=int(measure_id),
                kind=AppealKind(submission.kind),
                decision=AppealedDecision(decision),
                received_on=date.fromisoformat(submission.received_on.strip()),
                channel=ContactChannel(submission.channel),
                grounds=submission.grounds.strip(),
                recorded_by=actor.user_id,
                recorded_at=now,
            )
        )
        record_audit(
            uow,
            actor,
            AuditAction.APPEAL_RECORDED,
            appeal.id,
            clock,
            customer=str(customer_id),
            measure=measure_id,
            kind=appeal.kind.value,
            decision=appeal.decision.value,
        )
        view = _view(uow, appeal, now)
        events: tuple[Event, ...] = (AppealRecorded(appeal.id),)
        publish(uow, events, clock)
        uow.commit()
    return AppealResult(view, recorded_now=True, events=events)


def _decisions_in_force(uow: UnitOfWork, customer_id: int, now: datetime) -> list[tuple[str, str]]:
    """Each decision a complaint or appeal may be about: every warning or restriction in force, and its extension
    as well where it was extended at a review (s13.2)."""
    choices: list[tuple[str, str]] = []
    for measure in uow.measures.for_customer(customer_id):
        if not policy.is_in_force(measure, now):
            continue
        kind = (
            AppealedDecision.RESTRICTION if measure.kind is MeasureKind.RESTRICTION else AppealedDecision.FORMAL_WARNING
        )
        since = measure.starts_at.astimezone(policy.LOCAL_TIME).strftime("%-d %B %Y")
        choices.append((f"{measure.id}:{kind.value}", f"{_title(measure)} from {since}"))
        extended = [r for r in uow.reviews.for_measure(measure.id) if r.outcome is ReviewOutcome.EXTEND]
        if extended and extended[-1].decided_at is not None:
            on = extended[-1].decided_at.astimezone(policy.LOCAL_TIME).strftime("%-d %B %Y")
            choices.append((f"{measure.id}:{AppealedDecision.EXTENSION.value}", f"Its extension on {on}"))
    return choices


# --- deciding it --------------------------------------------------------------------------------------------------


def appeal_view(uow: UnitOfWork, appeal_id: int, clock: Clock) -> AppealView:
    """The appeal card for the outbox (no viewer: the channel's members are the determination team)."""
    with uow:
        appeal = uow.appeals.get(appeal_id)
        if appeal is None:
            raise AccessRefused(NOT_ENTITLED)
        return _view(uow, appeal, clock())


def shown_appeal(uow: UnitOfWork, actor: Actor, appeal_id: int, clock: Clock) -> AppealView:
    """The appeal card again (from `work`), for the determination team and the measure's case owner; every look is
    audited, refused ones too."""
    with uow:
        appeal = uow.appeals.get(appeal_id)
        measure = uow.measures.get(appeal.measure_id) if appeal is not None else None
        if appeal is None or measure is None or not _may_see(uow, actor, measure):
            reason = "not on record" if appeal is None else "no need to know"
            record_audit(uow, actor, AuditAction.APPEAL_VIEW_REFUSED, appeal_id, clock, reason=reason)
            uow.commit()
            raise AccessRefused(NOT_ENTITLED)
        view = _view(uow, appeal, clock())
        record_audit(uow, actor, AuditAction.APPEAL_VIEWED, appeal_id, clock)
        uow.commit()
    return view


def decide_appeal(
    uow: UnitOfWork,
    actor: Actor,
    appeal_id: int,
    submission: OutcomeSubmission,
    clock: Clock,
    council: CouncilDetails,
) -> AppealResult:
    """Records the outcome once, by a member of the determination team who took no part in the decision or its
    incidents (s2.6), applies it to the measure and drafts the outcome letter (s11.4). Nothing changes on a refusal
    or a problem with what was typed."""
    now = clock()
    with uow:
        appeal = uow.appeals.get_for_update(appeal_id)
        measure = uow.measures.get(appeal.measure_id) if appeal is not None else None
        member = uow.staff.get(actor.user_id)
        on_team = member is not None and member.is_determination_team
        if appeal is None or measure is None or not on_team:
            reason = "not on record" if appeal is None else "not on the determination team"
            record_audit(uow, actor, AuditAction.APPEAL_DECISION_REFUSED, appeal_id, clock, reason=reason)
            uow.commit()
            raise AccessRefused(NOT_ENTITLED)
        if not appeal.is_open:
            # Already decided: whoever clicks, and however often, is shown the outcome.
            return AppealResult(_view(uow, appeal, now), recorded_now=False)
        refusal = policy.appeal_decider_refusal(actor.user_id, on_team, involved_in(uow, measure))
        if refusal is not None:
            record_audit(uow, actor, AuditAction.APPEAL_DECISION_REFUSED, appeal_id, clock, reason="involved")
            uow.commit()
            return AppealResult(_view(uow, appeal, now), recorded_now=False, refusal=refusal)
        restrictions = tuple(ContactRestriction(r) for r in submission.restrictions if r in _RESTRICTION_VALUES)
        errors = policy.appeal_outcome_problems(
            submission.outcome,
            submission.reasons,
            submission.new_review_on,
            now.astimezone(policy.LOCAL_TIME).date(),
            measure.kind is MeasureKind.RESTRICTION,
            restrictions,
            submission.terms,
        )
        if len(restrictions) != len(submission.restrictions):
            errors["restrictions"] = "Choose restrictions from the list."
        in_force = policy.is_in_force(measure, now)
        if not errors and not in_force and submission.outcome != AppealOutcome.UPHELD.value:
            errors["outcome"] = "It has already ended, so it can only be recorded as upheld."
        if errors:
            return AppealResult(_view(uow, appeal, now), recorded_now=False, errors=errors)
        outcome = AppealOutcome(submission.outcome)
        new_due = _review_due(submission.new_review_on) if outcome is AppealOutcome.VARIED else None
        decided = replace(
            appeal,
            outcome=outcome,
            reasons=submission.reasons.strip(),
            decided_by=actor.user_id,
            decided_at=now,
            new_review_due_at=new_due,
        )
        if not uow.appeals.save_outcome(decided):
            return AppealResult(_view(uow, appeal, now), recorded_now=False)
        detail: dict[str, str] = {"measure": str(measure.id)}
        if outcome is AppealOutcome.VARIED and new_due is not None:
            detail |= _vary(uow, measure, restrictions, submission.terms, new_due)
        elif outcome is AppealOutcome.LIFTED:
            uow.measures.end(measure.id, now)
            detail["ended_at"] = now.isoformat()
        record_audit(uow, actor, _OUTCOME_AUDIT[outcome], appeal.id, clock, reasons=decided.reasons, **detail)
        record_audit(uow, actor, AuditAction.LETTER_REQUESTED, appeal.id, clock, letter=LetterKind.APPEAL_OUTCOME.value)
        applied = uow.measures.get(measure.id) or measure
        letters.produce_draft(uow, actor, applied, LetterKind.APPEAL_OUTCOME, council, clock)
        view = _view(uow, decided, now)
        events: tuple[Event, ...] = (AppealDecided(appeal.id, measure.case_owner_id),)
        publish(uow, events, clock)
        uow.commit()
    return AppealResult(view, recorded_now=True, events=events)


def decided_notice(uow: UnitOfWork, appeal_id: int, clock: Clock) -> AppealDecidedNotice:
    """For the case owner, from the outbox: the outcome and the newest draft of its letter."""
    with uow:
        appeal = uow.appeals.get(appeal_id)
        if appeal is None:
            raise AccessRefused(NOT_ENTITLED)
        measure = uow.measures.get(appeal.measure_id)
        versions = uow.letters.versions(appeal.measure_id, LetterKind.APPEAL_OUTCOME.value)
        owner = Actor(measure.case_owner_id, "") if measure is not None else Actor("", "")
        drafts = letters.handled_letters(uow, owner, [versions[-1].id]) if versions else ()
        return AppealDecidedNotice(_view(uow, appeal, clock()), drafts)


def involved_in(uow: UnitOfWork, measure: Measure) -> set[str]:
    """Everyone who took part in the decision on this measure or its incidents, who may not decide an appeal about
    it (s2.6): who asked for it and owns the case, who voted on or decided it, who extended it at a review, and who
    reported the incidents it rests on or that happened while it was in force."""
    involved = {measure.case_owner_id}
    escalation = uow.escalations.get(measure.escalation_id)
    incident_ids: tuple[int, ...] = ()
    if escalation is not None:
        involved.add(escalation.requested_by)
        involved |= {vote.member_id for vote in uow.escalations.votes_for(escalation.id)}
        decision = uow.escalations.decision_for(escalation.id)
        if decision is not None:
            involved.add(decision.decided_by)
        incident_ids = escalation.incident_ids
    involved |= {review.decided_by for review in uow.reviews.for_measure(measure.id) if review.decided_by}
    involved |= {incident.reported_by for incident in uow.incidents.with_ids(incident_ids)}
    since = uow.incidents.for_customer_since(measure.customer_id, measure.starts_at)
    involved |= {incident.reported_by for incident in since}
    return involved


def _vary(
    uow: UnitOfWork,
    measure: Measure,
    restrictions: tuple[ContactRestriction, ...],
    terms: RestrictionTerms,
    new_due: datetime,
) -> dict[str, str]:
    """New terms (a restriction) and a new review date; the review waiting for the old date moves to the new one."""
    detail = {"review_due_before": measure.review_due_at.isoformat(), "review_due_after": new_due.isoformat()}
    if measure.kind is MeasureKind.RESTRICTION:
        uow.measures.vary(measure.id, restrictions, terms)
        detail["restrictions_before"] = ",".join(r.value for r in measure.restrictions)
        detail["restrictions_after"] = ",".join(r.value for r in restrictions)
    uow.measures.set_review_due(measure.id, new_due)
    waiting = [r for r in uow.reviews.for_measure(measure.id) if r.decided_at is None]
    if waiting:
        uow.reviews.reschedule(waiting[0].id, new_due)
    else:
        uow.reviews.schedule(measure.id, new_due)
    return detail


def _review_due(review_on: str) -> datetime:
    """A review date as given on the card: that morning in London, stored in UTC."""
    return datetime.combine(date.fromisoformat(review_on.strip()), time(9), tzinfo=policy.LOCAL_TIME).astimezone(UTC)


_OUTCOME_AUDIT = {
    AppealOutcome.UPHELD: AuditAction.APPEAL_UPHELD,
    AppealOutcome.VARIED: AuditAction.APPEAL_VARIED,
    AppealOutcome.LIFTED: AuditAction.APPEAL_LIFTED,
}
_RESTRICTION_VALUES = {r.value for r in ContactRestriction}


# --- open appeals in `work` ---------------------------------------------------------------------------------------


def open_appeals_for(uow: UnitOfWork, actor: Actor) -> tuple[WorkItem, ...]:
    """Inside the caller's unit of work: open appeals the actor may decide (a member of the team who took no part)
    or whose measure they own as case owner, oldest first."""
    member = uow.staff.get(actor.user_id)
    on_team = member is not None and member.is_determination_team
    items: list[WorkItem] = []
    for appeal in uow.appeals.open_appeals():
        measure = uow.measures.get(appeal.measure_id)
        if measure is None:
            continue
        owner = measure.case_owner_id == actor.user_id
        decider = on_team and actor.user_id not in involved_in(uow, measure)
        if not (owner or decider):
            continue
        customer = uow.customers.get(appeal.customer_id)
        items.append(
            WorkItem(
                appeal.id,
                customer.name if customer else "",
                f"{appeal.kind.label} about {appeal.decision.label}",
                appeal.recorded_at,
                note="Waiting for an uninvolved member of the determination team" if not decider else "",
            )
        )
    return tuple(items)


# --- Ombudsman signposting ----------------------------------------------------------------------------------------


def signposting_form(uow: UnitOfWork, actor: Actor, customer_id: int, clock: Clock) -> SignpostingForm:
    with uow:
        customer = _signposter_customer(uow, actor, customer_id, clock)
        return SignpostingForm(customer.id, customer.name)


def record_signposting(
    uow: UnitOfWork, actor: Actor, customer_id: int, matter: str, signposted_on: str, clock: Clock
) -> CustomerStatusView:
    """Records that the customer was signposted to the Ombudsman on `matter` (s17.1); returns their status card,
    which now says contact about it goes through the Ombudsman (s17.2)."""
    now = clock()
    with uow:
        customer = _signposter_customer(uow, actor, customer_id, clock)
        errors = policy.matter_problems(matter, signposted_on, now.astimezone(policy.LOCAL_TIME).date())
        if errors:
            raise InvalidSubmission(errors)
        said = " ".join(matter.split())
        signposting = uow.appeals.add_signposting(
            NewOmbudsmanSignposting(
                customer_id=customer.id,
                matter=said,
                signposted_on=date.fromisoformat(signposted_on.strip()),
                recorded_by=actor.user_id,
                recorded_at=now,
            )
        )
        record_audit(
            uow,
            actor,
            AuditAction.OMBUDSMAN_SIGNPOSTED,
            customer.id,
            clock,
            signposting=str(signposting.id),
            matter=said,
            on=signposting.signposted_on.isoformat(),
        )
        status = status_view(uow, customer, clock, viewer=actor)
        uow.commit()
    return status


def _signposter_customer(uow: UnitOfWork, actor: Actor, customer_id: int, clock: Clock) -> Customer:
    customer = uow.customers.get(customer_id)
    member = uow.staff.get(actor.user_id)
    owners = [m.case_owner_id for m in uow.measures.for_customer(customer_id)] if customer is not None else []
    on_team = member is not None and member.is_determination_team
    if customer is None or not policy.may_signpost_to_ombudsman(actor.user_id, on_team, owners):
        reason = "not on record" if customer is None else "not the case owner or team"
        record_audit(uow, actor, AuditAction.OMBUDSMAN_SIGNPOSTING_REFUSED, customer_id, clock, reason=reason)
        uow.commit()
        raise AccessRefused(SIGNPOST_WHO_MAY)
    return require_customer(uow, customer_id)


# --- shared -------------------------------------------------------------------------------------------------------


def _may_see(uow: UnitOfWork, actor: Actor, measure: Measure) -> bool:
    member = uow.staff.get(actor.user_id)
    return (member is not None and member.is_determination_team) or actor.user_id == measure.case_owner_id


def _title(measure: Measure) -> str:
    return policy.measure_name(measure.kind)


def _view(uow: UnitOfWork, appeal: Appeal, now: datetime) -> AppealView:
    measure = uow.measures.get(appeal.measure_id)
    assert measure is not None
    customer = uow.customers.get(appeal.customer_id)

    def name(user_id: str | None) -> str:
        found = uow.staff.get(user_id) if user_id else None
        return found.name if found else (user_id or "")

    return AppealView(
        appeal_id=appeal.id,
        customer_name=customer.name if customer else "",
        kind=appeal.kind,
        decision=appeal.decision,
        measure_title=_title(measure),
        instructions=tuple(policy.handling_instructions(measure)),
        review_due_at=measure.review_due_at,
        in_force=policy.is_in_force(measure, now),
        received_on=appeal.received_on,
        channel=appeal.channel,
        grounds=appeal.grounds,
        recorded_by_name=name(appeal.recorded_by),
        recorded_at=appeal.recorded_at,
        restricts=measure.kind is MeasureKind.RESTRICTION,
        restrictions=measure.restrictions,
        terms=measure.terms,
        outcome=appeal.outcome,
        reasons=appeal.reasons,
        decided_by_name=name(appeal.decided_by),
        decided_at=appeal.decided_at,
        new_review_due_at=appeal.new_review_due_at,
        card_conversation_id=appeal.card_conversation_id,
        card_activity_id=appeal.card_activity_id,
    )
