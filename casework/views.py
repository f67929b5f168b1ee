"""Small read-only views the use cases return, for cards to render. Plain values, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.vocabulary import CustomerStanding, EscalationState


@dataclass(frozen=True)
class MeasureView:
    title: str
    review_due_at: datetime
    instructions: tuple[str, ...]
    scope: str = ""
    applies_to: str = ""


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


@dataclass(frozen=True)
class IncidentConfirmation:
    reference: str
    customer: CustomerStatusView
    already_recorded: bool
    incident: IncidentSummary
    line_manager_id: str | None
    line_manager_name: str | None


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
    refresh_user_ids: tuple[str, ...] = ()
    """Teams ids of the members whose card refreshes itself with live progress (Teams allows up to 60)."""

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
