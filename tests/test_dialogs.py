"""The conversation flows, turn by turn, through botbuilder's TestAdapter: the incident form (send, inline errors,
confirmation, typing while it waits) and the customer check (ask who, then the status card), over real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from casework.commands import IncidentSubmission
from casework.configuration import StaffGuidance
from casework.customer_query import interpret
from casework.entities import Actor, NewEscalation, NewMeasure, StaffMember
from casework.gateway import CaseworkGateway
from casework.incidents import report_incident
from casework.staff import register_staff
from casework.vocabulary import EscalationKind, EscalationState, MeasureKind
from dialogs.check_customer import CheckCustomerDialog
from dialogs.report_incident import ReportIncidentDialog
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.tables import AuditEventRecord, CustomerRecord, IncidentRecord, OutboxMessageRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock
from tests.scenarios import dependencies

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
HINT = "Fill in the form above and press its button, or type help."
SAM = Actor("aad-sam", "Sam Staff")
ADMIN = Actor("admin", "Admin")
TEMPLATE = Activity(
    channel_id="msteams",
    service_url="https://smba.example/",
    from_property=ChannelAccount(id="29:sam", name=SAM.name, aad_object_id=SAM.user_id),
    recipient=ChannelAccount(id="28:bot", name="UCA bot"),
    conversation=ConversationAccount(id="a:personal-sam", conversation_type="personal"),
)


def told_line_manager(engine: Engine) -> list[int]:
    """The incidents whose s8.6 card is in the outbox for the line manager."""
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessageRecord).where(OutboxMessageRecord.purpose == "manager_discussion"))
        return [int(row.subject["incident_id"]) for row in rows]


def incident_id(engine: Engine, reference: str) -> int:
    with Session(engine) as session:
        incident = session.exec(select(IncidentRecord).where(IncidentRecord.reference == reference)).one()
        assert incident.id is not None
        return incident.id


class DialogHarness:
    """One conversation with the two dialogs; each call is one turn and returns what the bot sent."""

    def __init__(self, casework: CaseworkGateway) -> None:
        self.state = ConversationState(MemoryStorage())
        self.dialogs = DialogSet(self.state.create_property("DialogState"))
        self.dialogs.add(ReportIncidentDialog(casework, StaffGuidance("Stay safe: step away if threatened.", "")))
        self.dialogs.add(CheckCustomerDialog(casework))
        self.adapter = TestAdapter(self._turn, TEMPLATE)
        self.status: DialogTurnStatus | None = None
        self.active: str | None = None
        self._begin: tuple[str, object] | None = None

    async def _turn(self, context: TurnContext) -> None:
        dialog_context = await self.dialogs.create_context(context)
        if self._begin is not None:
            dialog_id, options = self._begin
            self._begin = None
            result = await dialog_context.begin_dialog(dialog_id, options)
        else:
            result = await dialog_context.continue_dialog()
        self.status = result.status
        self.active = dialog_context.active_dialog.id if dialog_context.active_dialog else None
        await self.state.save_changes(context)

    async def _receive(self, activity: Activity) -> list[Activity]:
        self.adapter.activity_buffer.clear()
        await self.adapter.receive_activity(activity)
        return list(self.adapter.activity_buffer)

    async def begin(self, dialog_id: str, options: object = None) -> list[Activity]:
        self._begin = (dialog_id, options)
        return await self._receive(Activity(type=ActivityTypes.message, text="start"))

    async def say(self, text: str) -> list[Activity]:
        return await self._receive(Activity(type=ActivityTypes.message, text=text))

    async def submit(self, value: dict[str, Any]) -> list[Activity]:
        """An Action.Submit click: a message with no text whose value holds the card's data and inputs."""
        return await self._receive(Activity(type=ActivityTypes.message, value=value))


@pytest.fixture
def engine(sqlite_url: str, clock: MutableClock) -> Iterator[Engine]:
    upgrade(sqlite_url)
    created = create_database_engine(sqlite_url)
    # Sam's line manager is already known, so the form does not ask for one.
    register_staff(SqlUnitOfWork(created), ADMIN, StaffMember("aad-morgan", "Morgan Manager"), clock)
    register_staff(
        SqlUnitOfWork(created), ADMIN, StaffMember(SAM.user_id, SAM.name, line_manager_id="aad-morgan"), clock
    )
    yield created
    created.dispose()


@pytest.fixture
def casework(engine: Engine, clock: MutableClock) -> CaseworkGateway:
    return CaseworkGateway(lambda: SqlUnitOfWork(engine), dependencies(clock))


@pytest.fixture
def harness(casework: CaseworkGateway) -> DialogHarness:
    return DialogHarness(casework)


def only_card(sent: list[Activity]) -> dict[str, Any]:
    assert len(sent) == 1, [a.text for a in sent]
    attachments = sent[0].attachments or []
    assert len(attachments) == 1
    assert attachments[0].content_type == ADAPTIVE
    card: dict[str, Any] = attachments[0].content
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    return card


def only_text(sent: list[Activity]) -> str:
    assert len(sent) == 1 and not sent[0].attachments
    return str(sent[0].text)


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every element on a card, however deeply nested in containers."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def inputs(card: dict[str, Any], *fields: str) -> dict[str, Any]:
    """The named inputs' current values (None when empty); every named input must be on the card."""
    found = {e["id"]: e.get("value") for e in elements(card["body"]) if str(e["type"]).startswith("Input.")}
    return {field: found[field] for field in fields}


FIELDS = ("customer_name", "channel", "actions", "description")


def texts(card: dict[str, Any]) -> list[str]:
    return [element["text"] for element in card["body"] if element["type"] == "TextBlock"]


def error_after(card: dict[str, Any], field: str) -> str | None:
    """The attention-coloured TextBlock placed directly under a field's input, if any."""
    body = card["body"]
    index = next(i for i, element in enumerate(body) if element.get("id") == field)
    following = body[index + 1] if index + 1 < len(body) else {}
    if following.get("type") == "TextBlock" and following.get("color") == "Attention":
        return str(following["text"])
    return None


def submit_data(card: dict[str, Any]) -> dict[str, Any]:
    submits = [action for action in card.get("actions", []) if action["type"] == "Action.Submit"]
    assert len(submits) == 1
    data: dict[str, Any] = submits[0]["data"]
    return data


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


VALID = {
    "customer_name": "Jane Doe",
    "channel": "telephone",
    "actions": "abusive,repeat_contacts",
    "description": "Shouted and swore at me.",
}


async def open_form(harness: DialogHarness) -> dict[str, Any]:
    return only_card(await harness.begin(ReportIncidentDialog.__name__, {"values": {"customer_name": "Jane Doe"}}))


# --- report an incident -------------------------------------------------------------------------------------------


async def test_report_sends_the_form_card_with_a_submit_action_and_a_form_id(
    harness: DialogHarness, casework: CaseworkGateway
) -> None:
    form = await open_form(harness)

    data = submit_data(form)
    assert data["verb"] == "incident.submit"
    assert isinstance(data["form_id"], str) and len(data["form_id"]) >= 16
    assert inputs(form, *FIELDS) == {"customer_name": "Jane Doe", "channel": None, "actions": None, "description": None}
    assert harness.active == ReportIncidentDialog.__name__
    assert harness.status is DialogTurnStatus.Waiting

    assert (
        submit_data(await open_form(DialogHarness(casework)))["form_id"] != data["form_id"]
    )  # each form is its own submission


async def test_an_invalid_submit_resends_the_form_with_inline_errors_and_the_typed_values(
    harness: DialogHarness, engine: Engine
) -> None:
    form_id = submit_data(await open_form(harness))["form_id"]
    audit_before = count(engine, AuditEventRecord)

    sent = await harness.submit(
        {
            "verb": "incident.submit",
            "form_id": form_id,
            **VALID,
            "channel": "in_person",
            "actions": "",
            "description": "",
        }
    )

    form = only_card(sent)
    assert submit_data(form) == {"verb": "incident.submit", "form_id": form_id}
    assert error_after(form, "actions") == "Choose at least one unreasonable action."
    assert error_after(form, "description") == "Say briefly what happened."
    assert error_after(form, "customer_name") is None and error_after(form, "channel") is None
    assert "Please correct the fields marked below." in texts(form)
    assert inputs(form, *FIELDS) == {
        "customer_name": "Jane Doe",
        "channel": "in_person",
        "actions": None,
        "description": None,
    }
    assert harness.active == ReportIncidentDialog.__name__
    assert (count(engine, IncidentRecord), count(engine, CustomerRecord)) == (0, 0)
    assert count(engine, AuditEventRecord) == audit_before  # nothing was recorded at all
    assert told_line_manager(engine) == []


async def test_a_valid_submit_saves_the_incident_confirms_with_its_reference_and_ends_the_dialog(
    harness: DialogHarness, engine: Engine
) -> None:
    form_id = submit_data(await open_form(harness))["form_id"]
    only_card(await harness.submit({"verb": "incident.submit", "form_id": form_id, **VALID, "description": ""}))

    confirmation = only_card(await harness.submit({"verb": "incident.submit", "form_id": form_id, **VALID}))

    assert texts(confirmation)[0] == "Incident INC-2026-0001 recorded"
    assert told_line_manager(engine) == [incident_id(engine, "INC-2026-0001")]  # the line manager will be told
    assert "actions" not in confirmation or all(a["data"]["verb"] != "incident.submit" for a in confirmation["actions"])
    assert harness.status is DialogTurnStatus.Complete
    assert harness.active is None
    with Session(engine) as session:
        incident = session.exec(select(IncidentRecord)).one()
    assert incident.reference == "INC-2026-0001"
    assert incident.submission_key == f"{SAM.user_id}:{form_id}"
    assert incident.reported_by == SAM.user_id
    assert incident.actions == ["abusive", "repeat_contacts"]
    assert (incident.channel, incident.description) == ("telephone", "Shouted and swore at me.")

    assert await harness.say("anything") == []  # nothing is waiting any more
    assert harness.status is DialogTurnStatus.Empty


async def test_a_repeated_submit_of_a_recorded_form_is_confirmed_but_not_saved_twice(
    harness: DialogHarness, engine: Engine
) -> None:
    form_id = submit_data(await open_form(harness))["form_id"]
    value = {"verb": "incident.submit", "form_id": form_id, **VALID}
    only_card(await harness.submit(value))

    # A Teams retry (or a second click) arrives after the dialog ended: the bot starts the form with it.
    again = only_card(await harness.begin(ReportIncidentDialog.__name__, {"submitted": value}))

    assert texts(again)[0] == "Already received: INC-2026-0001"
    assert "This report had already been received; nothing was recorded twice." in texts(again)
    assert count(engine, IncidentRecord) == 1
    assert len(told_line_manager(engine)) == 1  # nobody is told twice


async def test_typing_while_the_form_waits_gets_a_hint_and_the_form_keeps_waiting(
    harness: DialogHarness, engine: Engine
) -> None:
    form_id = submit_data(await open_form(harness))["form_id"]

    assert only_text(await harness.say("hello?")) == HINT
    assert (harness.status, harness.active) == (DialogTurnStatus.Waiting, ReportIncidentDialog.__name__)
    assert only_text(await harness.submit({"verb": "escalation.submit", "form_id": form_id})) == HINT
    assert harness.active == ReportIncidentDialog.__name__
    assert count(engine, IncidentRecord) == 0

    confirmation = only_card(await harness.submit({"verb": "incident.submit", "form_id": form_id, **VALID}))
    assert texts(confirmation)[0] == "Incident INC-2026-0001 recorded"
    assert harness.active is None


# --- check a customer ---------------------------------------------------------------------------------------------


def seed_customer(engine: Engine, clock: MutableClock, *, warned: bool = False) -> None:
    report_incident(
        SqlUnitOfWork(engine),
        SAM,
        IncidentSubmission(
            submission_key="aad-sam:seed",
            customer_name="Jane Doe",
            channel="telephone",
            actions=("abusive",),
            description="Swore at me.",
        ),
        clock,
    )
    if not warned:
        return
    with SqlUnitOfWork(engine) as uow:
        customer = uow.customers.search(interpret("Jane Doe"))[0]
        assert customer.id is not None
        now = clock()
        escalation = uow.escalations.add(
            NewEscalation(
                customer_id=customer.id,
                kind=EscalationKind.FORMAL_WARNING,
                reason="r",
                requested_by="m",
                requested_at=now,
                state=EscalationState.APPROVED,
            )
        )
        assert escalation.id is not None
        uow.measures.add(
            NewMeasure(
                customer_id=customer.id,
                kind=MeasureKind.FORMAL_WARNING,
                escalation_id=escalation.id,
                starts_at=now - timedelta(days=1),
                review_due_at=now + timedelta(days=80),
                case_owner_id="m",
            )
        )
        uow.commit()


async def test_check_without_a_name_asks_who_then_shows_the_status_card(
    harness: DialogHarness, engine: Engine, clock: MutableClock
) -> None:
    seed_customer(engine, clock)

    assert only_text(await harness.begin(CheckCustomerDialog.__name__, "")) == "Who should I check? Type their name."
    assert (harness.status, harness.active) == (DialogTurnStatus.Waiting, CheckCustomerDialog.__name__)

    card = only_card(await harness.say("  jane DOE "))

    assert texts(card)[0] == "Jane Doe: No restrictions"
    assert "Deal with them as you would any customer." in texts(card)
    assert harness.status is DialogTurnStatus.Complete and harness.active is None
    with Session(engine) as session:
        checks = session.exec(select(AuditEventRecord).where(AuditEventRecord.action == "customer.checked")).all()
    assert [(c.actor_id, c.detail) for c in checks] == [(SAM.user_id, {"query": "jane DOE"})]


async def test_check_with_a_name_answers_at_once_with_the_measure_in_force(
    harness: DialogHarness, engine: Engine, clock: MutableClock
) -> None:
    seed_customer(engine, clock, warned=True)

    card = only_card(await harness.begin(CheckCustomerDialog.__name__, "Jane Doe"))

    headline = texts(card)[0]
    assert headline.startswith("Jane Doe: ") and "warning in force" in headline.lower()
    assert "16 Feb 2027" in headline  # the warning's review date (seeded 80 days ahead), in London time
    assert harness.active is None

    unknown = only_card(await harness.begin(CheckCustomerDialog.__name__, "Nobody Known"))
    assert texts(unknown)[0] == "No customer found for “Nobody Known”"
