"""The read side: the views the use cases return for cards to render (plain values, no behaviour), and the
builders shared by several flows that read them through a unit of work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from casework import policy
from casework.configuration import Clock, DecisionRules
from casework.customer_query import QueryKind, interpret, name_key
from casework.entities import (
    Actor,
    Customer,
    Decision,
    Escalation,
    Incident,
    IncidentAmendment,
    Measure,
    NewMeasure,
    RecentIncident,
    StaffMember,
    Vote,
)
from casework.errors import NotFound
from casework.ports import CustomerStatusFacts, UnitOfWork
from casework.vocabulary import (
    ActingParty,
    ContactChannel,
    CustomerStanding,
    DecisionOutcome,
    DeliveryMethod,
    EscalationKind,
    EscalationState,
    LetterKind,
    ManagerOutcome,
    MeasureKind,
    MessagePurpose,
    ReviewOutcome,
    UnreasonableAction,
)

if TYPE_CHECKING:
    from casework.events import Event


@dataclass(frozen=True)
class MeasureView:
    title: str
    review_due_at: datetime
    instructions: tuple[str, ...]
    scope: str = ""
    applies_to: str = ""
    measure_id: int = 0
    appeal_open: bool = False
    """A complaint or appeal about it waits for the determination team (casework/appeals.py)."""
    confirm_by: datetime | None = None
    """An immediate restriction (s12.3) not yet confirmed by a second member: by when it must be."""
    confirmation_overdue: bool = False


@dataclass(frozen=True)
class SignpostedMatter:
    """A matter on which the customer was signposted to the Ombudsman: contact about it goes through them (s17.2)."""

    matter: str
    signposted_on: date


@dataclass(frozen=True)
class CustomerStatusView:
    """What any member of staff may see before or during contact: handling instructions and dates, not the
    incidents behind them (need to know)."""

    customer_id: int
    name: str
    standing: CustomerStanding
    measures: tuple[MeasureView, ...]
    reasonable_adjustments: str = ""
    communication_needs: str = ""
    no_fixed_address: bool = False
    may_see_history: bool = False
    representatives: tuple[str, ...] = ()
    may_edit_record: bool = False
    """The viewer may change the customer's record (policy.may_edit_customer_record): the card offers it."""
    correspondence_on_file: bool = False
    """A restriction in force places their correspondence on file (s16): the card offers to log an item."""
    ombudsman: tuple[SignpostedMatter, ...] = ()
    may_signpost: bool = False
    """The viewer may record Ombudsman signposting (policy.may_signpost_to_ombudsman): the card offers it."""


@dataclass(frozen=True)
class HistoryLine:
    when: datetime
    what: str
    detail: str


@dataclass(frozen=True)
class CustomerHistoryView:
    """The full record, for the determination team and the case's managers only."""

    customer_id: int
    name: str
    lines: tuple[HistoryLine, ...]
    may_edit_record: bool = False


@dataclass(frozen=True)
class CustomerRecordView:
    """A customer's record as those entitled to change it see it on the edit form (s4.3, s8.3)."""

    customer_id: int
    name: str
    address: str
    postcode: str
    no_fixed_address: bool
    phone: str
    email: str
    other_names: str
    reasonable_adjustments: str
    communication_needs: str


@dataclass(frozen=True)
class AmendmentLine:
    """One correction of an incident, as its cards and the customer's history show it."""

    version: int
    amended_at: datetime
    amended_by_name: str
    reason: str
    changed: tuple[str, ...]
    """The labels of the fields it changed."""


@dataclass(frozen=True)
class CheckResult:
    """One customer found: their status. Several: a pick list (no statuses until one is chosen). None: empty."""

    query: str
    status: CustomerStatusView | None
    options: tuple[CustomerOption, ...] = ()


@dataclass(frozen=True)
class CustomerOption:
    """Enough to tell two customers apart in a pick list."""

    customer_id: int
    name: str
    postcode: str | None
    council_reference: str | None
    exact: bool = False
    born: str = ""
    """Month and year of birth only ('03/1961'): enough to tell two people apart, no more."""
    """The typed name or detail matched this customer exactly, so the form may preselect them."""

    @property
    def label(self) -> str:
        details = [d for d in (self.postcode, self.council_reference, f"born {self.born}" if self.born else "") if d]
        return f"{self.name} ({', '.join(details)})" if details else self.name


@dataclass(frozen=True)
class ReportFormContext:
    customer_options: tuple[CustomerOption, ...]
    line_manager_name: str | None
    line_manager_options: tuple[tuple[str, str], ...]
    """(user id, name) of staff to choose a line manager from; empty once the reporter's is known."""
    representatives: tuple[str, ...] = ()
    """The names of the representatives on record for the one customer the form is about, to pick from (s5.1)."""


@dataclass(frozen=True)
class IncidentSummary:
    """An incident as its reporter's line manager and the determination team see it (they need to know)."""

    incident_id: int
    reference: str
    customer_id: int
    customer_name: str
    reporter_name: str
    occurred_at: datetime
    channel: str
    service_area: str
    actions: tuple[str, ...]
    immediate_steps: tuple[str, ...]
    description: str
    representative_name: str | None
    informal_warning_given: bool
    safeguarding_concern: bool
    support_need: bool
    serious_threats: tuple[str, ...]
    is_urgent: bool
    manager_outcome: str | None
    manager_outcome_by: str | None
    manager_outcome_at: datetime | None
    suggestion: str = ""
    """A prompt to consider escalating, when the customer's incidents cross the policy's thresholds."""
    version: int = 1
    amendments: tuple[AmendmentLine, ...] = ()
    """Its corrections, oldest first: the card shows what it says now and that it was amended, by whom and why."""
    customer_recording: bool = False
    recording_reason: str = ""
    involves_recording: bool = False
    """The customer recorded us or said they were (s7): the staff guidance applies (s7.4)."""
    matter_reference: str = ""


@dataclass(frozen=True)
class IncidentConfirmation:
    reference: str
    customer: CustomerStatusView
    already_recorded: bool
    incident: IncidentSummary
    line_manager_id: str | None
    line_manager_name: str | None
    events: tuple[Event, ...] = ()
    """What others must hear about; empty when nothing was recorded now."""
    case_owner_id: str | None = None
    """Who owns the customer's warning or restriction in force, if any (the newest)."""


@dataclass(frozen=True)
class ManagerOutcomeResult:
    incident: IncidentSummary
    recorded_now: bool
    refusal: str | None = None


@dataclass(frozen=True)
class EvidenceLine:
    reference: str
    occurred_at: datetime
    channel: str
    actions: tuple[str, ...]
    amended: str = ""
    """Set when the incident was amended: when, and for a decided escalation which version the decision relied on
    (the line then shows that version)."""
    by_representative: str = ""
    """The representative's name when they acted, not the customer (s5.4): shown as theirs, not counted against
    the customer."""


@dataclass(frozen=True)
class WarningLine:
    """An informal warning the customer was given (s10): when, and the incident it came with."""

    when: datetime
    what: str


@dataclass(frozen=True)
class EscalationView:
    escalation_id: int
    customer_name: str
    kind_label: str
    reason: str
    requested_by_id: str
    requested_by_name: str
    requested_at: datetime
    state: EscalationState
    evidence: tuple[EvidenceLine, ...]
    basis: tuple[str, ...]
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    decision_notes: str = ""
    review_due_at: datetime | None = None
    card_conversation_id: str | None = None
    card_activity_id: str | None = None
    approvals_needed: int = 1
    votes: tuple[VoteLine, ...] = ()
    question: str = ""
    answer: str = ""
    overdue: bool = False
    immediate: bool = False
    confirmed_by_name: str | None = None
    adjustments_on_record: str = ""
    warnings: tuple[WarningLine, ...] = ()
    """The informal warnings given before the request (s10, s11.1), oldest first."""
    no_warning_reason: str = ""
    """Why the requester asked with no warning on record (s11.1, s12.1); empty when one was."""
    refresh_user_ids: tuple[str, ...] = ()
    """Teams ids of the members whose card refreshes itself with live progress (Teams allows up to 60)."""
    confirm_by: datetime | None = None
    """An immediate restriction (s12.3) in force on one approval: when a second member must confirm it."""

    @property
    def awaiting_confirmation(self) -> bool:
        return self.confirm_by is not None and self.state is EscalationState.APPROVED

    @property
    def approvals(self) -> tuple[str, ...]:
        return tuple(v.member_name for v in self.votes if v.approve)


@dataclass(frozen=True)
class VoteLine:
    member_name: str
    approve: bool
    at: datetime
    notes: str


@dataclass(frozen=True)
class DecisionResult:
    escalation: EscalationView
    recorded_now: bool
    refusal: str | None = None
    events: tuple[Event, ...] = ()
    """What others must hear about; empty when nothing was recorded now."""


@dataclass(frozen=True)
class PastReview:
    due_at: datetime
    outcome: str
    decided_by: str
    reason: str


@dataclass(frozen=True)
class ReviewView:
    review_id: int
    customer_name: str
    title: str
    instructions: tuple[str, ...]
    started_at: datetime
    due_at: datetime
    owner_id: str
    owner_name: str
    history: tuple[PastReview, ...]
    incidents_since: tuple[EvidenceLine, ...]
    proposed: ReviewOutcome
    overdue: bool
    staff_options: tuple[tuple[str, str], ...]
    decided_outcome: ReviewOutcome | None = None
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    customer_advised: bool = False
    not_advised_reason: str = ""
    next_review_at: datetime | None = None
    warnings_since: tuple[WarningLine, ...] = ()
    """Informal warnings given since the last review (s10), with the incidents they came with."""
    extension_waiting: bool = False
    """Its owner asked the determination team to extend it (s13.2), and they have not yet decided."""
    extension_declined: str = ""
    """The team declined the extension last asked for at this review: their reason."""


@dataclass(frozen=True)
class ReviewResult:
    review: ReviewView
    recorded_now: bool
    refusal: str | None = None
    events: tuple[Event, ...] = ()
    """What others must hear about; empty when nothing was recorded now."""


@dataclass(frozen=True)
class LetterView:
    letter_id: int
    measure_id: int | None
    """The measure it is about, or None for a letter about an escalation's decision (s14, s15.4)."""
    kind: LetterKind
    version: int
    customer_name: str
    case_owner_id: str
    reference: str
    created_at: datetime
    missing: tuple[str, ...]
    summary: tuple[str, ...]
    issued_at: datetime | None = None
    delivery_method: DeliveryMethod | None = None
    delivered_on: date | None = None
    collected_on: date | None = None
    label: str = ""
    """What staff call it ("Lifting of formal warning letter")."""
    title: str = ""
    """Its title as the customer reads it."""
    sections: tuple[LetterSection, ...] = ()
    """Its text, for the preview on the card."""
    newest: bool = True
    """No later version of this letter has been made (only the newest may be issued or corrected)."""
    reason: str = ""
    """Why this version was made, when it corrects an earlier one."""
    delivered_to: str | None = None
    collected_by: str | None = None
    address: str = ""
    no_fixed_address: bool = False
    monitoring: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    example_options: tuple[tuple[int, str], ...] = ()
    """The customer's incidents the examples may be chosen from: (incident id, what the letter would say)."""
    chosen_examples: tuple[int, ...] = ()
    says_what_happens_next: bool = False
    """A further-action or service-withdrawal letter: the case owner writes what the council will now do."""
    next_steps: str = ""

    @property
    def may_issue(self) -> bool:
        return self.issued_at is None and self.newest and not self.missing

    @property
    def may_record_delivery(self) -> bool:
        """Issued and not yet recorded as sent: even once corrected, what went out to the customer is recorded."""
        return self.issued_at is not None and self.delivery_method is None


class LetterSection(NamedTuple):
    """A headed part of a letter's body; its lines are bullets or paragraphs."""

    title: str
    lines: tuple[str, ...]
    bulleted: bool = False


@dataclass(frozen=True)
class CustomerLetters:
    """Every letter on record for one customer, newest first, for those who handle the case's letters."""

    customer_id: int
    customer_name: str
    letters: tuple[LetterView, ...]


@dataclass(frozen=True)
class ReceptionLine:
    letter_id: int
    customer_name: str
    kind: LetterKind
    reference: str
    held_since: date


@dataclass(frozen=True)
class UndeliveredNotice:
    """What someone is told when a message about their work could not be delivered."""

    purpose: MessagePurpose
    addressee_name: str
    """Who could not be reached: a person's name, or "the determination team's channel"."""
    reference: str
    """What it was about: an incident reference, or the escalation's kind and customer."""


@dataclass(frozen=True)
class MessageContent:
    """What a message from the outbox shows, read when it is sent (so it is never stale)."""

    incident: IncidentSummary | None = None
    escalation: EscalationView | None = None
    undelivered: UndeliveredNotice | None = None


def require_customer(uow: UnitOfWork, customer_id: int) -> Customer:
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("That customer is no longer on record.")
    return customer


def status_view(
    uow: UnitOfWork,
    customer: Customer,
    clock: Clock,
    viewer: Actor | None = None,
    facts: CustomerStatusFacts | None = None,
) -> CustomerStatusView:
    """The customer's status card; a use case that has read the facts (for `viewer`) passes them in."""
    now = clock()
    facts = facts or uow.reads.customer_status(customer.id, viewer.user_id if viewer else None)
    measures = [m for m in facts.measures if policy.is_in_force(m, now)]
    return CustomerStatusView(
        customer_id=customer.id,
        name=customer.name,
        standing=policy.standing(measures, now),
        measures=tuple(
            MeasureView(
                title=policy.measure_title(m.kind),
                review_due_at=m.review_due_at,
                instructions=tuple(policy.handling_instructions(m)),
                scope=policy.scope_line(m.terms) if m.kind is MeasureKind.RESTRICTION else "",
                applies_to=policy.applies_to_line(m.terms) if m.kind is MeasureKind.RESTRICTION else "",
                measure_id=m.id,
                appeal_open=m.id in facts.appealed_measure_ids,
                confirm_by=m.confirm_by,
                confirmation_overdue=policy.confirmation_overdue(m.confirm_by, now),
            )
            for m in measures
        ),
        reasonable_adjustments=customer.reasonable_adjustments,
        communication_needs=customer.communication_needs,
        no_fixed_address=customer.no_fixed_address,
        may_see_history=viewer is not None and may_see_history(facts, viewer.user_id),
        representatives=tuple(f"{r.name} ({r.relationship}; {r.authority})" for r in facts.representatives),
        may_edit_record=viewer is not None and may_edit_record(facts, viewer.user_id),
        correspondence_on_file=any(policy.places_correspondence_on_file(m, now) for m in measures),
        ombudsman=tuple(SignpostedMatter(matter, on) for matter, on in facts.signposted),
        may_signpost=viewer is not None
        and policy.may_signpost_to_ombudsman(
            viewer.user_id, facts.viewer_is_determination_team, [m.case_owner_id for m in facts.measures]
        ),
    )


def may_see_history(facts: CustomerStatusFacts, viewer_id: str) -> bool:
    managers = [viewer_id] if facts.viewer_manages_case else []
    return policy.may_see_history(facts.viewer_is_determination_team, viewer_id, managers)


def may_edit_record(facts: CustomerStatusFacts, viewer_id: str) -> bool:
    """Whether the viewer may change the customer's record, from the facts their status card was read with."""
    owners = [m.case_owner_id for m in facts.measures]
    # The administrator role is not known from these facts; policy.is_administrator says nobody is one in Teams.
    return policy.may_edit_customer_record(viewer_id, facts.viewer_is_determination_team, False, owners)


AMENDABLE_FIELDS: dict[str, str] = {
    "occurred_at": "When",
    "channel": "How they contacted us",
    "service_area": "Service",
    "actions": "What they did",
    "other_action": "Something else they did",
    "immediate_steps": "Steps taken",
    "description": "What happened",
    "informal_warning_given": "Informal warning",
}
"""The fields of an incident its reporter or line manager may correct, with their labels. Who it was about, the
safeguarding flag and s12.3 threats are not among them: those started urgent work that a correction cannot undo,
so they are raised with the determination team instead."""


def amendable_values(incident: Incident) -> dict[str, str]:
    """The amendable fields as text, as an amendment stores their before and after."""
    return {
        "occurred_at": incident.occurred_at.isoformat(),
        "channel": incident.channel.value,
        "service_area": incident.service_area.value,
        "actions": ",".join(a.value for a in incident.actions),
        "other_action": incident.other_action,
        "immediate_steps": ",".join(s.value for s in incident.immediate_steps),
        "description": incident.description,
        "informal_warning_given": "true" if incident.informal_warning_given else "false",
    }


def values_as_of(incident: Incident, amendments: Sequence[IncidentAmendment], moment: datetime) -> dict[str, str]:
    """The amendable fields as they stood at `moment`: the amendments made after it undone, newest first."""
    values = amendable_values(incident)
    later = [a for a in amendments if a.incident_id == incident.id and a.amended_at > moment]
    for amendment in sorted(later, key=lambda a: a.version, reverse=True):
        values.update(amendment.before)
    return values


def version_as_of(incident: Incident, amendments: Sequence[IncidentAmendment], moment: datetime) -> int:
    return 1 + sum(1 for a in amendments if a.incident_id == incident.id and a.amended_at <= moment)


def amendments_of(uow: UnitOfWork, incidents: Sequence[Incident]) -> list[IncidentAmendment]:
    """The amendments of these incidents; no statement at all when none was ever amended (the usual case)."""
    amended = [i.id for i in incidents if i.version > 1]
    return list(uow.incidents.amendments_for(amended)) if amended else []


def amendment_lines(
    uow: UnitOfWork, amendments: Sequence[IncidentAmendment], people: Mapping[str, StaffMember] | None = None
) -> tuple[AmendmentLine, ...]:
    if not amendments:
        return ()
    people = people if people is not None else uow.staff.many({a.amended_by for a in amendments})
    return tuple(
        AmendmentLine(
            a.version,
            a.amended_at,
            people[a.amended_by].name if a.amended_by in people else a.amended_by,
            a.reason,
            tuple(AMENDABLE_FIELDS.get(name, name) for name in a.after),
        )
        for a in amendments
    )


def local_date(moment: datetime) -> str:
    """A date as staff read it, in London time (DESIGN §5)."""
    return moment.astimezone(policy.LOCAL_TIME).strftime("%d %b %Y")


def recent_incident(incident: Incident) -> RecentIncident:
    return RecentIncident(
        incident.occurred_at,
        incident.service_area,
        incident.matter_reference,
        by_representative=incident.acting_party is ActingParty.REPRESENTATIVE,
    )


def informal_warnings(incidents: Sequence[Incident]) -> tuple[WarningLine, ...]:
    """The informal warnings on these incidents, oldest first: given at the time by the officer (s8.5, s10) or
    noted by the line manager in the s8.6 discussion."""
    lines: list[WarningLine] = []
    for incident in incidents:
        if incident.informal_warning_given:
            lines.append(WarningLine(incident.occurred_at, f"Given at the time, incident {incident.reference} (s10)"))
        if incident.manager_outcome is ManagerOutcome.INFORMAL_WARNING_NOTED and incident.manager_outcome_at:
            lines.append(
                WarningLine(
                    incident.manager_outcome_at,
                    f"Noted by the line manager after incident {incident.reference} (s8.6)",
                )
            )
    return tuple(sorted(lines, key=lambda line: line.when))


def evidence_line(
    incident: Incident, amendments: Sequence[IncidentAmendment], decided_at: datetime | None
) -> EvidenceLine:
    """An incident on a decision card. Once the escalation is decided, the incident as the decision saw it, saying
    so if it was amended since; before, as it is now, saying it was amended."""
    own = [a for a in amendments if a.incident_id == incident.id]
    representative = representative_of(incident)
    if not own:
        return EvidenceLine(
            incident.reference,
            incident.occurred_at,
            incident.channel.label,
            incident.action_labels,
            by_representative=representative,
        )
    last = own[-1]
    if decided_at is not None and last.amended_at > decided_at:
        values = values_as_of(incident, own, decided_at)
        relied_on = version_as_of(incident, own, decided_at)
        note = (
            f"Amended on {local_date(last.amended_at)}, after this decision (now version {incident.version}); "
            f"shown as the decision relied on it, version {relied_on}."
        )
    else:
        values = amendable_values(incident)
        note = f"Amended on {local_date(last.amended_at)} (version {incident.version}): {last.reason}"
    return EvidenceLine(
        incident.reference,
        datetime.fromisoformat(values["occurred_at"]),
        ContactChannel(values["channel"]).label,
        replace(
            incident,
            actions=tuple(UnreasonableAction(a) for a in values["actions"].split(",") if a),
            other_action=values.get("other_action", ""),
        ).action_labels,
        amended=note,
        by_representative=representative,
    )


def representative_of(incident: Incident) -> str:
    """Who acted, when it was the customer's representative (s5): their name, or "" for the customer."""
    if incident.acting_party is not ActingParty.REPRESENTATIVE:
        return ""
    return incident.representative_name or "their representative"


def incident_summary(
    uow: UnitOfWork,
    incident: Incident,
    customer: Customer | None = None,
    reporter: StaffMember | None = None,
    facts: CustomerStatusFacts | None = None,
) -> IncidentSummary:
    """The incident as its line manager sees it. A use case that has the customer, the reporter or the customer's
    status read with the incidents within the suggestion window (policy.SUGGESTION_WINDOW) passes them."""
    if facts is None:
        since = incident.occurred_at - policy.SUGGESTION_WINDOW
        window = uow.incidents.for_customer_since(incident.customer_id, since)
        recent: Sequence[RecentIncident] = [recent_incident(i) for i in window]
        warnings: Sequence[datetime] = [w.when for w in informal_warnings(window)]
        measures: Sequence[Measure] = uow.measures.for_customer(incident.customer_id)
    else:
        recent, warnings, measures = facts.recent_incidents, facts.recent_warnings, facts.measures
    formal_warnings = [
        m.review_due_at
        for m in measures
        if m.kind is MeasureKind.FORMAL_WARNING and policy.is_in_force(m, incident.occurred_at)
    ]
    suggestion = policy.warning_follow_up(
        incident.occurred_at, warnings, max(formal_warnings) if formal_warnings else None
    ) or policy.escalation_suggestion(list(recent), incident.occurred_at, incident.matter_reference)
    customer = customer or require_customer(uow, incident.customer_id)
    reporter = reporter or uow.staff.get(incident.reported_by)
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
        actions=incident.action_labels,
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
        suggestion=suggestion,
        version=incident.version,
        amendments=amendment_lines(uow, amendments_of(uow, [incident])),
        customer_recording=incident.customer_recording,
        recording_reason=incident.recording_reason,
        involves_recording=incident.involves_recording,
        matter_reference=incident.matter_reference,
    )


def customer_option(customer: Customer, exact: bool = True) -> CustomerOption:
    born = f"{customer.date_of_birth:%m/%Y}" if customer.date_of_birth else ""
    return CustomerOption(customer.id, customer.name, customer.postcode, customer.council_reference, exact, born)


def customer_options(uow: UnitOfWork, typed: str) -> tuple[CustomerOption, ...]:
    query = interpret(typed)
    found = uow.customers.search(query, limit=8)
    return tuple(
        customer_option(c, exact=query.kind is not QueryKind.NAME or name_key(c.name) == query.key) for c in found
    )


def escalation_view(
    uow: UnitOfWork,
    escalation: Escalation,
    rules: DecisionRules,
    votes: Sequence[Vote] | None = None,
    people: Mapping[str, StaffMember] | None = None,
    incidents: Sequence[Incident] | None = None,
    decision: Decision | None = None,
) -> EscalationView:
    """The decision card's view. A use case that has already read the votes, the people on the card (see
    people_on_card) or the escalation's incidents, or has just recorded its decision, passes them in rather than
    have them read again."""
    customer = require_customer(uow, escalation.customer_id)
    if incidents is None:
        incidents = uow.incidents.with_ids(escalation.incident_ids)
    incidents = [i for i in incidents if i.customer_id == escalation.customer_id]
    if decision is None:
        # Read whatever the state says: another instance may have recorded its decision a moment ago.
        decision = uow.escalations.decision_for(escalation.id)
    if votes is None:
        votes = uow.escalations.votes_for(escalation.id)
    named = {escalation.requested_by, *(v.member_id for v in votes), *([decision.decided_by] if decision else [])}
    if people is None or not named <= people.keys():
        people = uow.reads.people_on_card(named)

    def name(user_id: str) -> str:
        member = people.get(user_id)
        return member.name if member else user_id

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
    step_kind = policy.measure_for(escalation.kind)
    if escalation.kind in policy.SERIOUS_STEPS and step_kind is not None:
        basis.extend(policy.serious_step_lines(escalation.kind, escalation.particulars))
        step = replace(probe, kind=step_kind, restrictions=(), particulars=escalation.particulars)
        basis.extend(f"Staff would be told: {line}" for line in policy.handling_instructions(step))
    review_due_at = None
    if decision and escalation.state is EscalationState.APPROVED and policy.measure_for(escalation.kind):
        review_due_at = policy.review_due_date(decision.decided_at)
    confirmed_by = (
        name(votes[1].member_id)
        if escalation.is_immediate and len(votes) > 1 and votes[1].outcome is DecisionOutcome.APPROVE
        else None
    )
    team = sorted((m for m in people.values() if m.is_determination_team and m.teams_user_id), key=lambda m: m.name)
    amended = amendments_of(uow, incidents)
    unconfirmed = _unconfirmed_measure(uow, escalation, votes)
    basis.extend(_extension_basis(uow, escalation))
    return EscalationView(
        escalation_id=escalation.id,
        customer_name=customer.name,
        kind_label=("Immediate restriction (s12.3)" if escalation.is_immediate else escalation.kind.label),
        reason=escalation.reason,
        requested_by_id=escalation.requested_by,
        requested_by_name=name(escalation.requested_by),
        requested_at=escalation.requested_at,
        state=escalation.state,
        evidence=tuple(evidence_line(i, amended, decision.decided_at if decision else None) for i in incidents),
        basis=tuple(basis),
        decided_by_name=name(decision.decided_by) if decision else None,
        decided_at=decision.decided_at if decision else None,
        decision_notes=decision.notes if decision else "",
        review_due_at=review_due_at,
        card_conversation_id=escalation.card_conversation_id,
        card_activity_id=escalation.card_activity_id,
        approvals_needed=policy.approvals_required(escalation.kind, escalation.is_immediate, rules),
        votes=tuple(VoteLine(name(v.member_id), v.outcome is DecisionOutcome.APPROVE, v.at, v.notes) for v in votes),
        question=escalation.question,
        answer=escalation.answer,
        overdue=(escalation.last_chased_at is not None and escalation.state is EscalationState.PENDING)
        or (unconfirmed is not None and _confirmation_chased_late(unconfirmed)),
        immediate=escalation.is_immediate,
        confirmed_by_name=confirmed_by,
        adjustments_on_record=customer.reasonable_adjustments,
        warnings=informal_warnings(incidents),
        no_warning_reason=escalation.no_warning_reason,
        refresh_user_ids=tuple(m.teams_user_id for m in team if m.teams_user_id)[:60],
        confirm_by=unconfirmed.confirm_by if unconfirmed is not None else None,
    )


def _unconfirmed_measure(uow: UnitOfWork, escalation: Escalation, votes: Sequence[Vote]) -> Measure | None:
    """The immediate restriction this escalation put in force, while it waits for a second member (s12.3)."""
    if not (escalation.is_immediate and escalation.state is EscalationState.APPROVED and len(votes) < 2):
        return None
    for measure in uow.measures.for_customer(escalation.customer_id):
        if measure.escalation_id == escalation.id and measure.confirm_by is not None and measure.ended_at is None:
            return measure
    return None


def _confirmation_chased_late(measure: Measure) -> bool:
    """The sweep has chased it since its window ended: shown OVERDUE, as a pending escalation once chased."""
    chased = measure.confirmation_chased_at
    return measure.confirm_by is not None and chased is not None and chased >= measure.confirm_by


def _extension_basis(uow: UnitOfWork, escalation: Escalation) -> list[str]:
    """What an extension (s13.2) would extend, from the review it was asked for at."""
    if escalation.kind is not EscalationKind.EXTENSION or escalation.review_id is None:
        return []
    review = uow.reviews.get(escalation.review_id)
    measure = uow.measures.get(review.measure_id) if review is not None else None
    if review is None or measure is None:
        return []
    what = "restriction" if measure.kind is MeasureKind.RESTRICTION else "formal warning"
    return [
        f"Extends the {what} in force since {local_date(measure.starts_at)}, reviewed {local_date(review.due_at)}, "
        f"by {policy.REVIEW_PERIOD_MONTHS} months: next review {local_date(policy.next_review_after_extension(review.due_at))} "
        "(s13.2)",
        *policy.handling_instructions(measure),
    ]


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting for someone in "my work": whose case, what it is, and the record its button opens again."""

    record_id: int
    """The incident, review, letter or escalation the item's card is built from."""
    customer_name: str
    what: str
    when: datetime
    """When the incident happened, the review falls due, the letter was produced or the escalation was asked for."""
    overdue: bool = False
    note: str = ""
    """What someone typed that the item is about (the team's question), or what it is waiting for."""


@dataclass(frozen=True)
class UndeliveredMessage:
    """A message the outbox could not deliver to this person (Teams refused it, or they had not used the bot)."""

    message_id: int
    what: str
    failed_at: datetime


@dataclass(frozen=True)
class MyWorkView:
    """Everything waiting for one member of staff (`work`), each kind oldest or soonest due first."""

    discussions: tuple[WorkItem, ...]
    """s8.6 discussions not yet recorded, for the reporter's line manager."""
    reviews: tuple[WorkItem, ...]
    """Reviews due (within the lead time) and overdue that they own (s13)."""
    letters: tuple[WorkItem, ...]
    """Draft letters to check and issue, for the case owner."""
    questions: tuple[WorkItem, ...]
    """The determination team's questions waiting for their answer, as the escalation's requester."""
    decisions: tuple[WorkItem, ...]
    """For a member of the determination team: escalations waiting for a decision."""
    undelivered: tuple[UndeliveredMessage, ...]
    """Messages that could not be delivered to them (filled by the outbox; empty for now)."""
    correspondence: tuple[WorkItem, ...] = ()
    """Correspondence on file waiting for their review (s16.1); for a member of the determination team, also
    everyone's not reviewed in time."""
    appeals: tuple[WorkItem, ...] = ()
    """Open complaints and appeals they may decide (an uninvolved member of the team) or whose case they own."""

    @property
    def is_empty(self) -> bool:
        return not (
            self.discussions
            or self.reviews
            or self.letters
            or self.questions
            or self.decisions
            or self.undelivered
            or self.correspondence
            or self.appeals
        )
