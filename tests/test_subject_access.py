"""Subject access (UK GDPR Art. 15; issue 19): `admin.py export-customer` writes one .zip with every record held
about the customer, on SQLite and PostgreSQL, and nothing about anyone else."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import admin
from casework import appeals, correspondence, customer_checks, customer_edits, incident_amendments, incidents, letters
from casework.appeals import AppealSubmission, OutcomeSubmission
from casework.audit import AuditAction
from casework.commands import CustomerRecordEdit, IncidentAmendmentSubmission
from casework.customer_records import add_representative, merge_customers
from casework.entities import Actor, StaffMember
from casework.staff import register_staff
from casework.subject_access import AUDIT_LINKS, RecordKind, SubjectAccessExport, export_customer
from casework.vocabulary import ContactRestriction, DeliveryMethod, ManagerOutcome
from letters.subject_access import render_html, render_json, render_zip
from storage.database import create_database_engine
from storage.subject_access import EXPORTED_TABLES, NOT_CUSTOMER_DATA
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock
from tests.scenarios import ADMIN, COUNCIL, as_actor, morgan_escalates, register_team, restriction_request, sam_reports
from tests.teams import CASEY, HARPER, MORGAN, SAM

LEE = Actor("00000000-0000-0000-0000-0000000000c1", "Lee Strategy")
"""On the determination team and uninvolved in either case: decides the appeals (s2.6)."""

STAFF = (as_actor(SAM), as_actor(MORGAN), as_actor(HARPER), as_actor(CASEY), LEE)


@dataclass(frozen=True)
class Person:
    """A customer and everything typed about them: words found nowhere else, so a leak is a plain find."""

    name: str
    phone: str
    email: str
    representative: str
    words: tuple[str, ...]
    """The text typed about them (account, reason, grounds, summary, matter), each a marker of its own."""

    @property
    def identifying(self) -> tuple[str, ...]:
        return (self.name, *self.name.split(), self.stored_phone, self.email, self.representative, *self.words)

    @property
    def stored_phone(self) -> str:
        """As the record keeps it (E.164)."""
        return "+44" + self.phone[1:].replace(" ", "")


JANE = Person(
    "Jane Smith",
    "07700 900123",
    "jane.smith@example.com",
    "Rita Reynolds",
    (
        "Jackdaw shouted",
        "Jackdaw corrected",
        "Jackdaw pattern",
        "Jackdaw objects",
        "Jackdaw letter",
        "Jackdaw ombudsman",
    ),
)
OSCAR = Person(
    "Oscar Quigley",
    "07700 900456",
    "oscar.q@example.org",
    "Vera Vaughan",
    (
        "Pelican shouted",
        "Pelican corrected",
        "Pelican pattern",
        "Pelican objects",
        "Pelican letter",
        "Pelican ombudsman",
    ),
)


def build_case(engine: Engine, clock: MutableClock, person: Person) -> int:
    """A full set of records about `person`, through the use cases: an incident (amended, its s8.6 outcome), a
    representative, an edited record, a restriction with correspondence on file (votes, decision, measure, review,
    letters issued and delivered), an item logged, an appeal decided and its letter, Ombudsman signposting, and
    looks at the record. Returns the customer's id."""

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    shouted, corrected, pattern, objects, letter_word, matter = person.words
    confirmation = sam_reports(uow(), clock, person.name, key=f"k-{person.name}", description=f"{shouted} at me.")
    customer_id = confirmation.customer.customer_id
    incident_id = confirmation.incident.incident_id
    add_representative(uow(), ADMIN, customer_id, person.representative, "sister", "Written consent", clock)
    incident_amendments.amend_incident(
        uow(),
        as_actor(SAM),
        incident_id,
        IncidentAmendmentSubmission(f"{corrected} the account", "telephone", ("abusive",), f"{shouted} and swore."),
        clock,
    )
    incidents.record_manager_outcome(uow(), as_actor(MORGAN), incident_id, ManagerOutcome.ESCALATE, clock)
    edit = CustomerRecordEdit("1 High Street", "TT1 1AA", False, person.phone, person.email, "", "", "")
    customer_edits.edit_customer_record(uow(), as_actor(HARPER), customer_id, edit, clock)
    request = restriction_request(
        person.name,
        reason=f"{pattern} of abuse.",
        restrictions=(ContactRestriction.WRITTEN_ONLY.value, ContactRestriction.CORRESPONDENCE_ON_FILE.value),
    )
    morgan_escalates(uow, clock, request, approved_by=(HARPER, CASEY))
    with uow() as work:
        (measure,) = work.measures.for_customer(customer_id)
        drafts = work.letters.versions(measure.id)
    for draft in drafts:
        letters.issue_letter(uow(), as_actor(MORGAN), draft.id, clock, lambda content: b"docx")
        letters.record_delivery(uow(), as_actor(MORGAN), draft.id, DeliveryMethod.POST, clock().date(), clock)
    correspondence.log_correspondence(
        uow(),
        as_actor(SAM),
        customer_id,
        person.name,
        correspondence.LogCorrespondence(f"form-{person.name}", clock().date().isoformat(), "letter", letter_word, ""),
        clock,
        correspondence_review_within=timedelta(days=5),
    )
    appeal = AppealSubmission(f"{measure.id}:restriction", "appeal", clock().date().isoformat(), "letter", objects)
    recorded = appeals.record_appeal(uow(), as_actor(SAM), customer_id, person.name, appeal, clock)
    appeals.decide_appeal(
        uow(), LEE, recorded.appeal.appeal_id, OutcomeSubmission("upheld", "The restriction stands."), clock, COUNCIL
    )
    appeals.record_signposting(uow(), as_actor(MORGAN), customer_id, matter, clock().date().isoformat(), clock)
    customer_checks.check_customer(uow(), as_actor(SAM), person.name, clock)
    return customer_id


@dataclass(frozen=True)
class TwoCases:
    engine: Engine
    jane: int
    oscar: int


@pytest.fixture
def cases(database_url: str, clock: MutableClock) -> Iterator[TwoCases]:
    register_team(database_url, clock)
    engine = create_database_engine(database_url)
    try:
        register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(LEE.user_id, LEE.name, True), clock)
        jane = build_case(engine, clock, JANE)
        oscar = build_case(engine, clock, OSCAR)
        # Both live at TT1 1AA: a search by postcode finds both, and is audited once with both ids.
        customer_checks.check_customer(SqlUnitOfWork(engine), as_actor(SAM), "TT1 1AA", clock)
        yield TwoCases(engine, jane, oscar)
    finally:
        engine.dispose()


def exported(cases: TwoCases, customer_id: int, clock: MutableClock, redact: bool = False) -> SubjectAccessExport:
    return export_customer(SqlUnitOfWork(cases.engine), ADMIN, customer_id, clock, redact_staff=redact)


def zip_text(data: bytes) -> tuple[dict[str, Any], str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        json_name = next(n for n in names if n.endswith(".json"))
        html_name = next(n for n in names if n.endswith(".html"))
        raw_json = archive.read(json_name).decode()
        return json.loads(raw_json), raw_json, archive.read(html_name).decode()


DIRECT: dict[str, str] = {
    "customer": "SELECT id FROM customer WHERE id = :c",
    "customer_name_token": "SELECT customer_id, token FROM customer_name_token WHERE customer_id = :c",
    "representative": "SELECT id FROM representative WHERE customer_id = :c",
    "incident": "SELECT id FROM incident WHERE customer_id = :c",
    "incident_amendment": "SELECT a.id FROM incident_amendment a JOIN incident i ON i.id = a.incident_id "
    "WHERE i.customer_id = :c",
    "escalation": "SELECT id FROM escalation WHERE customer_id = :c",
    "escalation_incident": "SELECT l.escalation_id, l.incident_id FROM escalation_incident l "
    "JOIN escalation e ON e.id = l.escalation_id WHERE e.customer_id = :c",
    "vote": "SELECT v.escalation_id, v.member_id FROM vote v JOIN escalation e ON e.id = v.escalation_id "
    "WHERE e.customer_id = :c",
    "decision": "SELECT d.id FROM decision d JOIN escalation e ON e.id = d.escalation_id WHERE e.customer_id = :c",
    "measure": "SELECT id FROM measure WHERE customer_id = :c",
    "review": "SELECT r.id FROM review r JOIN measure m ON m.id = r.measure_id WHERE m.customer_id = :c",
    "correspondence_item": "SELECT i.id FROM correspondence_item i JOIN measure m ON m.id = i.measure_id "
    "WHERE m.customer_id = :c",
    "appeal": "SELECT id FROM appeal WHERE customer_id = :c",
    "ombudsman_signposting": "SELECT id FROM ombudsman_signposting WHERE customer_id = :c",
    "letter": "SELECT id FROM letter WHERE measure_id IN (SELECT id FROM measure WHERE customer_id = :c) "
    "OR escalation_id IN (SELECT id FROM escalation WHERE customer_id = :c)",
}
"""Each exported table's rows about a customer, by primary key, queried here independently of the export."""

KEYS: dict[str, tuple[str, ...]] = {
    "customer_name_token": ("customer_id", "token"),
    "escalation_incident": ("escalation_id", "incident_id"),
    "vote": ("escalation_id", "member_id"),
}


def direct(engine: Engine, table: str, customer_id: int) -> set[tuple[Any, ...]]:
    with engine.connect() as connection:
        return {tuple(row) for row in connection.execute(text(DIRECT[table]), {"c": customer_id})}


def expected_audit_ids(engine: Engine, customer_id: int) -> set[int]:
    """The audit events about the customer, worked out here from what each action's record_id names."""
    mine = {table: {key[0] for key in direct(engine, table, customer_id)} for table in DIRECT}
    with engine.connect() as connection:
        references: set[str] = {
            str(r[0])
            for r in connection.execute(
                text("SELECT reference FROM incident WHERE customer_id = :c"), {"c": customer_id}
            )
        }
        events: list[Any] = list(
            connection.execute(text("SELECT id, action, record_type, record_id, detail FROM audit_event"))
        )
    ids: dict[str, set[str]] = {
        "customer": {str(customer_id)},
        "incident": references,
        "escalation": {str(i) for i in mine["escalation"]},
        "review": {str(i) for i in mine["review"]},
        "letter": {str(i) for i in mine["letter"]},
        "appeal": {str(i) for i in mine["appeal"]},
        "correspondence": {str(i) for i in mine["correspondence_item"]},
        "ombudsman": {str(customer_id)},
    }
    expected: set[int] = set()
    for event_id, action, record_type, record_id, stored in events:
        detail: dict[str, str] = json.loads(stored) if isinstance(stored, str) else dict(stored)
        if action == "letter.requested":
            kind = "appeal" if detail.get("letter") == "appeal_outcome" else "review"
            hit = record_id in ids[kind]
        elif action == "customer.searched":
            hit = str(customer_id) in detail.get("matched", "").split(",")
        else:
            hit = record_id in ids.get(str(record_type), set())
        if hit:
            expected.add(int(event_id))
    return expected


def primary_keys(table: str, rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {tuple(row[k] for k in KEYS.get(table, ("id",))) for row in rows}


def test_the_export_holds_every_row_about_the_customer_and_none_about_anyone_else(
    cases: TwoCases, clock: MutableClock
) -> None:
    jane_events = expected_audit_ids(cases.engine, cases.jane)
    oscar_events = expected_audit_ids(cases.engine, cases.oscar)
    export = exported(cases, cases.jane, clock)
    document, raw_json, page = zip_text(render_zip(export, COUNCIL.name))
    records = document["records"]
    for table, kind in EXPORTED_TABLES.items():
        rows = records[kind.value]
        if table == "audit_event":
            assert {row["id"] for row in rows} == jane_events
            shared = {row["id"] for row in rows if row["action"] == "customer.searched"}  # found both: narrowed below
            assert {row["id"] for row in rows} & oscar_events == shared
        else:
            assert primary_keys(table, rows) == direct(cases.engine, table, cases.jane), table
            assert not primary_keys(table, rows) & direct(cases.engine, table, cases.oscar), table
        assert rows, f"the scenario should give Jane {table} rows"
    for row in (r for rows in records.values() for r in rows):
        if "customer_id" in row:
            assert row["customer_id"] == cases.jane
    actions = {row["action"] for row in records["audit_trail"]}
    assert {
        "customer.checked",
        "customer.searched",
        "incident.amended",
        "escalation.vote",
        "letter.delivered",
    } <= actions
    assert {"appeal.upheld", "letter.requested", "ombudsman.signposted", "correspondence.logged"} <= actions
    searched = [row for row in records["audit_trail"] if row["action"] == "customer.searched"]
    assert [row["detail"] for row in searched] == [{"matched": str(cases.jane)}]
    for leak in OSCAR.identifying:
        assert leak not in raw_json, leak
        assert leak not in page, leak
    with cases.engine.connect() as connection:
        oscar_refs = [
            r[0]
            for r in connection.execute(
                text("SELECT reference FROM incident WHERE customer_id = :c"), {"c": cases.oscar}
            )
        ]
    for reference in oscar_refs:
        assert reference not in raw_json and reference not in page
    for mine in (JANE.name, JANE.stored_phone, JANE.representative, *JANE.words):
        assert mine in raw_json and mine in page
    assert "docx" not in records["letters"][0], "the letter's text is exported, not its Word file"
    assert records["letters"][0]["content"], "each letter's text"


def test_a_duplicate_merged_into_the_record_is_the_same_person(cases: TwoCases, clock: MutableClock) -> None:
    """What was recorded under a duplicate record's id before an administrator merged it in is the customer's too."""
    duplicate = sam_reports(SqlUnitOfWork(cases.engine), clock, "Janey Smithson", key="dup").customer.customer_id
    customer_checks.check_customer(SqlUnitOfWork(cases.engine), as_actor(SAM), "Janey Smithson", clock)
    merge_customers(SqlUnitOfWork(cases.engine), ADMIN, cases.jane, duplicate, clock)
    with cases.engine.connect() as connection:
        under_duplicate = {
            r[0]
            for r in connection.execute(
                text("SELECT id FROM audit_event WHERE record_type = 'customer' AND record_id = :d"),
                {"d": str(duplicate)},
            )
        }
    assert len(under_duplicate) == 2, "added and checked under the duplicate's id"
    jane = {int(str(row["id"])) for row in exported(cases, cases.jane, clock).rows(RecordKind.AUDIT_TRAIL)}
    assert under_duplicate <= jane
    oscar = exported(cases, cases.oscar, clock)
    assert not under_duplicate & {int(str(row["id"])) for row in oscar.rows(RecordKind.AUDIT_TRAIL)}
    assert "Janey" not in render_json(oscar)


def test_every_table_is_classified_for_subject_access(database_url: str) -> None:
    """A new table must say whether subject access exports it: per customer, or not customer data and why."""
    engine = create_database_engine(database_url)
    try:
        in_database = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    tables = set(SQLModel.metadata.tables) | in_database
    assert not set(EXPORTED_TABLES) & set(NOT_CUSTOMER_DATA)
    unclassified = tables - set(EXPORTED_TABLES) - set(NOT_CUSTOMER_DATA)
    assert unclassified == set(), f"classify {sorted(unclassified)} in storage/subject_access.py"
    assert all(len(reason) > 20 for reason in NOT_CUSTOMER_DATA.values())
    assert set(DIRECT) | {"audit_event"} == set(EXPORTED_TABLES), "and give the test a direct query for it"


def test_every_audit_action_says_what_its_record_id_names() -> None:
    assert set(AUDIT_LINKS) == set(AuditAction)


def test_staff_are_redacted_consistently(cases: TwoCases, clock: MutableClock) -> None:
    export = exported(cases, cases.jane, clock, redact=True)
    document, raw_json, page = zip_text(render_zip(export))
    for member in STAFF:
        for word in (member.name, member.user_id):
            assert word not in raw_json, word
            assert word not in page, word
    records = document["records"]
    (incident,) = records["incidents"]
    reporter = incident["reported_by"]
    assert reporter.startswith("Staff member ")
    reported = next(e for e in records["audit_trail"] if e["action"] == "incident.reported")
    assert reported["actor_id"] == reporter, "the same person has the same label throughout"
    voters = {vote["member_id"] for vote in records["votes"]}
    assert len(voters) == 2 and reporter not in voters
    assert f"Reported by</th><td>{reporter}" in page
    assert document["staff_redacted"] is True
    plain = exported(cases, cases.jane, clock)
    assert "Harper Safety" in render_html(plain)


def test_the_command_line_writes_one_zip_and_audits_it_without_the_data(
    cases: TwoCases, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SUBJECT_ACCESS_REDACT_STAFF", "true")
    out = folder / "jane.zip"
    assert admin.main(["export-customer", str(cases.jane), "--out", str(out), "--no-redact-staff"]) == 0
    assert [p.name for p in folder.iterdir()] == ["jane.zip"], "one file, no partial one left"
    assert out.stat().st_mode & 0o077 == 0, "readable by its owner only"
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [f"customer-{cases.jane}.html", f"customer-{cases.jane}.json"]
    document, _, page = zip_text(out.read_bytes())
    assert "Morgan Manager" in page, "--no-redact-staff overrides the setting"
    with cases.engine.connect() as connection:
        (event,) = connection.execute(
            text("SELECT actor_id, record_type, record_id, detail FROM audit_event WHERE action = :a"),
            {"a": "customer.subject_access_exported"},
        ).all()
    assert (event[0], event[1], event[2]) == ("admin-cli", "customer", str(cases.jane))
    detail = json.loads(event[3]) if isinstance(event[3], str) else event[3]
    assert set(detail) == {"records", "staff_redacted"}
    assert int(detail["records"]) == sum(len(rows) for rows in document["records"].values())
    assert admin.main(["export-customer", str(cases.jane)]) == 0
    default = folder / f"customer-{cases.jane}-subject-access.zip"
    assert "Morgan Manager" not in zip_text(default.read_bytes())[2], "the setting redacts"


def test_an_unknown_customer_is_a_clear_message_and_writes_nothing(
    cases: TwoCases, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cases.engine.connect() as connection:
        before: int = connection.execute(text("SELECT COUNT(*) FROM audit_event")).scalar_one()
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "nobody.zip"
    result = subprocess.run(
        [sys.executable, "admin.py", "export-customer", "999999", "--out", str(out)],
        cwd=Path(admin.__file__).parent,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "No customer with id 999999 is on record; nothing was exported." in result.stderr
    assert list(folder.iterdir()) == []
    monkeypatch.chdir(folder)
    monkeypatch.setenv("DATABASE_URL", database_url)
    nowhere = folder / "missing" / "jane.zip"
    assert admin.main(["export-customer", str(cases.jane), "--out", str(nowhere)]) == 2, "a path it cannot write"
    assert list(folder.iterdir()) == []
    with cases.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM audit_event")).scalar_one() == before


def test_the_html_escapes_what_people_typed(database_url: str, clock: MutableClock) -> None:
    register_team(database_url, clock)
    engine = create_database_engine(database_url)
    typed = '<script>alert("x")</script> & <b>bold</b>'
    try:
        confirmation = sam_reports(SqlUnitOfWork(engine), clock, "Jane Smith", description=typed)
        add_representative(
            SqlUnitOfWork(engine),
            ADMIN,
            confirmation.customer.customer_id,
            "<i>Rita</i>",
            "sister",
            "Consent & more",
            clock,
        )
        export = export_customer(
            SqlUnitOfWork(engine), ADMIN, confirmation.customer.customer_id, clock, redact_staff=False
        )
    finally:
        engine.dispose()
    _, raw_json, page = zip_text(render_zip(export))
    assert "<script>" not in page and "<b>bold</b>" not in page and "<i>Rita</i>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;i&gt;Rita&lt;/i&gt;" in page
    assert typed in json.loads(raw_json)["records"]["incidents"][0]["description"]
    assert '<h2 id="incidents">Incidents reported</h2>' in page
    local = clock().astimezone(ZoneInfo("Europe/London"))
    assert f"{local.day} {local:%B %Y} at {local:%H:%M}" in page, "dates in UK form, London time"
