"""Immediate restrictions waiting for a second member's confirmation (s12.3): in force on one approval, confirmed
within the configured window (DecisionRules.confirm_within_hours). The sweep chases the team as the window nears
its end; once it has passed, the council chooses (IMMEDIATE_UNCONFIRMED): chase again every interval, the cards
showing it OVERDUE, or let it lapse, ending the restriction with a withdrawal letter to the customer."""

from __future__ import annotations

from datetime import timedelta

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock, DecisionRules
from casework.entities import Actor, Measure
from casework.events import ConfirmationChased, EscalationDecided, Event, LettersDrafted
from casework.outbox import publish
from casework.ports import UnitOfWork
from casework.views import escalation_view
from casework.vocabulary import EscalationState

CONFIRMATION_SWEEP = Actor("system", "Confirmation sweep")


def chase_unconfirmed_restrictions(
    uow: UnitOfWork,
    clock: Clock,
    rules: DecisionRules,
    remind_before: timedelta,
    repeat_every: timedelta,
    lapse: bool,
) -> tuple[int, ...]:
    """Chases (or, past the window with `lapse`, lapses) each immediate restriction still unconfirmed, each claimed
    on its measure's row so that whichever instances sweep, the team hears of it once per chase. Returns the
    escalations chased or lapsed."""
    now = clock()
    events: list[Event] = []
    acted: list[int] = []
    with uow:
        for measure in uow.measures.awaiting_confirmation(now + remind_before):
            assert measure.confirm_by is not None
            if lapse and now >= measure.confirm_by:
                lapsed = _lapse(uow, measure, clock, rules)
                if lapsed:
                    events.extend(lapsed)
                    acted.append(measure.escalation_id)
                continue
            not_since = policy.confirmation_chase_not_since(measure.confirm_by, now, remind_before, repeat_every)
            if not_since is None or not uow.measures.claim_confirmation_chase(measure.id, now, not_since):
                continue
            record_audit(
                uow,
                CONFIRMATION_SWEEP,
                AuditAction.ESCALATION_CONFIRMATION_CHASED,
                measure.escalation_id,
                clock,
                overdue=str(now >= measure.confirm_by),
            )
            events.append(ConfirmationChased(measure.escalation_id))
            acted.append(measure.escalation_id)
        publish(uow, events, clock)
        uow.commit()
    return tuple(acted)


def _lapse(uow: UnitOfWork, measure: Measure, clock: Clock, rules: DecisionRules) -> tuple[Event, ...]:
    """Ends an immediate restriction nobody confirmed in time, under its escalation's row lock (so a confirmation
    clicked at the same moment, or another instance's sweep, sees one outcome); nothing if it was decided since."""
    escalation = uow.escalations.get_for_update(measure.escalation_id)
    if escalation is None or escalation.state is not EscalationState.APPROVED:
        return ()
    if len(uow.escalations.votes_for(escalation.id)) >= 2:
        return ()
    uow.measures.end(measure.id, clock())
    escalation.state = EscalationState.LAPSED
    uow.escalations.save_state(escalation)
    record_audit(uow, CONFIRMATION_SWEEP, AuditAction.ESCALATION_LAPSED, escalation.id, clock)
    view = escalation_view(uow, escalation, rules)
    # The requester is told, the card shows it lapsed, and the case owner gets the withdrawal letter to issue.
    return (EscalationDecided(view), LettersDrafted(case_owner_id=measure.case_owner_id, escalation_id=escalation.id))
