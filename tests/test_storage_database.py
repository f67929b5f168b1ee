"""What the SQL layer promises beside the ports: URLs pick the psycopg driver, and times go in and come out as
timezone-aware UTC (naive ones are refused) on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from casework.entities import AuditEvent, Decision, NewCustomer
from casework.vocabulary import DecisionOutcome, ManagerOutcome
from storage.database import normalise_url
from storage.tables import CustomerRecord, IncidentRecord, StaffMemberRecord, UTCDateTime
from storage.unit_of_work import SqlUnitOfWork
from storage.upserts import upsert
from tests.contract import records
from tests.storage_checks import aware_utc, count

BST = timezone(timedelta(hours=1))


def test_normalise_url_selects_psycopg_for_plain_postgres_urls() -> None:
    assert normalise_url("postgresql://u:p%40ss@host/db").startswith("postgresql+psycopg://u:p%40ss@host/db")
    assert normalise_url("postgres://h/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_utc_datetime_refuses_naive_datetimes_and_stores_utc(engine: Engine) -> None:
    column_type = UTCDateTime()
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        with pytest.raises(ValueError, match="naive"):
            column_type.process_bind_param(datetime(2026, 11, 28, 10, 0), dialect)
        stored = column_type.process_bind_param(datetime(2026, 11, 28, 10, 0, tzinfo=BST), dialect)
        assert stored == datetime(2026, 11, 28, 9, 0, tzinfo=UTC) and aware_utc(stored)

    with SqlUnitOfWork(engine) as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        uow.commit()
    naive = records.incident(customer_id, "naive-key", occurred_at=datetime(2026, 11, 28, 10, 0))
    with SqlUnitOfWork(engine) as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.incidents.add(naive)
    assert count(engine, IncidentRecord) == 0


def test_every_time_comes_back_aware_and_in_utc_whatever_zone_it_was_given_in(engine: Engine) -> None:
    given = datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=BST)
    with SqlUnitOfWork(engine) as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        incident_id = uow.incidents.add(records.incident(customer_id, "k1", occurred_at=given)).id
        uow.incidents.record_manager_outcome(incident_id, ManagerOutcome.ESCALATE, "manager", given)
        escalation_id = uow.escalations.add(records.escalation(customer_id, requested_at=given)).id
        uow.escalations.add_decision(Decision(escalation_id, DecisionOutcome.APPROVE, "decider", given))
        measure = records.measure(customer_id, escalation_id, starts_at=given, review_due_at=given, ended_at=given)
        measure_id = uow.measures.add(measure).id
        uow.reviews.schedule(measure_id, given)
        uow.audit.record(AuditEvent("u1", "customer.checked", "customer", str(customer_id), given))
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        incident = uow.incidents.get(incident_id)
        escalation = uow.escalations.get(escalation_id)
        decision = uow.escalations.decision_for(escalation_id)
        stored_measure = uow.measures.get(measure_id)
        assert incident and escalation and decision and stored_measure
        (review,) = uow.reviews.for_measure(measure_id)
        (event,) = uow.audit.events()
        times = [
            incident.occurred_at,
            incident.manager_outcome_at,
            escalation.requested_at,
            decision.decided_at,
            stored_measure.starts_at,
            stored_measure.review_due_at,
            stored_measure.ended_at,
            review.due_at,
            event.at,
        ]
    assert times == [given] * len(times)
    assert all(aware_utc(moment) for moment in times)
    with Session(engine) as session:
        assert aware_utc(session.get_one(CustomerRecord, customer_id).created_at)


def test_an_upsert_inserts_then_updates_and_leaves_no_stale_copy_in_the_session(engine: Engine) -> None:
    values = {"user_id": "u1", "name": "Una", "is_determination_team": False}
    with Session(engine) as session:
        upsert(session, StaffMemberRecord, values, primary_key=["user_id"])
        held = session.get_one(StaffMemberRecord, "u1")  # the session now holds a copy of the row
        upsert(session, StaffMemberRecord, {**values, "name": "Una Updated"}, primary_key=["user_id"])
        assert session.get_one(StaffMemberRecord, "u1").name == "Una Updated"
        assert held.name == "Una Updated"
        session.commit()
    assert count(engine, StaffMemberRecord) == 1
