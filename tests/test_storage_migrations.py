"""Migrations on both databases: idempotent, current only at the newest revision, safe to run from several
instances at once, upgrading first-release data, and a server on a current database never loading Alembic."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from casework.customer_query import interpret
from casework.entities import Actor, StaffMember
from casework.staff import register_staff
from casework.vocabulary import ActingParty, EscalationState, ServiceArea
from storage.database import create_database_engine
from storage.migrate import alembic_config, head_revision, is_current, upgrade
from storage.tables import UTCDateTime
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor("admin", "Admin")
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
    "tenant_service_url",
}


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
            assert uow.staff.get("u1") == StaffMember("u1", "Una", listed=True)
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
    # Separate processes, as separate instances would be (Alembic's context is process-global, not per thread).
    code = "import sys; from storage.migrate import upgrade; upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, empty_database_url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    failures = [p.stderr.read() if p.stderr else "" for p in processes if p.wait(timeout=60) != 0]
    assert failures == []

    tables, versions = _schema(empty_database_url)
    assert tables >= EXPECTED_TABLES
    assert versions == [HEAD]


def test_upgrading_a_database_with_first_release_data_keeps_it_usable(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "0001")
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
    engine = create_database_engine(empty_database_url)
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

    upgrade(empty_database_url)

    assert _schema(empty_database_url)[1] == [HEAD]
    engine = create_database_engine(empty_database_url)
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
            assert [c.id for c in uow.customers.search(interpret("Jane Doe"))] == [1]
            assert [c.id for c in uow.customers.search(interpret("jane doee"))] == [
                1
            ]  # the name-search words were built for her
    finally:
        engine.dispose()


def test_an_immediate_restriction_unconfirmed_before_0023_gets_the_default_window(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "0022")
    before = sa.MetaData()
    customer = sa.Table(
        "customer", before, sa.Column("id", sa.Integer), sa.Column("name", sa.String),
        sa.Column("name_key", sa.String), sa.Column("created_at", UTCDateTime()),
    )  # fmt: skip
    escalation = sa.Table(
        "escalation", before, sa.Column("id", sa.Integer), sa.Column("customer_id", sa.Integer),
        sa.Column("kind", sa.String), sa.Column("reason", sa.Text), sa.Column("requested_by", sa.String),
        sa.Column("requested_at", UTCDateTime()), sa.Column("restrictions", sa.JSON), sa.Column("state", sa.String),
        sa.Column("serious_threat", sa.String),
    )  # fmt: skip
    vote = sa.Table(
        "vote", before, sa.Column("escalation_id", sa.Integer), sa.Column("member_id", sa.String),
        sa.Column("outcome", sa.String), sa.Column("at", UTCDateTime()), sa.Column("notes", sa.Text),
        sa.Column("alternatives_considered", sa.Boolean),
    )  # fmt: skip
    decision = sa.Table(
        "decision", before, sa.Column("escalation_id", sa.Integer), sa.Column("outcome", sa.String),
        sa.Column("decided_by", sa.String), sa.Column("decided_at", UTCDateTime()), sa.Column("notes", sa.Text),
    )  # fmt: skip
    measure = sa.Table(
        "measure", before, sa.Column("id", sa.Integer), sa.Column("customer_id", sa.Integer),
        sa.Column("kind", sa.String), sa.Column("escalation_id", sa.Integer), sa.Column("starts_at", UTCDateTime()),
        sa.Column("review_due_at", UTCDateTime()), sa.Column("case_owner_id", sa.String),
        sa.Column("restrictions", sa.JSON), sa.Column("terms", sa.JSON),
    )  # fmt: skip
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    engine = create_database_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(customer.insert(), [{"id": 1, "name": "Jane Doe", "name_key": "jane doe", "created_at": at}])
        for escalation_id, votes in ((1, ("harper",)), (2, ("harper", "casey"))):
            connection.execute(
                escalation.insert(),
                [{"id": escalation_id, "customer_id": 1, "kind": "restriction", "reason": "r", "requested_by": "m",
                  "requested_at": at, "restrictions": ["written_only"], "state": "approved",
                  "serious_threat": "credible_threat_to_harm"}],
            )  # fmt: skip
            connection.execute(
                vote.insert(),
                [
                    {
                        "escalation_id": escalation_id,
                        "member_id": m,
                        "outcome": "approve",
                        "at": at,
                        "notes": "",
                        "alternatives_considered": True,
                    }
                    for m in votes
                ],
            )
            connection.execute(
                decision.insert(),
                [{"escalation_id": escalation_id, "outcome": "approve", "decided_by": "harper", "decided_at": at, "notes": ""}],
            )  # fmt: skip
            connection.execute(
                measure.insert(),
                [{"id": escalation_id, "customer_id": 1, "kind": "restriction", "escalation_id": escalation_id,
                  "starts_at": at, "review_due_at": at + timedelta(days=90), "case_owner_id": "m",
                  "restrictions": ["written_only"], "terms": {}}],
            )  # fmt: skip
    engine.dispose()

    upgrade(empty_database_url)

    engine = create_database_engine(empty_database_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            unconfirmed, confirmed = (uow.measures.get(1), uow.measures.get(2))
            assert unconfirmed is not None and unconfirmed.confirm_by == at + timedelta(hours=24)
            assert confirmed is not None and confirmed.confirm_by is None
    finally:
        engine.dispose()
