"""The SQL storage on both databases: migrations, repositories round-tripping domain objects, transactions,
the database-enforced "only once" rules, and real concurrency (threads racing on decisions and reminder claims)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from casework.commands import EscalationRequest, IncidentSubmission
from casework.customer_query import interpret
from casework.entities import (
    Actor,
    AuditEvent,
    Customer,
    Decision,
    DueReview,
    Incident,
    NewCustomer,
    NewEscalation,
    NewIncident,
    NewMeasure,
    StaffMember,
)
from casework.errors import AlreadyRecorded, CustomerChoiceNeeded
from casework.services import (
    claim_due_reminders,
    confirm_reminder_sent,
    decide_escalation,
    register_staff,
    release_reminder,
    remember_actor,
    report_incident,
    request_escalation,
)
from casework.views import IncidentConfirmation
from casework.vocabulary import (
    ActingParty,
    ContactChannel,
    ContactRestriction,
    DecisionOutcome,
    EscalationKind,
    EscalationState,
    ImmediateStep,
    ManagerOutcome,
    MeasureKind,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)
from storage import conversation_references
from storage.conversation_references import ConversationReferenceStore
from storage.database import create_database_engine, normalise_url
from storage.migrate import alembic_config, head_revision, is_current, upgrade
from storage.repositories.customers import SqlCustomers
from storage.repositories.incidents import SqlIncidents
from storage.repositories.staff import SqlStaff
from storage.tables import (
    AuditEventRecord,
    CustomerRecord,
    DecisionRecord,
    EscalationRecord,
    IncidentRecord,
    MeasureRecord,
    Review,
    UTCDateTime,
    VoteRecord,
)
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent

ADMIN = Actor("admin", "Admin")
REPORTER = Actor("reporter", "Sam Staff")
REQUESTER = Actor("requester", "Morgan Manager")
BST = timezone(timedelta(hours=1))
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
EXPECTED_TABLES = {
    "alembic_version",
    "audit_event",
    "bot_state",
    "conversation_reference",
    "customer",
    "decision",
    "escalation",
    "escalation_incident",
    "incident",
    "measure",
    "review",
    "staff_member",
}


def count(engine: Engine, model: type, *where: object) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def run_together(workers: int, task: Callable[[int], T]) -> list[T]:
    """Runs task(0..workers-1) on real threads, released together by a barrier so they really race."""
    barrier = threading.Barrier(workers, timeout=30)

    def start(index: int) -> T:
        barrier.wait()
        return task(index)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(start, range(workers)))


def aware_utc(moment: datetime | None) -> bool:
    return moment is not None and moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


# --- migrations -----------------------------------------------------------------------------------------------


def _schema(url: str) -> tuple[set[str], list[str]]:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            versions = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
        return tables, versions
    finally:
        engine.dispose()


def test_migrations_run_twice_safely_and_keep_data(database_url: str, clock: MutableClock) -> None:
    engine = create_database_engine(database_url)
    try:
        register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember("u1", "Una"), clock)
    finally:
        engine.dispose()

    upgrade(database_url)
    upgrade(database_url)

    tables, versions = _schema(database_url)
    assert tables >= EXPECTED_TABLES
    assert versions == [HEAD]
    engine = create_database_engine(database_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            assert uow.staff.get("u1") == StaffMember("u1", "Una")
    finally:
        engine.dispose()


def test_the_schema_is_current_only_at_the_newest_migration(empty_database_url: str) -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config(empty_database_url)).get_current_head()
    assert not is_current(empty_database_url)
    upgrade(empty_database_url)
    assert is_current(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "-1")
    assert not is_current(empty_database_url)


def test_a_server_on_a_current_database_does_not_load_alembic(sqlite_url: str) -> None:
    """Alembic costs about 9 MB of resident memory; a started server that had nothing to migrate leaves it out."""
    code = (
        "import sys; from app import create_app; from tests.conftest import make_settings; "
        "create_app(make_settings(sys.argv[1]), run_sweep=False); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code, sqlite_url], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_several_instances_migrating_an_empty_database_at_once_all_succeed(empty_database_url: str) -> None:
    database_url = empty_database_url
    # Separate processes, as separate instances would be (Alembic's context is process-global, not per thread).
    code = "import sys; from storage.migrate import upgrade; upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, database_url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    failures = [p.stderr.read() if p.stderr else "" for p in processes if p.wait(timeout=60) != 0]
    assert failures == []

    tables, versions = _schema(database_url)
    assert tables >= EXPECTED_TABLES
    assert versions == [HEAD]


def test_upgrading_a_database_with_first_release_data_keeps_it_usable(empty_database_url: str) -> None:
    database_url = empty_database_url
    command.upgrade(alembic_config(database_url), "0001")
    v1 = sa.MetaData()
    customer = sa.Table(
        "customer", v1, sa.Column("id", sa.Integer), sa.Column("name", sa.String), sa.Column("name_key", sa.String),
        sa.Column("created_at", UTCDateTime()),
    )  # fmt: skip
    incident = sa.Table(
        "incident", v1, sa.Column("id", sa.Integer), sa.Column("reference", sa.String),
        sa.Column("customer_id", sa.Integer), sa.Column("reported_by", sa.String),
        sa.Column("occurred_at", UTCDateTime()), sa.Column("channel", sa.String), sa.Column("actions", sa.JSON),
        sa.Column("description", sa.Text), sa.Column("submission_key", sa.String), sa.Column("created_at", UTCDateTime()),
    )  # fmt: skip
    escalation = sa.Table(
        "escalation", v1, sa.Column("id", sa.Integer), sa.Column("customer_id", sa.Integer), sa.Column("kind", sa.String),
        sa.Column("reason", sa.Text), sa.Column("requested_by", sa.String), sa.Column("requested_at", UTCDateTime()),
        sa.Column("restrictions", sa.JSON), sa.Column("state", sa.String),
    )  # fmt: skip
    staff = sa.Table(
        "staff_member", v1, sa.Column("user_id", sa.String), sa.Column("name", sa.String),
        sa.Column("is_determination_team", sa.Boolean),
    )  # fmt: skip
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        connection.execute(customer.insert(), [{"id": 1, "name": "Jane Doe", "name_key": "jane doe", "created_at": at}])
        connection.execute(
            incident.insert(),
            [{"id": 1, "reference": "INC-2026-0001", "customer_id": 1, "reported_by": "sam", "occurred_at": at,
              "channel": "telephone", "actions": ["abusive"], "description": "Swore.", "submission_key": "sam:f1",
              "created_at": at}],
        )  # fmt: skip
        connection.execute(
            escalation.insert(),
            [{"id": 1, "customer_id": 1, "kind": "formal_warning", "reason": "r", "requested_by": "m",
              "requested_at": at, "restrictions": [], "state": "pending"}],
        )  # fmt: skip
        connection.execute(staff.insert(), [{"user_id": "sam", "name": "Sam", "is_determination_team": False}])
    engine.dispose()

    upgrade(database_url)

    assert _schema(database_url)[1] == [HEAD]
    engine = create_database_engine(database_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            old = uow.incidents.get(1)
            assert old is not None and old.reference == "INC-2026-0001" and old.occurred_at == at
            assert (old.service_area, old.acting_party, old.immediate_steps, old.serious_threats) == (
                ServiceArea.OTHER, ActingParty.CUSTOMER, (), ()
            )  # fmt: skip
            assert old.manager_outcome is None and not old.safeguarding_concern
            pending = uow.escalations.get_for_update(1)
            assert pending is not None and pending.state is EscalationState.PENDING
            assert uow.staff.get("sam") == StaffMember("sam", "Sam")
            assert [c.id for c in by_name(uow, "Jane Doe")] == [1]
            assert [c.id for c in by_name(uow, "jane doee")] == [1]  # the name-search words were built for her
    finally:
        engine.dispose()


# --- repositories round-trip --------------------------------------------------------------------------------


def by_name(uow: SqlUnitOfWork, text: str) -> list[Customer]:
    return list(uow.customers.search(interpret(text)))


def test_customers_round_trip_and_are_found_whatever_the_case_accents_and_spacing(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        zoe = uow.customers.add(
            NewCustomer(
                name="Zoë Ångström",
                council_reference="CT-123456",
                postcode="LN8 2AB",
                phone="+441427676676",
                email="zoe@example.org",
            )
        )
        other = uow.customers.add(NewCustomer(name="Zoe Angstrem"))
        uow.commit()
    assert zoe.id is not None and other.id is not None and zoe.id != other.id

    with SqlUnitOfWork(engine) as uow:
        assert uow.customers.get(zoe.id) == zoe
        assert uow.customers.get(other.id) == Customer(name="Zoe Angstrem", id=other.id)
        for query in ("Zoë Ångström", "zoe angstrom", "  ZOË   ÅNGSTRÖM ", "ZOE ANGSTROM"):
            assert by_name(uow, query) == [zoe], query  # an exact (folded) name match wins outright
        for detail in ("ct-123456", "ln82ab", "01427 676676", "ZOE@example.org"):
            assert by_name(uow, detail) == [zoe], detail
        assert by_name(uow, "LN8 2AC") == []
        assert uow.customers.get(zoe.id + other.id + 100) is None

    with Session(engine) as session:
        row = session.get_one(CustomerRecord, zoe.id)
        assert aware_utc(row.created_at)


def test_incidents_round_trip_with_json_actions_and_aware_utc_times(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        customer = uow.customers.add(NewCustomer("Jane Doe"))
        assert customer.id is not None
        later = NewIncident(
            customer_id=customer.id,
            reported_by="reporter",
            occurred_at=datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=BST),
            channel=ContactChannel.IN_PERSON,
            actions=(UnreasonableAction.ABUSIVE_OR_THREATENING, UnreasonableAction.LIVE_BROADCAST),
            description="Shouted at reception.\nFilmed staff.",
            submission_key="reporter:form-2",
            service_area=ServiceArea.HOUSING,
            acting_party=ActingParty.REPRESENTATIVE,
            representative_name="Ms Agent",
            immediate_steps=(ImmediateStep.WARNED, ImmediateStep.ASKED_TO_LEAVE),
            informal_warning_given=True,
            safeguarding_concern=True,
            support_need=True,
            serious_threats=(SeriousThreat.THREAT_TO_DAMAGE_PREMISES,),
        )
        earlier = NewIncident(
            customer_id=customer.id,
            reported_by="reporter",
            occurred_at=datetime(2026, 6, 30, 23, 0, tzinfo=UTC),
            channel=ContactChannel.TELEPHONE,
            actions=(UnreasonableAction.REPEAT_CONTACTS,),
            description="Called 14 times.",
            submission_key="reporter:form-1",
        )
        stored_later = uow.incidents.add(later)
        stored_earlier = uow.incidents.add(earlier)
        uow.incidents.assign_reference(stored_later.id, "INC-2026-0001")
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        found = uow.incidents.for_customer(customer.id)
        assert [i.submission_key for i in found] == ["reporter:form-1", "reporter:form-2"]  # by occurred_at
        loaded = found[1]
        assert loaded.actions == (UnreasonableAction.ABUSIVE_OR_THREATENING, UnreasonableAction.LIVE_BROADCAST)
        assert loaded.channel is ContactChannel.IN_PERSON
        assert loaded.description == "Shouted at reception.\nFilmed staff."
        assert loaded.reference == "INC-2026-0001"
        assert loaded.occurred_at == datetime(2026, 7, 1, 8, 30, 15, 123456, tzinfo=UTC)
        assert aware_utc(loaded.occurred_at)
        assert aware_utc(found[0].occurred_at)
        assert loaded == replace(stored_later, reference="INC-2026-0001")
        assert uow.incidents.by_submission_key("reporter:form-1") == stored_earlier
        assert uow.incidents.by_submission_key("reporter:nope") is None
        assert uow.incidents.get(stored_later.id) == loaded
        assert uow.incidents.get(stored_later.id + stored_earlier.id + 100) is None
        # Windows compare instants, whatever the zone they are given in; the bound is inclusive.
        since = uow.incidents.for_customer_since
        assert [i.id for i in since(customer.id, datetime(2026, 7, 1, 0, 0, tzinfo=BST))] == [
            stored_earlier.id,
            stored_later.id,
        ]
        assert [i.id for i in since(customer.id, datetime(2026, 7, 1, 9, 0, tzinfo=BST))] == [stored_later.id]
        assert since(customer.id + 1, datetime(2020, 1, 1, tzinfo=UTC)) == []
        assert [i.id for i in uow.incidents.with_ids([stored_later.id, stored_earlier.id, 999_999])] == [
            stored_earlier.id,
            stored_later.id,
        ]
        assert uow.incidents.with_ids([]) == []
        assert uow.incidents.reporters_of([stored_later.id, stored_earlier.id]) == {"reporter"}
        assert uow.incidents.reporters_of([]) == set()

        decided = datetime(2026, 7, 2, 9, 0, tzinfo=BST)
        assert uow.incidents.record_manager_outcome(stored_later.id, ManagerOutcome.ESCALATE, "manager", decided)
        assert not uow.incidents.record_manager_outcome(
            stored_later.id, ManagerOutcome.NO_FURTHER_ACTION, "other", decided
        )
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        outcome = uow.incidents.get(stored_later.id)
        assert outcome is not None
        assert (outcome.manager_outcome, outcome.manager_outcome_by) == (ManagerOutcome.ESCALATE, "manager")
        assert outcome.manager_outcome_at == decided and aware_utc(outcome.manager_outcome_at)


def _customer_with_incidents(uow: SqlUnitOfWork, name: str, keys: tuple[str, ...]) -> tuple[int, list[int]]:
    customer = uow.customers.add(NewCustomer(name))
    assert customer.id is not None
    ids = []
    for key in keys:
        incident = uow.incidents.add(
            NewIncident(
                customer_id=customer.id,
                reported_by="reporter",
                occurred_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
                channel=ContactChannel.EMAIL,
                actions=(UnreasonableAction.EXCESSIVE_DEMANDS,),
                description="Forty emails in a day.",
                submission_key=key,
            )
        )
        assert incident.id is not None
        ids.append(incident.id)
    return customer.id, ids


def test_escalations_round_trip_with_their_incident_links_state_card_and_decision(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        customer_id, incident_ids = _customer_with_incidents(uow, "Jane Doe", ("k1", "k2", "k3"))
        escalation = NewEscalation(
            customer_id=customer_id,
            kind=EscalationKind.RESTRICTION,
            reason="Threatened staff.",
            requested_by="requester",
            requested_at=datetime(2026, 11, 2, 9, 0, tzinfo=BST),
            incident_ids=(incident_ids[0], incident_ids[2]),
            serious_threat=SeriousThreat.CREDIBLE_THREAT_TO_HARM,
            legal_advice_reference="LEGAL-7",
            restrictions=(ContactRestriction.WRITTEN_ONLY, ContactRestriction.NO_PHYSICAL_ACCESS),
        )
        stored = uow.escalations.add(escalation)
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        loaded = uow.escalations.get_for_update(stored.id)
        assert loaded is not None
        assert loaded == stored
        assert set(loaded.incident_ids) == {incident_ids[0], incident_ids[2]}
        assert aware_utc(loaded.requested_at)
        assert uow.escalations.get_for_update(stored.id + 1000) is None
        assert uow.escalations.decision_for(stored.id) is None

        loaded.state = EscalationState.APPROVED
        uow.escalations.save_state(loaded)
        uow.escalations.record_card(stored.id, "19:team@thread", "activity-1")
        decided_at = datetime(2026, 11, 3, 10, 0, tzinfo=BST)
        uow.escalations.add_decision(
            Decision(
                escalation_id=stored.id,
                outcome=DecisionOutcome.APPROVE,
                decided_by="decider",
                decided_at=decided_at,
                notes="Agreed.",
            )
        )
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        again = uow.escalations.get_for_update(stored.id)
        assert again is not None
        assert again.state is EscalationState.APPROVED
        assert (again.card_conversation_id, again.card_activity_id) == ("19:team@thread", "activity-1")
        decision = uow.escalations.decision_for(stored.id)
        assert decision == Decision(
            escalation_id=stored.id,
            outcome=DecisionOutcome.APPROVE,
            decided_by="decider",
            decided_at=decided_at,
            notes="Agreed.",
        )
        assert decision is not None and aware_utc(decision.decided_at)


def test_measures_staff_and_audit_round_trip(engine: Engine) -> None:
    starts = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    with SqlUnitOfWork(engine) as uow:
        customer_id, _ = _customer_with_incidents(uow, "Jane Doe", ())
        escalation = uow.escalations.add(
            NewEscalation(
                customer_id=customer_id,
                kind=EscalationKind.RESTRICTION,
                reason="r",
                requested_by="requester",
                requested_at=starts,
                investigation_reference="HS",
            )
        )
        assert escalation.id is not None
        current = NewMeasure(
            customer_id=customer_id,
            kind=MeasureKind.RESTRICTION,
            escalation_id=escalation.id,
            starts_at=starts,
            review_due_at=datetime(2027, 2, 28, 10, 0, tzinfo=UTC),
            case_owner_id="requester",
            restrictions=(ContactRestriction.NAMED_CONTACT, ContactRestriction.LIMITED_CALLS),
        )
        ended = NewMeasure(
            customer_id=customer_id,
            kind=MeasureKind.FORMAL_WARNING,
            escalation_id=escalation.id,
            starts_at=datetime(2026, 1, 1, tzinfo=UTC),
            review_due_at=datetime(2026, 4, 1, tzinfo=UTC),
            case_owner_id="requester",
            ended_at=datetime(2026, 4, 1, 12, 0, tzinfo=BST),
        )
        stored_current = uow.measures.add(current)
        stored_ended = uow.measures.add(ended)
        uow.staff.save(StaffMember("u1", "Una", is_determination_team=True))
        uow.staff.save(StaffMember("u2", "Vic", line_manager_id="u1"))
        uow.audit.record(
            AuditEvent(
                actor_id="u1",
                action="customer.checked",
                record_type="customer",
                record_id=str(customer_id),
                at=starts,
                detail={"query": "jane"},
            )
        )
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        measures = sorted(uow.measures.for_customer(customer_id), key=lambda m: m.id)
        assert measures == [stored_current, stored_ended]
        assert all(aware_utc(m.starts_at) and aware_utc(m.review_due_at) for m in measures)
        assert aware_utc(measures[1].ended_at) and measures[0].ended_at is None
        assert uow.staff.get("u1") == StaffMember("u1", "Una", is_determination_team=True)
        assert uow.staff.get("u2") == StaffMember("u2", "Vic", is_determination_team=False, line_manager_id="u1")
        assert [m.user_id for m in uow.staff.all()] == ["u1", "u2"]  # by name
        assert uow.staff.get("nobody") is None
        uow.staff.save(StaffMember("u2", "Victoria", is_determination_team=True))
        uow.commit()
        events = uow.audit.events("customer", str(customer_id))
        assert events == [
            AuditEvent(
                actor_id="u1",
                action="customer.checked",
                record_type="customer",
                record_id=str(customer_id),
                at=starts,
                detail={"query": "jane"},
            )
        ]
        assert aware_utc(events[0].at)
        assert uow.audit.events("customer", "other") == []

    with SqlUnitOfWork(engine) as uow:
        assert uow.staff.get("u2") == StaffMember("u2", "Victoria", is_determination_team=True)


# --- transactions and "only once" -------------------------------------------------------------------------------


def test_leaving_a_unit_of_work_without_commit_rolls_back(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.customers.add(NewCustomer("Not Kept"))
        uow.staff.save(StaffMember("u9", "Not Kept"))
        assert by_name(uow, "Not Kept") != []  # visible inside its own transaction

    with pytest.raises(RuntimeError), SqlUnitOfWork(engine) as uow:
        uow.customers.add(NewCustomer("Not Kept Either"))
        raise RuntimeError("the use case failed")

    with SqlUnitOfWork(engine) as uow:
        uow.customers.add(NewCustomer("Kept"))
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        assert uow.staff.get("u9") is None
        assert [c.name for c in by_name(uow, "kept")] == ["Kept"]
    with Session(engine) as session:
        assert session.exec(select(CustomerRecord.name)).all() == ["Kept"]


def _incident(customer_id: int, key: str) -> NewIncident:
    return NewIncident(
        customer_id=customer_id,
        reported_by="reporter",
        occurred_at=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
        channel=ContactChannel.LETTER,
        actions=(UnreasonableAction.FALSE_INFORMATION,),
        description="Forged letter.",
        submission_key=key,
    )


def test_a_repeated_incident_submission_key_raises_already_recorded(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        customer_id, _ = _customer_with_incidents(uow, "Jane Doe", ("same-key",))
        uow.commit()

    with SqlUnitOfWork(engine) as uow, pytest.raises(AlreadyRecorded):
        uow.incidents.add(_incident(customer_id, "same-key"))

    with SqlUnitOfWork(engine) as uow:
        first = uow.incidents.by_submission_key("same-key")
        assert first is not None and first.description == "Forty emails in a day."
    assert count(engine, IncidentRecord, col(IncidentRecord.submission_key) == "same-key") == 1


def test_a_repeated_submission_key_undoes_only_the_failed_insert(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        customer_id, _ = _customer_with_incidents(uow, "Jane Doe", ("same-key",))
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        uow.customers.add(NewCustomer("Added Before"))
        with pytest.raises(AlreadyRecorded):
            uow.incidents.add(_incident(customer_id, "same-key"))
        # The savepoint around the insert is there so the unit of work goes on and can still commit.
        uow.customers.add(NewCustomer("Added After"))
        uow.commit()

    assert count(engine, CustomerRecord, col(CustomerRecord.name).in_(["Added Before", "Added After"])) == 2
    assert count(engine, IncidentRecord) == 1


def test_a_second_decision_for_the_same_escalation_raises_already_recorded(engine: Engine) -> None:
    now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    with SqlUnitOfWork(engine) as uow:
        customer_id, _ = _customer_with_incidents(uow, "Jane Doe", ())
        escalation = uow.escalations.add(
            NewEscalation(
                customer_id=customer_id,
                kind=EscalationKind.FORMAL_WARNING,
                reason="r",
                requested_by="requester",
                requested_at=now,
            )
        )
        assert escalation.id is not None
        uow.escalations.add_decision(
            Decision(escalation_id=escalation.id, outcome=DecisionOutcome.APPROVE, decided_by="first", decided_at=now)
        )
        uow.commit()

    with SqlUnitOfWork(engine) as uow, pytest.raises(AlreadyRecorded):
        uow.escalations.add_decision(
            Decision(escalation_id=escalation.id, outcome=DecisionOutcome.DECLINE, decided_by="second", decided_at=now)
        )

    with SqlUnitOfWork(engine) as uow:
        decision = uow.escalations.decision_for(escalation.id)
        assert decision is not None and (decision.decided_by, decision.outcome) == ("first", DecisionOutcome.APPROVE)
    assert count(engine, DecisionRecord) == 1


def test_utc_datetime_refuses_naive_datetimes_and_stores_utc(engine: Engine) -> None:
    column_type = UTCDateTime()
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        with pytest.raises(ValueError, match="naive"):
            column_type.process_bind_param(datetime(2026, 11, 28, 10, 0), dialect)
        stored = column_type.process_bind_param(datetime(2026, 11, 28, 10, 0, tzinfo=BST), dialect)
        assert stored == datetime(2026, 11, 28, 9, 0, tzinfo=UTC) and aware_utc(stored)

    with SqlUnitOfWork(engine) as uow:
        customer_id, _ = _customer_with_incidents(uow, "Jane Doe", ())
        uow.commit()
    naive = _incident(customer_id, "naive-key")
    naive.occurred_at = datetime(2026, 11, 28, 10, 0)
    with SqlUnitOfWork(engine) as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.incidents.add(naive)
    assert count(engine, IncidentRecord) == 0


# --- concurrency ------------------------------------------------------------------------------------------------


def _pending_warning(engine: Engine, clock: MutableClock) -> int:
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(REQUESTER.user_id, REQUESTER.name), clock)
    reporter = StaffMember(REPORTER.user_id, REPORTER.name, line_manager_id=REQUESTER.user_id)
    register_staff(SqlUnitOfWork(engine), ADMIN, reporter, clock)
    report_incident(
        SqlUnitOfWork(engine),
        REPORTER,
        IncidentSubmission(
            submission_key="reporter:f1",
            customer_name="Jane Doe",
            channel="telephone",
            actions=("abusive",),
            description="Swore at me.",
        ),
        clock,
    )
    view = request_escalation(
        SqlUnitOfWork(engine),
        REQUESTER,
        EscalationRequest(customer_name="Jane Doe", kind="formal_warning", reason="Repeated abuse."),
        clock,
    )
    assert view.state is EscalationState.PENDING
    return view.escalation_id


def test_twenty_deciders_at_once_record_exactly_one_decision(engine: Engine, clock: MutableClock) -> None:
    escalation_id = _pending_warning(engine, clock)
    deciders = [Actor(f"decider-{n:02d}", f"Decider {n}") for n in range(20)]
    for decider in deciders:
        register_staff(
            SqlUnitOfWork(engine), ADMIN, StaffMember(decider.user_id, decider.name, is_determination_team=True), clock
        )

    results = run_together(
        20,
        lambda n: decide_escalation(
            SqlUnitOfWork(engine),
            deciders[n],
            escalation_id,
            DecisionOutcome.APPROVE,
            f"approved by {n}",
            clock,
            alternatives_considered=True,
        ),
    )

    winners = [n for n, result in enumerate(results) if result.recorded_now]
    assert len(winners) == 1
    assert all(result.refusal is None for result in results)
    assert {result.escalation.state for result in results} == {EscalationState.APPROVED}
    assert {result.escalation.decided_by_name for result in results} == {deciders[winners[0]].name}
    with SqlUnitOfWork(engine) as uow:
        decision = uow.escalations.decision_for(escalation_id)
        assert decision is not None and decision.decided_by == deciders[winners[0]].user_id
    assert count(engine, DecisionRecord) == 1
    assert count(engine, VoteRecord) == 1  # a formal warning needs one approval; later clicks see it decided
    assert count(engine, EscalationRecord, col(EscalationRecord.state) == "approved") == 1
    assert count(engine, MeasureRecord) == 1
    assert count(engine, Review) == 1
    assert count(engine, AuditEventRecord, col(AuditEventRecord.action) == "escalation.approved") == 1


LEAD = timedelta(days=14)
CLAIM_FOR = timedelta(minutes=10)


def _measures_with_reviews(engine: Engine, clock: MutableClock) -> tuple[set[int], set[int]]:
    """30 due reviews (one exactly at the lead boundary) and a few that must never be claimed."""
    now = clock()
    due: set[int] = set()
    not_due: set[int] = set()
    with SqlUnitOfWork(engine) as uow:
        customer_id, _ = _customer_with_incidents(uow, "Jane Doe", ())
        escalation = uow.escalations.add(
            NewEscalation(
                customer_id=customer_id,
                kind=EscalationKind.FORMAL_WARNING,
                reason="r",
                requested_by="requester",
                requested_at=now,
                state=EscalationState.APPROVED,
            )
        )
        assert escalation.id is not None

        def review(due_at: datetime, ended_at: datetime | None = None) -> int:
            measure = uow.measures.add(
                NewMeasure(
                    customer_id=customer_id,
                    kind=MeasureKind.FORMAL_WARNING,
                    escalation_id=escalation.id or 0,
                    starts_at=now - timedelta(days=90),
                    review_due_at=due_at,
                    case_owner_id=f"owner-{len(due) + len(not_due)}",
                    ended_at=ended_at,
                )
            )
            assert measure.id is not None
            uow.reviews.schedule(measure.id, due_at)
            return measure.id

        for n in range(29):
            due.add(review(now - timedelta(days=3) + timedelta(hours=n)))
        due.add(review(now + LEAD))  # due on or before now + lead: claimable
        not_due.add(review(now + LEAD + timedelta(days=7)))
        not_due.add(review(now - timedelta(days=1), ended_at=now - timedelta(hours=1)))  # measure no longer in force
        uow.commit()
    return due, not_due


def _claim(engine: Engine, clock: MutableClock, claimant: str, limit: int = 100) -> list[DueReview]:
    return list(claim_due_reminders(SqlUnitOfWork(engine), clock, LEAD, claimant, CLAIM_FOR, limit))


def test_concurrent_sweeps_claim_every_due_review_exactly_once(engine: Engine, clock: MutableClock) -> None:
    due_measures, _ = _measures_with_reviews(engine, clock)

    def sweep(index: int) -> list[DueReview]:
        claimed: list[DueReview] = []
        while batch := _claim(engine, clock, f"sweep-{index}", limit=4):
            claimed.extend(batch)
        return claimed

    first, second = run_together(2, sweep)

    ids = Counter(r.review_id for r in first + second)
    assert [review_id for review_id, times in ids.items() if times > 1] == []
    assert {r.measure_id for r in first + second} == due_measures
    assert all(r.customer_name == "Jane Doe" and aware_utc(r.due_at) for r in first + second)
    assert _claim(engine, clock, "third") == []  # live claims are not taken

    for claimant, claimed in (("sweep-0", first), ("sweep-1", second)):
        assert all(confirm_reminder_sent(SqlUnitOfWork(engine), r, claimant, clock) for r in claimed)
    clock.advance(CLAIM_FOR * 3)
    assert _claim(engine, clock, "third") == []  # sent reminders are never claimed again
    assert count(engine, Review, col(Review.reminder_sent_at).is_not(None)) == len(due_measures)
    assert count(engine, AuditEventRecord, col(AuditEventRecord.action) == "review.reminder_sent") == len(due_measures)


def test_an_expired_claim_is_taken_over_and_the_first_claimant_can_no_longer_confirm(
    engine: Engine, clock: MutableClock
) -> None:
    due_measures, _ = _measures_with_reviews(engine, clock)
    crashed = _claim(engine, clock, "crashed")
    assert {r.measure_id for r in crashed} == due_measures

    clock.advance(CLAIM_FOR - timedelta(seconds=1))
    assert _claim(engine, clock, "rescuer") == []  # still held
    clock.advance(timedelta(seconds=2))
    rescued = _claim(engine, clock, "rescuer")
    assert {r.review_id for r in rescued} == {r.review_id for r in crashed}

    assert not confirm_reminder_sent(SqlUnitOfWork(engine), crashed[0], "crashed", clock)
    assert all(confirm_reminder_sent(SqlUnitOfWork(engine), r, "rescuer", clock) for r in rescued)
    clock.advance(timedelta(days=1))
    assert _claim(engine, clock, "anyone") == []


def test_a_released_claim_is_claimable_again_at_once(engine: Engine, clock: MutableClock) -> None:
    _measures_with_reviews(engine, clock)
    held = _claim(engine, clock, "sweep-a", limit=3)
    assert len(held) == 3
    release_reminder(SqlUnitOfWork(engine), held[0], "sweep-a", "Teams said 403", clock)
    again = _claim(engine, clock, "sweep-b", limit=100)
    assert held[0].review_id in {r.review_id for r in again}
    assert not {r.review_id for r in held[1:]} & {r.review_id for r in again}


def test_normalise_url_selects_psycopg_for_plain_postgres_urls() -> None:
    assert normalise_url("postgresql://u:p%40ss@host/db").startswith("postgresql+psycopg://u:p%40ss@host/db")
    assert normalise_url("postgres://h/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


MANAGER = StaffMember("manager", "Morgan Manager")


def _report(engine: Engine, clock: MutableClock, reporter: str, key: str) -> IncidentConfirmation:
    submission = IncidentSubmission(
        submission_key=f"{reporter}:{key}",
        customer_name="Jane Doe",
        channel="telephone",
        actions=("abusive",),
        description="Swore at me.",
        line_manager_id=MANAGER.user_id,
    )
    return report_incident(SqlUnitOfWork(engine), Actor(reporter, reporter), submission, clock)


def _report_or_choice(
    engine: Engine, clock: MutableClock, reporter: str
) -> IncidentConfirmation | CustomerChoiceNeeded:
    try:
        return _report(engine, clock, reporter, "form-1")
    except CustomerChoiceNeeded as choice:
        return choice


def _meet_after(monkeypatch: pytest.MonkeyPatch, cls: type, method: str) -> None:
    """The first call of `method` in each of two threads waits for the other's, so both have read the database
    before either writes. SQLite's write lock keeps the second thread out until the first commits, so there the
    wait times out and the first carries on alone."""
    meeting = threading.Barrier(2, timeout=1)
    met = threading.local()
    original = getattr(cls, method)

    def read_then_meet(self: object, *args: object, **kwargs: object) -> object:
        found = original(self, *args, **kwargs)
        if not getattr(met, "done", False):
            met.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait()
        return found

    monkeypatch.setattr(cls, method, read_then_meet)


def test_retries_of_one_report_arriving_at_once_record_one_incident(engine: Engine, clock: MutableClock) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, MANAGER, clock)
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember("sam", "Sam"), clock)  # known, line manager not yet

    results = run_together(10, lambda _: _report_or_choice(engine, clock, "sam"))

    assert count(engine, IncidentRecord) == 1
    assert count(engine, CustomerRecord) == 1
    assert count(engine, AuditEventRecord, col(AuditEventRecord.action) == "staff.line_manager_set") == 1
    with SqlUnitOfWork(engine) as uow:
        sam = uow.staff.get("sam")
        assert sam is not None and sam.line_manager_id == MANAGER.user_id
    confirmations = [r for r in results if isinstance(r, IncidentConfirmation)]
    assert sum(not c.already_recorded for c in confirmations) == 1
    assert {c.reference for c in confirmations} == {"INC-2026-0001"}


def test_a_retry_racing_the_first_insert_of_a_report_is_answered_with_the_first(
    engine: Engine, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, MANAGER, clock)
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember("sam", "Sam", line_manager_id=MANAGER.user_id), clock)
    _meet_after(monkeypatch, SqlCustomers, "search")  # both find no incident and no customer, then both insert

    results = run_together(2, lambda _: _report(engine, clock, "sam", "form-1"))

    assert sorted(r.already_recorded for r in results) == [False, True]
    assert {r.reference for r in results} == {"INC-2026-0001"}
    assert count(engine, IncidentRecord) == 1
    assert count(engine, CustomerRecord) == 1  # the loser's customer went with its rolled-back transaction


def test_a_retry_arriving_while_the_first_commits_is_answered_with_the_first(
    engine: Engine,
    clock: MutableClock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, MANAGER, clock)
    register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember("sam", "Sam"), clock)
    first_done = threading.Event()
    role = threading.local()
    roles = iter(("first", "retry"))
    roles_lock = threading.Lock()
    by_submission_key = SqlIncidents.by_submission_key
    looked = threading.Barrier(2, timeout=1)

    def look_then_wait(self: SqlIncidents, submission_key: str) -> Incident | None:
        found = by_submission_key(self, submission_key)
        if getattr(role, "name", None) is None:
            with roles_lock:
                role.name = next(roles)
            with contextlib.suppress(threading.BrokenBarrierError):
                looked.wait()  # both have looked the key up (on SQLite the retry is still waiting for the lock)
            if role.name == "retry":
                first_done.wait(timeout=5)  # ... and the retry carries on only once the first has committed
        return found

    monkeypatch.setattr(SqlIncidents, "by_submission_key", look_then_wait)

    def submit(_: int) -> IncidentConfirmation | CustomerChoiceNeeded:
        try:
            return _report_or_choice(engine, clock, "sam")
        finally:
            if getattr(role, "name", None) == "first":
                first_done.set()

    outcomes = run_together(2, submit)

    assert all(isinstance(o, IncidentConfirmation) for o in outcomes), outcomes
    confirmations = [o for o in outcomes if isinstance(o, IncidentConfirmation)]
    assert sorted(c.already_recorded for c in confirmations) == [False, True]
    assert {c.reference for c in confirmations} == {"INC-2026-0001"}
    assert count(engine, IncidentRecord) == 1


def test_two_reports_about_the_same_new_customer_at_once_do_not_add_them_twice(
    engine: Engine,
    clock: MutableClock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    register_staff(SqlUnitOfWork(engine), ADMIN, MANAGER, clock)
    for n in range(2):
        register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(f"reporter-{n}", f"Reporter {n}"), clock)
    _meet_after(monkeypatch, SqlCustomers, "search")

    outcomes = run_together(2, lambda n: _report_or_choice(engine, clock, f"reporter-{n}"))

    assert count(engine, CustomerRecord) == 1
    added = [o for o in outcomes if isinstance(o, IncidentConfirmation)]
    asked = [o for o in outcomes if isinstance(o, CustomerChoiceNeeded)]
    assert len(added) == 1 and len(asked) == 1
    assert [option.customer_id for option in asked[0].options] == [added[0].customer.customer_id]


def test_conversation_references_are_saved_updated_and_found(engine: Engine) -> None:
    store = ConversationReferenceStore(engine)
    store.save("a:old", "personal", "u1", "t1", {"conversation": {"id": "a:old"}, "n": 1})
    store.save("19:team", "channel", "u1", "t1", {"conversation": {"id": "19:team"}})
    store.save("a:new", "personal", "u1", "t1", {"conversation": {"id": "a:new"}, "n": 1})
    store.save("a:new", "personal", "u1", "t1", {"conversation": {"id": "a:new"}, "n": 2})

    assert store.for_conversation("a:new") == {"conversation": {"id": "a:new"}, "n": 2}
    assert store.for_conversation("19:team") == {"conversation": {"id": "19:team"}}
    assert store.for_conversation("missing") is None
    assert store.personal_for_user("u1") == {"conversation": {"id": "a:new"}, "n": 2}  # the latest personal chat
    assert store.personal_for_user("u2") is None


def test_two_first_turns_from_a_new_person_at_once_remember_them_once(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    _meet_after(monkeypatch, SqlStaff, "get")  # both see nobody by that id before either saves

    run_together(2, lambda _: remember_actor(SqlUnitOfWork(engine), Actor("new-person", "New Person")))

    with SqlUnitOfWork(engine) as uow:
        assert uow.staff.get("new-person") == StaffMember("new-person", "New Person")


class _MeetingSession(Session):
    """A Session whose first get() in each thread waits for the other thread's (see _meet_after)."""

    meeting = threading.Barrier(2, timeout=1)
    met = threading.local()

    def get(self, *args: Any, **kwargs: Any) -> Any:
        found = super().get(*args, **kwargs)
        if not getattr(self.met, "done", False):
            self.met.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                self.meeting.wait()
        return found


def test_two_first_turns_in_a_conversation_at_once_store_its_reference(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setattr(_MeetingSession, "meeting", threading.Barrier(2, timeout=1))
    monkeypatch.setattr(_MeetingSession, "met", threading.local())
    monkeypatch.setattr(conversation_references, "Session", _MeetingSession)
    store = ConversationReferenceStore(engine)

    run_together(2, lambda n: store.save("19:team", "channel", None, "t1", {"conversation": {"id": "19:team"}, "n": n}))

    saved = store.for_conversation("19:team")
    assert saved is not None and saved["n"] in (0, 1)
