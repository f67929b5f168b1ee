"""The use cases. Each runs inside one unit of work: its changes and audit events commit together or not at all."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from casework import letters, policy
from casework.audit import AuditAction, record_audit
from casework.commands import EscalationRequest, IncidentSubmission
from casework.configuration import Clock, CouncilDetails, DecisionRules
from casework.customer_query import QueryKind, email_key, interpret, name_key, phone_key, postcode_key
from casework.entities import (
    Actor,
    Customer,
    Decision,
    DueReview,
    Escalation,
    Incident,
    Measure,
    NewCustomer,
    NewEscalation,
    NewIncident,
    NewMeasure,
    StaffMember,
    Vote,
)
from casework.errors import AccessRefused, AlreadyRecorded, CustomerChoiceNeeded, InvalidSubmission, NotFound
from casework.ports import UnitOfWork
from casework.views import (
    CheckResult,
    CustomerHistoryView,
    CustomerOption,
    CustomerStatusView,
    DecisionResult,
    EscalationView,
    EvidenceLine,
    HistoryLine,
    IncidentConfirmation,
    IncidentSummary,
    ManagerOutcomeResult,
    MeasureView,
    ReportFormContext,
    VoteLine,
)
from casework.vocabulary import (
    ActingParty,
    ContactChannel,
    ContactRestriction,
    DecisionOutcome,
    EscalationKind,
    EscalationState,
    ImmediateStep,
    LetterKind,
    ManagerOutcome,
    MeasureKind,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)

_E = TypeVar("_E", bound=enum.Enum)
DEFAULT_RULES = DecisionRules()


def register_staff(uow: UnitOfWork, actor: Actor, member: StaffMember, clock: Clock) -> None:
    """An administrator records a member of staff and whether they sit on the determination team (s2.6)."""
    with uow:
        uow.staff.save(member)
        record_audit(
            uow,
            actor,
            AuditAction.STAFF_REGISTERED,
            member.user_id,
            clock,
            determination_team=str(member.is_determination_team),
        )
        uow.commit()


def remember_actor(uow: UnitOfWork, actor: Actor) -> None:
    """Keeps the name and Teams id of whoever talks to the bot, so records show names and cards can refresh."""
    with uow:
        known = uow.staff.get(actor.user_id)
        if known is None:
            uow.staff.save(StaffMember(actor.user_id, actor.name, teams_user_id=actor.teams_id or None))
        elif (actor.name and known.name != actor.name) or (actor.teams_id and known.teams_user_id != actor.teams_id):
            uow.staff.save(
                replace(known, name=actor.name or known.name, teams_user_id=actor.teams_id or known.teams_user_id)
            )
        else:
            return
        uow.commit()


def report_form_context(
    uow: UnitOfWork, actor: Actor, customer_hint: str, customer_id: int | None = None
) -> ReportFormContext:
    """What the report form should offer: the customer chosen on a status card, or those matching what was
    typed; and the line manager question, until it has been answered once."""
    with uow:
        chosen = uow.customers.get(customer_id) if customer_id is not None else None
        if chosen is not None:
            options: tuple[CustomerOption, ...] = (_option(chosen),)
        else:
            options = _customer_options(uow, customer_hint) if customer_hint.strip() else ()
        reporter = uow.staff.get(actor.user_id)
        manager = uow.staff.get(reporter.line_manager_id) if reporter and reporter.line_manager_id else None
        # The list to pick a line manager from is only offered until the reporter has named one.
        staff = () if manager else tuple((m.user_id, m.name) for m in uow.staff.all() if m.user_id != actor.user_id)
    return ReportFormContext(options, manager.name if manager else None, staff)


def report_incident(
    uow: UnitOfWork, actor: Actor, submission: IncidentSubmission, clock: Clock
) -> IncidentConfirmation:
    """Logs a low-level incident (s8.5, s8.6). A repeated submission (a Teams retry) returns the first incident."""
    now = clock()
    errors = policy.validate_incident(submission, now)
    if errors:
        raise InvalidSubmission(errors)
    with uow:
        existing = uow.incidents.by_submission_key(submission.submission_key)
        if existing is not None:
            return _confirmation(uow, existing, clock, already_recorded=True)
        manager_id = _line_manager(uow, actor, submission, clock)
        try:
            customer = _resolve_customer(uow, actor, submission, clock)
        except InvalidSubmission:
            # A retry of a submit that committed after our first look finds the customer that submit added:
            # it is the same report, not a reason to ask the reporter to choose.
            first = uow.incidents.by_submission_key(submission.submission_key)
            if first is None:
                raise
            return _confirmation(uow, first, clock, already_recorded=True)
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
            line_manager=manager_id,
        )
        if incident.safeguarding_concern:
            record_audit(uow, actor, AuditAction.INCIDENT_SAFEGUARDING_FLAGGED, incident.reference, clock)
        confirmation = _confirmation(uow, incident, clock, already_recorded=False)
        uow.commit()
    return confirmation


def record_notification(
    uow: UnitOfWork, actor: Actor, incident_reference: str, what: AuditAction, detail: dict[str, str], clock: Clock
) -> None:
    """Who was told about an incident, or could not be (every notification is in the audit trail)."""
    with uow:
        record_audit(uow, actor, what, incident_reference, clock, **detail)
        uow.commit()


def record_manager_outcome(
    uow: UnitOfWork, actor: Actor, incident_id: int, outcome: ManagerOutcome, clock: Clock
) -> ManagerOutcomeResult:
    """The line manager's discussion outcome (s8.6, s10), recorded once; only they (or the team) may record it."""
    with uow:
        incident = uow.incidents.get(incident_id)
        if incident is None:
            raise NotFound("That incident is no longer on record.")
        reporter = uow.staff.get(incident.reported_by)
        clicker = uow.staff.get(actor.user_id)
        refusal = policy.manager_outcome_refusal(
            actor.user_id,
            reporter.line_manager_id if reporter else None,
            clicker is not None and clicker.is_determination_team,
        )
        if refusal is not None:
            record_audit(uow, actor, AuditAction.INCIDENT_OUTCOME_REFUSED, incident.reference, clock, reason=refusal)
            summary = _summary(uow, incident)
            uow.commit()
            return ManagerOutcomeResult(summary, recorded_now=False, refusal=refusal)
        recorded = uow.incidents.record_manager_outcome(incident.id, outcome, actor.user_id, clock())
        if recorded:
            record_audit(
                uow, actor, AuditAction.INCIDENT_MANAGER_OUTCOME, incident.reference, clock, outcome=outcome.value
            )
        refreshed = uow.incidents.get(incident.id)
        assert refreshed is not None
        summary = _summary(uow, refreshed)
        uow.commit()
    return ManagerOutcomeResult(summary, recorded_now=recorded)


def _line_manager(uow: UnitOfWork, actor: Actor, submission: IncidentSubmission, clock: Clock) -> str:
    """The reporter's line manager: asked for once, then remembered (s8.6 needs them told)."""
    reporter = uow.staff.get(actor.user_id) or StaffMember(actor.user_id, actor.name)
    if reporter.line_manager_id:
        return reporter.line_manager_id
    chosen = submission.line_manager_id.strip()
    manager = uow.staff.get(chosen) if chosen else None
    if manager is None or manager.user_id == actor.user_id:
        raise InvalidSubmission({"line_manager_id": "Choose your line manager; you will only be asked once."})
    uow.staff.save(replace(reporter, line_manager_id=manager.user_id))
    record_audit(uow, actor, AuditAction.STAFF_LINE_MANAGER_SET, actor.user_id, clock, line_manager=manager.user_id)
    return manager.user_id


def _resolve_customer(uow: UnitOfWork, actor: Actor, submission: IncidentSubmission, clock: Clock) -> Customer:
    """The customer chosen on the form, or a new one, but never a duplicate added without a second look."""
    if submission.customer_id is not None:
        return _customer(uow, submission.customer_id)
    typed = submission.customer_name.strip()
    query = interpret(typed)
    matches = _customer_options(uow, typed)
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
    matches = _customer_options(uow, typed)
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
    )


def _confirmation(uow: UnitOfWork, incident: Incident, clock: Clock, already_recorded: bool) -> IncidentConfirmation:
    customer = _customer(uow, incident.customer_id)
    reporter = uow.staff.get(incident.reported_by)
    manager = uow.staff.get(reporter.line_manager_id) if reporter and reporter.line_manager_id else None
    return IncidentConfirmation(
        reference=incident.reference,
        customer=_status(uow, customer, clock),
        already_recorded=already_recorded,
        incident=_summary(uow, incident),
        line_manager_id=manager.user_id if manager else None,
        line_manager_name=manager.name if manager else None,
    )


def _summary(uow: UnitOfWork, incident: Incident) -> IncidentSummary:
    customer = _customer(uow, incident.customer_id)
    reporter = uow.staff.get(incident.reported_by)
    decided_by = uow.staff.get(incident.manager_outcome_by) if incident.manager_outcome_by else None
    return IncidentSummary(
        incident_id=incident.id,
        reference=incident.reference,
        customer_id=customer.id,
        customer_name=customer.name,
        reporter_name=reporter.name if reporter else incident.reported_by,
        occurred_at=incident.occurred_at,
        channel=incident.channel.label,
        service_area=incident.service_area.label,
        actions=tuple(a.label for a in incident.actions),
        immediate_steps=tuple(s.label for s in incident.immediate_steps),
        description=incident.description,
        representative_name=incident.representative_name,
        informal_warning_given=incident.informal_warning_given,
        safeguarding_concern=incident.safeguarding_concern,
        support_need=incident.support_need,
        serious_threats=tuple(t.label for t in incident.serious_threats),
        is_urgent=incident.is_urgent,
        manager_outcome=incident.manager_outcome.label if incident.manager_outcome else None,
        manager_outcome_by=(decided_by.name if decided_by else incident.manager_outcome_by),
        manager_outcome_at=incident.manager_outcome_at,
        suggestion=policy.escalation_suggestion(
            [
                (i.occurred_at, i.service_area)
                for i in uow.incidents.for_customer_since(
                    incident.customer_id, incident.occurred_at - policy.SUGGESTION_WINDOW
                )
            ],
            incident.occurred_at,
        ),
    )


def _customer_options(uow: UnitOfWork, typed: str) -> tuple[CustomerOption, ...]:
    query = interpret(typed)
    found = uow.customers.search(query, limit=8)
    return tuple(_option(c, exact=query.kind is not QueryKind.NAME or name_key(c.name) == query.key) for c in found)


def _option(customer: Customer, exact: bool = True) -> CustomerOption:
    born = f"{customer.date_of_birth:%m/%Y}" if customer.date_of_birth else ""
    return CustomerOption(customer.id, customer.name, customer.postcode, customer.council_reference, exact, born)


def record_rejected_activity(uow: UnitOfWork, actor: Actor, tenant_id: str, clock: Clock) -> None:
    """An activity from a tenant that is not allowed was refused before any handler ran."""
    with uow:
        record_audit(uow, actor, AuditAction.ACTIVITY_REJECTED_TENANT, tenant_id[:64], clock)
        uow.commit()


def check_customer(uow: UnitOfWork, actor: Actor, query: str, clock: Clock) -> CheckResult:
    """Answers "is this customer restricted, and what may I do?" (s15, s16). Every lookup is audited."""
    query = " ".join(query.split())
    if not query:
        raise InvalidSubmission({"query": "Say who to check, for example: check Jane Smith"})
    with uow:
        found = uow.customers.search(interpret(query), limit=8)
        if len(found) == 1:
            status = _status(uow, found[0], clock, viewer=actor)
            record_audit(uow, actor, AuditAction.CUSTOMER_CHECKED, str(status.customer_id), clock, query=query[:200])
            result = CheckResult(query, status)
        else:
            record_audit(
                uow,
                actor,
                AuditAction.CUSTOMER_SEARCHED,
                "",
                clock,
                query=query[:200],
                matched=",".join(str(c.id) for c in found),
            )
            result = CheckResult(query, None, tuple(_option(c) for c in found))
        uow.commit()
    return result


def show_customer(uow: UnitOfWork, actor: Actor, customer_id: int, clock: Clock) -> CustomerStatusView:
    """The status of one customer chosen from a pick list (audited like any check)."""
    with uow:
        status = _status(uow, _customer(uow, customer_id), clock, viewer=actor)
        record_audit(uow, actor, AuditAction.CUSTOMER_CHECKED, str(customer_id), clock)
        uow.commit()
    return status


def customer_history(uow: UnitOfWork, actor: Actor, customer_id: int, clock: Clock) -> CustomerHistoryView:
    """The full record behind a status, for those who need to know; a refused look is audited too."""
    with uow:
        customer = _customer(uow, customer_id)
        if not _may_see_history(uow, actor, customer_id):
            record_audit(uow, actor, AuditAction.CUSTOMER_HISTORY_REFUSED, str(customer_id), clock)
            uow.commit()
            raise AccessRefused("Only the determination team and the managers on this case can see its history.")
        lines: list[HistoryLine] = []
        for incident in uow.incidents.for_customer(customer_id):
            reporter = uow.staff.get(incident.reported_by)
            actions = "; ".join(a.label for a in incident.actions)
            outcome = f" Outcome: {incident.manager_outcome.label}." if incident.manager_outcome else ""
            lines.append(
                HistoryLine(
                    incident.occurred_at,
                    f"Incident {incident.reference} ({incident.channel.label})",
                    f"{actions}. {incident.description} Reported by "
                    f"{reporter.name if reporter else incident.reported_by}.{outcome}",
                )
            )
        for escalation in uow.escalations.for_customer(customer_id):
            lines.append(
                HistoryLine(
                    escalation.requested_at,
                    f"Escalation: {escalation.kind.label}",
                    f"{escalation.state.value.capitalize()}. {escalation.reason}",
                )
            )
        for measure in uow.measures.for_customer(customer_id):
            ended = f", ended {measure.ended_at:%d %b %Y}" if measure.ended_at else ""
            lines.append(
                HistoryLine(
                    measure.starts_at,
                    "Restriction" if measure.kind is MeasureKind.RESTRICTION else "Formal warning",
                    f"Review due {measure.review_due_at:%d %b %Y}{ended}.",
                )
            )
        record_audit(uow, actor, AuditAction.CUSTOMER_HISTORY_VIEWED, str(customer_id), clock)
        uow.commit()
    return CustomerHistoryView(customer_id, customer.name, tuple(sorted(lines, key=lambda line: line.when)))


def _may_see_history(
    uow: UnitOfWork, actor: Actor, customer_id: int, measures: Sequence[Measure] | None = None
) -> bool:
    viewer = uow.staff.get(actor.user_id)
    if viewer is not None and viewer.is_determination_team:
        return True
    if measures is None:
        measures = uow.measures.for_customer(customer_id)
    managers = {m.case_owner_id for m in measures}
    managers |= uow.escalations.requesters_for(customer_id)
    # The viewer manages the case if they line-manage anyone who reported an incident about this customer.
    if uow.incidents.reporters_for(customer_id) & set(uow.staff.reports_to(actor.user_id)):
        managers.add(actor.user_id)
    return policy.may_see_history(False, actor.user_id, managers)


def request_escalation(uow: UnitOfWork, actor: Actor, request: EscalationRequest, clock: Clock) -> EscalationView:
    """Puts a decision to the determination team (s10, s11.2), once the policy's gates are met."""
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
    chosen = tuple(r for r in restrictions if r is not None)
    errors.update(policy.restriction_terms_errors(chosen, request.terms))
    if kind is not None:
        gate = policy.escalation_gate_errors(
            kind,
            request.investigation_reference.strip() or None,
            threat,
            request.legal_advice_reference.strip() or None,
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
        escalation = uow.escalations.add(
            NewEscalation(
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
            )
        )
        record_audit(uow, actor, AuditAction.ESCALATION_REQUESTED, str(escalation.id), clock, kind=kind.value)
        view = _escalation_view(uow, escalation)
        uow.commit()
    return view


def record_decision_card(uow: UnitOfWork, escalation_id: int, conversation_id: str, activity_id: str) -> None:
    """Remembers where the decision card was posted, so it can be updated in place for everyone."""
    with uow:
        uow.escalations.record_card(escalation_id, conversation_id, activity_id)
        uow.commit()


def view_escalation(uow: UnitOfWork, escalation_id: int, rules: DecisionRules = DEFAULT_RULES) -> EscalationView:
    with uow:
        escalation = uow.escalations.get_for_update(escalation_id)
        if escalation is None:
            raise NotFound("That escalation no longer exists.")
        return _escalation_view(uow, escalation, None, rules)


def decide_escalation(
    uow: UnitOfWork,
    actor: Actor,
    escalation_id: int,
    outcome: DecisionOutcome,
    notes: str,
    clock: Clock,
    *,
    alternatives_considered: bool = False,
    rules: DecisionRules = DEFAULT_RULES,
    council: CouncilDetails | None = None,
) -> DecisionResult:
    """Records one member's vote and, once the rule for this kind is met, the outcome, exactly once however
    often, however concurrently, and by however many members it is clicked (s2.6, s11.2, s12.2).

    An approved warning or restriction gets a draft letter (s11.4) with the council's details given."""
    with uow:
        escalation = uow.escalations.get_for_update(escalation_id)
        if escalation is None:
            raise NotFound("That escalation no longer exists.")
        if escalation.state is EscalationState.MORE_INFORMATION:
            return DecisionResult(
                _escalation_view(uow, escalation, clock, rules),
                recorded_now=False,
                refusal="Waiting for the requester's answer before deciding.",
            )
        confirming = _awaiting_confirmation(uow, escalation)
        if escalation.state is not EscalationState.PENDING and not confirming:
            # Already decided: whoever clicks, and however often, is shown the outcome.
            return DecisionResult(_escalation_view(uow, escalation, clock, rules), recorded_now=False)
        refusal = _decider_refusal(uow, actor, escalation)
        if refusal is not None:
            record_audit(uow, actor, AuditAction.ESCALATION_DECISION_REFUSED, str(escalation_id), clock, reason=refusal)
            view = _escalation_view(uow, escalation, clock, rules)
            uow.commit()
            return DecisionResult(view, recorded_now=False, refusal=refusal)
        problems = policy.vote_problems(outcome, notes, alternatives_considered)
        if problems:
            return DecisionResult(
                _escalation_view(uow, escalation, clock, rules), recorded_now=False, refusal=" ".join(problems.values())
            )
        now = clock()
        try:
            uow.escalations.add_vote(
                Vote(escalation.id, actor.user_id, outcome, now, notes.strip(), alternatives_considered)
            )
        except AlreadyRecorded:
            return DecisionResult(
                _escalation_view(uow, escalation, clock, rules),
                recorded_now=False,
                refusal="You have already given your decision on this.",
            )
        record_audit(uow, actor, AuditAction.ESCALATION_VOTE, str(escalation.id), clock, outcome=outcome.value)
        lost_race = False
        if confirming:
            _confirm_or_overturn(uow, actor, escalation, outcome, now, clock)
        else:
            required = policy.approvals_required(escalation.kind, escalation.is_immediate, rules)
            final = policy.outcome_of(uow.escalations.votes_for(escalation.id), required)
            if final is not None:
                try:
                    uow.escalations.add_decision(Decision(escalation.id, final, actor.user_id, now, notes.strip()))
                except AlreadyRecorded:
                    # The row lock makes this rare and the unique key harmless: another instance decided first.
                    uow.rollback()
                    lost_race = True
                else:
                    _apply_decision(uow, actor, escalation, final, now, clock, council)
        if not lost_race:
            view = _escalation_view(uow, escalation, clock, rules)
            uow.commit()
    if lost_race:
        return DecisionResult(view_escalation(uow, escalation_id, rules), recorded_now=False)
    return DecisionResult(view, recorded_now=True)


def ask_for_information(
    uow: UnitOfWork, actor: Actor, escalation_id: int, question: str, clock: Clock, rules: DecisionRules = DEFAULT_RULES
) -> DecisionResult:
    """A member sends the request back to the requester with a question; deciding waits for the answer."""
    with uow:
        escalation = uow.escalations.get_for_update(escalation_id)
        if escalation is None:
            raise NotFound("That escalation no longer exists.")
        refusal = _decider_refusal(uow, actor, escalation)
        if refusal is None and escalation.state is not EscalationState.PENDING:
            refusal = "Only a request still waiting for a decision can be sent back with a question."
        if refusal is None and not question.strip():
            refusal = "Type your question in the decision notes first."
        if refusal is not None:
            return DecisionResult(_escalation_view(uow, escalation, clock, rules), recorded_now=False, refusal=refusal)
        escalation.state = EscalationState.MORE_INFORMATION
        escalation.question = question.strip()[: policy.REASON_MAX_LENGTH]
        escalation.answer = ""
        uow.escalations.save_state(escalation)
        record_audit(uow, actor, AuditAction.ESCALATION_INFORMATION_REQUESTED, str(escalation_id), clock)
        view = _escalation_view(uow, escalation, clock, rules)
        uow.commit()
    return DecisionResult(view, recorded_now=True)


def answer_escalation(
    uow: UnitOfWork, actor: Actor, escalation_id: int, answer: str, clock: Clock, rules: DecisionRules = DEFAULT_RULES
) -> EscalationView:
    """The requester answers the team's question; the request goes back to them to decide."""
    if not answer.strip():
        raise InvalidSubmission({"answer": "Type your answer."})
    with uow:
        escalation = uow.escalations.get_for_update(escalation_id)
        if escalation is None:
            raise NotFound("That escalation no longer exists.")
        if escalation.requested_by != actor.user_id:
            raise AccessRefused("Only the person who asked for this escalation can answer the team's question.")
        if escalation.state is not EscalationState.MORE_INFORMATION:
            raise InvalidSubmission({"answer": "The team is not waiting for an answer on this request."})
        escalation.state = EscalationState.PENDING
        escalation.answer = answer.strip()[: policy.REASON_MAX_LENGTH]
        uow.escalations.save_state(escalation)
        record_audit(uow, actor, AuditAction.ESCALATION_INFORMATION_GIVEN, str(escalation_id), clock)
        view = _escalation_view(uow, escalation, clock, rules)
        uow.commit()
    return view


def pending_escalations(
    uow: UnitOfWork, actor: Actor, clock: Clock, rules: DecisionRules = DEFAULT_RULES
) -> tuple[EscalationView, ...]:
    """What awaits the determination team (s2.6); nobody else sees the list."""
    with uow:
        member = uow.staff.get(actor.user_id)
        if member is None or not member.is_determination_team:
            raise AccessRefused("Only members of the determination team can see pending escalations.")
        return tuple(_escalation_view(uow, e, clock, rules) for e in uow.escalations.waiting())


def chase_overdue_escalations(
    uow: UnitOfWork, clock: Clock, chase_after: timedelta, repeat_every: timedelta, rules: DecisionRules = DEFAULT_RULES
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
                chased.append(_escalation_view(uow, escalation, clock, rules))
        uow.commit()
    return tuple(chased)


def _decider_refusal(uow: UnitOfWork, actor: Actor, escalation: Escalation) -> str | None:
    member = uow.staff.get(actor.user_id)
    involved = sorted(uow.incidents.reporters_of(escalation.incident_ids))
    return policy.decision_refusal(
        actor.user_id, member is not None and member.is_determination_team, escalation.requested_by, involved
    )


def _awaiting_confirmation(uow: UnitOfWork, escalation: Escalation) -> bool:
    """An immediate restriction (s12.3) approved by one member, not yet confirmed or overturned by a second."""
    if not escalation.is_immediate or escalation.state is not EscalationState.APPROVED:
        return False
    return len(uow.escalations.votes_for(escalation.id)) < 2


def _confirm_or_overturn(
    uow: UnitOfWork, actor: Actor, escalation: Escalation, outcome: DecisionOutcome, now: datetime, clock: Clock
) -> None:
    if outcome is DecisionOutcome.APPROVE:
        record_audit(uow, actor, AuditAction.ESCALATION_CONFIRMED, str(escalation.id), clock)
        return
    # A second member disagrees: the immediate restriction ends now and the request is declined.
    for measure in uow.measures.for_customer(escalation.customer_id):
        if measure.escalation_id == escalation.id and measure.ended_at is None:
            uow.measures.end(measure.id, now)
    escalation.state = EscalationState.DECLINED
    uow.escalations.save_state(escalation)
    record_audit(uow, actor, AuditAction.ESCALATION_OVERTURNED, str(escalation.id), clock)


def _apply_decision(
    uow: UnitOfWork,
    actor: Actor,
    escalation: Escalation,
    outcome: DecisionOutcome,
    now: datetime,
    clock: Clock,
    council: CouncilDetails | None = None,
) -> None:
    """Moves the escalation to its outcome and puts an approved warning or restriction in force (s11, s12, s13),
    with a draft letter to the customer (s11.3, s11.4, s12.4)."""
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
            )
        )
        uow.reviews.schedule(measure.id, measure.review_due_at)
        letters.produce_draft(uow, actor, measure, LetterKind(measure_kind.value), council or CouncilDetails(), clock)
    decided = AuditAction.ESCALATION_APPROVED if outcome is DecisionOutcome.APPROVE else AuditAction.ESCALATION_DECLINED
    record_audit(uow, actor, decided, escalation.id, clock)


def claim_due_reminders(
    uow: UnitOfWork, clock: Clock, lead: timedelta, claimant: str, claim_for: timedelta, limit: int = 100
) -> Sequence[DueReview]:
    """Claims the review reminders now due (s13.1); a claim expires so a crashed sweep's work is picked up again."""
    now = clock()
    with uow:
        claimed = uow.reviews.claim_reminders(now + lead, now, now + claim_for, claimant, limit)
        uow.commit()
    return claimed


def confirm_reminder_sent(uow: UnitOfWork, review: DueReview, claimant: str, clock: Clock) -> bool:
    with uow:
        marked = uow.reviews.mark_reminded(review.review_id, claimant, clock())
        if marked:
            record_audit(
                uow,
                Actor("system", "Reminder sweep"),
                AuditAction.REVIEW_REMINDER_SENT,
                str(review.review_id),
                clock,
                recipient=review.case_owner_id,
            )
        uow.commit()
    return marked


def release_reminder(uow: UnitOfWork, review: DueReview, claimant: str, reason: str, clock: Clock) -> None:
    """Gives a reminder that could not be delivered back to the next sweep, and says why in the audit trail."""
    with uow:
        if not uow.reviews.release_claim(review.review_id, claimant):
            return
        record_audit(
            uow,
            Actor("system", "Reminder sweep"),
            AuditAction.REVIEW_REMINDER_FAILED,
            str(review.review_id),
            clock,
            reason=reason[:500],
        )
        uow.commit()


def _parse(enum_type: type[_E], value: str) -> _E | None:
    try:
        return enum_type(value)
    except ValueError:
        return None


def _customer(uow: UnitOfWork, customer_id: int) -> Customer:
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("That customer is no longer on record.")
    return customer


def _status(uow: UnitOfWork, customer: Customer, clock: Clock, viewer: Actor | None = None) -> CustomerStatusView:
    now = clock()
    every_measure = uow.measures.for_customer(customer.id)
    measures = [m for m in every_measure if policy.is_in_force(m, now)]
    return CustomerStatusView(
        customer_id=customer.id,
        name=customer.name,
        standing=policy.standing(measures, now),
        measures=tuple(
            MeasureView(
                title="Restricted" if m.kind is MeasureKind.RESTRICTION else "Formal warning",
                review_due_at=m.review_due_at,
                instructions=tuple(policy.handling_instructions(m)),
                scope=policy.scope_line(m.terms) if m.kind is MeasureKind.RESTRICTION else "",
                applies_to=policy.applies_to_line(m.terms) if m.kind is MeasureKind.RESTRICTION else "",
            )
            for m in measures
        ),
        reasonable_adjustments=customer.reasonable_adjustments,
        communication_needs=customer.communication_needs,
        no_fixed_address=customer.no_fixed_address,
        may_see_history=viewer is not None and _may_see_history(uow, viewer, customer.id, every_measure),
        representatives=tuple(
            f"{r.name} ({r.relationship}; {r.authority})" for r in uow.representatives.for_customer(customer.id)
        ),
    )


def _escalation_view(
    uow: UnitOfWork, escalation: Escalation, clock: Clock | None = None, rules: DecisionRules = DEFAULT_RULES
) -> EscalationView:
    customer = _customer(uow, escalation.customer_id)
    incidents = [i for i in uow.incidents.with_ids(escalation.incident_ids) if i.customer_id == escalation.customer_id]
    decision = uow.escalations.decision_for(escalation.id)
    requester = uow.staff.get(escalation.requested_by)
    decider = uow.staff.get(decision.decided_by) if decision else None
    basis: list[str] = []
    if escalation.investigation_reference:
        basis.append(f"Health and Safety investigation {escalation.investigation_reference}")
    if escalation.serious_threat:
        basis.append(f"Serious-threat exception (s12.3): {escalation.serious_threat.label}")
    if escalation.legal_advice_reference:
        basis.append(f"Legal advice: {escalation.legal_advice_reference}")
    basis.extend(f"Proposed: {r.label}" for r in escalation.restrictions)
    probe = NewMeasure(
        escalation.customer_id,
        MeasureKind.RESTRICTION,
        escalation.id,
        datetime.min,
        datetime.min,
        "",
        escalation.restrictions,
        escalation.terms,
    )
    basis.extend(policy.handling_instructions(probe) if escalation.restrictions else [])
    if escalation.restrictions:
        basis.extend([policy.scope_line(escalation.terms), policy.applies_to_line(escalation.terms)])
    review_due_at = None
    if decision and escalation.state is EscalationState.APPROVED and policy.measure_for(escalation.kind):
        review_due_at = policy.review_due_date(decision.decided_at)
    votes = uow.escalations.votes_for(escalation.id)
    names = {v.member_id: (uow.staff.get(v.member_id) or StaffMember(v.member_id, v.member_id)).name for v in votes}
    confirmed_by = (
        names[votes[1].member_id]
        if escalation.is_immediate and len(votes) > 1 and votes[1].outcome is DecisionOutcome.APPROVE
        else None
    )
    team = [m for m in uow.staff.determination_team() if m.teams_user_id]
    return EscalationView(
        escalation_id=escalation.id,
        customer_name=customer.name,
        kind_label=("Immediate restriction (s12.3)" if escalation.is_immediate else escalation.kind.label),
        reason=escalation.reason,
        requested_by_id=escalation.requested_by,
        requested_by_name=requester.name if requester else escalation.requested_by,
        requested_at=escalation.requested_at,
        state=escalation.state,
        evidence=tuple(
            EvidenceLine(i.reference, i.occurred_at, i.channel.label, tuple(a.label for a in i.actions))
            for i in incidents
        ),
        basis=tuple(basis),
        decided_by_name=(decider.name if decider else decision.decided_by) if decision else None,
        decided_at=decision.decided_at if decision else None,
        decision_notes=decision.notes if decision else "",
        review_due_at=review_due_at,
        card_conversation_id=escalation.card_conversation_id,
        card_activity_id=escalation.card_activity_id,
        approvals_needed=policy.approvals_required(escalation.kind, escalation.is_immediate, rules),
        votes=tuple(VoteLine(names[v.member_id], v.outcome is DecisionOutcome.APPROVE, v.at, v.notes) for v in votes),
        question=escalation.question,
        answer=escalation.answer,
        overdue=escalation.last_chased_at is not None and escalation.state is EscalationState.PENDING,
        immediate=escalation.is_immediate,
        confirmed_by_name=confirmed_by,
        adjustments_on_record=customer.reasonable_adjustments,
        refresh_user_ids=tuple(m.teams_user_id for m in team if m.teams_user_id)[:60],
    )
