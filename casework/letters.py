"""Letters to the customer (s11.3, s11.4, s12.4, s13): what each says, what it must say, and its delivery.

A letter is produced as a draft whenever a warning, restriction, extension or lifting is approved, and again on
request; every production is a new version and earlier versions are kept. A letter cannot be issued while any
s11.4 element (or, for a lifting or extension, what was decided and why, s13) is missing.
The .docx is rendered outside casework (letters/render.py) and injected as `render`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock, CouncilDetails
from casework.dependencies import Renderer
from casework.entities import (
    Actor,
    Incident,
    Letter,
    LetterContent,
    Measure,
    NewCustomer,
    NewLetter,
    RestrictionTerms,
    ScheduledReview,
)
from casework.errors import AccessRefused, CaseworkError, InvalidSubmission, NotFound
from casework.ports import UnitOfWork
from casework.views import LetterView, ReceptionLine
from casework.vocabulary import ContactRestriction, DeliveryMethod, LetterKind, MeasureKind, ReviewOutcome

EXAMPLE_MAX_LENGTH = 300
MAX_EXAMPLES = 5

# The elements, named as staff are told about them when one is missing.
ACTIONS = "the actions the council considers unreasonable (s11.4)"
EXAMPLES = "examples of those actions from the recorded incidents (s11.4)"
MONITORING = "the monitoring period: when, how and by whom (s11.4)"
RESTRICTIONS = "the restrictions on contact (s11.4, s15.2)"
REVIEW_DATE = "when the restrictions or warning will be reviewed (s11.4, s13)"
CONSEQUENCES = "the consequences of not changing (s11.4)"
ADJUSTMENTS = "the check on reasonable adjustments under the Equality Act 2010 (s11.4)"
COMPLAINTS = "the council's complaints process (s11.4)"
OMBUDSMAN = "the Local Government and Social Care Ombudsman's details (s11.4)"
ADDRESS = "the customer's address, or that the letter is held at reception (s11.3)"
DECISION = "what was decided (s13)"
REASONS = "why it was decided (s13)"
SIGNATORY = "the signatory's name and title"


class LetterIncomplete(CaseworkError):
    """The letter lacks elements the policy requires; `missing` names each one."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = tuple(missing)
        super().__init__("This letter cannot be issued yet. It is missing: " + "; ".join(self.missing) + ".")


def missing_elements(content: LetterContent, kind: LetterKind) -> list[str]:
    """Each element the policy requires that this letter lacks; empty when it may be issued. Pure."""
    missing: list[str] = []
    if not content.address and not content.no_fixed_address:
        missing.append(ADDRESS)
    if kind in (LetterKind.FORMAL_WARNING, LetterKind.RESTRICTION):
        if not content.actions:
            missing.append(ACTIONS)
        if not content.examples:
            missing.append(EXAMPLES)
    if kind in (LetterKind.EXTENSION, LetterKind.LIFTING):
        if not content.decision.strip():
            missing.append(DECISION)
        if not content.reasons.strip():
            missing.append(REASONS)
    if kind is not LetterKind.LIFTING:
        if not content.monitoring.strip():
            missing.append(MONITORING)
        if kind is not LetterKind.FORMAL_WARNING and not content.restrictions:
            missing.append(RESTRICTIONS)
        if not content.review_date.strip():
            missing.append(REVIEW_DATE)
        if not content.consequences.strip():
            missing.append(CONSEQUENCES)
        if not content.adjustments.strip():
            missing.append(ADJUSTMENTS)
    council = content.council
    if not (council.complaints_url.strip() or council.complaints_process.strip()):
        missing.append(COMPLAINTS)
    if not (council.ombudsman_name.strip() and council.ombudsman_phone.strip() and council.ombudsman_website.strip()):
        missing.append(OMBUDSMAN)
    if not (council.signatory_name.strip() and council.signatory_title.strip()):
        missing.append(SIGNATORY)
    return missing


def customer_restriction_lines(restrictions: Iterable[ContactRestriction], terms: RestrictionTerms) -> list[str]:
    """The restrictions as the customer is told them, with their particulars (s15.2, s15.3)."""
    lines: list[str] = []
    for restriction in restrictions:
        if restriction is ContactRestriction.WRITTEN_ONLY:
            lines.append("You may contact us in writing only (letter or email); we will not take telephone calls.")
        elif restriction is ContactRestriction.NAMED_CONTACT:
            lines.append(f"Please make all contact through {terms.named_contact or 'the officer named below'}.")
        elif restriction is ContactRestriction.LIMITED_CALLS:
            minutes = f"{terms.call_minutes} minutes" if terms.call_minutes else "an agreed length"
            often = f"{terms.calls_per_week} a week" if terms.calls_per_week else "at agreed times"
            lines.append(f"Telephone calls are limited to {minutes}, {often}.")
        elif restriction is ContactRestriction.CORRESPONDENCE_ON_FILE:
            lines.append(
                "Correspondence on matters already dealt with will be read and placed on file; we will reply only "
                "where it raises something new (s16)."
            )
        elif restriction is ContactRestriction.NO_PHYSICAL_ACCESS:
            lines.append("You may not visit council offices.")
        elif restriction is ContactRestriction.DISCRETIONARY_SERVICES:
            withdrawn = terms.services_withdrawn or "the discretionary services named by your case officer"
            lines.append(f"These discretionary services are withdrawn: {withdrawn}. Mandatory services continue.")
    if lines:
        lines.append(policy.scope_line(terms))
        lines.append(policy.applies_to_line(terms).replace("the customer", "you").replace("Applies to you.", ""))
    return [line for line in lines if line.strip()]


def build_content(
    uow: UnitOfWork,
    measure: Measure,
    kind: LetterKind,
    council: CouncilDetails,
    now: datetime,
    version: int,
) -> LetterContent:
    """What the letter says, from the case as recorded now."""
    customer = uow.customers.get(measure.customer_id) or NewCustomer(name="")
    owner = uow.staff.get(measure.case_owner_id)
    owner_name = owner.name if owner else ""
    review = _decided_review(uow, measure.id, kind)
    incidents = _incidents_for(uow, measure, kind, review)
    review_due = measure.review_due_at
    if review is not None and review.outcome is ReviewOutcome.EXTEND:
        review_due = policy.next_review_after_extension(review.due_at)
    starts = review.decided_at if review is not None and review.decided_at else measure.starts_at
    what = "formal warning" if measure.kind is MeasureKind.FORMAL_WARNING else "restriction"
    content = LetterContent(
        kind=kind,
        reference=f"UCA/{measure.id}/{kind.value}/v{version}",
        dated=_day(now),
        customer_name=customer.name,
        address=tuple(line.strip() for line in customer.address.replace("\n", ",").split(",") if line.strip()),
        no_fixed_address=customer.no_fixed_address,
        actions=tuple(sorted({action.label for incident in incidents for action in incident.actions})),
        examples=tuple(_example(incident) for incident in incidents[-MAX_EXAMPLES:]),
        monitoring=(
            f"We will monitor your contact with the council for {policy.REVIEW_PERIOD_MONTHS} months, from "
            f"{_day(starts)} until {_day(review_due)}. {owner_name} will do this by reviewing every contact you "
            "make with us and every incident our staff record."
            if owner_name and kind is not LetterKind.LIFTING
            else ""
        ),
        restrictions=tuple(customer_restriction_lines(measure.restrictions, measure.terms))
        if measure.kind is MeasureKind.RESTRICTION and kind is not LetterKind.LIFTING
        else (),
        review_date=_day(review_due) if kind is not LetterKind.LIFTING else "",
        consequences=_consequences(kind),
        adjustments=_adjustments(customer, owner_name) if kind is not LetterKind.LIFTING else "",
        decision=_decision(kind, what, measure, review, review_due),
        reasons=_reasons(kind, review),
        council=council,
    )
    return content


def produce_draft(
    uow: UnitOfWork,
    actor: Actor,
    measure: Measure,
    kind: LetterKind,
    council: CouncilDetails,
    clock: Clock,
    render: Renderer | None = None,
) -> Letter:
    """Adds a new version of the letter inside the caller's unit of work, audited; the caller commits."""
    now = clock()
    version = 1 + max((letter.version for letter in uow.letters.versions(measure.id, kind.value)), default=0)
    content = build_content(uow, measure, kind, council, now, version)
    letter = uow.letters.add(
        NewLetter(
            measure_id=measure.id,
            kind=kind,
            version=version,
            content=content,
            created_at=now,
            created_by=actor.user_id,
            docx=render(content) if render else None,
        )
    )
    missing = missing_elements(content, kind)
    record_audit(
        uow,
        actor,
        AuditAction.LETTER_PRODUCED,
        letter.id,
        clock,
        measure=str(measure.id),
        kind=kind.value,
        version=str(version),
        missing=str(len(missing)),
    )
    return letter


def produce_letter(
    uow: UnitOfWork,
    actor: Actor,
    measure_id: int,
    kind: LetterKind,
    council: CouncilDetails,
    clock: Clock,
    render: Renderer | None = None,
) -> LetterView:
    """Produces the letter again from the case as it is now (after a correction), keeping earlier versions."""
    with uow:
        measure = _measure(uow, measure_id)
        _require_case_access(uow, actor, measure)
        letter = produce_draft(uow, actor, measure, kind, council, clock, render)
        view = _view(uow, letter, measure)
        uow.commit()
    return view


def issue_letter(uow: UnitOfWork, actor: Actor, letter_id: int, clock: Clock, render: Renderer) -> LetterView:
    """Marks the letter issued, freezing its .docx; refused, naming each missing element, while any is missing."""
    with uow:
        letter = _letter(uow, letter_id)
        measure = _measure(uow, letter.measure_id)
        _require_case_access(uow, actor, measure)
        if letter.issued_at is not None:
            return _view(uow, letter, measure)
        missing = missing_elements(letter.content, letter.kind)
        if missing:
            record_audit(uow, actor, AuditAction.LETTER_ISSUE_REFUSED, letter_id, clock, missing="; ".join(missing))
            uow.commit()
            raise LetterIncomplete(missing)
        now = clock()
        docx = letter.docx if letter.docx is not None else render(letter.content)
        uow.letters.mark_issued(letter_id, now, actor.user_id, docx)
        record_audit(uow, actor, AuditAction.LETTER_ISSUED, letter_id, clock, version=str(letter.version))
        letter.issued_at, letter.issued_by, letter.docx = now, actor.user_id, docx
        view = _view(uow, letter, measure)
        uow.commit()
    return view


def record_delivery(
    uow: UnitOfWork, actor: Actor, letter_id: int, method: DeliveryMethod, on: date, clock: Clock
) -> LetterView:
    """How and when the issued letter went out: post, email, or held at reception (s11.3)."""
    with uow:
        letter = _letter(uow, letter_id)
        measure = _measure(uow, letter.measure_id)
        _require_case_access(uow, actor, measure)
        if letter.issued_at is None:
            raise InvalidSubmission({"delivery_method": "Issue the letter before recording how it was sent."})
        uow.letters.record_delivery(letter_id, method, on)
        record_audit(uow, actor, AuditAction.LETTER_DELIVERED, letter_id, clock, method=method.value, on=on.isoformat())
        letter.delivery_method, letter.delivered_on = method, on
        view = _view(uow, letter, measure)
        uow.commit()
    return view


def mark_collected(uow: UnitOfWork, actor: Actor, letter_id: int, on: date, clock: Clock) -> LetterView:
    """Reception hands a held letter to the customer; any registered member of staff may record it."""
    with uow:
        letter = _letter(uow, letter_id)
        measure = _measure(uow, letter.measure_id)
        if uow.staff.get(actor.user_id) is None:
            raise AccessRefused("Only registered council staff can record that a letter was collected.")
        if letter.delivery_method is not DeliveryMethod.HELD_AT_RECEPTION:
            raise InvalidSubmission({"collected_on": "Only a letter held at reception can be collected."})
        if letter.collected_on is None:
            uow.letters.mark_collected(letter_id, on)
            record_audit(uow, actor, AuditAction.LETTER_COLLECTED, letter_id, clock, on=on.isoformat())
            letter.collected_on = on
        view = _view(uow, letter, measure)
        uow.commit()
    return view


def reception_list(uow: UnitOfWork) -> tuple[ReceptionLine, ...]:
    """Letters waiting at reception for customers with no fixed address (s11.3), oldest first."""
    with uow:
        lines = []
        for letter in uow.letters.held_at_reception():
            assert letter.delivered_on is not None
            lines.append(
                ReceptionLine(
                    letter.id,
                    letter.content.customer_name,
                    letter.kind,
                    letter.content.reference,
                    letter.delivered_on,
                )
            )
        return tuple(lines)


def letter_view(uow: UnitOfWork, actor: Actor, letter_id: int) -> LetterView:
    with uow:
        letter = _letter(uow, letter_id)
        measure = _measure(uow, letter.measure_id)
        _require_case_access(uow, actor, measure)
        return _view(uow, letter, measure)


def handled_letters(uow: UnitOfWork, actor: Actor, letter_ids: Iterable[int]) -> tuple[LetterView, ...]:
    """Inside the caller's unit of work: those of these letters the actor may handle (the case owner and the
    determination team), in the order given; the others, and letters no longer on record, are left out."""
    views: list[LetterView] = []
    for letter_id in letter_ids:
        letter = uow.letters.get(letter_id)
        measure = uow.measures.get(letter.measure_id) if letter is not None else None
        if letter is not None and measure is not None and _may_handle(uow, actor, measure):
            views.append(_view(uow, letter, measure))
    return tuple(views)


def drafted_letters(
    uow: UnitOfWork,
    escalation_id: int | None,
    review_id: int | None,
    council: CouncilDetails,
    clock: Clock,
) -> tuple[LetterView, ...]:
    """The newest letter of each kind for the measure an escalation put in force or a review decided on, for the
    case owner's card (sent from the outbox).

    A warning or restriction's first draft (s11.3, s11.4, s12.4) is produced here, once, as the card goes out
    rather than in the decider's turn; it is recorded as produced by the member whose vote decided it."""
    with uow:
        measures: list[Measure] = []
        produced = False
        if escalation_id is not None:
            escalation = uow.escalations.get_for_update(escalation_id)
            if escalation is not None:
                measures = [
                    m for m in uow.measures.for_customer(escalation.customer_id) if m.escalation_id == escalation_id
                ]
            decision = uow.escalations.decision_for(escalation_id) if measures else None
            for measure in measures:
                first = LetterKind(measure.kind.value)
                if decision is not None and not uow.letters.versions(measure.id, first.value):
                    produce_draft(uow, Actor(decision.decided_by, ""), measure, first, council, clock)
                    produced = True
        elif review_id is not None:
            review = uow.reviews.get_for_update(review_id)
            found = uow.measures.get(review.measure_id) if review is not None else None
            measures = [found] if found is not None else []
        kinds = (
            {LetterKind.EXTENSION, LetterKind.LIFTING}
            if review_id is not None
            else {LetterKind.FORMAL_WARNING, LetterKind.RESTRICTION}
        )
        views: list[LetterView] = []
        for measure in measures:
            newest: dict[LetterKind, Letter] = {}
            for letter in uow.letters.versions(measure.id):
                if letter.kind in kinds:
                    newest[letter.kind] = letter
            views.extend(_view(uow, letter, measure) for letter in newest.values())
        if produced:
            uow.commit()
        return tuple(views)


class LinkUsed(AccessRefused):
    """A letter link followed a second time."""


def letter_for_download(
    uow: UnitOfWork, user_id: str, letter_id: int, link_id: str, clock: Clock, render: Renderer
) -> tuple[LetterContent, bytes]:
    """The letter for someone following a signed link: only the case owner and the determination team, and each
    link once (a link is a bearer token: one that leaks from a browser's history opens nothing). Audited."""
    with uow:
        letter = _letter(uow, letter_id)
        measure = _measure(uow, letter.measure_id)
        actor = Actor(user_id, user_id)
        used = any(
            e.action == AuditAction.LETTER_DOWNLOADED.value and e.detail.get("link") == link_id
            for e in uow.audit.events(AuditAction.LETTER_DOWNLOADED.record_type, str(letter_id))
        )
        if used:
            record_audit(uow, actor, AuditAction.LETTER_LINK_REFUSED, letter_id, clock, reason="used before")
            uow.commit()
            raise LinkUsed("This link has been used already. Type work to the bot for a new one.")
        if not _may_handle(uow, actor, measure):
            record_audit(
                uow, actor, AuditAction.LETTER_DOWNLOAD_REFUSED, letter_id, clock, reason="not the case owner or team"
            )
            uow.commit()
            raise AccessRefused("Only the case owner and the determination team can open this letter.")
        record_audit(
            uow, actor, AuditAction.LETTER_DOWNLOADED, letter_id, clock, version=str(letter.version), link=link_id
        )
        uow.commit()
    # An issued letter is sent as issued; a draft is rendered from its content as it stands.
    return letter.content, letter.docx if letter.docx is not None else render(letter.content)


def record_link_refused(uow: UnitOfWork, user_id: str, letter_id: int, reason: str, clock: Clock) -> None:
    """A download link that failed its signature or expiry check, kept in the audit trail."""
    with uow:
        record_audit(
            uow, Actor(user_id or "unknown", ""), AuditAction.LETTER_LINK_REFUSED, letter_id, clock, reason=reason
        )
        uow.commit()


def _may_handle(uow: UnitOfWork, actor: Actor, measure: Measure) -> bool:
    member = uow.staff.get(actor.user_id)
    return actor.user_id == measure.case_owner_id or (member is not None and member.is_determination_team)


def _require_case_access(uow: UnitOfWork, actor: Actor, measure: Measure) -> None:
    if not _may_handle(uow, actor, measure):
        raise AccessRefused("Only the case owner and the determination team can handle this case's letters.")


def _measure(uow: UnitOfWork, measure_id: int) -> Measure:
    measure = uow.measures.get(measure_id)
    if measure is None:
        raise NotFound("That warning or restriction is no longer on record.")
    return measure


def _letter(uow: UnitOfWork, letter_id: int) -> Letter:
    letter = uow.letters.get(letter_id)
    if letter is None:
        raise NotFound("That letter is no longer on record.")
    return letter


def _view(uow: UnitOfWork, letter: Letter, measure: Measure) -> LetterView:
    content = letter.content
    missing = tuple(missing_elements(content, letter.kind))
    summary = [f"{letter.kind.label} for {content.customer_name}, version {letter.version}"]
    if content.decision:
        summary.append(content.decision)
    if content.review_date:
        summary.append(f"Review date: {content.review_date}")
    summary.append(
        "Held at reception: the customer has no fixed address (s11.3)"
        if content.no_fixed_address
        else "Address: " + ", ".join(content.address)
    )
    return LetterView(
        letter_id=letter.id,
        measure_id=letter.measure_id,
        kind=letter.kind,
        version=letter.version,
        customer_name=content.customer_name,
        case_owner_id=measure.case_owner_id,
        reference=content.reference,
        created_at=letter.created_at,
        missing=missing,
        summary=tuple(summary),
        issued_at=letter.issued_at,
        delivery_method=letter.delivery_method,
        delivered_on=letter.delivered_on,
        collected_on=letter.collected_on,
    )


def _decided_review(uow: UnitOfWork, measure_id: int, kind: LetterKind) -> ScheduledReview | None:
    wanted = {LetterKind.EXTENSION: ReviewOutcome.EXTEND, LetterKind.LIFTING: ReviewOutcome.LIFT}.get(kind)
    if wanted is None:
        return None
    decided = [r for r in uow.reviews.for_measure(measure_id) if r.outcome is wanted and r.decided_at is not None]
    return max(decided, key=lambda r: r.decided_at or r.due_at, default=None)


def _incidents_for(
    uow: UnitOfWork, measure: Measure, kind: LetterKind, review: ScheduledReview | None
) -> list[Incident]:
    incidents = sorted(uow.incidents.for_customer(measure.customer_id), key=lambda i: i.occurred_at)
    if kind is LetterKind.LIFTING:
        return []
    if kind is LetterKind.EXTENSION:
        since = measure.starts_at
        earlier = [
            r.decided_at for r in uow.reviews.for_measure(measure.id) if r.decided_at and review and r.id != review.id
        ]
        since = max([since, *earlier])
        return [i for i in incidents if i.occurred_at > since]
    escalation = uow.escalations.get_for_update(measure.escalation_id)
    linked = [i for i in incidents if escalation is not None and i.id in escalation.incident_ids]
    return linked or [i for i in incidents if i.occurred_at <= measure.starts_at]


def _example(incident: Incident) -> str:
    words = " ".join(incident.description.split())
    if len(words) > EXAMPLE_MAX_LENGTH:
        words = words[: EXAMPLE_MAX_LENGTH - 1].rstrip() + "…"
    return f"On {_day(incident.occurred_at)} ({incident.channel.label.lower()}): {words}"


def _consequences(kind: LetterKind) -> str:
    if kind is LetterKind.FORMAL_WARNING:
        return (
            "If these actions continue, the council may restrict how you can contact us (s12), and in serious "
            "cases take further action, including legal restrictions or reporting matters to the police (s14)."
        )
    if kind is LetterKind.LIFTING:
        return (
            "If the actions described in our earlier letters happen again, the council may give a formal warning or "
            "restrict your contact again."
        )
    return (
        "If these actions continue, the restriction may be extended for a further 3 months at its review (s13.2), "
        "and the council may take further action, including legal restrictions or reporting matters to the police "
        "(s14)."
    )


def _adjustments(customer: NewCustomer, owner_name: str) -> str:
    who = owner_name or "your case officer"
    recorded = (
        f"We have recorded that you need these adjustments, and they continue: {customer.reasonable_adjustments}. "
        if customer.reasonable_adjustments.strip()
        else ""
    )
    return (
        f"{recorded}If you have a disability or condition and need a reasonable adjustment under the Equality Act "
        f"2010 to contact us or to respond to this letter (for example large print, another format, more time, or "
        f"someone to help you), please tell {who} and we will consider it."
    )


def _decision(
    kind: LetterKind, what: str, measure: Measure, review: ScheduledReview | None, review_due: datetime
) -> str:
    if kind is LetterKind.FORMAL_WARNING:
        return (
            f"The council's determination team has decided to give you a formal warning from {_day(measure.starts_at)}."
        )
    if kind is LetterKind.RESTRICTION:
        return f"The council's determination team has decided to restrict your contact with the council from {_day(measure.starts_at)}."
    if review is None or review.decided_at is None:
        return ""
    if kind is LetterKind.EXTENSION:
        return (
            f"We reviewed the {what} on {_day(review.decided_at)} and decided to extend it for a further "
            f"{policy.REVIEW_PERIOD_MONTHS} months, until {_day(review_due)}."
        )
    return f"We reviewed the {what} on {_day(review.decided_at)} and decided to lift it from that date."


def _reasons(kind: LetterKind, review: ScheduledReview | None) -> str:
    if kind not in (LetterKind.EXTENSION, LetterKind.LIFTING) or review is None:
        return ""
    if review.reason.strip():
        return review.reason.strip()
    if kind is LetterKind.LIFTING:
        return (
            "There have been no further instances of unacceptable actions since it began or was last reviewed (s13.1)."
        )
    return ""


def _day(moment: datetime) -> str:
    return moment.astimezone(policy.LOCAL_TIME).strftime("%-d %B %Y")
