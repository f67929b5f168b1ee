"""Administrator commands: migrate the database, register staff and their roles.

python admin.py migrate
python admin.py add-staff USER_ID "Full Name" [--determination-team] [--reception] [--administrator]
python admin.py remove-staff USER_ID # off the list: no longer staff (their name stays on the records)
python admin.py seed-playground      # the Agents Playground's mock users, for a local try-out
python admin.py verify-audit         # recompute the audit trail's hash chain; exit 1 at the first broken link
python admin.py export-customer ID [--out PATH] [--redact-staff]  # subject access (UK GDPR Art. 15): one .zip
python admin.py retention [--dry-run] # remove what has been kept its period (counts and ids, no names)
python admin.py report --quarter 2026Q4 [--out DIR]  # the committee report (.docx) and its figures (.csv)
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from casework.committee_report import committee_figures
from casework.configuration import Clock
from casework.customer_records import add_representative, import_customers, merge_customers
from casework.entities import Actor, StaffMember
from casework.errors import CaseworkError
from casework.retention import apply_retention
from casework.staff import register_staff, unlist_staff
from casework.subject_access import export_customer
from letters.committee_report import committee_report, committee_report_docx, figures_csv, made_at
from letters.council import DEFAULT_FILE, load_council
from letters.subject_access import render_zip
from settings import Settings
from storage.audit_chain import verify_audit_chain
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork

ADMIN = Actor("admin-cli", "Administrator (command line)")

# The users defined in .m365agentsplayground.yml, with the roles an administrator gives them. Morgan becomes a line
# manager when Sam names him on the first report (the records give that role, casework.policy.roles_of).
PLAYGROUND_STAFF = (
    StaffMember("00000000-0000-0000-0000-00000000a001", "Sam Staff"),
    StaffMember("00000000-0000-0000-0000-00000000a002", "Morgan Manager"),
    StaffMember("00000000-0000-0000-0000-00000000a003", "Harper Safety", is_determination_team=True),
    StaffMember("00000000-0000-0000-0000-00000000a004", "Casey Experience", is_determination_team=True),
    StaffMember(
        "00000000-0000-0000-0000-00000000a005", "Lee Strategy", is_determination_team=True, is_administrator=True
    ),
    StaffMember("00000000-0000-0000-0000-00000000a006", "Alex Colleague", is_reception=True),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="admin.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database to the newest schema")
    add = commands.add_parser("add-staff", help="register a member of staff")
    add.add_argument("user_id", help="their Entra ID object id")
    add.add_argument("name")
    add.add_argument("--determination-team", action="store_true", help="decides escalations (s2.6)")
    add.add_argument("--reception", action="store_true", help="hands over letters held at reception (s11.3)")
    add.add_argument("--administrator", action="store_true", help="sets up the bot")
    add.add_argument("--line-manager", default="", help="the object id of their line manager")
    remove = commands.add_parser("remove-staff", help="take someone off the list of staff, with all their roles")
    remove.add_argument("user_id")
    commands.add_parser("seed-playground", help="register the Agents Playground's mock users")
    commands.add_parser("verify-audit", help="check the audit trail's hash chain; exit code 1 if it is broken")
    retaining = commands.add_parser(
        "retention", help="remove what has been kept its full period (RETENTION_* settings); prints counts and ids"
    )
    retaining.add_argument("--dry-run", action="store_true", help="list what would be removed and remove nothing")
    importing = commands.add_parser("import-customers", help="add customers from a CSV file (header row required)")
    importing.add_argument("csv_file")
    importing.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows even if some are rejected (default: all or nothing)",
    )
    merging = commands.add_parser("merge-customers", help="fold a duplicate customer record into another")
    merging.add_argument("keep_id", type=int)
    merging.add_argument("duplicate_id", type=int)
    reporting = commands.add_parser("report", help="write the committee report (.docx) and its figures (.csv)")
    which = reporting.add_mutually_exclusive_group(required=True)
    which.add_argument("--quarter", help="e.g. 2026Q4")
    which.add_argument("--month", help="e.g. 2026-11")
    reporting.add_argument("--out", default=".", help="the folder to write them to (default: here)")
    representing = commands.add_parser("add-representative", help="record who may act for a customer (s5)")
    representing.add_argument("customer_id", type=int)
    representing.add_argument("name")
    representing.add_argument("--relationship", required=True, help="e.g. daughter, solicitor, advocate")
    representing.add_argument("--authority", required=True, help="the customer's consent or other lawful basis")
    exporting = commands.add_parser(
        "export-customer", help="write every record held about one customer to one .zip (subject access, Art. 15)"
    )
    exporting.add_argument("customer_id", type=int)
    exporting.add_argument("--out", default="", help="the .zip to write (default customer-ID-subject-access.zip)")
    exporting.add_argument(
        "--redact-staff",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show staff as 'Staff member N' (default: SUBJECT_ACCESS_REDACT_STAFF)",
    )
    args = parser.parse_args(argv)

    settings = Settings()
    upgrade(settings.database_url)
    if args.command == "migrate":
        print("Database is at the newest schema.")
        return 0
    engine = create_database_engine(settings.database_url)

    def now() -> datetime:
        return datetime.now(UTC)

    try:
        return _run(args, settings, engine, now)
    except CaseworkError as error:
        print(f"{error} {getattr(error, 'errors', '') or ''}".strip(), file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, settings: Settings, engine: Engine, now: Clock) -> int:
    if args.command == "report":
        return _report(args.quarter or args.month, Path(args.out), settings, engine, now)
    if args.command == "verify-audit":
        return _verify_audit(engine)
    if args.command == "export-customer":
        return _export_customer(engine, args, settings, now)
    if args.command == "retention":
        return _retention(engine, settings, now, args.dry_run)
    if args.command == "import-customers":
        return _import(engine, args.csv_file, args.skip_invalid, now)
    if args.command == "merge-customers":
        merged = merge_customers(SqlUnitOfWork(engine), ADMIN, args.keep_id, args.duplicate_id, now)
        print(f"Merged customer {args.duplicate_id} into {args.keep_id} ({merged.name}).")
    elif args.command == "add-representative":
        added = add_representative(
            SqlUnitOfWork(engine), ADMIN, args.customer_id, args.name, args.relationship, args.authority, now
        )
        print(f"Recorded {added.name} as representative of customer {args.customer_id}.")
    elif args.command == "add-staff":
        member = StaffMember(
            args.user_id,
            args.name,
            args.determination_team,
            args.line_manager or None,
            is_reception=args.reception,
            is_administrator=args.administrator,
        )
        register_staff(SqlUnitOfWork(engine), ADMIN, member, now)
        print(f"Registered {args.name}.")
    elif args.command == "remove-staff":
        unlist_staff(SqlUnitOfWork(engine), ADMIN, args.user_id, now)
        print(f"{args.user_id} is no longer on the list of staff.")
    elif args.command == "seed-playground":
        if not settings.development_mode:
            print("seed-playground is for development mode only.", file=sys.stderr)
            return 2
        for member in PLAYGROUND_STAFF:
            register_staff(SqlUnitOfWork(engine), ADMIN, member, now)
        print(f"Registered {len(PLAYGROUND_STAFF)} playground users.")
    return 0


def _report(period_text: str, folder: Path, settings: Settings, engine: Engine, now: Clock) -> int:
    """Both files for the period, or neither: a period not understood is refused before anything is read."""
    if not folder.is_dir():
        print(f"No folder {folder}: nothing written.", file=sys.stderr)
        return 1
    figures = committee_figures(SqlUnitOfWork(engine), period_text, now, settings.oversight_minimum_group)
    council = load_council(settings.council_letters_file or DEFAULT_FILE).details
    report = committee_report(figures, council.name, made_at(now()))
    written = []
    for name, body in (
        (f"committee-report-{figures.period.code}.docx", committee_report_docx(report)),
        (f"committee-figures-{figures.period.code}.csv", figures_csv(report)),
    ):
        (folder / name).write_bytes(body)
        written.append(str(folder / name))
    print(f"{figures.period.label}: wrote " + " and ".join(written))
    return 0


def _verify_audit(engine: Engine) -> int:
    report = verify_audit_chain(engine)
    if report.broken is not None:
        print(
            f"audit trail BROKEN at event {report.broken.event_id}: {report.broken.reason}. "
            f"The {report.events - 1} event(s) before it verify (last good hash {report.head})."
        )
        return 1
    redacted = f"; {report.redacted} redacted by retention, each vouched for" if report.redacted else ""
    print(f"audit trail intact: {report.events} events (head {report.head}){redacted}")
    return 0


def _retention(engine: Engine, settings: Settings, now: Clock, dry_run: bool) -> int:
    """Prints what went (or would go): per kind a count and the record ids, never a name."""
    report = apply_retention(SqlUnitOfWork(engine), settings.retention_periods, now, dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    counts = report.counts()
    if not counts:
        print(f"{verb} nothing; {report.customers_held} customer(s) held by something open.")
        return 0
    print(f"{verb} {report.total} record(s); {report.customers_held} customer(s) held by something open.")
    for kind, count in counts.items():
        print(f"  {kind}: {count} ({', '.join(str(i) for i in sorted(report.removed[kind]))})")
    return 0


def _export_customer(engine: Engine, args: argparse.Namespace, settings: Settings, now: Clock) -> int:
    """Writes the subject access export (casework/subject_access.py) to one .zip, readable by its owner only. The
    file is opened before the records are read, so a path that cannot be written fails before anything is audited;
    an unknown customer writes nothing at all."""
    redact = settings.subject_access_redact_staff if args.redact_staff is None else bool(args.redact_staff)
    path = Path(args.out or f"customer-{args.customer_id}-subject-access.zip")
    if path.is_dir():
        path = path / f"customer-{args.customer_id}-subject-access.zip"
    partial = path.with_name(f".{path.name}.partial")
    try:
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as error:
        print(f"Cannot write {path}: {error.strerror}. Nothing was exported.", file=sys.stderr)
        return 2
    try:
        export = export_customer(SqlUnitOfWork(engine), ADMIN, args.customer_id, now, redact_staff=redact)
        os.write(handle, render_zip(export, load_council(settings.council_letters_file or DEFAULT_FILE).details.name))
        os.close(handle)
        handle = -1
        os.replace(partial, path)
    finally:
        if handle != -1:
            os.close(handle)
        partial.unlink(missing_ok=True)
    print(
        f"Wrote {path}: {export.record_count} record(s) about customer {args.customer_id}"
        f"{', staff redacted' if redact else ''}. Before sending it, check what staff typed for other people's "
        "details."
    )
    return 0


def _import(engine: Engine, path: str, skip_invalid: bool, now: Clock) -> int:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("name",) if c not in (reader.fieldnames or [])]
        if missing:
            print(f"{path}: the header row has no {', '.join(missing)} column.", file=sys.stderr)
            return 2
        rows = [(reader.line_num, row) for row in reader]
    report = import_customers(SqlUnitOfWork(engine), ADMIN, rows, now, skip_invalid=skip_invalid)
    for line, reason in report.rejected:
        print(f"line {line}: rejected: {reason}", file=sys.stderr)
    if report.rejected and not skip_invalid:
        print(
            f"Nothing imported: {len(report.rejected)} row(s) rejected. Fix them, or use --skip-invalid.",
            file=sys.stderr,
        )
        return 1
    print(f"Imported {report.imported} customer(s); rejected {len(report.rejected)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
