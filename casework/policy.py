"""The policy's rules as pure functions of plain values. Standard library and casework's own types only.

Section numbers (s13.1) refer to the Managing Unacceptable Customer Actions Policy.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import datetime, timedelta

from casework.types import (
    ContactChannel,
    ContactRestriction,
    CustomerStanding,
    EscalationKind,
    IncidentSubmission,
    Measure,
    MeasureKind,
    SeriousThreat,
    UnreasonableAction,
)

REVIEW_PERIOD_MONTHS = 3
"""Restrictions are reviewed every 3 months (s13.1); warnings are monitored for the same period (s11.4)."""

DESCRIPTION_MAX_LENGTH = 4000
NAME_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, clamped to the month's last day (30 Nov + 3 months = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def review_due_date(decided_at: datetime) -> datetime:
    """When a measure approved at `decided_at` must be reviewed (s13.1)."""
    return add_months(decided_at, REVIEW_PERIOD_MONTHS)


def incident_reference(occurred_year: int, number: int) -> str:
    """A reference staff can read out on the phone: INC-2026-0001."""
    return f"INC-{occurred_year}-{number:04d}"


def validate_incident(submission: IncidentSubmission) -> dict[str, str]:
    """Errors by form field; empty when the report may be saved (s8.6: every incident is logged)."""
    errors: dict[str, str] = {}
    name = submission.customer_name.strip()
    if not name:
        errors["customer_name"] = "Enter the customer's name."
    elif len(name) > NAME_MAX_LENGTH:
        errors["customer_name"] = f"Keep the name under {NAME_MAX_LENGTH} characters."
    if submission.channel not in ContactChannel.__members__.values():
        errors["channel"] = "Choose how they contacted us."
    if not submission.actions:
        errors["actions"] = "Choose at least one unreasonable action."
    elif any(action not in UnreasonableAction.__members__.values() for action in submission.actions):
        errors["actions"] = "Choose the actions from the list."
    description = submission.description.strip()
    if not description:
        errors["description"] = "Say briefly what happened."
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = f"Keep it under {DESCRIPTION_MAX_LENGTH} characters."
    return errors


def escalation_gate_errors(
    kind: EscalationKind,
    investigation_reference: str | None,
    serious_threat: SeriousThreat | None,
    legal_advice_reference: str | None,
    restrictions: Iterable[ContactRestriction],
) -> list[str]:
    """Why an escalation may not be put to the determination team yet; empty when it may."""
    errors: list[str] = []
    if kind is EscalationKind.RESTRICTION:
        # s12.2: a restriction follows a full Health and Safety investigation, unless s12.3 applies.
        if not investigation_reference and serious_threat is None:
            errors.append(
                "A restriction needs a Health and Safety investigation reference (s12.2) "
                "or a serious-threat exception (s12.3)."
            )
        if not list(restrictions):
            errors.append("Choose at least one restriction on contact (s15.2).")
    if (
        kind in (EscalationKind.FURTHER_ACTION, EscalationKind.MANDATORY_SERVICE_WITHDRAWAL)
        and not legal_advice_reference
    ):
        # s14.3 and s15.4: legal advice is taken before these steps.
        errors.append("Record the legal advice taken before further action or withdrawing a service (s14.3).")
    return errors


def measure_for(kind: EscalationKind) -> MeasureKind | None:
    """What an approval of this kind puts in force; None where it changes an existing measure or nothing."""
    if kind is EscalationKind.FORMAL_WARNING:
        return MeasureKind.FORMAL_WARNING
    if kind is EscalationKind.RESTRICTION:
        return MeasureKind.RESTRICTION
    return None


def decision_refusal(
    decider_id: str,
    decider_is_determination_team: bool,
    requested_by: str,
    involved_user_ids: Iterable[str],
) -> str | None:
    """Why this person may not decide this escalation, or None if they may (s2.6, s11.2)."""
    if not decider_is_determination_team:
        return "Only members of the determination team can decide escalations."
    if decider_id == requested_by:
        return "You asked for this escalation, so another member of the determination team must decide it."
    if decider_id in set(involved_user_ids):
        return "You were involved in the incidents, so another member of the determination team must decide it."
    return None


def is_in_force(measure: Measure, now: datetime) -> bool:
    """In force from its start until it is ended; no job has to run for it to stop (DESIGN §2)."""
    return measure.starts_at <= now and (measure.ended_at is None or now < measure.ended_at)


def standing(measures: Iterable[Measure], now: datetime) -> CustomerStanding:
    kinds = {measure.kind for measure in measures if is_in_force(measure, now)}
    if MeasureKind.RESTRICTION in kinds:
        return CustomerStanding.RESTRICTED
    if MeasureKind.FORMAL_WARNING in kinds:
        return CustomerStanding.WARNED
    return CustomerStanding.NO_RESTRICTIONS


_HANDLING = {
    ContactRestriction.NAMED_CONTACT: "Contact only through the named officer or inbox: pass them on, do not deal with it yourself.",
    ContactRestriction.CORRESPONDENCE_ON_FILE: (
        "Correspondence is placed on file: log it and check it for new information or safeguarding "
        "concerns, do not reply (s16)."
    ),
    ContactRestriction.NO_PHYSICAL_ACCESS: "Not to enter council offices.",
    ContactRestriction.WRITTEN_ONLY: (
        "Written contact only: do not take calls; you may end a call politely. "
        "Agreed reasonable adjustments still apply."
    ),
    ContactRestriction.LIMITED_CALLS: "Calls are limited in length and frequency: keep to the agreed limits.",
    ContactRestriction.DISCRETIONARY_SERVICES: "Discretionary services are withdrawn; mandatory services continue.",
}


def handling_instructions(measure: Measure) -> list[str]:
    """What staff may do now, in plain words (s15.2, s16)."""
    if measure.kind is MeasureKind.FORMAL_WARNING:
        return [
            "A formal warning is in force: treat them with courtesy, and report any further "
            "unreasonable actions with 'report'."
        ]
    return [_HANDLING[restriction] for restriction in measure.restrictions]


def reminder_due(review_due_at: datetime, now: datetime, lead: timedelta) -> bool:
    """A review's reminder goes out `lead` before it falls due (s13)."""
    return review_due_at - lead <= now
