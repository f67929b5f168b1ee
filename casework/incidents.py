"""Reporting an incident (s8.5, s8.6, s10, s12.3) and the line manager's discussion of it (s8.6)."""

from __future__ import annotations

import enum
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.commands import IncidentSubmission
from casework.configuration import Clock
from casework.customer_query import QueryKind, email_key, interpret, name_key, phone_key, postcode_key
from casework.entities import (
    Actor,
    Customer,
    Incident,
    NewCustomer,
    NewIncident,
    NewRepresentative,
    StaffMember,
)
from casework.errors import AccessRefused, AlreadyRecorded, CustomerChoiceNeeded, InvalidSubmission
from casework.events import IncidentReported
from casework.outbox import publish
from casework.ports import UnitOfWork
from casework.views import (
    CustomerOption,
    IncidentConfirmation,
    ManagerOutcomeResult,
    ReportFormContext,
    customer_option,
    customer_options,
    incident_summary,
    require_customer,
    status_view,
)
from casework.vocabulary import (
    ActingParty,
    ContactChannel,
    ImmediateStep,
    ManagerOutcome,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)

_E = TypeVar("_E", bound=enum.Enum)


def report_form_context(
    uow: UnitOfWork, actor: Actor, customer_hint: str, customer_id: int | None = None
) -> ReportFormContext:
    """What the report form should offer: the customer chosen on a status card, or those matching what was
    typed; and the line manager question, until it has been answered once."""
    with uow:
        chosen = uow.customers.get(customer_id) if customer_id is not None else None
        if chosen is not None:
            options: tuple[CustomerOption, ...] = (customer_option(chosen),)
        else:
            options = customer_options(uow, customer_hint) if customer_hint.strip() else ()
        reporter = uow.staff.get(actor.user_id)
        manager = uow.staff.get(reporter.line_manager_id) if reporter and reporter.line_manager_id else None
        # The list to pick a line manager from is only offered until the reporter has named one.
        staff = () if manager else tuple((m.user_id, m.name) for m in uow.staff.all() if m.user_id != actor.user_id)
        exact = [o for o in options if o.exact]
        representatives = (
            tuple(r.name for r in uow.representatives.for_customer(exact[0].customer_id)) if len(exact) == 1 else ()
        )
    return ReportFormContext(options, manager.name if manager else None, staff, representatives)


def report_incident(
    uow: UnitOfWork, actor: Actor, submission: IncidentSubmission, clock: Clock
) -> IncidentConfirmation:
    """Logs a low-level incident (s8.5, s8.6). A repeated submission (a Teams retry) returns the first incident."""
    now = clock()
    errors = policy.validate_incident(submission, now)
    if errors:
        raise InvalidSubmission(errors)
    with uow:
        # A repeated submission is found by its key when the insert below is refused, not looked up first: the
        # first submission, by far the most common, costs one statement less.
        reporter, manager = _reporter_and_line_manager(uow, actor, submission, clock)
        try:
            customer = _resolve_customer(uow, actor, submission, clock)
        except InvalidSubmission:
            # A retry of a submit that committed after our first look finds the customer that submit added:
            # it is the same report, not a reason to ask the reporter to choose.
            first = uow.incidents.by_submission_key(submission.submission_key)
            if first is None:
                raise
            return _confirmation(uow, first, clock, already_recorded=True)
        _record_new_representative(uow, actor, customer, submission, clock)
        try:
            incident = uow.incidents.add(_incident_from(submission, customer.id, actor, now))
        except AlreadyRecorded:
            # A concurrent retry of the same submit committed first: answer with its incident.
            uow.rollback()
            first = uow.incidents.by_submission_key(submission.submission_key)
            assert first is not None
            return _confirmation(uow, first, clock, already_recorded=True)
        incident.reference = policy.incident_reference(incident.occurred_at.year, incident.id)
        uow.incidents.assign_reference(incident.id, incident.reference)
        record_audit(
            uow,
            actor,
            AuditAction.INCIDENT_REPORTED,
            incident.reference,
            clock,
            customer_id=str(customer.id),
            line_manager=manager.user_id,
        )
        if incident.safeguarding_concern:
            record_audit(uow, actor, AuditAction.INCIDENT_SAFEGUARDING_FLAGGED, incident.reference, clock)
        confirmation = _confirmation(uow, incident, clock, already_recorded=False, known=(customer, reporter, manager))
        owner = confirmation.case_owner_id
        reported = IncidentReported(
            confirmation.incident,
            confirmation.line_manager_id,
            confirmation.line_manager_name,
            case_owner_id=owner if owner not in (actor.user_id, manager.user_id) else None,
        )
        confirmation = replace(confirmation, events=(reported,))
        publish(uow, confirmation.events, clock)
        uow.commit()
    return confirmation


OUTCOME_NOT_ENTITLED = "You can't act on this incident."
"""The one refusal for the s8.6 buttons, whether the incident is not the clicker's to see or not on record."""


def record_manager_outcome(
    uow: UnitOfWork, actor: Actor, incident_id: int, outcome: ManagerOutcome, clock: Clock
) -> ManagerOutcomeResult:
    """The line manager's discussion outcome (s8.6, s10), recorded once; only they (or the team) may record it."""
    with uow:
        incident = uow.incidents.get(incident_id)
        reporter = uow.staff.get(incident.reported_by) if incident is not None else None
        clicker = uow.staff.get(actor.user_id)
        on_team = clicker is not None and clicker.is_determination_team
        line_manager_id = reporter.line_manager_id if reporter else None
        if incident is None or not policy.may_see_incident_discussion(actor.user_id, line_manager_id, on_team):
            # Nothing about the incident is returned, its narrative least of all; the same for one not on record.
            reason = "not on record" if incident is None else "no need to know"
            record_id = incident.reference if incident is not None else incident_id
            record_audit(uow, actor, AuditAction.INCIDENT_OUTCOME_REFUSED, record_id, clock, reason=reason)
            uow.commit()
            raise AccessRefused(OUTCOME_NOT_ENTITLED)
        refusal = policy.manager_outcome_refusal(actor.user_id, line_manager_id, on_team)
        if refusal is not None:
            # Those who may see the card may record on it today; kept so the two rules can part without a leak.
            record_audit(uow, actor, AuditAction.INCIDENT_OUTCOME_REFUSED, incident.reference, clock, reason=refusal)
            summary = incident_summary(uow, incident)
            uow.commit()
            return ManagerOutcomeResult(summary, recorded_now=False, refusal=refusal)
        recorded = uow.incidents.record_manager_outcome(incident.id, outcome, actor.user_id, clock())
        if recorded:
            record_audit(
                uow, actor, AuditAction.INCIDENT_MANAGER_OUTCOME, incident.reference, clock, outcome=outcome.value
            )
        refreshed = uow.incidents.get(incident.id)
        assert refreshed is not None
        summary = incident_summary(uow, refreshed)
        uow.commit()
    return ManagerOutcomeResult(summary, recorded_now=recorded)


def _reporter_and_line_manager(
    uow: UnitOfWork, actor: Actor, submission: IncidentSubmission, clock: Clock
) -> tuple[StaffMember, StaffMember]:
    """The reporter and their line manager: asked for once, then remembered (s8.6 needs them told)."""
    known = uow.staff.with_line_managers(actor.user_id, submission.line_manager_id.strip())
    reporter = known.get(actor.user_id) or StaffMember(actor.user_id, actor.name)
    remembered = reporter.line_manager_id
    chosen = remembered or submission.line_manager_id.strip()
    manager = known.get(chosen) if chosen else None
    if remembered and manager is None:
        # A manager no longer on record: ask again rather than tell nobody.
        remembered = None
    if manager is None or manager.user_id == actor.user_id:
        raise InvalidSubmission({"line_manager_id": "Choose your line manager; you will only be asked once."})
    if not remembered:
        reporter = replace(reporter, line_manager_id=manager.user_id)
        uow.staff.save(reporter)
        record_audit(uow, actor, AuditAction.STAFF_LINE_MANAGER_SET, actor.user_id, clock, line_manager=manager.user_id)
    return reporter, manager


def _record_new_representative(
    uow: UnitOfWork, actor: Actor, customer: Customer, submission: IncidentSubmission, clock: Clock
) -> None:
    """A representative named on a report who is not yet on record is recorded with the consent or lawful basis
    they act on, which the reporter must give (s5.1); one on record is simply named."""
    if submission.acting_party != ActingParty.REPRESENTATIVE.value:
        return
    name = submission.representative_name.strip()
    known = {r.name.casefold() for r in uow.representatives.for_customer(customer.id)}
    if name.casefold() in known:
        return
    authority = submission.representative_authority.strip()
    if not authority:
        raise InvalidSubmission(
            {
                "representative_authority": f"{name} is not on record as {customer.name}'s representative: say "
                "what consent or other lawful basis they act on (s5.1), for example the customer's written consent "
                "or a power of attorney."
            }
        )
    uow.representatives.add(NewRepresentative(customer.id, name, "representative", authority))
    record_audit(uow, actor, AuditAction.REPRESENTATIVE_ADDED, customer.id, clock, representative=name)


def _resolve_customer(uow: UnitOfWork, actor: Actor, submission: IncidentSubmission, clock: Clock) -> Customer:
    """The customer chosen on the form, or a new one, but never a duplicate added without a second look."""
    if submission.customer_id is not None:
        return require_customer(uow, submission.customer_id)
    typed = submission.customer_name.strip()
    query = interpret(typed)
    matches = customer_options(uow, typed)
    if query.kind is not QueryKind.NAME:
        if not matches:
            raise InvalidSubmission(
                {
                    "customer_name": f"No customer has that {query.kind.value.replace('_', ' ')}. "
                    "Enter their name to add them."
                }
            )
        raise CustomerChoiceNeeded(matches)
    if matches and not submission.new_customer_confirmed:
        raise CustomerChoiceNeeded(matches)
    # Two first reports about one new person must not add them twice: the second waits, then finds the first.
    uow.customers.lock_name(query.key)
    matches = customer_options(uow, typed)
    if matches and not submission.new_customer_confirmed:
        raise CustomerChoiceNeeded(matches)
    contact_errors, customer = _new_customer(typed, submission)
    if contact_errors:
        raise InvalidSubmission(contact_errors)
    customer = uow.customers.add(customer)
    record_audit(uow, actor, AuditAction.CUSTOMER_ADDED, str(customer.id), clock)
    return customer


def _new_customer(name: str, submission: IncidentSubmission) -> tuple[dict[str, str], NewCustomer]:
    errors: dict[str, str] = {}
    postcode = postcode_key(submission.postcode) if submission.postcode.strip() else None
    phone = phone_key(submission.phone) if submission.phone.strip() else None
    email = email_key(submission.email) if submission.email.strip() else None
    if submission.postcode.strip() and postcode is None:
        errors["postcode"] = "That is not a UK postcode."
    if submission.phone.strip() and phone is None:
        errors["phone"] = "That is not a phone number."
    if submission.email.strip() and email is None:
        errors["email"] = "That is not an email address."
    if len(name_key(name)) > policy.NAME_KEY_MAX_LENGTH:
        errors["customer_name"] = "That name cannot be stored as typed: shorten it."
    return errors, NewCustomer(name=name, postcode=postcode, phone=phone, email=email)


def _incident_from(submission: IncidentSubmission, customer_id: int, actor: Actor, now: datetime) -> NewIncident:
    representative = submission.acting_party == ActingParty.REPRESENTATIVE.value
    return NewIncident(
        customer_id=customer_id,
        reported_by=actor.user_id,
        occurred_at=policy.occurred_at(submission.occurred_date, submission.occurred_time, now),
        channel=ContactChannel(submission.channel),
        actions=tuple(UnreasonableAction(action) for action in submission.actions),
        description=submission.description.strip(),
        submission_key=submission.submission_key,
        service_area=ServiceArea(submission.service_area) if submission.service_area else ServiceArea.OTHER,
        acting_party=ActingParty(submission.acting_party),
        representative_name=submission.representative_name.strip() if representative else None,
        immediate_steps=tuple(ImmediateStep(step) for step in submission.immediate_steps),
        informal_warning_given=submission.informal_warning_given,
        safeguarding_concern=submission.safeguarding_concern,
        support_need=submission.support_need,
        serious_threats=tuple(SeriousThreat(threat) for threat in submission.serious_threats),
        reported_at=now,
        other_action=submission.other_action.strip() if UnreasonableAction.OTHER.value in submission.actions else "",
        customer_recording=submission.customer_recording,
        recording_reason=submission.recording_reason.strip() if submission.customer_recording else "",
        matter_reference=submission.matter_reference.strip(),
    )


def _confirmation(
    uow: UnitOfWork,
    incident: Incident,
    clock: Clock,
    already_recorded: bool,
    known: tuple[Customer, StaffMember, StaffMember] | None = None,
) -> IncidentConfirmation:
    """What the reporter is shown; `known` is the customer, reporter and line manager when the caller has them."""
    manager: StaffMember | None
    if known is not None:
        customer, reporter, manager = known
    else:
        customer = require_customer(uow, incident.customer_id)
        found = uow.staff.get(incident.reported_by)
        manager = uow.staff.get(found.line_manager_id) if found and found.line_manager_id else None
        reporter = found or StaffMember(incident.reported_by, incident.reported_by)
    # One read for both the customer's standing and the incidents the escalation suggestion weighs.
    facts = uow.reads.customer_status(customer.id, None, incident.occurred_at - policy.SUGGESTION_WINDOW)
    return IncidentConfirmation(
        reference=incident.reference,
        customer=status_view(uow, customer, clock, facts=facts),
        already_recorded=already_recorded,
        incident=incident_summary(uow, incident, customer, reporter, facts=facts),
        line_manager_id=manager.user_id if manager else None,
        line_manager_name=manager.name if manager else None,
        case_owner_id=next(
            (m.case_owner_id for m in reversed(facts.measures) if policy.is_in_force(m, incident.occurred_at)), None
        ),
    )
