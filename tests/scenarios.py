"""Scenario builders and the configuration the tests share, so each test states only what it is about.

The casework is reached three ways, each with its own cast:

- over the in-memory unit of work (tests/fakes.py): STAFF, OFFICER, MANAGER, DECIDER and SECOND, the `uow`, `clock`
  and `team` fixtures (import them by name into the module that uses them: its `clock` then replaces conftest's),
  and builders that report an incident, ask for an escalation and put a measure in force;
- on a real database, with the Teams users of tests/teams.py as staff: `register_team`, `sam_reports` and
  `morgan_escalates`, and `rows`/`audited` to read back what was stored;
- through the running bot: `say`, `report`, `escalate_restriction` and `escalated_to_team`, as staff would in Teams.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from casework import correspondence, customer_checks, escalations, incidents, letters, staff
from casework.commands import EscalationRequest, IncidentSubmission
from casework.configuration import Clock, CouncilDetails, DecisionRules
from casework.dependencies import Dependencies
from casework.entities import Actor, LetterContent, SeriousStepParticulars, StaffMember
from casework.ports import UnitOfWork
from casework.views import CustomerStatusView, IncidentConfirmation
from casework.vocabulary import ContactChannel, ContactRestriction, DecisionOutcome, EscalationKind, UnreasonableAction
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.tables import AuditEventRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import RunningBot
from tests.fake_connector import FakeConnector
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, User, inputs_of, message, submit

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
        clock=clock,
        rules=RULES,
        council=COUNCIL,
        render=placeholder_docx,
        review_lead=timedelta(days=7),
        correspondence_review_within=timedelta(days=5),
        oversight_minimum_group=5,
    )


ADMIN = Actor("admin", "Admin")  # sets staff up, in every cast

# --- over the in-memory unit of work -------------------------------------------------------------------------------

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
        no_warning_reason=NO_WARNING_REASON,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


NO_WARNING_REASON = "Abuse so severe that an informal warning would not have kept staff safe."
"""The requester's answer when no warning is on record (s11.1, s12.1): the scenarios' incidents carry none."""


LEGAL_ADVICE = SeriousStepParticulars(
    legal_advice_by="Legal Services (R. Khan)",
    legal_advice_on="2026-11-20",
    legal_advice_summary="An injunction is proportionate.",
)
"""Legal advice taken before further action or a withdrawal (s14.3), dated before the scenarios' clock."""


def further_action_request(name: str = "Jane Smith", **particulars: str) -> EscalationRequest:
    """Further action (s14) with the legal advice taken (s14.3) and the officer to refer contact to."""
    return EscalationRequest(
        name,
        EscalationKind.FURTHER_ACTION.value,
        "Threats continued after the restriction.",
        particulars=replace(LEGAL_ADVICE, contact_officer="Priya Patel, Legal Services", **particulars),
    )


def warning_request(name: str = "Jane Smith") -> EscalationRequest:
    return EscalationRequest(
        name, EscalationKind.FORMAL_WARNING.value, "Three abusive calls in a week.", no_warning_reason=NO_WARNING_REASON
    )


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
    result = escalations.decide_escalation(uow, DECIDER, escalation_id, DecisionOutcome.APPROVE, "", clock, **ONE_VOTE)
    assert result.recorded_now
    letters.drafted_letters(uow, escalation_id, None, COUNCIL, clock)  # as the outbox does, sending them
    return escalation_id


def status_of(uow: FakeUnitOfWork, clock: FakeClock, name: str = "Jane Smith") -> CustomerStatusView:
    """What front-line staff are shown when they check the customer."""
    status = customer_checks.check_customer(uow, STAFF, name, clock).status
    assert status is not None, f"{name} not found"
    return status


# --- on a real database, with the Teams users as staff -------------------------------------------------------------


def as_actor(user: User) -> Actor:
    return Actor(user.aad_object_id, user.name)


def register_team(database_url: str, clock: Clock, sam_has_manager: bool = True) -> None:
    """Staff as an administrator sets them up; Morgan is Sam's line manager unless the test asks otherwise."""
    upgrade(database_url)
    engine = create_database_engine(database_url)
    for user, on_team in ((MORGAN, False), (SAM, False), (HARPER, True), (CASEY, True)):
        manager = MORGAN.aad_object_id if user is SAM and sam_has_manager else None
        member = StaffMember(user.aad_object_id, user.name, on_team, line_manager_id=manager)
        staff.register_staff(SqlUnitOfWork(engine), ADMIN, member, clock)
    engine.dispose()


def register(database_url: str, user: User, clock: Clock, **roles: Any) -> None:
    """An administrator lists `user` with these roles (StaffMember's fields: is_reception=True and the like)."""
    engine = create_database_engine(database_url)
    try:
        member = StaffMember(user.aad_object_id, user.name, **roles)
        staff.register_staff(SqlUnitOfWork(engine), ADMIN, member, clock)
    finally:
        engine.dispose()


def sam_reports(
    uow: UnitOfWork, clock: Clock, customer: str, key: str = "k1", description: str = "Shouted."
) -> IncidentConfirmation:
    """Sam reports abuse on the telephone by `customer`, who is added if not yet known."""
    report = IncidentSubmission(key, customer, "telephone", ("abusive",), description, new_customer_confirmed=True)
    return incidents.report_incident(uow, as_actor(SAM), report, clock)


def morgan_escalates(
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    request: EscalationRequest,
    approved_by: Sequence[User] = (),
    council: CouncilDetails = COUNCIL,
) -> int:
    """Morgan asks the team for `request`, then each of `approved_by` approves it; returns the escalation's id."""
    asked = escalations.request_escalation(uow(), as_actor(MORGAN), request, clock, rules=RULES)
    escalation_id = asked.escalation.escalation_id
    for member in approved_by:
        escalations.decide_escalation(
            uow(),
            as_actor(member),
            escalation_id,
            DecisionOutcome.APPROVE,
            "",
            clock,
            alternatives_considered=True,
            rules=RULES,
        )
    if approved_by:
        # As the outbox does when it sends the case owner the approval's letters: the first draft is made then.
        letters.drafted_letters(uow(), escalation_id, None, council, clock)
    return escalation_id


def correspondence_on_file(database_url: str, clock: Clock, customer: str = "Jane Smith") -> int:
    """Sam reports `customer`; Morgan asks for a restriction placing their correspondence on file (s15.2), which
    Harper and Casey approve, so Morgan is its case owner and its items' reviewer. Returns the customer's id."""
    engine = create_database_engine(database_url)
    try:
        confirmation = sam_reports(SqlUnitOfWork(engine), clock, customer, key=f"on-file-{customer}")
        request = restriction_request(
            customer,
            restrictions=(ContactRestriction.WRITTEN_ONLY.value, ContactRestriction.CORRESPONDENCE_ON_FILE.value),
        )
        morgan_escalates(lambda: SqlUnitOfWork(engine), clock, request, approved_by=(HARPER, CASEY))
    finally:
        engine.dispose()
    return confirmation.customer.customer_id


def log_filed_item(
    database_url: str, clock: Clock, customer_id: int, customer: str = "Jane Smith", summary: str = "Asks again."
) -> int:
    """Sam logs a letter from the customer, received today, as `log <name>` would; returns the item's id."""
    engine = create_database_engine(database_url)
    try:
        logged = correspondence.log_correspondence(
            SqlUnitOfWork(engine),
            as_actor(SAM),
            customer_id,
            customer,
            correspondence.LogCorrespondence(f"form-{summary}", clock().date().isoformat(), "letter", summary, ""),
            clock,
            correspondence_review_within=timedelta(days=5),
        )
    finally:
        engine.dispose()
    return logged.item.item_id


def rows(database_url: str, table: Any) -> list[Any]:
    """Every row of the table, in the order written (by primary key): a SELECT without ORDER BY has no order, and
    PostgreSQL's can change once rows have been updated in place."""
    engine = create_database_engine(database_url)
    with Session(engine) as session:
        found = list(session.exec(select(table).order_by(*table.__table__.primary_key.columns)).all())
    engine.dispose()
    return found


def audited(database_url: str, action: str) -> list[AuditEventRecord]:
    return [e for e in rows(database_url, AuditEventRecord) if e.action == action]


# --- through the running bot ---------------------------------------------------------------------------------------


def fill(form: dict[str, Any], **fields: str) -> dict[str, Any]:
    """The form as a person submits it: its current values, with the fields they changed."""
    return {**inputs_of(form), "verb": "incident.submit", "form_id": form_id_of(form), **fields}


def last_card(connector: FakeConnector, conversation: str) -> dict[str, Any]:
    cards = [card for call in connector.sent_to(conversation) for card in call.cards]
    assert cards, f"no card was sent to {conversation}"
    return cards[-1]


def form_id_of(card: dict[str, Any]) -> str:
    return str(card["actions"][0]["data"]["form_id"])


async def say(bot: RunningBot, user: User, text: str, *, channel: bool = False) -> None:
    status, _ = await bot.post(message(user, text, bot.connector.url, channel=channel))
    assert status == 200


async def report(bot: RunningBot, user: User, customer: str, **fields: str) -> dict[str, Any]:
    await say(bot, user, f"report {customer}")
    form = last_card(bot.connector, user.personal_conversation)
    value = fill(
        form, **{"channel": "telephone", "actions": "abusive", "description": "Shouted and swore at me.", **fields}
    )
    return await answer_before_outbox(bot, submit(user, value, bot.connector.url), user.personal_conversation)


async def answer_before_outbox(bot: RunningBot, activity: dict[str, Any], conversation: str) -> dict[str, Any]:
    """Posts the activity and returns the card the turn itself answered with in the conversation, before the
    outbox's messages (which follow it) are delivered."""
    bot.deliver_after_each_post = False
    try:
        status, _ = await bot.post(activity)
        assert status == 200
        answered = last_card(bot.connector, conversation)
    finally:
        bot.deliver_after_each_post = True
    await bot.outbox.deliver_until_idle()
    return answered


async def escalate_restriction(bot: RunningBot, user: User, customer: str, **terms: str) -> dict[str, Any]:
    """Asks the team to restrict the customer's contact (written only unless `terms` say otherwise); returns the
    card the team is sent."""
    await say(bot, user, f"escalate {customer}")
    form = last_card(bot.connector, user.personal_conversation)
    value = {
        "verb": "escalation.submit",
        "form_id": form_id_of(form),
        "customer_name": customer,
        "kind": "restriction",
        "reason": "Abuse on three calls this month.",
        "investigation_reference": "HS-2026-014",
        "restrictions": "written_only",
        "no_warning_reason": NO_WARNING_REASON,
        **terms,
    }
    status, _ = await bot.post(submit(user, value, bot.connector.url))
    assert status == 200
    return last_card(bot.connector, TEAM_CHANNEL)


async def escalated_to_team(bot: RunningBot, **terms: str) -> dict[str, Any]:
    """The team's channel known to the bot, Sam reports Jane Smith and Morgan asks for a restriction; returns the
    card the team is sent."""
    await say(bot, HARPER, "hello", channel=True)
    await report(bot, SAM, "Jane Smith")
    return await escalate_restriction(bot, MORGAN, "Jane Smith", **terms)


def approve_button(card: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in card["actions"] if a["verb"] == "escalation.approve")


def considered(button: dict[str, Any]) -> dict[str, Any]:
    """The button's data as Teams sends it back: with the card's inputs, the s11.2 box ticked."""
    return {**button.get("data", button), "alternatives_considered": "true"}
