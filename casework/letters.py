"""Letters to the customer (s11.3, s11.4, s12.4, s13, s14, s15.4): what each says, what it must say, and its delivery.

A letter is produced as a draft whenever a warning, restriction, extension or lifting is approved, or further action
(s14) or the withdrawal of a mandatory service (s15.4), and again on request; every production is a new version and
earlier versions are kept. A letter cannot be issued while any s11.4 element (or, for a lifting or extension, what
was decided and why, s13; for further action or a withdrawn service, also what the council will now do) is missing.
A letter is about a measure (a warning or restriction, and its reviews) or, for a decision that puts none in force,
about the escalation that decided it (`_Subject`).
The .docx is rendered outside casework (letters/render.py) and injected as `render`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.commands import LetterRevision
from casework.configuration import Clock, CouncilDetails
from casework.dependencies import Renderer
from casework.entities import (
    Actor,
    Escalation,
    Incident,
    Letter,
    LetterContent,
    Measure,
    NewCustomer,
    NewLetter,
    RestrictionTerms,
    ScheduledReview,
)
from casework.errors import WHOLE_FORM, AccessRefused, CaseworkError, InvalidSubmission, NotFound
from casework.ports import UnitOfWork
from casework.views import CustomerLetters, LetterSection, LetterView, ReceptionLine, representative_of
from casework.vocabulary import (
    AppealOutcome,
    ContactRestriction,
    DeliveryMethod,
    EscalationKind,
    EscalationState,
    LetterKind,
    MeasureKind,
    ReviewOutcome,
)

EXAMPLE_MAX_LENGTH = 300
MAX_EXAMPLES = 5
ADDRESS_MAX_LENGTH = 400
"""The customer record's address column (storage/tables.py)."""
MONITORING_MAX_LENGTH = 1000
SIGNATORY_MAX_LENGTH = 120
CORRECTION_REASON_MAX_LENGTH = 500
"""The letter table's reason column."""
EMAIL_MAX_LENGTH = 254
"""The letter table's delivered_to column (and RFC 5321's limit)."""
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
LETTERS_WHO_MAY = "Only the case owner and the determination team can see a case's letters."

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
NEXT_STEPS = "what the council will now do: the legal restriction, the service declined, or the police (s14.3)"
SERVICE_NEXT_STEPS = "which service is withdrawn, from when, and any alternative arrangement offered (s15.4)"
NEXT_STEPS_MAX_LENGTH = 2000

LETTER_FOR_DECISION = {
    EscalationKind.FURTHER_ACTION: LetterKind.FURTHER_ACTION,
    EscalationKind.MANDATORY_SERVICE_WITHDRAWAL: LetterKind.SERVICE_WITHDRAWAL,
}
"""The letter for an approved escalation that puts no measure in force: it is about the escalation itself."""


def letter_title(content: LetterContent) -> str:
    """The letter's title as the customer reads it."""
    what = "formal warning about" if content.of_warning else "restriction of"
    return {
        LetterKind.FORMAL_WARNING: "Formal warning about your contact with the council",
        LetterKind.RESTRICTION: "Restriction of your contact with the council",
        LetterKind.EXTENSION: f"Extension of the {what} your contact with the council",
        LetterKind.LIFTING: f"The {what} your contact with the council is lifted",
        LetterKind.WITHDRAWAL: "The immediate restriction of your contact with the council is withdrawn",
        LetterKind.FURTHER_ACTION: "Further action about your contact with the council",
        LetterKind.SERVICE_WITHDRAWAL: "Withdrawal of a council service",
        LetterKind.APPEAL_OUTCOME: f"Our decision on your complaint or appeal about the {what} your contact with "
        "the council",
    }[content.kind]


def _ends(kind: LetterKind) -> bool:
    """A letter that tells the customer a measure no longer applies: nothing to monitor, restrict or review."""
    return kind in (LetterKind.LIFTING, LetterKind.WITHDRAWAL)


def _without_measure(kind: LetterKind) -> bool:
    """A letter about an escalation's decision that puts no measure in force (s14, s15.4)."""
    return kind in LETTER_FOR_DECISION.values()


def letter_label(kind: LetterKind, of_warning: bool) -> str:
    """What staff call the letter: a lifting or extension names the measure it is about."""
    if kind in (LetterKind.EXTENSION, LetterKind.LIFTING):
        what = "formal warning" if of_warning else "restriction"
        return f"{'Extension' if kind is LetterKind.EXTENSION else 'Lifting'} of {what} letter"
    return kind.label


def letter_sections(content: LetterContent) -> tuple[LetterSection, ...]:
    """The letter's body after its greeting, as headed sections in order: what the .docx says and what the card
    previews, from the same words. Sections with nothing to say are left out."""
    council = content.council
    review = (f"We will review this on or before {content.review_date}.",) if content.review_date else ()
    complaints = (
        council.complaints_process,
        f"Our complaints process: {council.complaints_url}" if council.complaints_url else "",
        "If you have been through our complaints process and remain unhappy, you can contact the "
        f"{council.ombudsman_name}: telephone {council.ombudsman_phone}, website {council.ombudsman_website}.",
    )
    sections = (
        LetterSection("What we have decided", (content.decision,)),
        LetterSection("Why we decided this", (content.reasons,)),
        LetterSection("What happens next", (content.next_steps,)),
        LetterSection("The actions we consider unreasonable", content.actions, bulleted=True),
        LetterSection("Examples from our records", content.examples, bulleted=True),
        LetterSection("Monitoring: when, how and by whom", (content.monitoring,)),
        LetterSection("Restrictions on your contact with us", content.restrictions, bulleted=True),
        LetterSection("When this will be reviewed", review),
        LetterSection("If these actions continue", (content.consequences,)),
        LetterSection("Reasonable adjustments (Equality Act 2010)", (content.adjustments,)),
        LetterSection("If you are unhappy with this decision", complaints),
    )
    kept = (section._replace(lines=tuple(line for line in section.lines if line.strip())) for section in sections)
    return tuple(section for section in kept if section.lines)


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
    if kind in (LetterKind.FORMAL_WARNING, LetterKind.RESTRICTION) or _without_measure(kind):
        if not content.actions:
            missing.append(ACTIONS)
        if not content.examples:
            missing.append(EXAMPLES)
    if kind in (
        LetterKind.EXTENSION,
        LetterKind.LIFTING,
        LetterKind.WITHDRAWAL,
        LetterKind.APPEAL_OUTCOME,
    ) or _without_measure(kind):
        if not content.decision.strip():
            missing.append(DECISION)
        if not content.reasons.strip():
            missing.append(REASONS)
    if _without_measure(kind) and not content.next_steps.strip():
        missing.append(SERVICE_NEXT_STEPS if kind is LetterKind.SERVICE_WITHDRAWAL else NEXT_STEPS)
    # An appeal's outcome says what was decided and why; a measure it leaves in force keeps its earlier letter's terms.
    if not _ends(kind) and kind is not LetterKind.APPEAL_OUTCOME:
        if not content.monitoring.strip():
            missing.append(MONITORING)
        restricts = kind is LetterKind.RESTRICTION or (kind is LetterKind.EXTENSION and not content.of_warning)
        if restricts and not content.restrictions:
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
            # s15.2: on file without acknowledgement or reply. Promising a reply "only where it raises something
            # new" would make every silence say that it held nothing new, which s16.2 forbids.
            lines.append("Correspondence you send us will be read and placed on file without acknowledgement or reply.")
        elif restriction is ContactRestriction.NO_PHYSICAL_ACCESS:
            lines.append("You may not visit council offices.")
        elif restriction is ContactRestriction.DISCRETIONARY_SERVICES:
            withdrawn = terms.services_withdrawn or "the discretionary services named by your case officer"
            lines.append(f"These discretionary services are withdrawn: {withdrawn}. Mandatory services continue.")
    if lines:
        lines.append(policy.scope_line(terms))
        if terms.representative_name:
            lines.append(
                f"These apply to your representative {terms.representative_name} only: you may still contact us "
                "directly."
            )
    return lines


@dataclass(frozen=True)
class _Subject:
    """What a letter is about: a measure (a warning or restriction, and its reviews), or an escalation decided
    without one (further action, s14; a mandatory service withdrawn, s15.4). Exactly one of the two is set."""

    customer_id: int
    case_owner_id: str
    measure: Measure | None = None
    escalation: Escalation | None = None

    @classmethod
    def of_measure(cls, measure: Measure) -> _Subject:
        return cls(measure.customer_id, measure.case_owner_id, measure=measure)

    @classmethod
    def of_escalation(cls, escalation: Escalation) -> _Subject:
        # The requester manages the case (s13.1), as they own a measure the escalation puts in force.
        return cls(escalation.customer_id, escalation.requested_by, escalation=escalation)

    def audit_detail(self) -> dict[str, str]:
        if self.measure is not None:
            return {"measure": str(self.measure.id)}
        assert self.escalation is not None
        return {"escalation": str(self.escalation.id)}

    def versions(self, uow: UnitOfWork, kind: LetterKind | None = None) -> Sequence[Letter]:
        wanted = kind.value if kind is not None else None
        if self.measure is not None:
            return uow.letters.versions(self.measure.id, wanted)
        assert self.escalation is not None
        return uow.letters.escalation_versions(self.escalation.id, wanted)


def _content_for(
    uow: UnitOfWork, subject: _Subject, kind: LetterKind, council: CouncilDetails, now: datetime, version: int
) -> LetterContent:
    if subject.measure is not None:
        return build_content(uow, subject.measure, kind, council, now, version)
    assert subject.escalation is not None
    return build_decision_content(uow, subject.escalation, kind, council, now, version)


def build_decision_content(
    uow: UnitOfWork,
    escalation: Escalation,
    kind: LetterKind,
    council: CouncilDetails,
    now: datetime,
    version: int,
) -> LetterContent:
    """What a further-action (s14) or service-withdrawal (s15.4) letter says, from the escalation as decided. What
    the council will now do is left for the case owner to write for the customer on the card: the request's reason
    and the legal advice were written for the team, not for the customer."""
    customer = uow.customers.get(escalation.customer_id) or NewCustomer(name="")
    owner = uow.staff.get(escalation.requested_by)
    owner_name = owner.name if owner else ""
    decision = uow.escalations.decision_for(escalation.id)
    decided = decision.decided_at if decision is not None else now
    ends = policy.review_due_date(decided)
    incidents = sorted(uow.incidents.with_ids(escalation.incident_ids), key=lambda i: i.occurred_at)
    earlier = {m.kind for m in uow.measures.for_customer(escalation.customer_id) if m.starts_at <= decided}
    if MeasureKind.RESTRICTION in earlier:
        serious = "Your actions have continued despite the restrictions on your contact with us"
    elif MeasureKind.FORMAL_WARNING in earlier:
        serious = "Your actions have continued despite the formal warning we gave you"
    else:
        serious = "Your actions are so serious"
    if kind is LetterKind.SERVICE_WITHDRAWAL:
        what = (
            f"After taking legal advice, the council's determination team decided on {_day(decided)} to withdraw a "
            "service the council would otherwise provide to you. We take this step only as a last resort."
        )
        why = (
            f"{serious}, and are having such an effect on our staff's welfare and on our services, that we cannot "
            "continue to provide this service to you. Before deciding, we considered your human rights and "
            "our duties under the Equality Act 2010."
        )
    else:
        what = (
            f"After taking legal advice, the council's determination team decided on {_day(decided)} to take further "
            "action about your contact with the council."
        )
        why = (
            f"{serious}, and are having such an effect on our staff's welfare and on our services, that further action "
            "is necessary."
        )
    return LetterContent(
        kind=kind,
        reference=f"UCA/E{escalation.id}/{kind.value}/v{version}",
        dated=_day(now),
        customer_name=customer.name,
        address=tuple(line.strip() for line in customer.address.replace("\n", ",").split(",") if line.strip()),
        no_fixed_address=customer.no_fixed_address,
        actions=tuple(sorted({action.label for incident in incidents for action in incident.actions})),
        examples=tuple(_example(incident) for incident in incidents[-MAX_EXAMPLES:]),
        monitoring=(
            f"We will monitor your contact with the council for {policy.REVIEW_PERIOD_MONTHS} months, from "
            f"{_day(decided)} until {_day(ends)}. {owner_name} will do this by reviewing every contact you make with "
            "us and every incident our staff record."
            if owner_name
            else ""
        ),
        restrictions=tuple(customer_restriction_lines(escalation.restrictions, escalation.terms)),
        review_date=_day(ends),
        consequences=(
            "If these actions continue, the council may take further legal action against you and may report "
            "matters to the police."
        ),
        adjustments=_adjustments(customer, owner_name),
        decision=what,
        reasons=why,
        council=council,
    )


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
        actions=tuple(sorted({label for incident in incidents for label in incident.action_labels})),
        examples=tuple(_example(incident) for incident in incidents[-MAX_EXAMPLES:]),
        monitoring=(
            f"We will monitor your contact with the council for {policy.REVIEW_PERIOD_MONTHS} months, from "
            f"{_day(starts)} until {_day(review_due)}. {owner_name} will do this by reviewing every contact you "
            "make with us and every incident our staff record."
            if owner_name and not _ends(kind)
            else ""
        ),
        restrictions=tuple(customer_restriction_lines(measure.restrictions, measure.terms))
        if measure.kind is MeasureKind.RESTRICTION and not _ends(kind)
        else (),
        review_date=_day(review_due) if not _ends(kind) else "",
        consequences=_consequences(kind, measure.kind is MeasureKind.FORMAL_WARNING),
        adjustments=_adjustments(customer, owner_name) if not _ends(kind) else "",
        decision=_decision(kind, what, measure, review, review_due),
        reasons=_reasons(kind, review),
        council=council,
        of_warning=measure.kind is MeasureKind.FORMAL_WARNING,
    )
    if kind is LetterKind.APPEAL_OUTCOME:
        content = _appeal_outcome(uow, measure, content)
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
    """Adds a new version of the measure's letter inside the caller's unit of work, audited; the caller commits."""
    return _produce(uow, actor, _Subject.of_measure(measure), kind, council, clock, render)


def _produce(
    uow: UnitOfWork,
    actor: Actor,
    subject: _Subject,
    kind: LetterKind,
    council: CouncilDetails,
    clock: Clock,
    render: Renderer | None = None,
) -> Letter:
    now = clock()
    version = 1 + max((letter.version for letter in subject.versions(uow, kind)), default=0)
    content = _content_for(uow, subject, kind, council, now, version)
    return _add_version(uow, actor, subject, content, version, clock, render)


def _add_version(
    uow: UnitOfWork,
    actor: Actor,
    subject: _Subject,
    content: LetterContent,
    version: int,
    clock: Clock,
    render: Renderer | None,
    reason: str = "",
) -> Letter:
    kind = content.kind
    letter = uow.letters.add(
        NewLetter(
            measure_id=subject.measure.id if subject.measure is not None else None,
            escalation_id=subject.escalation.id if subject.escalation is not None else None,
            kind=kind,
            version=version,
            content=content,
            created_at=clock(),
            created_by=actor.user_id,
            docx=render(content) if render else None,
            reason=reason,
        )
    )
    missing = missing_elements(content, kind)
    record_audit(
        uow,
        actor,
        AuditAction.LETTER_PRODUCED,
        letter.id,
        clock,
        **subject.audit_detail(),
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
        subject = _Subject.of_measure(_measure(uow, measure_id))
        _require_case_access(uow, actor, subject)
        letter = _produce(uow, actor, subject, kind, council, clock, render)
        view = _view(uow, letter, subject)
        uow.commit()
    return view


def issue_letter(uow: UnitOfWork, actor: Actor, letter_id: int, clock: Clock, render: Renderer) -> LetterView:
    """Marks the letter issued, freezing its .docx; refused, naming each missing element, while any is missing."""
    with uow:
        letter = _letter(uow, letter_id)
        subject = _subject(uow, letter)
        _require_case_access(uow, actor, subject)
        if letter.issued_at is not None:
            return _view(uow, letter, subject)
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
        view = _view(uow, letter, subject)
        uow.commit()
    return view


def record_delivery(
    uow: UnitOfWork, actor: Actor, letter_id: int, method: DeliveryMethod, on: date, clock: Clock, email: str = ""
) -> LetterView:
    """How and when the issued letter went out: post, email (to which address), by hand, or held at reception for a
    customer with no fixed address (s11.3), where it waits in `reception` until collected. Recorded once."""
    with uow:
        letter = _letter(uow, letter_id)
        subject = _subject(uow, letter)
        _require_case_access(uow, actor, subject)
        if letter.issued_at is None:
            raise InvalidSubmission({"delivery_method": "Issue the letter before recording how it was sent."})
        if letter.delivery_method is not None:
            return _view(uow, letter, subject)
        errors = delivery_problems(method, on, email, clock().astimezone(policy.LOCAL_TIME).date())
        if errors:
            raise InvalidSubmission(errors)
        to = email.strip() if method is DeliveryMethod.EMAIL else None
        uow.letters.record_delivery(letter_id, method, on, to)
        detail = {"method": method.value, "on": on.isoformat(), **({"to": to} if to else {})}
        record_audit(uow, actor, AuditAction.LETTER_DELIVERED, letter_id, clock, **detail)
        letter.delivery_method, letter.delivered_on, letter.delivered_to = method, on, to
        view = _view(uow, letter, subject)
        uow.commit()
    return view


def delivery_problems(method: DeliveryMethod, on: date, email: str, today: date) -> dict[str, str]:
    """What is wrong with a delivery as recorded on the card. Pure."""
    errors: dict[str, str] = {}
    if on > today:
        errors["delivered_on"] = "The date it went out cannot be in the future."
    if method is DeliveryMethod.EMAIL:
        address = email.strip()
        if not address:
            errors["email"] = "Give the email address it was sent to."
        elif len(address) > EMAIL_MAX_LENGTH or not EMAIL_SHAPE.fullmatch(address):
            errors["email"] = "That does not look like an email address."
    return errors


def mark_collected(
    uow: UnitOfWork, actor: Actor, letter_id: int, on: date, collected_by: str, clock: Clock
) -> LetterView:
    """Reception hands a held letter to the customer or their representative, named; any registered member of
    staff may record it (the audit says who did)."""
    who = " ".join(collected_by.split())
    if not who:
        raise InvalidSubmission({"collected_by": "Type the name of the person who collected it."})
    if len(who) > policy.NAME_MAX_LENGTH:
        raise InvalidSubmission({"collected_by": f"Keep the name under {policy.NAME_MAX_LENGTH} characters."})
    with uow:
        letter = _letter(uow, letter_id)
        subject = _subject(uow, letter)
        if uow.staff.get(actor.user_id) is None:
            raise AccessRefused("Only registered council staff can record that a letter was collected.")
        if letter.delivery_method is not DeliveryMethod.HELD_AT_RECEPTION:
            raise InvalidSubmission({"collected_on": "Only a letter held at reception can be collected."})
        if letter.collected_on is None:
            uow.letters.mark_collected(letter_id, on, who)
            record_audit(uow, actor, AuditAction.LETTER_COLLECTED, letter_id, clock, on=on.isoformat(), by=who)
            letter.collected_on, letter.collected_by = on, who
        view = _view(uow, letter, subject)
        uow.commit()
    return view


def revise_letter(
    uow: UnitOfWork,
    actor: Actor,
    letter_id: int,
    revision: LetterRevision,
    council: CouncilDetails,
    clock: Clock,
) -> LetterView:
    """The next version of a letter, from the case as it is now with what the case owner set on the card: the
    customer's address or that they have no fixed address (saved on their record, audited before and after), the
    monitoring period, the examples chosen from their incidents and the signatory. A correction of an issued letter
    needs its reason; the issued version is kept as it was."""
    with uow:
        letter = _letter(uow, letter_id)
        subject = _subject(uow, letter)
        _require_case_access(uow, actor, subject)
        versions = subject.versions(uow, letter.kind)
        if versions[-1].id != letter.id:
            raise InvalidSubmission(
                {WHOLE_FORM: "There is a newer version of this letter: open it from work or letters."}
            )
        incidents = {i.id: i for i in uow.incidents.for_customer(subject.customer_id)}
        errors = revision_problems(revision, letter.issued_at is not None, set(incidents))
        if errors:
            raise InvalidSubmission(errors)
        customer = uow.customers.get(subject.customer_id)
        address = revision.address.strip()
        if customer is not None and (customer.address, customer.no_fixed_address) != (
            address,
            revision.no_fixed_address,
        ):
            record_audit(
                uow,
                actor,
                AuditAction.CUSTOMER_ADDRESS_CHANGED,
                customer.id,
                clock,
                before=_address_for_audit(customer.address, customer.no_fixed_address),
                after=_address_for_audit(address, revision.no_fixed_address),
                letter=str(letter_id),
            )
            customer.address, customer.no_fixed_address = address, revision.no_fixed_address
            uow.customers.update(customer)
        version = versions[-1].version + 1  # the letter itself is among them
        signed = replace(
            council,
            signatory_name=revision.signatory_name.strip() or council.signatory_name,
            signatory_title=revision.signatory_title.strip() or council.signatory_title,
        )
        content = _content_for(uow, subject, letter.kind, signed, clock(), version)
        chosen = [incidents[i] for i in sorted(revision.example_incident_ids, key=lambda i: incidents[i].occurred_at)]
        content = replace(
            content,
            monitoring=" ".join(revision.monitoring.split()) or content.monitoring,
            examples=tuple(_example(i) for i in chosen) or content.examples,
            # What the council will now do, written on the card, stays with the letter's next versions.
            next_steps=" ".join(revision.next_steps.split()) or letter.content.next_steps,
        )
        reason = " ".join(revision.reason.split())
        new = _add_version(uow, actor, subject, content, version, clock, None, reason)
        record_audit(uow, actor, AuditAction.LETTER_REVISED, letter_id, clock, new_version=str(new.id), reason=reason)
        view = _view(uow, new, subject)
        uow.commit()
    return view


def revision_problems(revision: LetterRevision, replaces_issued: bool, incident_ids: set[int]) -> dict[str, str]:
    """What is wrong with what was set on the letter card. Pure."""
    errors: dict[str, str] = {}
    if len(revision.address.strip()) > ADDRESS_MAX_LENGTH:
        errors["address"] = f"Keep the address under {ADDRESS_MAX_LENGTH} characters."
    if len(revision.monitoring.strip()) > MONITORING_MAX_LENGTH:
        errors["monitoring"] = f"Keep the monitoring period under {MONITORING_MAX_LENGTH} characters."
    if len(revision.next_steps.strip()) > NEXT_STEPS_MAX_LENGTH:
        errors["next_steps"] = f"Keep what the council will now do under {NEXT_STEPS_MAX_LENGTH} characters."
    for field, value in (("signatory_name", revision.signatory_name), ("signatory_title", revision.signatory_title)):
        if len(value.strip()) > SIGNATORY_MAX_LENGTH:
            errors[field] = f"Keep it under {SIGNATORY_MAX_LENGTH} characters."
    if not set(revision.example_incident_ids) <= incident_ids:
        errors["examples"] = "Choose the examples from this customer's incidents."
    elif len(revision.example_incident_ids) > MAX_EXAMPLES:
        errors["examples"] = f"Choose at most {MAX_EXAMPLES} examples."
    reason = revision.reason.strip()
    if replaces_issued and not reason:
        errors["reason"] = "This letter has been issued: say why it is being corrected."
    elif len(reason) > CORRECTION_REASON_MAX_LENGTH:
        errors["reason"] = f"Keep the reason under {CORRECTION_REASON_MAX_LENGTH} characters."
    return errors


def customer_letters(uow: UnitOfWork, actor: Actor, customer_id: int) -> CustomerLetters:
    """Every letter on record for the customer, newest first: those of cases the actor handles (the case owner
    and the determination team); refused, revealing nothing, when there are none they may see."""
    with uow:
        customer = uow.customers.get(customer_id)
        if customer is None:
            raise AccessRefused(LETTERS_WHO_MAY)
        views: list[LetterView] = []
        subjects = [_Subject.of_measure(m) for m in uow.measures.for_customer(customer_id)] + [
            _Subject.of_escalation(e)
            for e in uow.escalations.for_customer(customer_id)
            if e.kind in LETTER_FOR_DECISION
        ]
        for subject in subjects:
            if _may_handle(uow, actor, subject):
                views.extend(_view(uow, letter, subject) for letter in subject.versions(uow))
        if not views and not _on_team(uow, actor):
            raise AccessRefused(LETTERS_WHO_MAY)
        return CustomerLetters(customer_id, customer.name, tuple(sorted(views, key=lambda v: -v.letter_id)))


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
        subject = _subject(uow, letter)
        _require_case_access(uow, actor, subject)
        return _view(uow, letter, subject)


def handled_letters(uow: UnitOfWork, actor: Actor, letter_ids: Iterable[int]) -> tuple[LetterView, ...]:
    """Inside the caller's unit of work: those of these letters the actor may handle (the case owner and the
    determination team), in the order given; the others, and letters no longer on record, are left out."""
    views: list[LetterView] = []
    for letter_id in letter_ids:
        letter = uow.letters.get(letter_id)
        subject = _subject_or_none(uow, letter) if letter is not None else None
        if letter is not None and subject is not None and _may_handle(uow, actor, subject):
            views.append(_view(uow, letter, subject))
    return tuple(views)


def drafted_letters(
    uow: UnitOfWork,
    escalation_id: int | None,
    review_id: int | None,
    council: CouncilDetails,
    clock: Clock,
) -> tuple[LetterView, ...]:
    """The newest letter of each kind for the measure an escalation put in force or a review decided on, or about
    an escalation approved without one (further action, s14; a mandatory service withdrawn, s15.4), for the case
    owner's card (sent from the outbox).

    A first draft (s11.3, s11.4, s12.4, s14.3) is produced here, once, as the card goes out rather than in the
    decider's turn; it is recorded as produced by the member whose vote decided it."""
    with uow:
        measures: list[Measure] = []
        subjects: list[_Subject] = []
        produced = False
        if escalation_id is not None:
            escalation = uow.escalations.get_for_update(escalation_id)
            if escalation is not None:
                measures = [
                    m for m in uow.measures.for_customer(escalation.customer_id) if m.escalation_id == escalation_id
                ]
            decides = escalation is not None and escalation.kind in LETTER_FOR_DECISION
            decision = uow.escalations.decision_for(escalation_id) if measures or decides else None
            # Overturned by a second member, or lapsed unconfirmed (s12.3): either way it is withdrawn.
            overturned = (
                escalation is not None
                and escalation.is_immediate
                and escalation.state in (EscalationState.DECLINED, EscalationState.LAPSED)
            )
            if escalation is not None and decides and escalation.state is EscalationState.APPROVED:
                about = _Subject.of_escalation(escalation)
                subjects.append(about)
                kind = LETTER_FOR_DECISION[escalation.kind]
                if decision is not None and not about.versions(uow, kind):
                    _produce(uow, Actor(decision.decided_by, ""), about, kind, council, clock)
                    produced = True
            for measure in measures:
                # Further action and a service withdrawal have their letter about the decision (above), not the
                # measure; a measure kind with no letter of its own drafts none here.
                first = None if decides else next((k for k in LetterKind if k.value == measure.kind.value), None)
                if first is not None and decision is not None and not uow.letters.versions(measure.id, first.value):
                    produce_draft(uow, Actor(decision.decided_by, ""), measure, first, council, clock)
                    produced = True
                withdrawn = overturned and measure.ended_at is not None
                if withdrawn and not uow.letters.versions(measure.id, LetterKind.WITHDRAWAL.value):
                    by = _overturned_by(uow, escalation_id) or Actor(measure.case_owner_id, "")
                    produce_draft(uow, by, measure, LetterKind.WITHDRAWAL, council, clock)
                    produced = True
        elif review_id is not None:
            review = uow.reviews.get_for_update(review_id)
            found = uow.measures.get(review.measure_id) if review is not None else None
            measures = [found] if found is not None else []
            if found is not None and review is not None and _extension_letter_due(uow, found, review):
                # An extension the determination team approved (s13.2): its first draft is produced here, once.
                by = Actor(review.decided_by or found.case_owner_id, "")
                produce_draft(uow, by, found, LetterKind.EXTENSION, council, clock)
                produced = True
        kinds = (
            {LetterKind.EXTENSION, LetterKind.LIFTING}
            if review_id is not None
            else {
                LetterKind.FORMAL_WARNING,
                LetterKind.RESTRICTION,
                LetterKind.WITHDRAWAL,
                *LETTER_FOR_DECISION.values(),
            }
        )
        views: list[LetterView] = []
        for subject in [_Subject.of_measure(m) for m in measures] + subjects:
            newest: dict[LetterKind, Letter] = {}
            for letter in subject.versions(uow):
                if letter.kind in kinds:
                    newest[letter.kind] = letter
            views.extend(_view(uow, letter, subject) for letter in newest.values())
        if produced:
            uow.commit()
        return tuple(views)


class LinkUsed(AccessRefused):
    """A letter link followed a second time."""


def letter_for_download(
    uow: UnitOfWork,
    user_id: str,
    letter_id: int,
    link_id: str,
    clock: Clock,
    render: Renderer,
    file_format: str = "docx",
) -> tuple[LetterContent, bytes]:
    """The letter's .docx for someone following a signed link: only the case owner and the determination team, and
    each link once (a link is a bearer token: one that leaks from a browser's history opens nothing). Audited, with
    the format the link asked for (the Teams edge makes a PDF from the .docx)."""
    with uow:
        letter = _letter(uow, letter_id)
        subject = _subject(uow, letter)
        actor = Actor(user_id, user_id)
        used = any(
            e.action == AuditAction.LETTER_DOWNLOADED.value and e.detail.get("link") == link_id
            for e in uow.audit.events(AuditAction.LETTER_DOWNLOADED.record_type, str(letter_id))
        )
        if used:
            record_audit(uow, actor, AuditAction.LETTER_LINK_REFUSED, letter_id, clock, reason="used before")
            uow.commit()
            raise LinkUsed("This link has been used already. Type work to the bot for a new one.")
        if not _may_handle(uow, actor, subject):
            record_audit(
                uow, actor, AuditAction.LETTER_DOWNLOAD_REFUSED, letter_id, clock, reason="not the case owner or team"
            )
            uow.commit()
            raise AccessRefused("Only the case owner and the determination team can open this letter.")
        record_audit(
            uow,
            actor,
            AuditAction.LETTER_DOWNLOADED,
            letter_id,
            clock,
            version=str(letter.version),
            link=link_id,
            format=file_format,
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


def _extension_letter_due(uow: UnitOfWork, measure: Measure, review: ScheduledReview) -> bool:
    """A review decided as extended with no extension letter produced since."""
    if review.outcome is not ReviewOutcome.EXTEND or review.decided_at is None:
        return False
    produced = uow.letters.versions(measure.id, LetterKind.EXTENSION.value)
    return not any(letter.created_at >= review.decided_at for letter in produced)


def _overturned_by(uow: UnitOfWork, escalation_id: int) -> Actor | None:
    """The member whose vote did not confirm an immediate restriction (the second vote, s12.3)."""
    votes = uow.escalations.votes_for(escalation_id)
    return Actor(votes[1].member_id, "") if len(votes) > 1 else None


def _may_handle(uow: UnitOfWork, actor: Actor, subject: _Subject) -> bool:
    return actor.user_id == subject.case_owner_id or _on_team(uow, actor)


def _on_team(uow: UnitOfWork, actor: Actor) -> bool:
    member = uow.staff.get(actor.user_id)
    return member is not None and member.is_determination_team


def _address_for_audit(address: str, no_fixed_address: bool) -> str:
    return (
        "no fixed address"
        if no_fixed_address and not address
        else address + (" (no fixed address)" if no_fixed_address else "")
    )


def _require_case_access(uow: UnitOfWork, actor: Actor, subject: _Subject) -> None:
    if not _may_handle(uow, actor, subject):
        raise AccessRefused("Only the case owner and the determination team can handle this case's letters.")


def _measure(uow: UnitOfWork, measure_id: int) -> Measure:
    measure = uow.measures.get(measure_id)
    if measure is None:
        raise NotFound("That warning or restriction is no longer on record.")
    return measure


def _subject_or_none(uow: UnitOfWork, letter: Letter) -> _Subject | None:
    if letter.measure_id is not None:
        measure = uow.measures.get(letter.measure_id)
        return _Subject.of_measure(measure) if measure is not None else None
    escalation = uow.escalations.get(letter.escalation_id) if letter.escalation_id is not None else None
    return _Subject.of_escalation(escalation) if escalation is not None else None


def _subject(uow: UnitOfWork, letter: Letter) -> _Subject:
    subject = _subject_or_none(uow, letter)
    if subject is None:
        raise NotFound("That decision is no longer on record.")
    return subject


def _letter(uow: UnitOfWork, letter_id: int) -> Letter:
    letter = uow.letters.get(letter_id)
    if letter is None:
        raise NotFound("That letter is no longer on record.")
    return letter


def _view(uow: UnitOfWork, letter: Letter, subject: _Subject) -> LetterView:
    content = letter.content
    missing = tuple(missing_elements(content, letter.kind))
    label = letter_label(letter.kind, content.of_warning)
    summary = [f"{label} for {content.customer_name}, version {letter.version}"]
    if content.decision:
        summary.append(content.decision)
    if content.review_date:
        summary.append(f"Review date: {content.review_date}")
    summary.append(
        "Held at reception: the customer has no fixed address (s11.3)"
        if content.no_fixed_address
        else "Address: " + (", ".join(content.address) or "none on record")
    )
    customer = uow.customers.get(subject.customer_id)
    versions = subject.versions(uow, letter.kind)
    incidents = uow.incidents.for_customer(subject.customer_id) if not _ends(letter.kind) else ()
    options = tuple((i.id, _example(i)) for i in sorted(incidents, key=lambda i: i.occurred_at))
    return LetterView(
        letter_id=letter.id,
        measure_id=letter.measure_id,
        kind=letter.kind,
        version=letter.version,
        customer_name=content.customer_name,
        case_owner_id=subject.case_owner_id,
        reference=content.reference,
        created_at=letter.created_at,
        missing=missing,
        summary=tuple(summary),
        issued_at=letter.issued_at,
        delivery_method=letter.delivery_method,
        delivered_on=letter.delivered_on,
        collected_on=letter.collected_on,
        label=label,
        title=letter_title(content),
        sections=letter_sections(content),
        newest=not versions or versions[-1].id == letter.id,
        reason=letter.reason,
        delivered_to=letter.delivered_to,
        collected_by=letter.collected_by,
        address=customer.address if customer else ", ".join(content.address),
        no_fixed_address=customer.no_fixed_address if customer else content.no_fixed_address,
        monitoring=content.monitoring,
        says_what_happens_next=_without_measure(letter.kind),
        next_steps=content.next_steps,
        signatory_name=content.council.signatory_name,
        signatory_title=content.council.signatory_title,
        example_options=options,
        chosen_examples=tuple(incident_id for incident_id, said in options if said in content.examples),
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
    if _ends(kind):
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
    # A representative's actions are told as theirs, so the customer is not taken to have done them (s5.4).
    by = f", by your representative {incident.representative_name}" if representative_of(incident) else ""
    return f"On {_day(incident.occurred_at)} ({incident.channel.label.lower()}{by}): {words}"


def _consequences(kind: LetterKind, of_warning: bool) -> str:
    if kind is LetterKind.FORMAL_WARNING:
        return (
            "If these actions continue, the council may restrict how you can contact us, and in serious cases "
            "take further action, including legal restrictions or reporting matters to the police."
        )
    if _ends(kind):
        return (
            "If the actions described in our earlier letters happen again, the council may give a formal warning or "
            "restrict your contact again."
        )
    what = "warning" if of_warning else "restriction"
    return (
        f"If these actions continue, the {what} may be extended for a further 3 months at its review, and the "
        "council may take further action, including legal restrictions or reporting matters to the police."
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
    if kind is LetterKind.WITHDRAWAL:
        ended = measure.ended_at or measure.starts_at
        return (
            f"On {_day(measure.starts_at)} we restricted your contact with the council straight away, after a serious "
            f"incident. That decision was not confirmed by a second member of the council's determination team, so we "
            f"have withdrawn the restriction from {_day(ended)}: it no longer applies, and you may contact us as before."
        )
    if review is None or review.decided_at is None:
        return ""
    if kind is LetterKind.EXTENSION:
        return (
            f"We reviewed the {what} on {_day(review.decided_at)} and decided to extend it for a further "
            f"{policy.REVIEW_PERIOD_MONTHS} months, until {_day(review_due)}."
        )
    return f"We reviewed the {what} on {_day(review.decided_at)} and decided to lift it from that date."


def _reasons(kind: LetterKind, review: ScheduledReview | None) -> str:
    if kind is LetterKind.WITHDRAWAL:
        return "The restriction was not confirmed by a second member of the determination team."
    if kind not in (LetterKind.EXTENSION, LetterKind.LIFTING) or review is None:
        return ""
    if review.reason.strip():
        return review.reason.strip()
    if kind is LetterKind.LIFTING:
        return "There have been no further instances of unacceptable actions since it began or was last reviewed."
    return ""


def _appeal_outcome(uow: UnitOfWork, measure: Measure, content: LetterContent) -> LetterContent:
    """An appeal outcome letter (s11.4): what the uninvolved member decided on the newest decided complaint or
    appeal about this measure, and why. A lifted measure has nothing left to monitor, restrict or review."""
    decided = [a for a in uow.appeals.for_customer(measure.customer_id) if a.measure_id == measure.id and a.outcome]
    appeal = max(decided, key=lambda a: a.decided_at or a.recorded_at, default=None)
    if appeal is None or appeal.outcome is None or appeal.decided_at is None:
        return replace(content, actions=(), examples=())
    considered = (
        f"We have considered your {appeal.kind.value} of {appeal.received_on.day} "
        f"{appeal.received_on:%B %Y} about {appeal.decision.label} of your contact with the council."
    )
    if appeal.outcome is AppealOutcome.LIFTED:
        decision = f"{considered} We have decided to lift it from {_day(appeal.decided_at)}: it no longer applies."
        return replace(
            content,
            actions=(),
            examples=(),
            monitoring="",
            restrictions=(),
            review_date="",
            adjustments="",
            consequences=_consequences(LetterKind.LIFTING, content.of_warning),
            decision=decision,
            reasons=appeal.reasons,
        )
    if appeal.outcome is AppealOutcome.VARIED:
        decision = (
            f"{considered} We have decided to change it from {_day(appeal.decided_at)}, as set out below, "
            f"and to review it on or before {content.review_date}."
        )
    else:
        decision = f"{considered} We have decided that it stands as it is, until its review on {content.review_date}."
    return replace(content, actions=(), examples=(), decision=decision, reasons=appeal.reasons)


def _day(moment: datetime) -> str:
    return moment.astimezone(policy.LOCAL_TIME).strftime("%-d %B %Y")
