"""Retention (issue 19) on SQLite and PostgreSQL: a dataset of expired and not-expired records of every kind, and of
records that would have expired but are linked to something open; retention removes exactly what has expired (checked
by direct queries), a dry run removes nothing and reports the same, the audit records it without personal data and
still verifies, a second run removes nothing more, and one instance a day runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, col, select

from casework import policy
from casework.configuration import DecisionRules, RetentionPeriods
from casework.customer_checks import customer_history, show_customer
from casework.entities import (
    Actor,
    AuditEvent,
    CustomerFile,
    RetainedAppeal,
    RetainedCorrespondence,
    RetainedEscalation,
    RetainedIncident,
    RetainedMeasure,
    RetainedReview,
    StaffMember,
)
from casework.escalations import view_escalation
from casework.policy import add_months
from casework.retention import apply_retention, run_daily_retention
from casework.staff import register_staff
from casework.vocabulary import EscalationState, RetainedKind
from storage.audit_chain import verify_audit_chain
from storage.database import create_database_engine
from storage.repositories.retention import SqlRetention
from storage.tables import (
    AppealRecord,
    AuditEventRecord,
    CorrespondenceItemRecord,
    CustomerNameToken,
    CustomerRecord,
    DecisionRecord,
    EscalationIncident,
    EscalationRecord,
    IncidentAmendmentRecord,
    IncidentRecord,
    LetterRecord,
    MeasureRecord,
    OmbudsmanSignpostingRecord,
    RepresentativeRecord,
    Review,
    VoteRecord,
)
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot
from tests.storage_checks import run_together

ROOT = Path(__file__).resolve().parent.parent
PERIODS = RetentionPeriods()
NOW = datetime(2033, 6, 1, 12, 0, tzinfo=UTC)


def years_ago(now: datetime, years: float) -> datetime:
    return add_months(now, -round(12 * years))


# The dataset ---------------------------------------------------------------------------------------------------------


@dataclass
class Built:
    """Ids of what the dataset holds, per table, and of what retention must remove."""

    names: dict[str, str] = field(default_factory=dict)
    """Each customer's name (and its representative's), by label: none of the removed ones may stay in the audit."""
    customers: dict[str, int] = field(default_factory=dict)
    expected: dict[str, set[int]] = field(default_factory=dict)
    expected_customers_removed: set[int] = field(default_factory=set)
    redacted_audit: set[int] = field(default_factory=set)
    kept_audit: set[int] = field(default_factory=set)

    def expect(self, kind: RetainedKind | str, *ids: int) -> None:
        self.expected.setdefault(str(kind), set()).update(ids)


class Builder:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.built = Built()
        self._keys = 0

    def add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def key(self) -> str:
        self._keys += 1
        return f"key-{self._keys}"

    def customer(self, label: str, created_years_ago: float = 9) -> int:
        name = f"Retention {label.title()} Person"
        row = self.add(
            CustomerRecord(name=name, name_key=name.lower(), created_at=years_ago(self.now, created_years_ago))
        )
        for token in name.lower().split():
            self.add(CustomerNameToken(customer_id=row.id, token=token, prefix2=token[:2], prefix3=token[:3]))
        self.built.customers[label] = row.id
        self.built.names[label] = name
        return int(row.id)

    def representative(self, customer_id: int, label: str) -> int:
        name = f"Representative Of {label.title()}"
        self.built.names[f"{label} representative"] = name
        return int(
            self.add(
                RepresentativeRecord(customer_id=customer_id, name=name, relationship="daughter", authority="consent")
            ).id
        )

    def incident(self, customer_id: int, at: datetime, amended: bool = False) -> tuple[int, list[int]]:
        row = self.add(
            IncidentRecord(
                customer_id=customer_id,
                reported_by="staff-1",
                occurred_at=at,
                created_at=at,
                channel="telephone",
                actions=["abusive"],
                description="Shouted at staff.",
                submission_key=self.key(),
            )
        )
        amendments = []
        if amended:
            amendments.append(
                self.add(
                    IncidentAmendmentRecord(
                        incident_id=row.id,
                        version=1,
                        amended_at=at + timedelta(days=1),
                        amended_by="staff-1",
                        reason="typo",
                        before={"description": "Shoted"},
                        after={"description": "Shouted"},
                    )
                ).id
            )
        return int(row.id), amendments

    def escalation(
        self, customer_id: int, at: datetime, incident_ids: list[int], state: str = "approved"
    ) -> tuple[int, int | None]:
        row = self.add(
            EscalationRecord(
                customer_id=customer_id,
                kind="restriction",
                reason="Repeated abuse.",
                requested_by="manager-1",
                requested_at=at,
                restrictions=["written_only"],
                state=state,
                submission_key=self.key(),
            )
        )
        for incident_id in incident_ids:
            self.add(EscalationIncident(escalation_id=row.id, incident_id=incident_id))
        decision_id = None
        if state in ("approved", "declined"):
            self.add(VoteRecord(escalation_id=row.id, member_id="team-1", outcome="approve", at=at))
            decision_id = self.add(
                DecisionRecord(
                    escalation_id=row.id, outcome="approve", decided_by="team-1", decided_at=at, notes="Agreed."
                )
            ).id
        return int(row.id), decision_id

    def measure(
        self,
        customer_id: int,
        escalation_id: int,
        starts: datetime,
        ended: datetime | None,
        confirm_by: datetime | None = None,
        review_decided: bool = True,
    ) -> dict[str, int]:
        row = self.add(
            MeasureRecord(
                customer_id=customer_id,
                kind="restriction",
                escalation_id=escalation_id,
                starts_at=starts,
                review_due_at=add_months(starts, 3),
                ended_at=ended,
                case_owner_id="manager-1",
                restrictions=["written_only"],
                confirm_by=confirm_by,
            )
        )
        review = self.add(
            Review(
                measure_id=row.id,
                due_at=add_months(starts, 3),
                decided_at=add_months(starts, 3) if review_decided else None,
                outcome="lift" if review_decided else None,
            )
        )
        letter = self.add(
            LetterRecord(
                measure_id=row.id,
                kind="restriction",
                version=1,
                content={"body": "You must write to us."},
                created_at=starts,
                created_by="manager-1",
                collected_by="Collector Somebody",
            )
        )
        return {"measure": int(row.id), "review": int(review.id), "letter": int(letter.id)}

    def correspondence(self, measure_id: int, at: datetime, reviewed: bool = True) -> int:
        return int(
            self.add(
                CorrespondenceItemRecord(
                    measure_id=measure_id,
                    received_on=at.date(),
                    channel="letter",
                    summary="Another letter.",
                    logged_by="staff-1",
                    logged_at=at,
                    reviewer_id="manager-1",
                    submission_key=self.key(),
                    reviewed_at=at + timedelta(days=1) if reviewed else None,
                    reviewed_by="manager-1" if reviewed else None,
                    outcome="no_new_information" if reviewed else None,
                )
            ).id
        )

    def appeal(self, customer_id: int, measure_id: int, at: datetime, decided: bool = True) -> int:
        return int(
            self.add(
                AppealRecord(
                    customer_id=customer_id,
                    measure_id=measure_id,
                    kind="appeal",
                    decision="restriction",
                    received_on=at.date(),
                    channel="letter",
                    grounds="Unfair.",
                    recorded_by="staff-1",
                    recorded_at=at,
                    outcome="upheld" if decided else None,
                    decided_by="team-2" if decided else None,
                    decided_at=at + timedelta(days=10) if decided else None,
                )
            ).id
        )

    def signposting(self, customer_id: int, on: date) -> int:
        return int(
            self.add(
                OmbudsmanSignpostingRecord(
                    customer_id=customer_id,
                    matter="Housing complaint",
                    signposted_on=on,
                    recorded_by="staff-1",
                    recorded_at=datetime.combine(on, datetime.min.time(), UTC),
                )
            ).id
        )

    def expired_case_file(self, customer_id: int, **open_things: bool) -> dict[str, list[int]]:
        """A case that ended seven years ago: every part has been kept its period (incidents six years after the
        measure ended). `open_things` leave one part open instead."""
        now = self.now
        ended = years_ago(now, 7)
        incident, amendments = self.incident(customer_id, years_ago(now, 8), amended=True)
        escalation, decision = self.escalation(customer_id, years_ago(now, 8), [incident])
        parts = self.measure(customer_id, escalation, years_ago(now, 7.9), ended)
        item = self.correspondence(
            parts["measure"], years_ago(now, 7.5), reviewed=not open_things.get("unreviewed_correspondence")
        )
        appeal = self.appeal(customer_id, parts["measure"], years_ago(now, 7.8), decided=not open_things.get("appeal"))
        signposting = self.signposting(customer_id, years_ago(now, 7).date())
        return {
            "incident": [incident],
            "incident_amendment": amendments,
            "escalation": [escalation],
            "decision": [decision] if decision else [],
            "measure": [parts["measure"]],
            "review": [parts["review"]],
            "letter": [parts["letter"]],
            "correspondence": [item],
            "appeal": [appeal],
            "signposting": [signposting],
        }


def lookup(engine: Engine, at: datetime, action: str, record_id: str, record_type: str = "", **detail: str) -> int:
    with SqlUnitOfWork(engine) as uow:
        kind = record_type or action.partition(".")[0]
        uow.audit.record(AuditEvent("staff-1", action, kind, record_id, at, detail))
        uow.commit()
    with Session(engine) as session:
        return int(session.exec(select(AuditEventRecord.id).order_by(col(AuditEventRecord.id).desc())).first() or 0)


def build_dataset(engine: Engine, now: datetime) -> Built:
    with Session(engine) as session:
        b = Builder(session, now)
        built = b.built

        # Everything expired: all of it goes, the customer too, with their representative and name tokens.
        gone = b.customer("expired")
        rep = b.representative(gone, "expired")
        for kind, ids in b.expired_case_file(gone).items():
            built.expect(kind, *ids)
        built.expect(RetainedKind.REPRESENTATIVE, rep)
        built.expect(RetainedKind.CUSTOMER, gone)
        built.expected_customers_removed.add(gone)

        # Partly expired: a measure ended eight months ago goes with its review and letter; another ended as long
        # ago stays, held by correspondence still within its twelve months; the incidents stay six years from those
        # ends; an old signposting goes, a recent one stays.
        partly = b.customer("partly")
        b.representative(partly, "partly")
        old_incident, _ = b.incident(partly, years_ago(now, 10))
        first_incident, _ = b.incident(partly, years_ago(now, 2))
        escalation_1, _ = b.escalation(partly, years_ago(now, 2), [first_incident])
        ended = add_months(now, -8)
        first = b.measure(partly, escalation_1, years_ago(now, 1.9), ended)
        second_incident, _ = b.incident(partly, years_ago(now, 2))
        escalation_2, _ = b.escalation(partly, years_ago(now, 2), [second_incident])
        second = b.measure(partly, escalation_2, years_ago(now, 1.9), ended)
        b.correspondence(second["measure"], add_months(now, -9))
        built.expect(RetainedKind.MEASURE, first["measure"])
        built.expect(RetainedKind.REVIEW, first["review"])
        built.expect(RetainedKind.LETTER, first["letter"])
        built.expect(RetainedKind.SIGNPOSTING, b.signposting(partly, years_ago(now, 7).date()))
        b.signposting(partly, years_ago(now, 2).date())
        assert old_incident

        # Each would have expired but is linked to something open: nothing of theirs goes.
        held = b.customer("pending escalation")
        b.expired_case_file(held)
        new_incident, _ = b.incident(held, now - timedelta(days=3))
        b.escalation(held, now - timedelta(days=2), [new_incident], state="pending")

        held = b.customer("measure in force")
        b.expired_case_file(held)
        incident, _ = b.incident(held, years_ago(now, 7.5))
        escalation, _ = b.escalation(held, years_ago(now, 7.5), [incident])
        b.measure(held, escalation, years_ago(now, 7.4), None)

        held = b.customer("unconfirmed")
        b.expired_case_file(held)
        incident, _ = b.incident(held, now - timedelta(days=2))
        escalation, _ = b.escalation(held, now - timedelta(days=2), [incident])
        b.measure(held, escalation, now - timedelta(days=2), None, confirm_by=now - timedelta(hours=1))

        held = b.customer("open appeal")
        b.expired_case_file(held, appeal=True)

        held = b.customer("pending review")
        b.expired_case_file(held)
        incident, _ = b.incident(held, years_ago(now, 1))
        escalation, _ = b.escalation(held, years_ago(now, 1), [incident])
        b.measure(held, escalation, years_ago(now, 0.9), now + timedelta(days=30), review_decided=False)

        held = b.customer("unreviewed correspondence")
        b.expired_case_file(held, unreviewed_correspondence=True)

        # A customer with nothing on file: kept while as young as an incident may be, removed once older.
        b.customer("new and empty", created_years_ago=1)
        old_empty = b.customer("old and empty", created_years_ago=7)
        built.expect(RetainedKind.CUSTOMER, old_empty)
        built.expected_customers_removed.add(old_empty)
        session.commit()
        gone_letter = next(iter(built.expected["letter"] - {first["letter"]}))

    # The audit: lookups older than a year are redacted, recent ones and everything else stay as written; events
    # naming the removed customer (a lookup typed with their name, their representative) or who collected their
    # letter are redacted with them, however recent.
    lookups, naming = set(), set()
    for at in (years_ago(now, 2), add_months(now, -1)):
        naming.add(lookup(engine, at, "customer.checked", str(gone), query=built.names["expired"]))
    lookups.add(lookup(engine, years_ago(now, 3), "customer.searched", "", query="Retention Exp"))
    lookups.add(lookup(engine, add_months(now, -13), "escalation.viewed", "4"))
    lookups.add(lookup(engine, add_months(now, -14), "customer.history_viewed", str(partly)))
    naming.add(
        lookup(
            engine,
            years_ago(now, 8),
            "representative.added",
            str(gone),
            record_type="customer",
            representative=built.names["expired representative"],
        )
    )
    naming.add(lookup(engine, years_ago(now, 7.5), "letter.collected", str(gone_letter), by="Collector Somebody"))
    built.kept_audit.add(lookup(engine, add_months(now, -1), "customer.checked", str(partly), query="Retention P"))
    built.kept_audit.add(lookup(engine, years_ago(now, 10), "incident.reported", "1"))
    built.kept_audit.add(
        lookup(
            engine,
            years_ago(now, 2),
            "representative.added",
            str(partly),
            record_type="customer",
            representative=built.names["partly representative"],
        )
    )
    built.redacted_audit = lookups | naming
    built.expect(RetainedKind.LOOKUP_AUDIT, *lookups)
    built.expect("audit_naming", *naming)
    return built


TABLES: tuple[type[SQLModel], ...] = (
    CustomerRecord,
    CustomerNameToken,
    RepresentativeRecord,
    IncidentRecord,
    IncidentAmendmentRecord,
    EscalationRecord,
    VoteRecord,
    EscalationIncident,
    DecisionRecord,
    MeasureRecord,
    Review,
    LetterRecord,
    CorrespondenceItemRecord,
    AppealRecord,
    OmbudsmanSignpostingRecord,
)
KIND_TABLE: dict[str, type[SQLModel]] = {
    "customer": CustomerRecord,
    "representative": RepresentativeRecord,
    "incident": IncidentRecord,
    "incident_amendment": IncidentAmendmentRecord,
    "escalation": EscalationRecord,
    "decision": DecisionRecord,
    "measure": MeasureRecord,
    "review": Review,
    "letter": LetterRecord,
    "correspondence": CorrespondenceItemRecord,
    "appeal": AppealRecord,
    "signposting": OmbudsmanSignpostingRecord,
}


def snapshot(engine: Engine) -> dict[str, set[Any]]:
    """Every row of the case tables by primary key, straight from the database."""
    found: dict[str, set[Any]] = {}
    with engine.connect() as connection:
        for model in TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            keys = list(table.primary_key.columns)
            found[table.name] = {tuple(row) for row in connection.execute(select(*keys))}
    return found


def audit_rows(engine: Engine) -> list[AuditEventRecord]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEventRecord).order_by(col(AuditEventRecord.id))))


def _customer_rows(before: dict[str, set[Any]], engine: Engine, customer_id: int) -> dict[str, int]:
    """How many rows refer to this customer, table by table (directly or through their measure or escalation)."""
    queries = {
        "customer": "SELECT count(*) FROM customer WHERE id = :c",
        "customer_name_token": "SELECT count(*) FROM customer_name_token WHERE customer_id = :c",
        "representative": "SELECT count(*) FROM representative WHERE customer_id = :c",
        "incident": "SELECT count(*) FROM incident WHERE customer_id = :c",
        "incident_amendment": "SELECT count(*) FROM incident_amendment a JOIN incident i ON i.id = a.incident_id "
        "WHERE i.customer_id = :c",
        "escalation": "SELECT count(*) FROM escalation WHERE customer_id = :c",
        "vote": "SELECT count(*) FROM vote v JOIN escalation e ON e.id = v.escalation_id WHERE e.customer_id = :c",
        "decision": "SELECT count(*) FROM decision d JOIN escalation e ON e.id = d.escalation_id "
        "WHERE e.customer_id = :c",
        "measure": "SELECT count(*) FROM measure WHERE customer_id = :c",
        "review": "SELECT count(*) FROM review r JOIN measure m ON m.id = r.measure_id WHERE m.customer_id = :c",
        "letter": "SELECT count(*) FROM letter l JOIN measure m ON m.id = l.measure_id WHERE m.customer_id = :c",
        "correspondence_item": "SELECT count(*) FROM correspondence_item x JOIN measure m ON m.id = x.measure_id "
        "WHERE m.customer_id = :c",
        "appeal": "SELECT count(*) FROM appeal WHERE customer_id = :c",
        "ombudsman_signposting": "SELECT count(*) FROM ombudsman_signposting WHERE customer_id = :c",
    }
    with engine.connect() as connection:
        return {name: int(connection.execute(text(q), {"c": customer_id}).scalar_one()) for name, q in queries.items()}


HELD = ("pending escalation", "measure in force", "unconfirmed", "open appeal", "pending review",
        "unreviewed correspondence")  # fmt: skip


# The tests -----------------------------------------------------------------------------------------------------------


def test_retention_removes_exactly_what_has_expired_and_nothing_held_by_something_open(engine: Engine) -> None:
    built = build_dataset(engine, NOW)
    before = snapshot(engine)
    held_before = {label: _customer_rows(before, engine, built.customers[label]) for label in HELD}

    report = apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)

    reported = {kind: set(ids) for kind, ids in report.removed.items() if ids}
    assert reported == built.expected
    after = snapshot(engine)
    for kind, model in KIND_TABLE.items():
        name = model.__table__.name  # type: ignore[attr-defined]
        assert before[name] - after[name] == {(i,) for i in built.expected.get(kind, set())}, kind
    assert after["vote"] == {v for v in before["vote"] if v[0] not in built.expected["escalation"]}
    assert after["escalation_incident"] == {
        link for link in before["escalation_incident"] if link[0] not in built.expected["escalation"]
    }
    assert after["customer_name_token"] == {
        t for t in before["customer_name_token"] if t[0] not in built.expected_customers_removed
    }
    # Every customer linked to something open keeps every row, though all but the open part had expired.
    for label in HELD:
        assert _customer_rows(after, engine, built.customers[label]) == held_before[label], label
    assert report.customers_held == len(HELD)
    # The partly expired customer's incidents now count from the removed measure's end.
    with Session(engine) as session:
        partly = session.get(CustomerRecord, built.customers["partly"])
        assert partly is not None and partly.retention_anchor_at == add_months(NOW, -8)


def test_a_dry_run_removes_nothing_and_reports_what_a_real_run_then_removes(engine: Engine) -> None:
    built = build_dataset(engine, NOW)
    before, audit_before = snapshot(engine), audit_rows(engine)

    dry = apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW, dry_run=True)

    assert snapshot(engine) == before
    assert [(r.id, r.hash, r.detail) for r in audit_rows(engine)] == [(r.id, r.hash, r.detail) for r in audit_before]
    real = apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)
    assert dry.counts() == real.counts() and dry.total > 0
    assert {k: sorted(v) for k, v in dry.removed.items() if v} == {k: sorted(v) for k, v in real.removed.items() if v}
    assert {k: set(v) for k, v in dry.removed.items() if v} == built.expected


def test_a_second_run_removes_nothing_more(engine: Engine) -> None:
    build_dataset(engine, NOW)
    apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)
    before, events = snapshot(engine), len(audit_rows(engine))

    again = apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)

    assert again.total == 0 and again.counts() == {}
    assert snapshot(engine) == before
    assert len(audit_rows(engine)) == events


def test_the_audit_records_the_removal_without_personal_data_and_still_verifies(engine: Engine) -> None:
    built = build_dataset(engine, NOW)
    head_before = verify_audit_chain(engine).head

    apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)

    rows = audit_rows(engine)
    removed = [r for r in rows if r.action == "retention.removed"]
    assert {r.record_id for r in removed} == {
        str(built.customers[label]) for label in ("expired", "partly", "old and empty")
    }
    expired = next(r for r in removed if r.record_id == str(built.customers["expired"]))
    assert expired.detail["incident"] == "1" and expired.detail["customer"] == "1"
    assert expired.detail["incident_ids"] == ",".join(str(i) for i in sorted(built.expected["incident"]))
    assert all(key.removesuffix("_ids") in {*KIND_TABLE, "audit_naming"} for key in expired.detail)
    assert all(value.replace(",", "").isdigit() for value in expired.detail.values())
    # No name of a removed customer, their representative or who collected their letter stays anywhere in the trail.
    dumped = json.dumps([(r.actor_id, r.record_id, r.detail) for r in rows], ensure_ascii=False)
    for name in (built.names["expired"], built.names["expired representative"], "Collector Somebody", "Retention Exp"):
        assert name not in dumped
    by_id = {r.id: r for r in rows}
    for event_id in built.redacted_audit:
        row = by_id[event_id]
        assert row.redacted_in is not None and row.detail == {} and row.actor_id == "" and row.record_id == ""
        assert by_id[row.redacted_in].action == "audit.redacted"
    for event_id in built.kept_audit:
        assert by_id[event_id].redacted_in is None and by_id[event_id].actor_id == "staff-1"
    report = verify_audit_chain(engine)
    assert report.intact, report.broken
    assert report.redacted == len(built.redacted_audit)
    # Redaction keeps every hash: the head recorded before the run is still a row of the chain.
    assert any(r.hash == head_before for r in rows)


@contextmanager
def _append_only_lifted(connection: Connection) -> Iterator[None]:
    """What someone with the database's own credentials could do: take the refusal off, change rows, put it back."""
    if connection.dialect.name == "sqlite":
        found = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_event_no_%'")
        )
        triggers = [(str(name), str(sql)) for name, sql in found]
        for name, _ in triggers:
            connection.execute(text(f"DROP TRIGGER {name}"))
        yield
        for _, sql in triggers:
            connection.execute(text(sql))
    else:
        connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"))
        yield
        connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update"))


def test_tampering_after_a_retention_run_is_still_found(engine: Engine) -> None:
    build_dataset(engine, NOW)
    apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)
    assert verify_audit_chain(engine).intact
    rows = audit_rows(engine)
    kept = next(r for r in rows if r.action == "incident.reported")
    voucher = next(r for r in rows if r.action == "audit.redacted")

    # Passing off a removal as a redaction: blanking an event retention did not redact, pointing at a real voucher.
    with engine.begin() as connection, _append_only_lifted(connection):
        connection.execute(
            text(
                "UPDATE audit_event SET actor_id = '', record_id = '', detail = '{}', redacted_in = :v WHERE id = :id"
            ),
            {"v": voucher.id, "id": kept.id},
        )
    report = verify_audit_chain(engine)
    assert report.broken is not None and "redacted" in report.broken.reason

    # Put back, it verifies again; an ordinary change to an event retention left alone is found at that event.
    with engine.begin() as connection, _append_only_lifted(connection):
        connection.execute(
            text("UPDATE audit_event SET actor_id = :a, record_id = :r, detail = :d, redacted_in = NULL "
                 "WHERE id = :id"),
            {"a": kept.actor_id, "r": kept.record_id, "d": json.dumps(kept.detail), "id": kept.id},
        )  # fmt: skip
    assert verify_audit_chain(engine).intact
    other = next(r for r in rows if r.action == "retention.removed")
    with engine.begin() as connection, _append_only_lifted(connection):
        connection.execute(
            text("UPDATE audit_event SET detail = :d WHERE id = :id"), {"d": '{"customer":"9"}', "id": other.id}
        )
    report = verify_audit_chain(engine)
    assert report.broken is not None and report.broken.event_id == other.id


def test_the_database_allows_redacting_only_lookups_and_naming_events_and_only_once(engine: Engine) -> None:
    built = build_dataset(engine, NOW)
    apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)
    rows = audit_rows(engine)
    kept_lookup = next(r for r in rows if r.id in built.kept_audit and r.action == "customer.checked")
    not_a_lookup = next(r for r in rows if r.action == "incident.reported")
    redacted = next(r for r in rows if r.redacted_in is not None)
    blank = "UPDATE audit_event SET actor_id = '', record_id = '', detail = '{}', redacted_in = :v WHERE id = :id"
    for row in (not_a_lookup, redacted):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(blank), {"v": rows[-1].id, "id": row.id})
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": redacted.id})
    # A redaction that keeps the actor is refused too: only the blanking retention does is allowed.
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_event SET detail = '{}', redacted_in = :v WHERE id = :id"),
            {"v": rows[-1].id, "id": kept_lookup.id},
        )
    assert verify_audit_chain(engine).intact


def test_only_one_instance_runs_it_once_a_day(engine: Engine) -> None:
    build_dataset(engine, NOW)
    clock = MutableClock(NOW)

    results = run_together(2, lambda _: run_daily_retention(SqlUnitOfWork(engine), PERIODS, clock))

    ran = [r for r in results if r is not None]
    assert len(ran) == 1 and ran[0].total > 0
    assert run_daily_retention(SqlUnitOfWork(engine), PERIODS, clock) is None
    clock.advance(timedelta(days=1))
    tomorrow = run_daily_retention(SqlUnitOfWork(engine), PERIODS, clock)
    assert tomorrow is not None and tomorrow.total == 0


async def test_the_sweep_runs_retention_once_a_day(bot: RunningBot, clock: MutableClock) -> None:
    engine = create_database_engine(bot.database_url)
    try:
        built = build_dataset(engine, clock.now)
        report = await bot.sweep.apply_retention()
        assert report is not None and {k: set(v) for k, v in report.removed.items() if v} == built.expected
        assert await bot.sweep.apply_retention() is None
        with Session(engine) as session:
            assert session.get(CustomerRecord, built.customers["expired"]) is None
    finally:
        engine.dispose()


def _admin(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DEVELOPMENT_MODE": "true"}
    return subprocess.run(
        [sys.executable, "admin.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_admin_retention_dry_run_prints_counts_and_ids_and_no_names(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        # The command uses the real clock: the dataset is built around today.
        built = build_dataset(engine, datetime.now(UTC))
        before = snapshot(engine)

        dry = _admin(database_url, "retention", "--dry-run")

        assert dry.returncode == 0, dry.stderr
        assert snapshot(engine) == before
        assert "Would remove" in dry.stdout
        incidents = ", ".join(str(i) for i in sorted(built.expected["incident"]))
        assert f"  incident: {len(built.expected['incident'])} ({incidents})" in dry.stdout
        for name in built.names.values():
            assert name not in dry.stdout
        done = _admin(database_url, "retention")
        assert done.returncode == 0, done.stderr
        assert done.stdout.replace("Removed", "Would remove") == dry.stdout
        with Session(engine) as session:
            assert session.get(CustomerRecord, built.customers["expired"]) is None
        verified = _admin(database_url, "verify-audit")
        assert verified.returncode == 0 and "redacted by retention" in verified.stdout
    finally:
        engine.dispose()


# The rules, as pure functions --------------------------------------------------------------------------------------

OLD = years_ago(NOW, 8)
ENDED = years_ago(NOW, 7)


def _file(**changes: Any) -> CustomerFile:
    measure = RetainedMeasure(2, 1, OLD, ENDED, reviews=(RetainedReview(3, OLD),), letter_ids=(4,))
    values: dict[str, Any] = {
        "customer_id": 1,
        "created_at": OLD,
        "incidents": (RetainedIncident(5, OLD, OLD),),
        "escalations": (RetainedEscalation(1, EscalationState.APPROVED, OLD, (5,), 6, OLD),),
        "measures": (measure,),
        "correspondence": (RetainedCorrespondence(7, 2, OLD, OLD),),
        "appeals": (RetainedAppeal(8, 2, OLD, OLD),),
    }
    values.update(changes)
    return CustomerFile(**values)


def test_an_expired_file_goes_whole_and_the_customer_with_it() -> None:
    decision = policy.expired_records(_file(), PERIODS, NOW)
    assert decision.holds == () and decision.remove_customer
    assert decision.expired[RetainedKind.LETTER] == (4,) and decision.expired[RetainedKind.REVIEW] == (3,)


@pytest.mark.parametrize(
    ("changes", "hold"),
    [
        ({"escalations": (RetainedEscalation(1, EscalationState.PENDING, OLD, (5,)),)}, policy.HOLD_PENDING_ESCALATION),
        (
            {"escalations": (RetainedEscalation(1, EscalationState.MORE_INFORMATION, OLD, (5,)),)},
            policy.HOLD_PENDING_ESCALATION,
        ),
        ({"measures": (RetainedMeasure(2, 1, OLD, None),)}, policy.HOLD_MEASURE_IN_FORCE),
        ({"measures": (RetainedMeasure(2, 1, NOW + timedelta(days=1), None),)}, policy.HOLD_MEASURE_IN_FORCE),
        ({"measures": (RetainedMeasure(2, 1, OLD, None, confirm_by=NOW),)}, policy.HOLD_UNCONFIRMED),
        ({"appeals": (RetainedAppeal(8, 2, OLD, None),)}, policy.HOLD_OPEN_APPEAL),
        (
            {"measures": (RetainedMeasure(2, 1, OLD, NOW + timedelta(days=1), reviews=(RetainedReview(3, None),)),)},
            policy.HOLD_PENDING_REVIEW,
        ),
        ({"correspondence": (RetainedCorrespondence(7, 2, OLD, None),)}, policy.HOLD_UNREVIEWED_CORRESPONDENCE),
    ],
)
def test_anything_open_holds_the_whole_file(changes: dict[str, Any], hold: str) -> None:
    decision = policy.expired_records(_file(**changes), PERIODS, NOW)
    assert hold in decision.holds
    assert decision.expired == {} and not decision.remove_customer and not decision.removes_anything


def test_an_undecided_review_of_an_ended_measure_holds_nothing() -> None:
    """It can no longer be decided (casework/reviews.py refuses a review of an ended measure), as the reviews list
    shows it: not pending."""
    ended = RetainedMeasure(2, 1, OLD, ENDED, reviews=(RetainedReview(3, None),))
    assert policy.retention_holds(_file(measures=(ended,)), NOW) == ()


def test_incidents_count_from_the_last_measure_even_once_it_is_removed() -> None:
    recent_end = add_months(NOW, -7)
    measure = RetainedMeasure(2, 1, OLD, recent_end)
    decision = policy.expired_records(_file(measures=(measure,), correspondence=(), appeals=()), PERIODS, NOW)
    assert decision.expired[RetainedKind.MEASURE] == (2,)
    assert RetainedKind.INCIDENT not in decision.expired and decision.anchor == recent_end
    later = policy.expired_records(
        _file(measures=(), correspondence=(), appeals=(), retention_anchor_at=recent_end), PERIODS, NOW
    )
    assert RetainedKind.INCIDENT not in later.expired
    assert (
        RetainedKind.INCIDENT
        in policy.expired_records(
            _file(measures=(), correspondence=(), appeals=(), retention_anchor_at=recent_end),
            PERIODS,
            add_months(recent_end, 12 * 6),
        ).expired
    )


def test_an_incident_goes_only_with_every_escalation_resting_on_it() -> None:
    young = RetainedEscalation(9, EscalationState.DECLINED, years_ago(NOW, 1), (5,))
    file = _file(escalations=(*_file().escalations, young))
    decision = policy.expired_records(file, PERIODS, NOW)
    assert RetainedKind.INCIDENT not in decision.expired
    assert decision.expired[RetainedKind.ESCALATION] == (1,) and not decision.remove_customer


def test_every_table_is_in_the_data_map() -> None:
    data_map = (ROOT / "docs" / "data-map.md").read_text(encoding="utf-8")
    for table in SQLModel.metadata.tables:
        assert f"`{table}`" in data_map, table


def test_what_is_left_of_a_partly_expired_customer_still_shows(engine: Engine) -> None:
    """The status, the history and the decision card of an escalation whose measure retention removed still build."""
    built = build_dataset(engine, NOW)
    apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)
    team = Actor("team-1", "Team Member")
    register_staff(
        SqlUnitOfWork(engine), Actor("admin", "Admin"), StaffMember(team.user_id, team.name, True), lambda: NOW
    )
    partly = built.customers["partly"]

    status = show_customer(SqlUnitOfWork(engine), team, partly, built.names["partly"], lambda: NOW)
    history = customer_history(SqlUnitOfWork(engine), team, partly, lambda: NOW)

    assert status.customer_id == partly and status.measures == ()
    assert len(history.lines) >= 3
    with Session(engine) as session:
        escalations = session.exec(select(EscalationRecord).where(EscalationRecord.customer_id == partly)).all()
        measured = {m.escalation_id for m in session.exec(select(MeasureRecord)).all()}
    orphaned = [e for e in escalations if e.id not in measured]
    assert orphaned
    for escalation in orphaned:
        assert escalation.id is not None
        assert view_escalation(SqlUnitOfWork(engine), escalation.id, DecisionRules()).escalation_id == escalation.id


def test_a_failure_part_way_through_a_customer_removes_nothing_of_theirs(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deletions, the redaction and the audit event of one customer are one transaction: a failure after the
    deletions (here, redacting the audit events that name them) leaves every row and the audit as they were."""
    build_dataset(engine, NOW)
    before, events = snapshot(engine), len(audit_rows(engine))

    def fail(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SqlRetention, "redact", fail)
    with pytest.raises(RuntimeError):
        apply_retention(SqlUnitOfWork(engine), PERIODS, lambda: NOW)

    assert snapshot(engine) == before
    assert len(audit_rows(engine)) == events
    assert verify_audit_chain(engine).intact
