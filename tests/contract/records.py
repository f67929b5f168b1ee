"""New records for the contract tests to store, with plausible defaults; each test says what matters to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from casework.entities import LetterContent, NewCustomer, NewEscalation, NewIncident, NewLetter, NewMeasure
from casework.ports import UnitOfWork
from casework.vocabulary import (
    ContactChannel,
    EscalationKind,
    EscalationState,
    LetterKind,
    MeasureKind,
    UnreasonableAction,
)

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def incident(customer_id: int, key: str, occurred_at: datetime = NOW, **changes: Any) -> NewIncident:
    new = NewIncident(
        customer_id=customer_id,
        reported_by="reporter",
        occurred_at=occurred_at,
        channel=ContactChannel.EMAIL,
        actions=(UnreasonableAction.EXCESSIVE_DEMANDS,),
        description="Forty emails in a day.",
        submission_key=key,
    )
    return replace(new, **changes)


def escalation(customer_id: int, requested_at: datetime = NOW, **changes: Any) -> NewEscalation:
    new = NewEscalation(
        customer_id=customer_id,
        kind=EscalationKind.FORMAL_WARNING,
        reason="Repeated abuse.",
        requested_by="requester",
        requested_at=requested_at,
    )
    return replace(new, **changes)


def measure(customer_id: int, escalation_id: int, **changes: Any) -> NewMeasure:
    new = NewMeasure(
        customer_id=customer_id,
        kind=MeasureKind.FORMAL_WARNING,
        escalation_id=escalation_id,
        starts_at=NOW - timedelta(days=90),
        review_due_at=NOW + timedelta(days=90),
        case_owner_id="owner",
    )
    return replace(new, **changes)


def letter(
    measure_id: int, version: int = 1, kind: LetterKind = LetterKind.FORMAL_WARNING, **changes: Any
) -> NewLetter:
    content = LetterContent(
        kind=kind, reference=f"UCA-{measure_id}", dated="28 November 2026", customer_name="Jane Doe"
    )
    new = NewLetter(
        measure_id=measure_id, kind=kind, version=version, content=content, created_at=NOW, created_by="officer"
    )
    return replace(new, **changes)


def customer_with_measure(uow: UnitOfWork, name: str = "Jane Doe", **measure_changes: Any) -> tuple[int, int]:
    """A customer with an approved escalation and the measure it put in force: (customer id, measure id)."""
    customer_id = uow.customers.add(NewCustomer(name)).id
    escalation_id = uow.escalations.add(escalation(customer_id, state=EscalationState.APPROVED)).id
    return customer_id, uow.measures.add(measure(customer_id, escalation_id, **measure_changes)).id
