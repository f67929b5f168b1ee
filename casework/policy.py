"""The policy's rules as pure functions of plain values. Standard library and casework's own types only.

Section numbers (s13.1) refer to the Managing Unacceptable Customer Actions Policy.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from casework.commands import IncidentSubmission
from casework.configuration import DecisionRules, RetentionPeriods
from casework.entities import (
    CustomerFile,
    Measure,
    NewMeasure,
    RecentIncident,
    ReportingPeriod,
    RestrictionTerms,
    RetainedMeasure,
    SeriousStepParticulars,
    StaffMember,
    StaffStanding,
    Vote,
)
from casework.vocabulary import (
    ActingParty,
    AppealKind,
    AppealOutcome,
    Audience,
    ContactChannel,
    ContactRestriction,
    CorrespondenceOutcome,
    CustomerStanding,
    DecisionOutcome,
    EscalationKind,
    EscalationState,
    ImmediateStep,
    MeasureKind,
    PeriodKind,
    RepresentativeOption,
    RetainedKind,
    ReviewOutcome,
    Role,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)

REVIEW_PERIOD_MONTHS = 3
"""Restrictions are reviewed every 3 months (s13.1); warnings are monitored for the same period (s11.4)."""

DESCRIPTION_MAX_LENGTH = 4000
NAME_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000
EMAIL_MAX_LENGTH = 254
"""The longest email address the standards allow (RFC 5321's path limit), and the customer column's width."""
NAME_KEY_MAX_LENGTH = 800
"""The width of a customer's stored name key (its NFKD, case-folded form, which can be longer than the name)."""
INVESTIGATION_REFERENCE_MAX_LENGTH = 100


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


def validate_incident(submission: IncidentSubmission, now: datetime) -> dict[str, str]:
    """Errors by form field; empty when the report may be saved (s8.6: every incident is logged)."""
    errors: dict[str, str] = {}
    name = submission.customer_name.strip()
    if submission.customer_id is None and not name:
        errors["customer_name"] = "Enter the customer's name."
    elif len(name) > NAME_MAX_LENGTH:
        errors["customer_name"] = f"Keep the name to {NAME_MAX_LENGTH} characters or fewer."
    if len(submission.email.strip()) > EMAIL_MAX_LENGTH:
        errors["email"] = f"An email address has at most {EMAIL_MAX_LENGTH} characters."
    if submission.acting_party not in _values(ActingParty):
        errors["acting_party"] = "Say whether it was the customer or their representative."
    elif submission.acting_party == ActingParty.REPRESENTATIVE and not submission.representative_name.strip():
        errors["representative_name"] = "Enter the representative's name (s5)."
    elif len(submission.representative_name.strip()) > NAME_MAX_LENGTH:
        errors["representative_name"] = f"Keep the name to {NAME_MAX_LENGTH} characters or fewer."
    if len(submission.representative_authority.strip()) > REASON_MAX_LENGTH:
        errors["representative_authority"] = f"Keep it under {REASON_MAX_LENGTH} characters."
    if submission.channel not in _values(ContactChannel):
        errors["channel"] = "Choose how they contacted us."
    if submission.service_area and submission.service_area not in _values(ServiceArea):
        errors["service_area"] = "Choose the service from the list."
    if not submission.actions:
        errors["actions"] = "Choose at least one unreasonable action."
    elif not set(submission.actions) <= _values(UnreasonableAction):
        errors["actions"] = "Choose the actions from the list."
    errors.update(other_action_errors(submission.actions, submission.other_action))
    if len(submission.recording_reason.strip()) > REASON_MAX_LENGTH:
        errors["recording_reason"] = f"Keep it under {REASON_MAX_LENGTH} characters."
    if len(submission.matter_reference.strip()) > MATTER_REFERENCE_MAX_LENGTH:
        errors["matter_reference"] = f"Keep the reference to {MATTER_REFERENCE_MAX_LENGTH} characters or fewer."
    if not set(submission.immediate_steps) <= _values(ImmediateStep):
        errors["immediate_steps"] = "Choose the steps from the list."
    if not set(submission.serious_threats) <= _values(SeriousThreat):
        errors["serious_threats"] = "Choose the serious threats from the list."
    description = submission.description.strip()
    if not description:
        errors["description"] = "Say briefly what happened."
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = f"Keep it under {DESCRIPTION_MAX_LENGTH} characters."
    when_error = _occurred_at_error(submission.occurred_date, submission.occurred_time, now)
    if when_error:
        errors["occurred_date"] = when_error
    return errors


OTHER_ACTION_MAX_LENGTH = 300
MATTER_REFERENCE_MAX_LENGTH = 100


def other_action_errors(actions: Iterable[str], other_action: str) -> dict[str, str]:
    """s6.1's list is not exhaustive: "something else" is accepted, described in the reporter's words."""
    described = other_action.strip()
    if UnreasonableAction.OTHER.value in actions and not described:
        return {"other_action": "Describe what they did: you chose something else."}
    if len(described) > OTHER_ACTION_MAX_LENGTH:
        return {"other_action": f"Keep it to {OTHER_ACTION_MAX_LENGTH} characters or fewer."}
    return {}


OLDEST_REPORTABLE = timedelta(days=366)
"""How far back an incident may be dated; older ones go to the determination team by other routes."""

LOCAL_TIME = ZoneInfo("Europe/London")


def occurred_at(occurred_date: str, occurred_time: str, now: datetime) -> datetime:
    """When it happened, from the form's local date and time (both optional: missing means now), in UTC."""
    if not occurred_date.strip() and not occurred_time.strip():
        return now
    local_now = now.astimezone(LOCAL_TIME)
    day = date.fromisoformat(occurred_date.strip()) if occurred_date.strip() else local_now.date()
    clock_time = time.fromisoformat(occurred_time.strip()) if occurred_time.strip() else local_now.time()
    if not occurred_time.strip() and day != local_now.date():
        clock_time = time(12, 0)  # a past day with no time given: midday, clearly approximate
    return datetime.combine(day, clock_time.replace(tzinfo=None), LOCAL_TIME).astimezone(UTC)


def _occurred_at_error(occurred_date: str, occurred_time: str, now: datetime) -> str | None:
    try:
        moment = occurred_at(occurred_date, occurred_time, now)
    except ValueError:
        return "Enter the date as the form shows it, and the time as HH:MM."
    if moment > now + timedelta(minutes=5):
        return "The incident cannot be in the future."
    if moment < now - OLDEST_REPORTABLE:
        return "Incidents more than a year old cannot be reported here; tell your line manager."
    return None


def _values(enum_type: type[enum.StrEnum]) -> set[str]:
    return {member.value for member in enum_type}


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
    if kind is EscalationKind.EXTENSION:
        # s13.2: an extension is asked for at the restriction's review, from its review card.
        errors.append("An extension is asked for from the restriction's review card, when its review falls due.")
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
    if kind is EscalationKind.FURTHER_ACTION:
        return MeasureKind.FURTHER_ACTION
    if kind is EscalationKind.MANDATORY_SERVICE_WITHDRAWAL:
        return MeasureKind.SERVICE_WITHDRAWAL
    return None


SERIOUS_STEPS = (EscalationKind.FURTHER_ACTION, EscalationKind.MANDATORY_SERVICE_WITHDRAWAL)
"""The kinds taken only after legal advice (s14.3, s15.4), with their own particulars on the form."""


def serious_step_errors(kind: EscalationKind, particulars: SeriousStepParticulars, today: date) -> dict[str, str]:
    """Errors by form field for further action or a service withdrawal; empty for other kinds (their particulars
    are not kept). The legal advice is required for both (s14.3); the human-rights and equality consideration, the
    service and the alternative arrangement for a withdrawal (s15.4); the officer staff refer contact to for
    further action (the status card names them). Police involvement is optional."""
    if kind not in SERIOUS_STEPS:
        return {}
    p = particulars
    errors: dict[str, str] = {}
    if not p.legal_advice_by.strip():
        errors["legal_advice_by"] = "Say who gave the legal advice (s14.3)."
    if not p.legal_advice_on.strip():
        errors["legal_advice_on"] = "Give the date of the legal advice (s14.3)."
    else:
        try:
            advised = date.fromisoformat(p.legal_advice_on.strip())
        except ValueError:
            errors["legal_advice_on"] = "Enter the date of the legal advice as the form shows it."
        else:
            if advised > today:
                errors["legal_advice_on"] = "The legal advice cannot be dated in the future: it comes first (s14.3)."
    if not p.legal_advice_summary.strip():
        errors["legal_advice_summary"] = "Summarise the legal advice (s14.3)."
    if kind is EscalationKind.MANDATORY_SERVICE_WITHDRAWAL:
        if not p.rights_consideration.strip():
            errors["rights_consideration"] = (
                "Say how wider human rights and equality duties were considered: withdrawal is a last resort (s15.4)."
            )
        if not p.service_withdrawn.strip():
            errors["service_withdrawn"] = "Name the mandatory service to withdraw (s15.4)."
        if not p.alternative_arrangement.strip():
            errors["alternative_arrangement"] = "Say what the alternative arrangement for the customer is (s15.4)."
    if kind is EscalationKind.FURTHER_ACTION and not p.contact_officer.strip():
        errors["contact_officer"] = "Name the officer staff should refer contact about the matter to."
    limits = {
        "legal_advice_by": NAME_MAX_LENGTH,
        "legal_advice_summary": REASON_MAX_LENGTH,
        "police_reference": INVESTIGATION_REFERENCE_MAX_LENGTH,
        "police_officer": NAME_MAX_LENGTH,
        "police_advice": REASON_MAX_LENGTH,
        "rights_consideration": REASON_MAX_LENGTH,
        "service_withdrawn": SERVICE_WITHDRAWN_MAX_LENGTH,
        "alternative_arrangement": REASON_MAX_LENGTH,
        "contact_officer": NAME_MAX_LENGTH,
    }
    for name, limit in limits.items():
        if name not in errors and len(str(getattr(p, name)).strip()) > limit:
            errors[name] = f"Keep it to {limit} characters or fewer."
    return errors


SERVICE_WITHDRAWN_MAX_LENGTH = 300


def serious_step_lines(kind: EscalationKind, particulars: SeriousStepParticulars) -> list[str]:
    """What the determination team reads on the decision card about further action or a withdrawal: everything
    the requester recorded (the legal advice is for the team, not the status card)."""
    if kind not in SERIOUS_STEPS:
        return []
    p = particulars
    lines: list[str] = []
    if p.legal_advice_by or p.legal_advice_summary:
        when = f" on {_iso_as_local(p.legal_advice_on)}" if p.legal_advice_on else ""
        lines.append(f"Legal advice (s14.3) from {p.legal_advice_by}{when}: {p.legal_advice_summary}")
    police = [
        part
        for part in (
            f"crime reference {p.police_reference}" if p.police_reference else "",
            f"officer {p.police_officer}" if p.police_officer else "",
            f"their advice: {p.police_advice}" if p.police_advice else "",
        )
        if part
    ]
    lines.append(f"Police involved: {'; '.join(police)}" if police else "Police: not involved")
    if p.rights_consideration:
        lines.append(f"Human rights and equality duties considered (s15.4): {p.rights_consideration}")
    if kind is EscalationKind.MANDATORY_SERVICE_WITHDRAWAL:
        lines.append(f"Service to withdraw (s15.4): {p.service_withdrawn}")
        lines.append(f"Alternative arrangement: {p.alternative_arrangement}")
    if p.contact_officer:
        lines.append(f"Contact about the matter to be referred to: {p.contact_officer}")
    return lines


def _iso_as_local(value: str) -> str:
    try:
        return f"{date.fromisoformat(value):%d %b %Y}"
    except ValueError:
        return value


def measure_name(kind: MeasureKind) -> str:
    """What a measure is, in a history line or a review's name ("Further action (s14) review")."""
    return "Restriction" if kind is MeasureKind.RESTRICTION else _MEASURE_TITLES[kind]


def measure_title(kind: MeasureKind) -> str:
    """What a measure is called on the status card and in lists."""
    return _MEASURE_TITLES[kind]


_MEASURE_TITLES = {
    MeasureKind.FORMAL_WARNING: "Formal warning",
    MeasureKind.RESTRICTION: "Restricted",
    MeasureKind.FURTHER_ACTION: "Further action (s14)",
    MeasureKind.SERVICE_WITHDRAWAL: "Mandatory service withdrawn (s15.4)",
}


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


def approvals_required(kind: EscalationKind, immediate: bool, rules: DecisionRules) -> int:
    if immediate:
        return rules.immediate_restriction
    return int(getattr(rules, kind.value))


def vote_problems(outcome: DecisionOutcome, notes: str, alternatives_considered: bool) -> dict[str, str]:
    """A decline says why; an approval confirms adjustments and alternatives were considered first (s11.2)."""
    if len(notes.strip()) > REASON_MAX_LENGTH:
        return {"notes": f"Keep the decision notes to {REASON_MAX_LENGTH} characters or fewer."}
    if outcome is DecisionOutcome.DECLINE and not notes.strip():
        return {"notes": "Say why you are declining: the requester and the record need the reason."}
    if outcome is DecisionOutcome.APPROVE and not alternatives_considered:
        return {
            "alternatives_considered": "Confirm that reasonable adjustments and the alternatives (a meeting, "
            "mediation, another way of contact) were considered first (s11.2)."
        }
    return {}


def outcome_of(votes: Iterable[Vote], required: int) -> DecisionOutcome | None:
    """Any decline declines; enough approvals approve; otherwise the decision is still open."""
    outcomes = [vote.outcome for vote in votes]
    if DecisionOutcome.DECLINE in outcomes:
        return DecisionOutcome.DECLINE
    if outcomes.count(DecisionOutcome.APPROVE) >= required:
        return DecisionOutcome.APPROVE
    return None


def is_overdue(waiting_since: datetime, now: datetime, chase_after: timedelta) -> bool:
    return now - waiting_since >= chase_after


def is_in_force(measure: Measure, now: datetime) -> bool:
    """In force from its start until it is ended; no job has to run for it to stop (DESIGN §2)."""
    return measure.starts_at <= now and (measure.ended_at is None or now < measure.ended_at)


def standing(measures: Iterable[Measure], now: datetime) -> CustomerStanding:
    kinds = {measure.kind for measure in measures if is_in_force(measure, now)}
    # Further action and a withdrawn service restrict what staff may do at least as much as a restriction.
    if kinds & {MeasureKind.RESTRICTION, MeasureKind.FURTHER_ACTION, MeasureKind.SERVICE_WITHDRAWAL}:
        return CustomerStanding.RESTRICTED
    if MeasureKind.FORMAL_WARNING in kinds:
        return CustomerStanding.WARNED
    return CustomerStanding.NO_RESTRICTIONS


def handling_instructions(measure: NewMeasure) -> list[str]:
    """What staff may do now, in plain words (s15.2, s16), with the restriction's own particulars."""
    if measure.kind is MeasureKind.FORMAL_WARNING:
        return [
            "A formal warning is in force: deal with them as usual, and report any further unreasonable "
            "actions with 'report' (s11)."
        ]
    if measure.kind is MeasureKind.FURTHER_ACTION:
        return _further_action_instructions(measure.particulars)
    if measure.kind is MeasureKind.SERVICE_WITHDRAWAL:
        p = measure.particulars
        return [
            f"The {p.service_withdrawn} is withdrawn (s15.4); the alternative arrangement is: {p.alternative_arrangement}"
        ]
    terms = measure.terms
    lines: list[str] = []
    for restriction in measure.restrictions:
        if restriction is ContactRestriction.WRITTEN_ONLY:
            lines.append("Written contact only: do not take calls; you may end a call politely.")
        elif restriction is ContactRestriction.NAMED_CONTACT:
            lines.append(
                f"Contact only through {terms.named_contact or 'the named officer'}: pass them on, "
                "do not deal with it yourself."
            )
        elif restriction is ContactRestriction.LIMITED_CALLS:
            lines.append(_call_limit(terms))
        elif restriction is ContactRestriction.CORRESPONDENCE_ON_FILE:
            lines.append(
                "Correspondence is placed on file: log it and read it for new information or "
                "safeguarding concerns; do not reply (s16)."
            )
        elif restriction is ContactRestriction.NO_PHYSICAL_ACCESS:
            lines.append("Not to enter council offices: you may ask them to leave.")
        elif restriction is ContactRestriction.DISCRETIONARY_SERVICES:
            withdrawn = terms.services_withdrawn or "as listed on the case"
            lines.append(f"Discretionary services withdrawn: {withdrawn}. Mandatory services continue (s3).")
    return lines


def _further_action_instructions(particulars: SeriousStepParticulars) -> list[str]:
    """Further action (s14): staff keep out of the matter and send it to the officer handling it; the legal advice
    itself is not for the status card."""
    officer = particulars.contact_officer or "the case owner"
    lines = [f"Further action is under way (s14): do not discuss the matter; refer contact about it to {officer}."]
    if particulars.police_reference:
        lines.append(
            f"The police are involved (crime reference {particulars.police_reference}): quote it when you report "
            "any further incident."
        )
    return lines


def _call_limit(terms: RestrictionTerms) -> str:
    length = f"{terms.call_minutes} minutes" if terms.call_minutes else "an agreed length"
    if terms.calls_per_week == 1:
        often = "once a week"
    elif terms.calls_per_week:
        often = f"{terms.calls_per_week} times a week"
    else:
        often = "at agreed times"
    return f"Calls limited to {length}, {often}: end a call politely when the limit is reached."


def scope_line(terms: RestrictionTerms) -> str:
    """Whether a restriction covers one service or the whole council (s15.1)."""
    if terms.scope:
        return f"Applies to {ServiceArea(terms.scope).label} only."
    return "Applies to all council services."


def applies_to_line(terms: RestrictionTerms) -> str:
    """Who is restricted: the customer, or only their representative (s5.4: the customer keeps a route in)."""
    if terms.representative_name:
        offered = (
            f" {RepresentativeOption(terms.representative_option).label} (s5.4)."
            if terms.representative_option in _values(RepresentativeOption)
            else ""
        )
        return (
            f"Applies to their representative {terms.representative_name} only: the customer may still "
            f"contact us directly.{offered}"
        )
    return "Applies to the customer."


NO_INCIDENT_ON_RECORD = (
    "No incident is recorded for {name}. A formal warning, a restriction or further action rests on recorded "
    "incidents, which its letter gives as examples (s11.4): report the incident first."
)


def needs_recorded_incident(kind: EscalationKind) -> bool:
    """A formal warning, restriction, further action or a mandatory service's withdrawal must rest on at least one
    recorded incident (s11.1, s11.4, s12.1, s14.2, s15.4): its letter gives them as examples."""
    return kind in (
        EscalationKind.FORMAL_WARNING,
        EscalationKind.RESTRICTION,
        EscalationKind.FURTHER_ACTION,
        EscalationKind.MANDATORY_SERVICE_WITHDRAWAL,
    )


def needs_a_manager(kind: EscalationKind) -> bool:
    """Further action and withdrawing a mandatory service are the most serious steps (s14, s15.4): a manager asks
    for them, not any member of staff."""
    return kind in (EscalationKind.FURTHER_ACTION, EscalationKind.MANDATORY_SERVICE_WITHDRAWAL)


MANAGERS_ONLY = (
    "Only a manager can ask for further action or the withdrawal of a mandatory service (s14, s15.4): ask your line "
    "manager, who will see your incidents and can ask the determination team."
)


def warning_expected_before(
    kind: EscalationKind,
    serious_threat: SeriousThreat | None,
    informal_warning_on_record: bool,
    formal_warning_on_record: bool,
) -> bool:
    """Whether a request lacks the warning the policy expects before it, so the requester must say why (s11.1: a
    formal warning follows informal warnings the customer did not heed; s12.1: a restriction is a last resort once
    warnings are exhausted, though serious cases may go without). A s12.3 serious threat is its own reason."""
    if serious_threat is not None:
        return False
    if kind is EscalationKind.FORMAL_WARNING:
        return not informal_warning_on_record
    if kind is EscalationKind.RESTRICTION:
        return not (informal_warning_on_record or formal_warning_on_record)
    return False


NO_PRIOR_WARNING = (
    "No warning is on record for {name}. A formal warning usually follows informal warnings the customer did not "
    "heed (s11.1), and a restriction follows warnings (s12.1), though serious cases may go without: say below why "
    "this is asked for without one. The determination team will see your answer."
)


def restriction_terms_errors(restrictions: Iterable[ContactRestriction], terms: RestrictionTerms) -> dict[str, str]:
    """The particulars each chosen restriction needs before it can be put to the determination team (s15.3)."""
    chosen = set(restrictions)
    errors: dict[str, str] = {}
    if ContactRestriction.NAMED_CONTACT in chosen and not terms.named_contact.strip():
        errors["named_contact"] = "Name the officer or inbox all contact should go through."
    if ContactRestriction.LIMITED_CALLS in chosen and not (terms.call_minutes and terms.calls_per_week):
        errors["call_limits"] = "Give the call length in minutes and how many calls a week."
    for value, field in ((terms.call_minutes, "call_limits"), (terms.calls_per_week, "call_limits")):
        if value is not None and not 0 < value <= 1000:
            errors[field] = "Call limits must be positive whole numbers."
    if ContactRestriction.DISCRETIONARY_SERVICES in chosen and not terms.services_withdrawn.strip():
        errors["services_withdrawn"] = "List the discretionary services withdrawn."
    if terms.scope and terms.scope not in _values(ServiceArea):
        errors["scope"] = "Choose the service from the list, or leave it empty for all services."
    if terms.representative_name.strip() and terms.representative_option not in _values(RepresentativeOption):
        errors["representative_option"] = (
            "Choose what the customer is offered while their representative is restricted, so they are not "
            "disadvantaged (s5.4)."
        )
    return errors


def manager_outcome_refusal(
    clicker_id: str, reporter_line_manager_id: str | None, clicker_is_determination_team: bool
) -> str | None:
    """Only the reporter's line manager (or the determination team) records the s8.6 discussion outcome."""
    if clicker_id == reporter_line_manager_id or clicker_is_determination_team:
        return None
    return "Only the reporter's line manager can record the outcome of this discussion."


def may_see_escalation(viewer_id: str, viewer_is_determination_team: bool, requested_by: str) -> bool:
    """Need to know for an escalation's decision card (customer, reason, evidence, adjustments): the determination
    team, who decide it (s2.6), and the person who asked for it (s11.2), who answers the team's questions. Members
    barred from voting on it (they asked, or reported one of its incidents) are on the team and may still read it;
    an officer who only reported an incident is not entitled to the case put together from everyone's reports."""
    return viewer_is_determination_team or viewer_id == requested_by


def may_see_incident_discussion(
    viewer_id: str, reporter_line_manager_id: str | None, viewer_is_determination_team: bool
) -> bool:
    """Need to know for the s8.6 discussion card (the incident's narrative): the reporter's line manager, who holds
    the discussion, and the determination team, who may also record its outcome."""
    return viewer_is_determination_team or (
        reporter_line_manager_id is not None and viewer_id == reporter_line_manager_id
    )


def may_see_review(viewer_id: str, owner_id: str, viewer_is_determination_team: bool) -> bool:
    """Need to know for a review card (s13): the review's owner (the case owner unless reassigned) and the
    determination team."""
    return viewer_is_determination_team or viewer_id == owner_id


CORRESPONDENCE_CHANNELS = (
    ContactChannel.LETTER,
    ContactChannel.EMAIL,
    ContactChannel.ONLINE_FORM,
    ContactChannel.SOCIAL_MEDIA,
    ContactChannel.IN_PERSON,
)
"""How correspondence arrives: the written channels, and a letter handed in at reception (in person)."""
CORRESPONDENCE_SUMMARY_MAX_LENGTH = 500
"""A short summary of an item on file: what it is about, enough for the reviewer to find it, not a copy of it."""
ATTACHMENT_REFERENCE_MAX_LENGTH = 200


def places_correspondence_on_file(measure: Measure, now: datetime) -> bool:
    """A restriction in force that places the customer's correspondence on file without reply (s15.2, s16)."""
    return (
        measure.kind is MeasureKind.RESTRICTION
        and ContactRestriction.CORRESPONDENCE_ON_FILE in measure.restrictions
        and is_in_force(measure, now)
    )


def correspondence_problems(
    received_on: str, channel: str, summary: str, attachment_reference: str, now: datetime
) -> dict[str, str]:
    """Errors by field of the log form; empty when the item may be logged."""
    errors: dict[str, str] = {}
    today = now.astimezone(LOCAL_TIME).date()
    try:
        received = date.fromisoformat(received_on.strip())
    except ValueError:
        errors["received_on"] = "Enter the date it was received, as the form shows it."
    else:
        if received > today:
            errors["received_on"] = "The date received cannot be in the future."
        elif received < today - OLDEST_REPORTABLE:
            errors["received_on"] = "Items received more than a year ago cannot be logged here; tell the case owner."
    if channel not in {c.value for c in CORRESPONDENCE_CHANNELS}:
        errors["channel"] = "Choose how it arrived from the list."
    if not summary.strip():
        errors["summary"] = "Say briefly what it is about."
    elif len(summary.strip()) > CORRESPONDENCE_SUMMARY_MAX_LENGTH:
        errors["summary"] = f"Keep the summary to {CORRESPONDENCE_SUMMARY_MAX_LENGTH} characters or fewer."
    if len(attachment_reference.strip()) > ATTACHMENT_REFERENCE_MAX_LENGTH:
        errors["attachment_reference"] = f"Keep the reference to {ATTACHMENT_REFERENCE_MAX_LENGTH} characters or fewer."
    return errors


def correspondence_review_problems(outcome: str, service_area: str, notes: str) -> dict[str, str]:
    """A review says what it found (s16.1); new information names the service that must act on it, and new
    information or a safeguarding concern says what it is, for those it is routed to."""
    errors: dict[str, str] = {}
    if outcome not in _values(CorrespondenceOutcome):
        errors["outcome"] = "Choose what the review found."
        return errors
    found = CorrespondenceOutcome(outcome)
    if found is CorrespondenceOutcome.NEW_INFORMATION and service_area not in _values(ServiceArea):
        errors["service_area"] = "Choose the service that must act on the new information."
    if found is not CorrespondenceOutcome.NO_SIGNIFICANT_NEW_INFORMATION and not notes.strip():
        errors["notes"] = (
            "Say what the new information is."
            if found is CorrespondenceOutcome.NEW_INFORMATION
            else "Say what the safeguarding concern is."
        )
    elif len(notes.strip()) > REASON_MAX_LENGTH:
        errors["notes"] = f"Keep the notes to {REASON_MAX_LENGTH} characters or fewer."
    return errors


def may_review_correspondence(viewer_id: str, reviewer_id: str, viewer_is_determination_team: bool) -> bool:
    """Need to know for an item on file and its review: its reviewer, and the determination team. The reviewer is
    the restriction's case owner when the item is logged: s16.1 asks whether an item holds *significant new*
    information, which only someone who knows what the council already knows can judge, and the case owner holds
    the case (its history, its s13 reviews). The determination team decided the restriction and receives
    safeguarding concerns (s2.6, s8.4), so any member may record a review too, as they take over one overdue."""
    return viewer_is_determination_team or viewer_id == reviewer_id


INCIDENT_CORRECTION_WINDOW = timedelta(days=7)
"""How long after reporting an incident its reporter may correct it themselves. The policy sets no period; a week
keeps a correction close to the event, while memories are fresh, and after it the reporter's line manager, who held
the s8.6 discussion of it, may still correct it at any time."""


class AmendmentRefusal(enum.StrEnum):
    """Why someone may not amend an incident: the reporter past their window may be told so; anyone else is told
    nothing about the incident (a refusal reveals nothing)."""

    WINDOW_PASSED = "correction window passed"
    NO_NEED_TO_KNOW = "no need to know"


def incident_amendment_refusal(
    viewer_id: str,
    reported_by: str,
    reporter_line_manager_id: str | None,
    reported_at: datetime | None,
    now: datetime,
) -> AmendmentRefusal | None:
    """The reporter may correct their own report within INCIDENT_CORRECTION_WINDOW of making it; their line manager
    may at any time (s8.6: they discuss it with them). None when `viewer_id` may amend it."""
    if reporter_line_manager_id is not None and viewer_id == reporter_line_manager_id:
        return None
    if viewer_id != reported_by:
        return AmendmentRefusal.NO_NEED_TO_KNOW
    if reported_at is not None and now - reported_at <= INCIDENT_CORRECTION_WINDOW:
        return None
    return AmendmentRefusal.WINDOW_PASSED


def is_administrator(member: StaffMember | None) -> bool:
    """Administrators change customer records through admin.py (import-customers, merge-customers), not in Teams:
    nobody is an administrator to the bot until staff roles say who is."""
    return False


def may_edit_customer_record(
    viewer_id: str,
    viewer_is_determination_team: bool,
    viewer_is_administrator: bool,
    case_owner_ids: Iterable[str],
) -> bool:
    """Who may change a customer's address, contact details, other names, reasonable adjustments and communication
    needs (s4.3, s8.3): the case owner of any of their warnings or restrictions, the determination team, and an
    administrator. Everyone else may only add an adjustment need the customer mentioned to them (s8.3)."""
    return viewer_is_determination_team or viewer_is_administrator or viewer_id in set(case_owner_ids)


ADDRESS_MAX_LENGTH = 400
OTHER_NAMES_MAX_LENGTH = 400
EMAIL_MAX_LENGTH = 254
"""The widths of the customer columns (storage/tables.py); postcodes and phones are stored normalised."""
POSTCODE_MAX_LENGTH = 10
PHONE_TYPED_MAX_LENGTH = 30
"""As typed, with spaces and brackets: the stored form is E.164 (at most 16 characters)."""
NEEDS_MAX_LENGTH = 4000
"""Reasonable adjustments, and communication needs, each: stored as text, kept readable on a card."""


def may_see_history(viewer_is_determination_team: bool, viewer_id: str, case_manager_ids: Iterable[str]) -> bool:
    """Need to know: incident narratives are for the determination team and the case's managers only."""
    return viewer_is_determination_team or viewer_id in set(case_manager_ids)


def proposed_review_outcome(incidents_since_last_review: int) -> ReviewOutcome:
    """No further unacceptable actions: lift (s13.1); otherwise extend by 3 months (s13.2)."""
    return ReviewOutcome.LIFT if incidents_since_last_review == 0 else ReviewOutcome.EXTEND


def review_decider_refusal(decider_id: str, reporter_ids: Iterable[str]) -> str | None:
    """Whoever decides a review must not have reported the incidents it weighs (s2.6, as for the team's decisions):
    those its restriction rests on and those since. None if this person may decide it."""
    if decider_id in set(reporter_ids):
        return (
            "You reported incidents this review weighs, so someone else must decide it: reassign it to a colleague "
            "or ask the determination team."
        )
    return None


def confirmation_chase_not_since(
    confirm_by: datetime, now: datetime, remind_before: timedelta, repeat_every: timedelta
) -> datetime | None:
    """When the team is chased to confirm an immediate restriction (s12.3): once as its window nears its end
    (`remind_before` the end), and once the window has passed every `repeat_every`. Returns the cut-off for the
    claim (a chase at or before it does not count as this one), or None when no chase is due yet."""
    tick = timedelta(microseconds=1)
    if now < confirm_by - remind_before:
        return None
    if now < confirm_by:
        return confirm_by - remind_before - tick
    # The chase before the end does not count once it has passed: the first overdue chase goes at once.
    return max(now - repeat_every, confirm_by - tick)


def confirmation_overdue(confirm_by: datetime | None, now: datetime) -> bool:
    """An immediate restriction still unconfirmed when its window has ended (s12.3)."""
    return confirm_by is not None and now >= confirm_by


def next_review_after_extension(due_at: datetime) -> datetime:
    """An extension runs 3 months from the review it replaces (s13.2)."""
    return add_months(due_at, REVIEW_PERIOD_MONTHS)


def review_decision_problems(
    outcome: ReviewOutcome,
    reason: str,
    customer_advised: bool,
    not_advised_reason: str,
    incidents_since: int = 0,
) -> dict[str, str]:
    """An extension says why (s13.2), and so does a lifting despite incidents since the last review (s13.1 lifts
    when there have been none); the customer is advised where possible, and if not the record says why."""
    problems: dict[str, str] = {}
    if outcome is ReviewOutcome.EXTEND and not reason.strip():
        problems["reason"] = "Say why the restriction is extended: the ongoing actions or the threat (s13.2)."
    if outcome is ReviewOutcome.LIFT and incidents_since and not reason.strip():
        problems["reason"] = (
            f"{incidents_since} incident{'s' if incidents_since != 1 else ''} since the last review: say why it "
            "is lifted nonetheless (s13.1 lifts when there have been none)."
        )
    if len(reason.strip()) > REASON_MAX_LENGTH:
        problems["reason"] = f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer."
    if not customer_advised and not not_advised_reason.strip():
        problems["not_advised_reason"] = "Tick that the customer was advised, or say why they could not be (s13)."
    if len(not_advised_reason.strip()) > NOT_ADVISED_MAX_LENGTH:
        problems["not_advised_reason"] = f"Keep it to {NOT_ADVISED_MAX_LENGTH} characters or fewer."
    return problems


NOT_ADVISED_MAX_LENGTH = 500
"""Why the customer could not be advised of a review's outcome: the review card's field."""


SUGGESTION_WINDOW = timedelta(days=90)
SUGGESTION_INCIDENTS = 3
SUGGESTION_SERVICES = 2


def escalation_suggestion(
    incidents: Iterable[RecentIncident],
    at: datetime,
    matter: str,
    window: timedelta = SUGGESTION_WINDOW,
    incidents_threshold: int = SUGGESTION_INCIDENTS,
    services_threshold: int = SUGGESTION_SERVICES,
) -> str:
    """A prompt for the line manager when incidents mount up, or when the same matter (`matter`, the reference the
    reporter gave) is pursued with several services at once: the 'scatter gun' of s6.1 is "parallel complaints or
    contact about the same issue", not any contact with two services. A suggestion only: people decide (s10).
    Empty when there is nothing to suggest.

    Only the customer's own actions count: a representative's are theirs (s5.4), and the suggestion says how many
    were left out."""
    in_window = [i for i in incidents if at - window <= i.occurred_at <= at]
    by_representative = sum(1 for i in in_window if i.by_representative)
    recent = [i for i in in_window if not i.by_representative]
    key = matter.strip().casefold()
    same_matter = [i.service_area for i in recent if key and i.matter_reference.strip().casefold() == key]
    left_out = f" ({by_representative} more by their representative, not counted: s5.4)" if by_representative else ""
    services = {area for area in same_matter if area is not ServiceArea.OTHER}
    days = window.days
    if len(services) >= services_threshold:
        return (
            f"Matter {matter.strip()} raised with {len(services)} services in {days} days: possibly a 'scatter gun' "
            f"approach (s6.1){left_out}. Consider asking the determination team."
        )
    if len(recent) >= incidents_threshold:
        return f"{len(recent)} incidents in {days} days{left_out}: consider asking the determination team (s10, s11)."
    return ""


def warning_follow_up(
    at: datetime,
    informal_warnings: Iterable[datetime],
    formal_warning_review_at: datetime | None,
    window: timedelta = SUGGESTION_WINDOW,
) -> str:
    """A prompt to escalate when a customer acts again after being warned: during a formal warning's monitoring
    period (s11.4: it says what happens if they continue), or after an informal warning within the window (s10.1:
    "should customers continue... the matter will be escalated"). A suggestion only: people decide. Empty if none."""
    if formal_warning_review_at is not None:
        return (
            "A new incident during the formal warning's monitoring period (review due "
            f"{formal_warning_review_at.astimezone(LOCAL_TIME):%d %b %Y}): consider asking the determination team "
            "for a restriction (s11.4, s12.1)."
        )
    earlier = [when for when in informal_warnings if at - window <= when < at]
    if earlier:
        return (
            f"A new incident after the informal warning of {max(earlier).astimezone(LOCAL_TIME):%d %b %Y}: "
            "consider asking the determination team for a formal warning (s10.1, s11.1)."
        )
    return ""


def reminder_due(review_due_at: datetime, now: datetime, lead: timedelta) -> bool:
    """A review's reminder goes out `lead` before it falls due (s13)."""
    return review_due_at - lead <= now


NOT_REGISTERED = "You are not registered to use this bot; ask your administrator."
"""The whole answer to anyone who is not staff, whatever they sent: it says nothing about the bot's records."""


def roles_of(standing: StaffStanding, in_staff_roster: bool) -> frozenset[Role]:
    """A person's roles, from configuration only (DESIGN §3): the administrator's list gives staff, determination
    team (s2.6), reception and administrator; a configured Teams roster gives staff. Only staff hold the roles the
    records give: line manager (named as a listed colleague's, s8.6) and case owner (of a measure or review, s13).
    Talking to the bot gives nothing."""
    member = standing.member
    listed = member is not None and (
        member.listed or member.is_determination_team or member.is_reception or member.is_administrator
    )
    if not (listed or in_staff_roster):
        return frozenset()
    roles = {Role.STAFF}
    if member is not None:
        roles |= {
            role
            for role, held in (
                (Role.DETERMINATION_TEAM, member.is_determination_team),
                (Role.RECEPTION, member.is_reception),
                (Role.ADMINISTRATOR, member.is_administrator),
            )
            if held
        }
    if standing.manages_staff:
        roles.add(Role.LINE_MANAGER)
    if standing.owns_cases:
        roles.add(Role.CASE_OWNER)
    return frozenset(roles)


def audience_roles(audience: Audience) -> frozenset[Role]:
    """The roles any one of which admits a person to a command or button for this audience. The use cases still
    decide on the record itself (may_see_escalation and the like): the door only keeps out those who could never
    be entitled."""
    match audience:
        case Audience.STAFF:
            return frozenset({Role.STAFF})
        case Audience.DETERMINATION_TEAM:
            return frozenset({Role.DETERMINATION_TEAM})
        case Audience.NEED_TO_KNOW | Audience.CASE_OWNERS:
            # The case's managers are its owner and the reporters' line managers (may_see_history).
            return frozenset({Role.DETERMINATION_TEAM, Role.CASE_OWNER, Role.LINE_MANAGER})
        case Audience.LINE_MANAGERS:
            return frozenset({Role.LINE_MANAGER, Role.DETERMINATION_TEAM})
        case Audience.RECEPTION:
            return frozenset({Role.RECEPTION})


def door_refusal(audience: Audience, roles: frozenset[Role]) -> str | None:
    """None if someone with these roles may use a command or button for `audience`; otherwise what they are told,
    which names only the audience."""
    if Role.STAFF not in roles:
        return NOT_REGISTERED
    if roles & audience_roles(audience):
        return None
    return _ONLY_FOR[audience]


_ONLY_FOR = {
    Audience.STAFF: "Only registered staff can use this.",
    Audience.DETERMINATION_TEAM: "Only the determination team can use this.",
    Audience.NEED_TO_KNOW: "Only the determination team and the managers on a case can use this.",
    Audience.CASE_OWNERS: "Only case owners, line managers and the determination team can use this.",
    Audience.LINE_MANAGERS: "Only line managers and the determination team can use this.",
    Audience.RECEPTION: "Only reception staff can use this.",
}


APPEAL_INVOLVED = (
    "You took part in the decision under appeal or in its incidents, so another member of the determination team "
    "must decide this appeal (s2.6)."
)
"""The one refusal for an involved member: the same words whether they asked for it, decided it or reported one of
its incidents, so it says nothing about who did what."""
APPEAL_NOT_ON_TEAM = "Only members of the determination team can decide complaints and appeals."
MATTER_MAX_LENGTH = 200
"""The signposting table's matter column."""
OLDEST_APPEAL = timedelta(days=366)
"""How far back a complaint or appeal may be dated when it is recorded (as for incidents)."""


def appeal_decider_refusal(
    decider_id: str, decider_is_determination_team: bool, involved_user_ids: Iterable[str]
) -> str | None:
    """Why this person may not decide a complaint or appeal about a decision, or None if they may: a member of the
    determination team who took no part in the decision (its requester, those who voted or decided it, who
    extended it) or in its incidents (their reporters) (s2.6, s11.4)."""
    if not decider_is_determination_team:
        return APPEAL_NOT_ON_TEAM
    if decider_id in set(involved_user_ids):
        return APPEAL_INVOLVED
    return None


def appeal_record_problems(
    kind: str, received_on: str, channel: str, grounds: str, decision_chosen: bool, today: date
) -> dict[str, str]:
    """What is wrong with a complaint or appeal as typed on its form. Pure."""
    errors: dict[str, str] = {}
    if not decision_chosen:
        errors["decision"] = "Choose the warning, restriction or extension it is about."
    if kind not in _values(AppealKind):
        errors["kind"] = "Choose whether it is a complaint or an appeal."
    received = _date(received_on)
    if received is None:
        errors["received_on"] = "Give the date it was received."
    elif received > today:
        errors["received_on"] = "The date it was received cannot be in the future."
    elif received < today - OLDEST_APPEAL:
        errors["received_on"] = "That date is more than a year ago: check it."
    if channel not in _values(ContactChannel):
        errors["channel"] = "Choose how it reached us."
    if not grounds.strip():
        errors["grounds"] = "Say what the customer's grounds are, in their words where you can."
    elif len(grounds.strip()) > REASON_MAX_LENGTH:
        errors["grounds"] = f"Keep the grounds to {REASON_MAX_LENGTH} characters or fewer."
    return errors


def appeal_outcome_problems(
    outcome: str,
    reasons: str,
    new_review_on: str,
    today: date,
    restricts: bool,
    restrictions: Iterable[ContactRestriction],
    terms: RestrictionTerms,
) -> dict[str, str]:
    """An outcome is one of the three and says why; a variation gives the new review date (after today, within a
    review period) and, for a restriction, the restrictions it keeps with their particulars (s15.3). Pure."""
    errors: dict[str, str] = {}
    if outcome not in _values(AppealOutcome):
        errors["outcome"] = "Choose the outcome: upheld, varied or lifted."
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the outcome: the customer's letter states them."
    elif len(reasons.strip()) > REASON_MAX_LENGTH:
        errors["reasons"] = f"Keep the reasons to {REASON_MAX_LENGTH} characters or fewer."
    if outcome != AppealOutcome.VARIED.value:
        return errors
    review_on = _date(new_review_on)
    if review_on is None:
        errors["new_review_on"] = "Give the new review date."
    elif review_on <= today:
        errors["new_review_on"] = "The new review date must be after today."
    elif review_on > add_months(datetime.combine(today, time()), REVIEW_PERIOD_MONTHS).date():
        errors["new_review_on"] = f"Review it within {REVIEW_PERIOD_MONTHS} months (s13)."
    chosen = tuple(restrictions)
    if restricts:
        if not chosen:
            errors["restrictions"] = "Choose the restrictions that continue, or lift it instead."
        errors.update(restriction_terms_errors(chosen, terms))
    return errors


def may_signpost_to_ombudsman(
    viewer_id: str, viewer_is_determination_team: bool, case_owner_ids: Iterable[str]
) -> bool:
    """Who records that the council's process is exhausted and the customer was signposted (s17.1): the
    determination team and the case owner of any of the customer's warnings or restrictions."""
    return viewer_is_determination_team or viewer_id in set(case_owner_ids)


def matter_problems(matter: str, signposted_on: str, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not matter.strip():
        errors["matter"] = "Say which matter the customer was signposted to the Ombudsman about."
    elif len(matter.strip()) > MATTER_MAX_LENGTH:
        errors["matter"] = f"Keep the matter to {MATTER_MAX_LENGTH} characters or fewer."
    signposted = _date(signposted_on)
    if signposted is None:
        errors["signposted_on"] = "Give the date the customer was signposted."
    elif signposted > today:
        errors["signposted_on"] = "The date cannot be in the future."
    return errors


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


# Retention (issue 19): what has been kept long enough. UK GDPR Art. 5(1)(e) (storage limitation) says personal data
# is kept no longer than the purpose needs; the policy's purposes are the evidence a decision rests on (s11.1, s12.2),
# the reviews (s13), complaints and appeals (s11.4, s17). Periods: casework.configuration.RetentionPeriods.

HOLD_PENDING_ESCALATION = "an escalation awaiting the determination team's decision"
HOLD_MEASURE_IN_FORCE = "a measure in force or not yet started"
HOLD_UNCONFIRMED = "an immediate restriction awaiting confirmation (s12.3)"
HOLD_OPEN_APPEAL = "a complaint or appeal not yet decided (s11.4)"
HOLD_PENDING_REVIEW = "a review not yet decided (s13)"
HOLD_UNREVIEWED_CORRESPONDENCE = "correspondence on file not yet reviewed (s16.1)"


def add_years(moment: datetime, years: int) -> datetime:
    return add_months(moment, 12 * years)


def retention_holds(file: CustomerFile, now: datetime) -> tuple[str, ...]:
    """What is still open about this customer. Any of it keeps everything held about them: the determination team
    weighs the whole history of a customer's actions (s11.2, s12.2), a review looks at what happened since the
    measure (s13.1), and an appeal or the Ombudsman may ask for any of it (s11.4, s17)."""
    holds: list[str] = []
    if any(e.state in (EscalationState.PENDING, EscalationState.MORE_INFORMATION) for e in file.escalations):
        holds.append(HOLD_PENDING_ESCALATION)

    def not_ended(measure: RetainedMeasure) -> bool:
        return measure.ended_at is None or measure.ended_at > now

    if any(not_ended(m) for m in file.measures):
        holds.append(HOLD_MEASURE_IN_FORCE)
    if any(m.confirm_by is not None and not_ended(m) for m in file.measures):
        holds.append(HOLD_UNCONFIRMED)
    if any(a.decided_at is None for a in file.appeals):
        holds.append(HOLD_OPEN_APPEAL)
    # As the reviews list counts them: undecided, of a measure not ended (an ended measure's can no longer be decided).
    if any(r.decided_at is None and not_ended(m) for m in file.measures for r in m.reviews):
        holds.append(HOLD_PENDING_REVIEW)
    if any(c.reviewed_at is None for c in file.correspondence):
        holds.append(HOLD_UNREVIEWED_CORRESPONDENCE)
    return tuple(holds)


@dataclass(frozen=True)
class RetentionDecision:
    """What has expired of one customer's file: ids per kind (none while anything is held), whether the customer
    record itself goes, and the anchor later incident expiries count from."""

    customer_id: int
    holds: tuple[str, ...]
    expired: dict[RetainedKind, tuple[int, ...]]
    remove_customer: bool
    anchor: datetime | None

    @property
    def removes_anything(self) -> bool:
        return self.remove_customer or any(self.expired.values())


def _latest(*moments: datetime | None) -> datetime:
    present = [m for m in moments if m is not None]
    assert present, "at least one moment"
    return max(present)


def expired_records(file: CustomerFile, periods: RetentionPeriods, now: datetime) -> RetentionDecision:
    """What of this customer's file has been kept its full period (RetentionPeriods) and may go now.

    Records go with what they belong to and never outlive it: a measure with its reviews and letters, and only once
    its correspondence and appeals may go too; an escalation with its votes, decision and letters, only once its
    measure has gone and every incident it rests on has expired; an incident with its amendments, only together
    with every escalation resting on it. Incidents count from the end of the customer's last measure (also one
    already removed: `retention_anchor_at`), or from the incident itself if no measure followed it.

    The customer record goes once nothing else is left and it is itself as old as an incident may be kept: deleted,
    not anonymised, with its name tokens and representatives. An anonymised row would still say that someone was
    once on this council's unacceptable actions register, and with nothing left to explain it the council has no
    purpose in keeping even that (Art. 5(1)(e)); the audit keeps only counts and ids of what went."""
    holds = retention_holds(file, now)
    if holds:
        return RetentionDecision(file.customer_id, holds, {}, False, file.retention_anchor_at)
    ended = [m.ended_at for m in file.measures if m.ended_at is not None]
    last_end = max([*ended, *([file.retention_anchor_at] if file.retention_anchor_at else [])], default=None)

    measures_by_id = {m.id: m for m in file.measures}

    def measure_end(measure_id: int) -> datetime | None:
        measure = measures_by_id.get(measure_id)
        return measure.ended_at if measure is not None else None

    correspondence = {
        c.id
        for c in file.correspondence
        if now
        >= add_months(_latest(c.reviewed_at, c.logged_at, measure_end(c.measure_id)), periods.correspondence_months)
    }
    appeals = {
        a.id
        for a in file.appeals
        if now >= add_years(_latest(a.decided_at, a.recorded_at, measure_end(a.measure_id)), periods.appeal_years)
    }
    measures = {
        m.id
        for m in file.measures
        if m.ended_at is not None
        and now >= add_months(m.ended_at, periods.measure_months)
        and all(c.id in correspondence for c in file.correspondence if c.measure_id == m.id)
        and all(a.id in appeals for a in file.appeals if a.measure_id == m.id)
    }
    incident_expired = {
        i.id
        for i in file.incidents
        if now >= add_years(_latest(i.occurred_at, i.recorded_at, last_end), periods.incident_years)
    }
    measure_of = {m.escalation_id: m.id for m in file.measures}
    escalations = {
        e.id
        for e in file.escalations
        if now >= add_years(_latest(e.requested_at, e.decided_at, last_end), periods.incident_years)
        and all(i in incident_expired for i in e.incident_ids)
        and (e.id not in measure_of or measure_of[e.id] in measures)
    }
    incidents = {
        i for i in incident_expired if all(e.id in escalations for e in file.escalations if i in e.incident_ids)
    }
    removed_measures = [m for m in file.measures if m.id in measures]
    removed_escalations = [e for e in file.escalations if e.id in escalations]
    signposting = {
        s.id
        for s in file.signposting
        if now >= add_years(datetime.combine(s.signposted_on, time(), UTC), periods.signposting_years)
    }
    expired: dict[RetainedKind, tuple[int, ...]] = {
        RetainedKind.INCIDENT: tuple(sorted(incidents)),
        RetainedKind.INCIDENT_AMENDMENT: tuple(
            sorted(a for i in file.incidents if i.id in incidents for a in i.amendment_ids)
        ),
        RetainedKind.ESCALATION: tuple(sorted(escalations)),
        RetainedKind.DECISION: tuple(sorted(e.decision_id for e in removed_escalations if e.decision_id is not None)),
        RetainedKind.MEASURE: tuple(sorted(measures)),
        RetainedKind.REVIEW: tuple(sorted(r.id for m in removed_measures for r in m.reviews)),
        RetainedKind.LETTER: tuple(
            sorted(
                [
                    *(x for m in removed_measures for x in m.letter_ids),
                    *(x for e in removed_escalations for x in e.letter_ids),
                ]
            )
        ),
        RetainedKind.CORRESPONDENCE: tuple(sorted(correspondence)),
        RetainedKind.APPEAL: tuple(sorted(appeals)),
        RetainedKind.SIGNPOSTING: tuple(sorted(signposting)),
    }
    everything_goes = (
        len(incidents) == len(file.incidents)
        and len(escalations) == len(file.escalations)
        and len(measures) == len(file.measures)
        and len(correspondence) == len(file.correspondence)
        and len(appeals) == len(file.appeals)
        and len(signposting) == len(file.signposting)
    )
    remove_customer = everything_goes and now >= add_years(file.created_at, periods.incident_years)
    if remove_customer:
        expired[RetainedKind.REPRESENTATIVE] = tuple(sorted(file.representative_ids))
        expired[RetainedKind.CUSTOMER] = (file.customer_id,)
    anchor = max(
        [*(m.ended_at for m in removed_measures if m.ended_at), *([last_end] if last_end else [])], default=None
    )
    return RetentionDecision(file.customer_id, (), {k: v for k, v in expired.items() if v}, remove_customer, anchor)


def lookup_audit_cutoff(periods: RetentionPeriods, now: datetime) -> datetime:
    """Lookups recorded before this are redacted: who looked at whom is kept for RETENTION_LOOKUP_AUDIT_MONTHS, long
    enough to answer a complaint about access or a subject access request (Art. 15) about it."""
    return add_months(now, -periods.lookup_audit_months)


# --- Oversight figures (s3, s4.3; issue 19) -------------------------------------------------------------------------

MINIMUM_GROUP_DEFAULT = 5
"""Equality monitoring is shown in aggregate only: a group smaller than this has no figure (OVERSIGHT_MINIMUM_GROUP),
so nobody can be picked out of it (UK GDPR; the cover report's Equality Impact Assessment)."""

_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}
_QUARTER_MONTHS = ("January to March", "April to June", "July to September", "October to December")

PERIOD_HELP = (
    "Give a month or a quarter: 2026-11, November 2026, 2026Q4, last month, this month, last quarter or "
    "this quarter. With none, the last complete month."
)


class PeriodNotUnderstood(ValueError):
    """The period typed is not one the figures can be given for; the message says what to type."""


def month_period(year: int, month: int) -> ReportingPeriod:
    """A calendar month, from local midnight on the 1st to local midnight on the next month's 1st (UK time)."""
    start = datetime(year, month, 1, tzinfo=LOCAL_TIME)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=LOCAL_TIME)
    return ReportingPeriod(
        PeriodKind.MONTH,
        f"{year:04d}-{month:02d}",
        f"{calendar.month_name[month]} {year}",
        start.astimezone(UTC),
        end.astimezone(UTC),
    )


def quarter_period(year: int, quarter: int) -> ReportingPeriod:
    """A calendar quarter (Q1 is January to March), in UK time."""
    first = month_period(year, 3 * quarter - 2)
    last = month_period(year, 3 * quarter)
    return ReportingPeriod(
        PeriodKind.QUARTER,
        f"{year:04d}Q{quarter}",
        f"Q{quarter} {year} ({_QUARTER_MONTHS[quarter - 1]})",
        first.start,
        last.end,
    )


def period_containing(kind: PeriodKind, moment: datetime) -> ReportingPeriod:
    local = moment.astimezone(LOCAL_TIME)
    if kind is PeriodKind.MONTH:
        return month_period(local.year, local.month)
    return quarter_period(local.year, (local.month - 1) // 3 + 1)


def previous_period(kind: PeriodKind, now: datetime) -> ReportingPeriod:
    """The last complete month or quarter before `now`: the one a digest posted now covers."""
    current = period_containing(kind, now)
    return period_containing(kind, current.start - timedelta(seconds=1))


def reporting_period(text: str, now: datetime) -> ReportingPeriod:
    """The period `stats` was asked for, by what was typed; nothing typed: the last complete month. Raises
    PeriodNotUnderstood, with what to type, for anything else or a period that has not started yet."""
    typed = " ".join(text.lower().replace("-", " - ").replace("/", " - ").split())
    compact = typed.replace(" ", "")
    period = _named_period(compact, now)
    if period is None:
        period = _dated_period(typed, compact)
    if period is None:
        raise PeriodNotUnderstood(f'I can\'t tell which period "{text.strip()}" is. {PERIOD_HELP}')
    if period.start > now:
        raise PeriodNotUnderstood(f"{period.label} has not started yet. {PERIOD_HELP}")
    return period


def _named_period(compact: str, now: datetime) -> ReportingPeriod | None:
    named = {
        "": lambda: previous_period(PeriodKind.MONTH, now),
        "lastmonth": lambda: previous_period(PeriodKind.MONTH, now),
        "month": lambda: previous_period(PeriodKind.MONTH, now),
        "thismonth": lambda: period_containing(PeriodKind.MONTH, now),
        "lastquarter": lambda: previous_period(PeriodKind.QUARTER, now),
        "quarter": lambda: previous_period(PeriodKind.QUARTER, now),
        "thisquarter": lambda: period_containing(PeriodKind.QUARTER, now),
    }
    make = named.get(compact)
    return make() if make else None


def _dated_period(typed: str, compact: str) -> ReportingPeriod | None:
    """2026Q4, Q4 2026, 2026-11, 11-2026, November 2026, nov 2026."""
    quarter = re.fullmatch(r"(\d{4})-?q([1-4])|q([1-4])-?(\d{4})", compact)
    if quarter:
        year = quarter.group(1) or quarter.group(4)
        return _in_range(int(year), lambda y: quarter_period(y, int(quarter.group(2) or quarter.group(3))))
    numeric = re.fullmatch(r"(\d{4})-(\d{1,2})|(\d{1,2})-(\d{4})", compact)
    if numeric:
        year, month = (numeric.group(1), numeric.group(2)) if numeric.group(1) else (numeric.group(4), numeric.group(3))
        if not 1 <= int(month) <= 12:
            return None
        return _in_range(int(year), lambda y: month_period(y, int(month)))
    named = re.fullmatch(r"([a-z]+)\.?\s*(\d{4})", typed.replace(" - ", " "))
    if named and named.group(1) in _MONTH_NAMES:
        return _in_range(int(named.group(2)), lambda y: month_period(y, _MONTH_NAMES[named.group(1)]))
    return None


def _in_range(year: int, make: Callable[[int], ReportingPeriod]) -> ReportingPeriod | None:
    return make(year) if 2000 <= year <= 2999 else None


def digest_periods(now: datetime) -> tuple[ReportingPeriod, ...]:
    """The digests due to the determination team's channel as of `now`: the last complete month's, and the last
    complete quarter's (s3). Each is posted once, whenever the sweep first runs after its period ends."""
    return (previous_period(PeriodKind.MONTH, now), previous_period(PeriodKind.QUARTER, now))


def group_figure(count: int, minimum_group: int) -> int | None:
    """An equality monitoring figure as it may be shown: None (no figure) for a group smaller than
    `minimum_group`, so nobody in it can be identified (s4.3, UK GDPR). Zero is shown: it identifies nobody."""
    return count if count == 0 or count >= minimum_group else None


def group_figure_text(count: int | None, minimum_group: int) -> str:
    return str(count) if count is not None else f"fewer than {minimum_group}"


class ReviewTimeliness(enum.StrEnum):
    """A review due in the period, as of a moment: decided by its due date, overdue (decided after it, or still
    undecided once it passed), or not yet due and undecided (s13.1)."""

    ON_TIME = "on_time"
    OVERDUE = "overdue"
    NOT_YET_DUE = "not_yet_due"


def review_timeliness(due_at: datetime, decided_at: datetime | None, as_of: datetime) -> ReviewTimeliness:
    """storage/oversight_reads.py counts the same in SQL (tests/test_oversight.py checks the two agree)."""
    if decided_at is not None and decided_at <= as_of:
        return ReviewTimeliness.ON_TIME if decided_at <= due_at else ReviewTimeliness.OVERDUE
    return ReviewTimeliness.OVERDUE if due_at < as_of else ReviewTimeliness.NOT_YET_DUE
