"""What the use cases need from storage. storage/ implements these; tests/ has in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from casework.customer_query import CustomerQuery
from casework.types import (
    AuditEvent,
    Customer,
    Decision,
    DueReview,
    Escalation,
    Incident,
    ManagerOutcome,
    Measure,
    Representative,
    StaffMember,
    Vote,
)


class CustomerRepository(Protocol):
    def add(self, customer: Customer) -> Customer: ...
    def update(self, customer: Customer) -> None: ...
    def get(self, customer_id: int) -> Customer | None: ...
    def remove(self, customer_id: int) -> None: ...

    def reassign(self, from_customer_id: int, to_customer_id: int) -> None:
        """Moves every incident, escalation, measure and representative of one customer to another."""
        ...

    def search(self, query: CustomerQuery, limit: int = 10) -> Sequence[Customer]:
        """Customers matching a name (forgivingly), council reference, postcode, phone or email, best first."""
        ...


class RepresentativeRepository(Protocol):
    def add(self, representative: Representative) -> Representative: ...
    def for_customer(self, customer_id: int) -> Sequence[Representative]: ...


class IncidentRepository(Protocol):
    def add(self, incident: Incident) -> Incident:
        """Stores the incident, giving it an id; raises AlreadyRecorded for a repeated submission key."""
        ...

    def assign_reference(self, incident_id: int, reference: str) -> None: ...
    def get(self, incident_id: int) -> Incident | None: ...

    def record_manager_outcome(self, incident_id: int, outcome: ManagerOutcome, by: str, at: datetime) -> bool:
        """Records the line manager's s8.6 outcome unless one is already recorded; True if this one was."""
        ...

    def by_submission_key(self, submission_key: str) -> Incident | None: ...
    def for_customer(self, customer_id: int) -> Sequence[Incident]: ...


class EscalationRepository(Protocol):
    def add(self, escalation: Escalation) -> Escalation: ...

    def get_for_update(self, escalation_id: int) -> Escalation | None:
        """Loads and locks the escalation until the unit of work ends, so decisions on it queue."""
        ...

    def save_state(self, escalation: Escalation) -> None: ...
    def record_card(self, escalation_id: int, conversation_id: str, activity_id: str) -> None: ...
    def add_decision(self, decision: Decision) -> None:
        """Raises AlreadyRecorded if this escalation already has a decision."""
        ...

    def decision_for(self, escalation_id: int) -> Decision | None: ...

    def add_vote(self, vote: Vote) -> None:
        """Raises AlreadyRecorded if this member has already voted on this escalation."""
        ...

    def votes_for(self, escalation_id: int) -> Sequence[Vote]: ...

    def waiting(self) -> Sequence[Escalation]:
        """Escalations pending a decision or awaiting more information, oldest first."""
        ...

    def claim_chase(self, escalation_id: int, now: datetime, not_since: datetime) -> bool:
        """Marks a pending escalation chased now unless it was chased after `not_since`; True if this call did."""
        ...

    def for_customer(self, customer_id: int) -> Sequence[Escalation]: ...


class MeasureRepository(Protocol):
    def add(self, measure: Measure) -> Measure: ...
    def end(self, measure_id: int, at: datetime) -> None: ...
    def for_customer(self, customer_id: int) -> Sequence[Measure]: ...


class ReviewRepository(Protocol):
    def schedule(self, measure_id: int, due_at: datetime) -> None: ...

    def claim_reminders(
        self, remind_from: datetime, now: datetime, claim_until: datetime, claimant: str, limit: int
    ) -> Sequence[DueReview]:
        """Claims unsent reminders for reviews due on or before `remind_from` that nobody holds a live claim on."""
        ...

    def mark_reminded(self, review_id: int, claimant: str, at: datetime) -> bool:
        """Records the reminder as sent; False if the claim was lost to another sweep."""
        ...

    def release_claim(self, review_id: int, claimant: str) -> bool:
        """Gives an unsent reminder back; False if this claimant no longer held it."""
        ...


class StaffRepository(Protocol):
    def get(self, user_id: str) -> StaffMember | None: ...
    def save(self, member: StaffMember) -> None: ...
    def all(self) -> Sequence[StaffMember]: ...


class AuditLog(Protocol):
    def record(self, event: AuditEvent) -> None: ...
    def events(self, record_type: str | None = None, record_id: str | None = None) -> Sequence[AuditEvent]: ...


class UnitOfWork(Protocol):
    """One transaction: everything a use case changes, with its audit events, is committed together or not at all."""

    customers: CustomerRepository
    representatives: RepresentativeRepository
    incidents: IncidentRepository
    escalations: EscalationRepository
    measures: MeasureRepository
    reviews: ReviewRepository
    staff: StaffRepository
    audit: AuditLog

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
