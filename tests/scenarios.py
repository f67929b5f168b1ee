"""Scenario builders and the configuration the tests share, so each test states only what it is about.

Over the in-memory unit of work (tests/fakes.py): STAFF, OFFICER, MANAGER, DECIDER and SECOND, the `uow`, `clock` and
`team` fixtures (import them by name into the module that uses them: its `clock` then replaces conftest's), and
builders that report an incident, ask for an escalation and put a measure in force.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casework import customer_checks, escalations, incidents, staff
from casework.commands import EscalationRequest, IncidentSubmission
from casework.configuration import Clock, CouncilDetails, DecisionRules
from casework.dependencies import Dependencies
from casework.entities import Actor, LetterContent, StaffMember
from casework.views import CustomerStatusView
from casework.vocabulary import ContactChannel, ContactRestriction, DecisionOutcome, EscalationKind, UnreasonableAction
from tests.fakes import FakeClock, FakeUnitOfWork

RULES = DecisionRules()
"""The policy's default decision rules (a formal warning needs one approval, a restriction two)."""

COUNCIL = CouncilDetails(
    name="Test District Council",
    address=("Council Offices", "High Street", "Testtown", "TT1 1AA"),
    complaints_url="https://www.example.gov.uk/complaints",
    complaints_process="Write to the Complaints Officer within 28 days.",
    signatory_name="Pat Signer",
    signatory_title="Customer Strategy and Services Lead",
)
"""The council's details for letters, as letters/council.toml gives them in the app."""


def placeholder_docx(content: LetterContent) -> bytes:
    """Stands in for the .docx renderer where a test is not about the letter's file."""
    return f"docx of {content.reference}".encode()


def dependencies(clock: Clock) -> Dependencies:
    """What create_app binds into the use cases, with the tests' clock."""
    return Dependencies(
        clock=clock, rules=RULES, council=COUNCIL, render=placeholder_docx, review_lead=timedelta(days=7)
    )


ADMIN = Actor("admin", "Admin")  # sets staff up
STAFF = Actor("u-staff", "Sam Staff")  # front-line, not on the determination team
OFFICER = Actor("u-officer", "Olu Officer")  # on the team, and reports incidents
MANAGER = Actor("u-manager", "Mia Manager")  # on the team, and asks for escalations
DECIDER = Actor("u-decider", "Dev Decider")  # on the team, uninvolved
SECOND = Actor("u-second", "Sol Second")  # on the team, uninvolved

START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
# Most tests look at one vote deciding; the rules for several votes have tests of their own.
ONE_VOTE: dict[str, Any] = {
    "alternatives_considered": True,
    "rules": DecisionRules(restriction=1, further_action=1, mandatory_service_withdrawal=1),
}


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    # Every reporter here names Mia as their line manager, so she must be known staff (s8.6).
    fake.state.staff[MANAGER.user_id] = StaffMember(MANAGER.user_id, MANAGER.name)
    return fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def team(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    for actor in (OFFICER, MANAGER, DECIDER, SECOND):
        staff.register_staff(uow, ADMIN, StaffMember(actor.user_id, actor.name, is_determination_team=True), clock)
    staff.register_staff(uow, ADMIN, StaffMember(STAFF.user_id, STAFF.name), clock)


def submission(key: str = "submit-1", name: str = "Jane Smith", **changes: object) -> IncidentSubmission:
    made = IncidentSubmission(
        submission_key=key,
        customer_name=name,
        channel=ContactChannel.TELEPHONE.value,
        actions=(UnreasonableAction.ABUSIVE_OR_THREATENING.value, UnreasonableAction.REPEAT_CONTACTS.value),
        description="  Shouted at the officer and rang back six times.  ",
        line_manager_id=MANAGER.user_id,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def restriction_request(name: str = "Jane Smith", **changes: object) -> EscalationRequest:
    made = EscalationRequest(
        customer_name=name,
        kind=EscalationKind.RESTRICTION.value,
        reason="Abuse continued after the formal warning.",
        investigation_reference="HS-2026-014",
        restrictions=(ContactRestriction.WRITTEN_ONLY.value, ContactRestriction.NO_PHYSICAL_ACCESS.value),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def warning_request(name: str = "Jane Smith") -> EscalationRequest:
    return EscalationRequest(name, EscalationKind.FORMAL_WARNING.value, "Three abusive calls in a week.")


def escalate(
    uow: FakeUnitOfWork, clock: FakeClock, request: EscalationRequest | None = None, reporter: Actor = OFFICER
) -> int:
    """Reports an incident for the request's customer and asks for the escalation; returns its id."""
    request = request or restriction_request()
    key = f"escalate-{len(uow.state.incidents) + 1}"
    known = [c.id for c in uow.state.customers.values() if c.name == request.customer_name]
    incidents.report_incident(
        uow, reporter, submission(key, request.customer_name, customer_id=known[0] if known else None), clock
    )
    return escalations.request_escalation(uow, MANAGER, request, clock, rules=RULES).escalation.escalation_id


def approved(uow: FakeUnitOfWork, clock: FakeClock, request: EscalationRequest | None = None) -> int:
    """A measure put in force by an uninvolved member's approval; returns the escalation id."""
    escalation_id = escalate(uow, clock, request)
    result = escalations.decide_escalation(
        uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE, council=COUNCIL
    )
    assert result.recorded_now
    return escalation_id


def status_of(uow: FakeUnitOfWork, clock: FakeClock, name: str = "Jane Smith") -> CustomerStatusView:
    """What front-line staff are shown when they check the customer."""
    status = customer_checks.check_customer(uow, STAFF, name, clock).status
    assert status is not None, f"{name} not found"
    return status
