"""Checking a customer before or during contact (s15, s16), and their history for those who need to know."""

from __future__ import annotations

import enum
from typing import TypeVar

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.customer_query import interpret
from casework.entities import (
    Actor,
)
from casework.errors import AccessRefused, InvalidSubmission
from casework.ports import UnitOfWork
from casework.views import (
    CheckResult,
    CustomerHistoryView,
    CustomerStatusView,
    HistoryLine,
    amendment_lines,
    amendments_of,
    customer_option,
    informal_warnings,
    local_date,
    may_edit_record,
    may_see_history,
    require_customer,
    status_view,
)

_E = TypeVar("_E", bound=enum.Enum)


def check_customer(uow: UnitOfWork, actor: Actor, query: str, clock: Clock) -> CheckResult:
    """Answers "is this customer restricted, and what may I do?" (s15, s16). Every lookup is audited."""
    query = " ".join(query.split())
    if not query:
        raise InvalidSubmission({"query": "Say who to check, for example: check Jane Smith"})
    with uow:
        found = uow.customers.search(interpret(query), limit=8)
        if len(found) == 1:
            status = status_view(uow, found[0], clock, viewer=actor)
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
            result = CheckResult(query, None, tuple(customer_option(c) for c in found))
        uow.commit()
    return result


def show_customer(uow: UnitOfWork, actor: Actor, customer_id: int, query: str, clock: Clock) -> CustomerStatusView:
    """The status of one customer chosen from the pick list of a search (audited like any check). Only a customer
    that search finds: ids are sequential, so a forged button must not step through every customer on record."""
    query = " ".join(query.split())
    with uow:
        found = uow.customers.search(interpret(query), limit=8) if query else []
        if customer_id not in {c.id for c in found}:
            record_audit(uow, actor, AuditAction.CUSTOMER_SHOW_REFUSED, str(customer_id), clock, query=query[:200])
            uow.commit()
            raise AccessRefused("Check the customer again: that choice is not from your search.")
        status = status_view(uow, require_customer(uow, customer_id), clock, viewer=actor)
        record_audit(uow, actor, AuditAction.CUSTOMER_CHECKED, str(customer_id), clock)
        uow.commit()
    return status


def customer_history(uow: UnitOfWork, actor: Actor, customer_id: int, clock: Clock) -> CustomerHistoryView:
    """The full record behind a status, for those who need to know; a refused look is audited too."""
    with uow:
        customer = require_customer(uow, customer_id)
        facts = uow.reads.customer_status(customer_id, actor.user_id)
        if not may_see_history(facts, actor.user_id):
            record_audit(uow, actor, AuditAction.CUSTOMER_HISTORY_REFUSED, str(customer_id), clock)
            uow.commit()
            raise AccessRefused("Only the determination team and the managers on this case can see its history.")
        lines: list[HistoryLine] = []
        incidents = uow.incidents.for_customer(customer_id)
        amendments = amendments_of(uow, incidents)
        for incident in incidents:
            reporter = uow.staff.get(incident.reported_by)
            actions = "; ".join(incident.action_labels)
            outcome = f" Outcome: {incident.manager_outcome.label}." if incident.manager_outcome else ""
            amended = f" Amended: version {incident.version}." if incident.version > 1 else ""
            lines.append(
                HistoryLine(
                    incident.occurred_at,
                    f"Incident {incident.reference} ({incident.channel.label})",
                    f"{actions}. {incident.description} Reported by "
                    f"{reporter.name if reporter else incident.reported_by}.{outcome}{amended}",
                )
            )
            own = [a for a in amendments if a.incident_id == incident.id]
            for amendment in amendment_lines(uow, own):
                lines.append(
                    HistoryLine(
                        amendment.amended_at,
                        f"Incident {incident.reference} amended (version {amendment.version})",
                        f"Amended on {local_date(amendment.amended_at)} by {amendment.amended_by_name}: "
                        f"{amendment.reason} Changed: {', '.join(amendment.changed)}.",
                    )
                )
        lines.extend(HistoryLine(w.when, "Informal warning", w.what) for w in informal_warnings(incidents))
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
                    policy.measure_name(measure.kind),
                    f"Review due {measure.review_due_at:%d %b %Y}{ended}.",
                )
            )
        for filed in uow.correspondence.for_customer(customer_id):
            # s16: what was received, and that it was read (the Ombudsman may ask).
            reviewed = f" Reviewed: {filed.outcome.label}." if filed.outcome else " Not yet reviewed."
            lines.append(
                HistoryLine(
                    filed.logged_at,
                    f"Correspondence on file ({filed.channel.label})",
                    f"Received {filed.received_on:%d %b %Y}. {filed.summary}{reviewed}",
                )
            )
        record_audit(uow, actor, AuditAction.CUSTOMER_HISTORY_VIEWED, str(customer_id), clock)
        uow.commit()
    return CustomerHistoryView(
        customer_id,
        customer.name,
        tuple(sorted(lines, key=lambda line: line.when)),
        may_edit_record=may_edit_record(facts, actor.user_id),
    )
