"""Renders a subject access export (casework/subject_access.py) as the one file the customer is sent: a .zip of
`customer-<id>.json` (every record, every column, machine-readable) and `customer-<id>.html` (the same records for
the customer to read: a heading per kind of record, plain words, dates in UK form and London time, everything
HTML-escaped). Pure of the database: the export in, bytes out."""

from __future__ import annotations

import html
import io
import json
import zipfile
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from casework import policy
from casework.subject_access import STAFF_COLUMNS, RecordKind, Row, SubjectAccessExport, Value

FORMAT = "uca-subject-access/1"

HEADINGS: Mapping[RecordKind, tuple[str, str]] = {
    RecordKind.CUSTOMER: ("Your details", "What we hold on your record."),
    RecordKind.NAME_TOKENS: (
        "Words your record is found by",
        "Each word of your names, which staff searching for you are matched against.",
    ),
    RecordKind.REPRESENTATIVES: ("People who act for you", "Representatives recorded as acting on your behalf."),
    RecordKind.INCIDENTS: ("Incidents reported", "What staff reported about contact with you, as they wrote it."),
    RecordKind.INCIDENT_AMENDMENTS: (
        "Corrections to incident reports",
        "Each change to a report, with what it said before and after.",
    ),
    RecordKind.ESCALATIONS: (
        "Requests to the determination team",
        "Requests for a formal warning, a restriction or further action.",
    ),
    RecordKind.ESCALATION_INCIDENTS: (
        "Incidents each request relied on",
        "Which incidents each request to the team was based on.",
    ),
    RecordKind.VOTES: ("The determination team's votes", "How each member voted on each request."),
    RecordKind.DECISIONS: ("Decisions", "The outcome of each request."),
    RecordKind.MEASURES: (
        "Warnings, restrictions and further action",
        "Each warning, restriction, further action or withdrawal of a service, and when it ended.",
    ),
    RecordKind.REVIEWS: ("Reviews", "The reviews of each restriction, and what was decided."),
    RecordKind.CORRESPONDENCE: (
        "Correspondence placed on file",
        "Letters, emails and other contact from you that were logged and reviewed.",
    ),
    RecordKind.APPEALS: ("Complaints and appeals", "Each complaint or appeal you made and its outcome."),
    RecordKind.OMBUDSMAN_SIGNPOSTING: (
        "Signposting to the Ombudsman",
        "Matters on which you were told you could go to the Ombudsman.",
    ),
    RecordKind.LETTERS: ("Letters", "The text of each letter to you, and when and how it was sent."),
    RecordKind.AUDIT_TRAIL: (
        "Who looked at or changed your records",
        "Every time a member of staff, or the system, looked up, changed or was refused access to your records.",
    ),
}

LABELS: Mapping[str, str] = {
    "id": "Record number",
    "name": "Name",
    "council_reference": "Council reference",
    "postcode": "Postcode",
    "phone": "Phone",
    "email": "Email",
    "other_names": "Other names",
    "date_of_birth": "Date of birth",
    "address": "Address",
    "no_fixed_address": "No fixed address",
    "reasonable_adjustments": "Reasonable adjustments",
    "communication_needs": "Communication needs",
    "created_at": "Recorded on",
    "customer_id": "Your record number",
    "relationship": "Relationship to you",
    "authority": "Authority to act for you",
    "reference": "Reference",
    "reported_by": "Reported by",
    "occurred_at": "When it happened",
    "channel": "How",
    "actions": "What was reported",
    "description": "What happened",
    "service_area": "Service",
    "acting_party": "Who acted",
    "representative_name": "Representative",
    "immediate_steps": "Steps taken at the time",
    "informal_warning_given": "Informal warning given",
    "safeguarding_concern": "Safeguarding concern",
    "support_need": "Possible support need",
    "serious_threats": "Serious threats",
    "manager_outcome": "Line manager's outcome",
    "manager_outcome_by": "Line manager",
    "manager_outcome_at": "Outcome recorded on",
    "reported_at": "Reported on",
    "version": "Version",
    "other_action": "Other action",
    "customer_recording": "Recording by you",
    "recording_reason": "Reason given for recording",
    "matter_reference": "Matter",
    "incident_id": "Incident number",
    "amended_at": "Corrected on",
    "amended_by": "Corrected by",
    "reason": "Reason",
    "before": "Before",
    "after": "After",
    "kind": "Kind",
    "requested_by": "Requested by",
    "requested_at": "Requested on",
    "investigation_reference": "Investigation reference",
    "serious_threat": "Serious threat",
    "legal_advice_reference": "Legal advice reference",
    "restrictions": "Restrictions",
    "terms": "Terms",
    "state": "Stage",
    "question": "Question from the team",
    "answer": "Answer",
    "no_warning_reason": "Why no warning was given first",
    "particulars": "Particulars",
    "review_id": "Review number",
    "escalation_id": "Request number",
    "member_id": "Team member",
    "outcome": "Outcome",
    "notes": "Notes",
    "alternatives_considered": "Alternatives considered",
    "at": "When",
    "decided_by": "Decided by",
    "decided_at": "Decided on",
    "starts_at": "Starts",
    "review_due_at": "Review due",
    "ended_at": "Ended",
    "case_owner_id": "Case owner",
    "confirm_by": "To be confirmed by",
    "measure_id": "Warning or restriction number",
    "due_at": "Due",
    "reminder_sent_at": "Reminder sent",
    "owner_id": "Reviewer",
    "customer_advised": "You were told",
    "not_advised_reason": "Why you were not told",
    "received_on": "Received on",
    "summary": "Summary",
    "attachment_reference": "Attachment",
    "logged_by": "Logged by",
    "logged_at": "Logged on",
    "reviewer_id": "Reviewer",
    "reviewed_at": "Reviewed on",
    "reviewed_by": "Reviewed by",
    "review_notes": "Review notes",
    "decision": "Decision complained about",
    "grounds": "Grounds",
    "recorded_by": "Recorded by",
    "recorded_at": "Recorded on",
    "reasons": "Reasons",
    "new_review_due_at": "New review date",
    "matter": "Matter",
    "signposted_on": "Signposted on",
    "content": "Text of the letter",
    "created_by": "Written by",
    "issued_at": "Issued on",
    "issued_by": "Issued by",
    "delivery_method": "Sent by",
    "delivered_on": "Delivered on",
    "collected_on": "Collected on",
    "delivered_to": "Sent to",
    "collected_by": "Collected by",
    "token": "Word",
}

HIDDEN_IN_HTML = frozenset(
    {
        "name_key",
        "submission_key",
        "prefix2",
        "prefix3",
        "card_conversation_id",
        "card_activity_id",
        "reminder_claimed_by",
        "reminder_claimed_until",
        "last_chased_at",
        "last_escalated_at",
        "confirmation_chased_at",
        "escalated_at",
        "prev_hash",
        "hash",
        "record_type",
    }
)
"""Bookkeeping columns shown in the JSON but not in the readable file: they say nothing about the customer."""

CODED_COLUMNS = frozenset(
    {
        "channel",
        "actions",
        "service_area",
        "acting_party",
        "immediate_steps",
        "serious_threats",
        "manager_outcome",
        "kind",
        "state",
        "restrictions",
        "serious_threat",
        "outcome",
        "decision",
        "delivery_method",
    }
)
"""Columns holding the system's codes (written_only, in_person): shown as words."""


ACTORS: Mapping[str, str] = {"system": "The system", "admin-cli": "An administrator (command line)"}
"""Who acted when it was not a member of staff (casework.outbox.SYSTEM, admin.py's ADMIN)."""


def export_file_names(export: SubjectAccessExport) -> tuple[str, str]:
    return f"customer-{export.customer_id}.json", f"customer-{export.customer_id}.html"


def render_zip(export: SubjectAccessExport, council_name: str = "") -> bytes:
    """The one file: a .zip holding the JSON and the HTML."""
    json_name, html_name = export_file_names(export)
    moment = export.generated_at.astimezone(UTC)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
        archive.writestr(zipfile.ZipInfo(json_name, stamp), render_json(export), zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo(html_name, stamp), render_html(export, council_name), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def render_json(export: SubjectAccessExport) -> str:
    document = {
        "format": FORMAT,
        "customer_id": export.customer_id,
        "generated_at": export.generated_at,
        "staff_redacted": export.staff_redacted,
        "records": {section.kind.value: list(section.rows) for section in export.sections},
        "staff": [{"id": key, "shown_as": shown} for key, shown in export.staff],
        "not_included": [{"what": what, "why": why} for what, why in export.not_included],
    }
    return json.dumps(document, default=_json_value, ensure_ascii=False, indent=2)


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def render_html(export: SubjectAccessExport, council_name: str = "") -> str:
    staff = dict(export.staff)
    council = council_name or "the council"
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{_e(f'Personal data held about {export.customer_name}')}</title>",
        "<style>body{font-family:Arial,sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:0 0 1em;width:100%}th,td{border:1px solid #bbb;padding:.3em .5em;"
        "text-align:left;vertical-align:top}th{background:#f2f2f2;width:30%}ul{margin:0;padding-left:1.2em}</style>",
        "</head><body>",
        f"<h1>{_e(f'Personal data {council} holds about {export.customer_name}')}</h1>",
        f"<p>{_e(f'This is your subject access request under Article 15 of the UK GDPR. It was produced on {_when(export.generated_at)} and holds every record {council} keeps about you in its system for managing unacceptable customer actions.')}</p>",
        "<p>What staff wrote is shown as they wrote it. Times are UK time. The file "
        f"{_e(export_file_names(export)[0])} next to this one holds the same records in a form computers can read.</p>",
    ]
    if export.staff_redacted:
        out.append(
            "<p>The names of staff have been replaced by &quot;Staff member 1&quot;, &quot;Staff member 2&quot; "
            "and so on: the same number means the same person throughout.</p>"
        )
    out.append("<h2>Contents</h2><ul>")
    for section in export.sections:
        heading = HEADINGS[section.kind][0]
        out.append(f'<li><a href="#{section.kind.value}">{_e(heading)}</a> ({len(section.rows)})</li>')
    out.append("</ul>")
    for section in export.sections:
        heading, about = HEADINGS[section.kind]
        out.append(f'<h2 id="{section.kind.value}">{_e(heading)}</h2><p>{_e(about)}</p>')
        if not section.rows:
            out.append("<p>None on record.</p>")
        elif section.kind is RecordKind.AUDIT_TRAIL:
            out.append(_audit_table(section.rows, staff))
        else:
            out.extend(_record_table(row, staff) for row in section.rows)
    out.append("<h2>What this file does not contain</h2><ul>")
    out.extend(f"<li><strong>{_e(what)}</strong>: {_e(why)}</li>" for what, why in export.not_included)
    out.append("</ul></body></html>")
    return "\n".join(out)


def _record_table(row: Row, staff: Mapping[str, str]) -> str:
    cells = [
        f"<tr><th>{_e(_label(column))}</th><td>{_html_value(column, value, staff)}</td></tr>"
        for column, value in row.items()
        if column not in HIDDEN_IN_HTML
    ]
    return "<table>" + "".join(cells) + "</table>"


def _audit_table(rows: tuple[Row, ...], staff: Mapping[str, str]) -> str:
    lines = ["<table><tr><th>When</th><th>Who</th><th>What</th><th>Details</th></tr>"]
    for row in rows:
        detail = row.get("detail")
        details = _html_value("detail", detail, staff) if isinstance(detail, dict) and detail else ""
        record_type = str(row.get("record_type", ""))
        if row.get("action") == "letter.requested" and isinstance(detail, dict):
            # Its record_id is the review's, or for an appeal outcome letter the appeal's (casework/subject_access.py).
            record_type = "appeal" if detail.get("letter") == "appeal_outcome" else "review"
        record = f"{record_type} {row.get('record_id', '')}".strip()
        lines.append(
            f"<tr><td>{_html_value('at', row.get('at'), staff)}</td>"
            f"<td>{_html_value('actor_id', row.get('actor_id'), staff)}</td>"
            f"<td>{_e(_action_words(str(row.get('action', ''))))} ({_e(record)})</td><td>{details}</td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


def _action_words(action: str) -> str:
    kind, _, what = action.partition(".")
    return f"{kind.replace('_', ' ').capitalize()}: {what.replace('_', ' ')}"


def _label(column: str) -> str:
    return LABELS.get(column, column.replace("_", " ").capitalize())


def _html_value(column: str, value: Value | Any, staff: Mapping[str, str]) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "&mdash;"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return _e(_when(value))
    if isinstance(value, date):
        return _e(_day(value))
    if isinstance(value, dict):
        items = "".join(
            f"<li>{_e(_label(str(key)))}: {_html_value(str(key), item, staff)}</li>"
            for key, item in value.items()
            if item not in (None, "", [], {})
        )
        return f"<ul>{items}</ul>" if items else "&mdash;"
    if isinstance(value, list):
        return _e(", ".join(_plain(column, item, staff) for item in value))
    return _e(_plain(column, value, staff))


def _plain(column: str, value: Any, staff: Mapping[str, str]) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=_json_value)
    text = str(value)
    if column in STAFF_COLUMNS or text in staff:
        return ", ".join(staff.get(part, ACTORS.get(part, part)) for part in text.split(","))
    if column in CODED_COLUMNS:
        return text.replace("_", " ")
    if isinstance(value, str):
        day = _iso_moment(text)
        if day is not None:
            return day
    return text


def _iso_moment(text: str) -> str | None:
    """A date or time the JSON columns hold as text (letter content, before/after), shown in UK form."""
    if len(text) < 10 or not text[:4].isdigit() or text[4] != "-":
        return None
    try:
        if len(text) == 10:
            return _day(date.fromisoformat(text))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _when(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _when(moment: datetime) -> str:
    local = moment.astimezone(policy.LOCAL_TIME)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
