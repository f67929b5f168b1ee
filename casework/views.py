"""Small read-only views the use cases return, for cards to render. Plain values, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.types import CustomerStanding, EscalationState


@dataclass(frozen=True)
class MeasureView:
    title: str
    review_due_at: datetime
    instructions: tuple[str, ...]


@dataclass(frozen=True)
class CustomerStatusView:
    customer_id: int
    name: str
    standing: CustomerStanding
    measures: tuple[MeasureView, ...]


@dataclass(frozen=True)
class CheckResult:
    query: str
    matches: tuple[CustomerStatusView, ...]


@dataclass(frozen=True)
class IncidentConfirmation:
    reference: str
    customer: CustomerStatusView
    already_recorded: bool


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


@dataclass(frozen=True)
class DecisionResult:
    escalation: EscalationView
    recorded_now: bool
    refusal: str | None = None
