"""Correcting an incident once reported (issue 16): its reporter within policy.INCIDENT_CORRECTION_WINDOW, or their
line manager at any time, amends when, how, the service, what they did, the steps taken, what happened and the
informal warning, with a reason. The report as made is kept: each amendment is a new version with the changed
fields before and after, audited the same way, and decisions already taken show the version they relied on."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.commands import IncidentAmendmentSubmission, IncidentSubmission
from casework.configuration import Clock
from casework.entities import Actor, Incident, NewIncidentAmendment
from casework.errors import AccessRefused, CorrectionWindowPassed, InvalidSubmission
from casework.ports import UnitOfWork
from casework.views import AMENDABLE_FIELDS, IncidentSummary, amendable_values, incident_summary, require_customer
from casework.vocabulary import ContactChannel, ImmediateStep, ServiceArea, UnreasonableAction

AMENDMENT_NOT_YOURS = "You can't amend this incident."
"""The one refusal for anyone but the reporter and their line manager, whether the incident is on record or not."""
WINDOW_PASSED = (
    f"Reports can be corrected by their reporter for {policy.INCIDENT_CORRECTION_WINDOW.days} days; "
    "ask your line manager to amend this one."
)
"""Told only to the incident's own reporter, who knows it."""
WHOLE_FORM = "form"
"""The errors key for a problem with the whole form (cards.common.FORM_PROBLEM)."""


@dataclass(frozen=True)
class AmendmentForm:
    """The amend form, pre-filled with what the incident says now."""

    incident_id: int
    reference: str
    customer_name: str
    version: int
    values: dict[str, str]
    """By the form's field names: occurred_date and occurred_time (London), channel, service_area, actions and
    immediate_steps (comma-separated), description, informal_warning_given ("true"/"false")."""


@dataclass(frozen=True)
class IncidentAmended:
    incident: IncidentSummary
    changed: tuple[str, ...]
    """The labels of the fields this amendment changed."""


def amendment_form(uow: UnitOfWork, actor: Actor, incident_id: int, clock: Clock) -> AmendmentForm:
    with uow:
        incident = _amendable(uow, actor, incident_id, clock)
        customer = require_customer(uow, incident.customer_id)
    return AmendmentForm(incident.id, incident.reference, customer.name, incident.version, form_values(incident))


def amend_incident(
    uow: UnitOfWork, actor: Actor, incident_id: int, submission: IncidentAmendmentSubmission, clock: Clock
) -> IncidentAmended:
    """Records the corrected incident as its next version, keeping the one before; nothing changes on an error."""
    now = clock()
    with uow:
        # Who may amend is settled first: a stranger's form is refused, not corrected.
        incident = _amendable(uow, actor, incident_id, clock)
        errors = _problems(submission, now)
        if errors:
            raise InvalidSubmission(errors)
        amended = _amended(incident, submission, now)
        before, after = amendable_values(incident), amendable_values(amended)
        changed = [name for name in AMENDABLE_FIELDS if before[name] != after[name]]
        if not changed:
            raise InvalidSubmission({WHOLE_FORM: "Nothing on the form differs from the report: change what was wrong."})
        reason = submission.reason.strip()
        stored = uow.incidents.amend(
            amended,
            NewIncidentAmendment(
                incident_id=incident.id,
                version=incident.version + 1,
                amended_at=now,
                amended_by=actor.user_id,
                reason=reason,
                before={name: before[name] for name in changed},
                after={name: after[name] for name in changed},
            ),
        )
        detail = {f"{name}_before": before[name] for name in changed} | {
            f"{name}_after": after[name] for name in changed
        }
        record_audit(
            uow,
            actor,
            AuditAction.INCIDENT_AMENDED,
            incident.reference,
            clock,
            version=str(stored.version),
            reason=reason,
            **detail,
        )
        summary = incident_summary(uow, replace(amended, version=stored.version))
        uow.commit()
    return IncidentAmended(summary, tuple(AMENDABLE_FIELDS[name] for name in changed))


def form_values(incident: Incident) -> dict[str, str]:
    """The amendable fields as the form shows them: the moment split into the local date and time."""
    local = incident.occurred_at.astimezone(policy.LOCAL_TIME)
    values = amendable_values(incident)
    del values["occurred_at"]
    return {"occurred_date": local.date().isoformat(), "occurred_time": local.strftime("%H:%M"), **values}


def _amendable(uow: UnitOfWork, actor: Actor, incident_id: int, clock: Clock) -> Incident:
    incident = uow.incidents.get(incident_id)
    reporter = uow.staff.get(incident.reported_by) if incident is not None else None
    refusal = (
        policy.AmendmentRefusal.NO_NEED_TO_KNOW
        if incident is None
        else policy.incident_amendment_refusal(
            actor.user_id,
            incident.reported_by,
            reporter.line_manager_id if reporter else None,
            incident.reported_at,
            clock(),
        )
    )
    if incident is None or refusal is not None:
        reason = "not on record" if incident is None else str(refusal)
        record_id = incident.reference if incident is not None else incident_id
        record_audit(uow, actor, AuditAction.INCIDENT_AMENDMENT_REFUSED, record_id, clock, reason=reason)
        uow.commit()
        if refusal is policy.AmendmentRefusal.WINDOW_PASSED:
            raise CorrectionWindowPassed(WINDOW_PASSED)
        raise AccessRefused(AMENDMENT_NOT_YOURS)
    return incident


def _problems(submission: IncidentAmendmentSubmission, now: datetime) -> dict[str, str]:
    # The report form's own rules, so a correction is held to what a report is (customer and line manager aside).
    as_report = IncidentSubmission(
        submission_key="",
        customer_name="",
        channel=submission.channel,
        actions=submission.actions,
        description=submission.description,
        customer_id=0,
        occurred_date=submission.occurred_date,
        occurred_time=submission.occurred_time,
        service_area=submission.service_area,
        immediate_steps=submission.immediate_steps,
        other_action=submission.other_action,
    )
    errors = policy.validate_incident(as_report, now)
    reason = submission.reason.strip()
    if not reason:
        errors["reason"] = "Say why the report is being amended."
    elif len(reason) > policy.REASON_MAX_LENGTH:
        errors["reason"] = f"Keep the reason to {policy.REASON_MAX_LENGTH} characters."
    return errors


def _amended(incident: Incident, submission: IncidentAmendmentSubmission, now: datetime) -> Incident:
    shown = form_values(incident)
    # The form shows the time to the minute: left as shown, the time keeps its seconds.
    same_time = (submission.occurred_date.strip(), submission.occurred_time.strip()) == (
        shown["occurred_date"],
        shown["occurred_time"],
    )
    actions = tuple(UnreasonableAction(a) for a in submission.actions)
    steps = tuple(ImmediateStep(s) for s in submission.immediate_steps)
    return replace(
        incident,
        occurred_at=incident.occurred_at
        if same_time
        else policy.occurred_at(submission.occurred_date, submission.occurred_time, now),
        channel=ContactChannel(submission.channel),
        service_area=ServiceArea(submission.service_area) if submission.service_area else ServiceArea.OTHER,
        # The same choices in another order are no change.
        actions=incident.actions if set(actions) == set(incident.actions) else actions,
        immediate_steps=incident.immediate_steps if set(steps) == set(incident.immediate_steps) else steps,
        description=submission.description.strip(),
        informal_warning_given=submission.informal_warning_given,
        other_action=submission.other_action.strip() if UnreasonableAction.OTHER in actions else "",
    )
