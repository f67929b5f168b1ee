"""Subject access (UK GDPR Art. 15; issue 19): every record held about one customer, and nothing about anyone else.

The read is `SubjectAccessReads.records_of` (storage/subject_access.py, one statement per kind of record, joined on
the customer, never one per row); this module decides what of it is the customer's, pseudonymises staff if asked,
audits the export without its personal data and returns the export as a frozen `SubjectAccessExport`. Rendering it
to the file the customer is sent (JSON for machines, HTML for people) is letters/subject_access.py's.

What is in it, by kind of record (`RecordKind`): the customer's record, the words their names are found by
(customer_name_token) and their representatives (s5); their incidents and every amendment of them; the escalations
about them with the team's votes, the decisions and the incidents each rested on; their warnings, restrictions,
further action and service withdrawals (s11 to s15) and the reviews of them (s13); correspondence logged on file (s16);
complaints and appeals and Ombudsman signposting (s11.4, s17); letters (each version's text and its delivery); and
the audit trail of who looked them up, changed their records or was refused (`AUDIT_LINKS` says how each audit
action names its record).

Decisions on what is not in it (also stated in the file, `NOT_INCLUDED`):

- Letters' .docx files are not included, only each version's content (the text the file was made from, every
  paragraph of it) and its issue and delivery: the text is the personal data; the customer was sent the letter; and
  staff redaction could not reach inside a binary.
- The outbox (outbox_message) holds, per message, only the purpose, the ids of the records it is about and the
  member of staff or channel it went to: no customer text (cards are rendered from the records when sent). The
  records are exported; a message that could not be delivered is an event about delivering to staff
  (message.not_delivered), and what it meant for the customer's record is audited on that record
  (incident.manager_not_notified and the like), which is exported.
- Bot dialog state (bot_state) is a staff member's unfinished form, keyed by their conversation, not by customer,
  and overwritten as they go on; a name half-typed there is not a record about anyone, cannot be attributed to one
  customer without guessing, and is gone when the form is finished or cancelled.
- Conversation references, tenant addresses and outbox leases (conversation_reference, tenant_service_url,
  outbox_conversation) are how the bot reaches staff and channels: nothing about customers.
- Staff records (staff_member) are about staff. The names of the staff in the customer's records are shown, as
  officers acting for the council, unless staff are redacted (`SUBJECT_ACCESS_REDACT_STAFF`, `--redact-staff`),
  when each becomes "Staff member N", the same N wherever they appear, in their ids and in any text.
- Searches that found several people: a `customer.searched` event is included when this customer was among those
  found, with only their own id as the match and without the words searched for, which may have been another
  person's name.

Free text staff typed (an incident's account, a request's reason) is exported as typed: it is the customer's
record. If it names another person, whoever sends the file should consider redacting it (ICO guidance on
third-party data); the HTML says so.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.entities import Actor
from casework.errors import NotFound
from casework.ports import UnitOfWork
from casework.vocabulary import LetterKind

Value = str | int | float | bool | None | date | datetime | list[Any] | dict[str, Any]
"""A stored value as the export carries it: datetimes aware UTC, JSON columns as lists and dicts."""

Row = Mapping[str, Value]
"""One stored row, by column name: every column, so the JSON is the record as held."""


class RecordKind(enum.StrEnum):
    """The kinds of record in the export, in the order the file shows them; the values are the JSON's keys."""

    CUSTOMER = "customer"
    NAME_TOKENS = "name_tokens"
    REPRESENTATIVES = "representatives"
    INCIDENTS = "incidents"
    INCIDENT_AMENDMENTS = "incident_amendments"
    ESCALATIONS = "escalations"
    ESCALATION_INCIDENTS = "escalation_incidents"
    VOTES = "votes"
    DECISIONS = "decisions"
    MEASURES = "measures"
    REVIEWS = "reviews"
    CORRESPONDENCE = "correspondence"
    APPEALS = "appeals"
    OMBUDSMAN_SIGNPOSTING = "ombudsman_signposting"
    LETTERS = "letters"
    AUDIT_TRAIL = "audit_trail"


STAFF_COLUMNS = frozenset(
    {
        "reported_by",
        "manager_outcome_by",
        "amended_by",
        "requested_by",
        "member_id",
        "decided_by",
        "case_owner_id",
        "owner_id",
        "logged_by",
        "reviewer_id",
        "reviewed_by",
        "recorded_by",
        "created_by",
        "issued_by",
        "actor_id",
        "line_manager_id",
    }
)
"""Columns holding a member of staff's user id: shown as their name, or their pseudonym when staff are redacted."""


class AuditLink(enum.Enum):
    """What an audit action's record_id names, so an event is matched to the customer's records exactly."""

    CUSTOMER = "customer id"
    INCIDENT = "incident reference (or id, for a refused look at one)"
    ESCALATION = "escalation id"
    REVIEW = "review id"
    LETTER = "letter id"
    APPEAL = "appeal id"
    CORRESPONDENCE = "correspondence item id"
    LETTER_REQUEST = "review id, or appeal id for an appeal outcome letter"
    WORK_ITEM = "the id of the record its detail's record_type names"
    SEARCH = "none: its detail lists the customers found"
    NONE = "not about one customer"


AUDIT_LINKS: Mapping[AuditAction, AuditLink] = {
    AuditAction.ACTIVITY_REJECTED_TENANT: AuditLink.NONE,
    AuditAction.RETENTION_REMOVED: AuditLink.CUSTOMER,
    AuditAction.AUDIT_REDACTED: AuditLink.NONE,
    AuditAction.OVERSIGHT_DIGEST_POSTED: AuditLink.NONE,
    AuditAction.COMMITTEE_REPORT_DOWNLOADED: AuditLink.NONE,
    AuditAction.COMMITTEE_REPORT_REFUSED: AuditLink.NONE,
    AuditAction.STAFF_REGISTERED: AuditLink.NONE,
    AuditAction.STAFF_UNLISTED: AuditLink.NONE,
    AuditAction.ROUTE_REFUSED: AuditLink.NONE,
    AuditAction.STAFF_LINE_MANAGER_SET: AuditLink.NONE,
    AuditAction.CUSTOMER_ADDED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_CHECKED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_SEARCHED: AuditLink.SEARCH,
    AuditAction.CUSTOMER_SHOW_REFUSED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_HISTORY_VIEWED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_HISTORY_REFUSED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_MERGED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_ADDRESS_CHANGED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_RECORD_EDITED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_NEED_NOTED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_EDIT_REFUSED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMER_SUBJECT_ACCESS_EXPORTED: AuditLink.CUSTOMER,
    AuditAction.CUSTOMERS_IMPORTED: AuditLink.NONE,
    AuditAction.REPRESENTATIVE_ADDED: AuditLink.CUSTOMER,
    AuditAction.INCIDENT_REPORTED: AuditLink.INCIDENT,
    AuditAction.INCIDENT_SAFEGUARDING_FLAGGED: AuditLink.INCIDENT,
    AuditAction.INCIDENT_MANAGER_OUTCOME: AuditLink.INCIDENT,
    AuditAction.INCIDENT_OUTCOME_REFUSED: AuditLink.INCIDENT,
    AuditAction.INCIDENT_AMENDED: AuditLink.INCIDENT,
    AuditAction.INCIDENT_AMENDMENT_REFUSED: AuditLink.INCIDENT,
    AuditAction.INCIDENT_MANAGER_NOTIFIED: AuditLink.INCIDENT,
    AuditAction.INCIDENT_MANAGER_NOT_NOTIFIED: AuditLink.INCIDENT,
    AuditAction.INCIDENT_URGENT_NOTIFIED: AuditLink.INCIDENT,
    AuditAction.INCIDENT_URGENT_NOT_NOTIFIED: AuditLink.INCIDENT,
    AuditAction.ESCALATION_REQUESTED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_VOTE: AuditLink.ESCALATION,
    AuditAction.ESCALATION_DECISION_REFUSED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_APPROVED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_DECLINED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_CONFIRMED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_OVERTURNED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_INFORMATION_REQUESTED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_INFORMATION_GIVEN: AuditLink.ESCALATION,
    AuditAction.ESCALATION_CHASED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_CONFIRMATION_CHASED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_LAPSED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_VIEWED: AuditLink.ESCALATION,
    AuditAction.ESCALATION_VIEW_REFUSED: AuditLink.ESCALATION,
    AuditAction.REVIEW_LIFTED: AuditLink.REVIEW,
    AuditAction.REVIEW_EXTENDED: AuditLink.REVIEW,
    AuditAction.REVIEW_EXTENSION_REQUESTED: AuditLink.REVIEW,
    AuditAction.REVIEW_REASSIGNED: AuditLink.REVIEW,
    AuditAction.REVIEW_ACTION_REFUSED: AuditLink.REVIEW,
    AuditAction.REVIEW_ESCALATED_OVERDUE: AuditLink.REVIEW,
    AuditAction.REVIEW_OWNER_UNREACHABLE: AuditLink.REVIEW,
    AuditAction.REVIEW_REMINDER_SENT: AuditLink.REVIEW,
    AuditAction.REVIEW_REMINDER_FAILED: AuditLink.REVIEW,
    AuditAction.LETTER_REQUESTED: AuditLink.LETTER_REQUEST,
    AuditAction.LETTER_PRODUCED: AuditLink.LETTER,
    AuditAction.LETTER_REVISED: AuditLink.LETTER,
    AuditAction.LETTER_ISSUED: AuditLink.LETTER,
    AuditAction.LETTER_ISSUE_REFUSED: AuditLink.LETTER,
    AuditAction.LETTER_DELIVERED: AuditLink.LETTER,
    AuditAction.LETTER_COLLECTED: AuditLink.LETTER,
    AuditAction.LETTER_DOWNLOADED: AuditLink.LETTER,
    AuditAction.LETTER_DOWNLOAD_REFUSED: AuditLink.LETTER,
    AuditAction.LETTER_LINK_REFUSED: AuditLink.LETTER,
    AuditAction.CORRESPONDENCE_LOGGED: AuditLink.CORRESPONDENCE,
    AuditAction.CORRESPONDENCE_LOG_REFUSED: AuditLink.CUSTOMER,
    AuditAction.CORRESPONDENCE_REVIEWED: AuditLink.CORRESPONDENCE,
    AuditAction.CORRESPONDENCE_REVIEW_REFUSED: AuditLink.CORRESPONDENCE,
    AuditAction.CORRESPONDENCE_ESCALATED_OVERDUE: AuditLink.CORRESPONDENCE,
    AuditAction.APPEAL_RECORDED: AuditLink.APPEAL,
    AuditAction.APPEAL_RECORD_REFUSED: AuditLink.CUSTOMER,
    AuditAction.APPEAL_VIEWED: AuditLink.APPEAL,
    AuditAction.APPEAL_VIEW_REFUSED: AuditLink.APPEAL,
    AuditAction.APPEAL_DECISION_REFUSED: AuditLink.APPEAL,
    AuditAction.APPEAL_UPHELD: AuditLink.APPEAL,
    AuditAction.APPEAL_VARIED: AuditLink.APPEAL,
    AuditAction.APPEAL_LIFTED: AuditLink.APPEAL,
    AuditAction.OMBUDSMAN_SIGNPOSTED: AuditLink.CUSTOMER,
    AuditAction.OMBUDSMAN_SIGNPOSTING_REFUSED: AuditLink.CUSTOMER,
    AuditAction.MESSAGE_NOT_DELIVERED: AuditLink.NONE,
    AuditAction.WORK_ITEM_REFUSED: AuditLink.WORK_ITEM,
}
"""Every audit action, with what its record_id names (tests/test_subject_access.py fails for one left out)."""

_WORK_ITEM_LINKS = {
    "incident": AuditLink.INCIDENT,
    "review": AuditLink.REVIEW,
    "letter": AuditLink.LETTER,
    "escalation": AuditLink.ESCALATION,
}

NOT_INCLUDED: tuple[tuple[str, str], ...] = (
    (
        "The Word files of letters",
        "Each version of each letter is included as its text, with when it was issued and how it was delivered.",
    ),
    (
        "Messages the system queued for staff",
        "They hold only which of your records they were about and which member of staff they went to; the records "
        "themselves are included.",
    ),
    (
        "Forms staff had not finished",
        "A form a member of staff is part way through is held for them, not filed against anyone, and is gone "
        "when they finish or cancel it.",
    ),
    (
        "How the system reaches staff in Microsoft Teams",
        "Addresses of staff chats and channels: nothing about you.",
    ),
    (
        "Other people",
        "Nothing about anyone else is included. Where a search found you and others, only the fact that you "
        "were found is shown.",
    ),
)
"""What the file says it does not contain, and why, in plain words (this module's docstring gives the detail)."""


@dataclass(frozen=True)
class HeldRecords:
    """What storage holds that may concern the customer, as stored: `rows` by kind (the audit trail's are
    candidates, matched here exactly) and every member of staff's name by user id (to name or redact them)."""

    rows: Mapping[RecordKind, Sequence[Row]]
    staff_names: Mapping[str, str]


class SubjectAccessReads(Protocol):
    def records_of(self, customer_id: int) -> HeldRecords | None:
        """Everything stored about the customer, a statement per kind of record; None if there is no such customer."""
        ...


class SubjectAccessUnitOfWork(UnitOfWork, Protocol):
    """A unit of work with the subject access read (storage.unit_of_work.SqlUnitOfWork has it): a port of this
    flow's own, so the other flows' units of work and fakes need not carry it."""

    @property
    def subject_access(self) -> SubjectAccessReads: ...


@dataclass(frozen=True)
class ExportSection:
    kind: RecordKind
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class SubjectAccessExport:
    """Every record held about one customer, ready to render: a section per `RecordKind` (empty ones included)."""

    customer_id: int
    customer_name: str
    generated_at: datetime
    staff_redacted: bool
    sections: tuple[ExportSection, ...]
    staff: tuple[tuple[str, str], ...]
    """Each member of staff the records name: (their user id, or pseudonym when redacted; how they are shown)."""
    not_included: tuple[tuple[str, str], ...] = NOT_INCLUDED

    def rows(self, kind: RecordKind) -> tuple[Row, ...]:
        return next(s.rows for s in self.sections if s.kind is kind)

    @property
    def record_count(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def export_customer(
    uow: SubjectAccessUnitOfWork, actor: Actor, customer_id: int, clock: Clock, *, redact_staff: bool
) -> SubjectAccessExport:
    """The customer's subject access export, its making audited (customer.subject_access_exported, with counts and
    no personal data). An unknown customer raises NotFound and records nothing."""
    with uow:
        held = uow.subject_access.records_of(customer_id)
        if held is None:
            raise NotFound(f"No customer with id {customer_id} is on record; nothing was exported.")
        sections = _customers_own(customer_id, held.rows)
        names = _staff_shown(sections, held.staff_names, redact_staff)
        customer_name = str(sections[RecordKind.CUSTOMER][0]["name"])
        if redact_staff:
            sections, pseudonyms = _pseudonymised(sections, names, held.staff_names, keep=customer_name)
            names = {label: label for label in pseudonyms.values()}
        export = SubjectAccessExport(
            customer_id=customer_id,
            customer_name=customer_name,
            generated_at=clock(),
            staff_redacted=redact_staff,
            sections=tuple(ExportSection(kind, tuple(sections[kind])) for kind in RecordKind),
            staff=tuple(names.items()),
        )
        record_audit(
            uow,
            actor,
            AuditAction.CUSTOMER_SUBJECT_ACCESS_EXPORTED,
            customer_id,
            clock,
            records=str(export.record_count),
            staff_redacted="yes" if redact_staff else "no",
        )
        uow.commit()
    return export


def _customers_own(customer_id: int, rows: Mapping[RecordKind, Sequence[Row]]) -> dict[RecordKind, list[Row]]:
    """The rows as read, with the audit trail narrowed to the events whose record is this customer's."""
    own: dict[RecordKind, list[Row]] = {kind: list(rows.get(kind, ())) for kind in RecordKind}

    def ids(kind: RecordKind, column: str = "id") -> set[str]:
        return {str(row[column]) for row in own[kind] if row.get(column) is not None}

    linked: dict[AuditLink, set[str]] = {
        AuditLink.CUSTOMER: _merged_into(customer_id, own[RecordKind.AUDIT_TRAIL]),
        AuditLink.INCIDENT: ids(RecordKind.INCIDENTS) | ids(RecordKind.INCIDENTS, "reference"),
        AuditLink.ESCALATION: ids(RecordKind.ESCALATIONS),
        AuditLink.REVIEW: ids(RecordKind.REVIEWS),
        AuditLink.LETTER: ids(RecordKind.LETTERS),
        AuditLink.APPEAL: ids(RecordKind.APPEALS),
        AuditLink.CORRESPONDENCE: ids(RecordKind.CORRESPONDENCE),
    }
    events: list[Row] = []
    for event in own[RecordKind.AUDIT_TRAIL]:
        kept = _event_of(event, linked)
        if kept is not None:
            events.append(kept)
    own[RecordKind.AUDIT_TRAIL] = events
    return own


def _merged_into(customer_id: int, events: Sequence[Row]) -> set[str]:
    """The customer's id and those of the duplicate records merged into theirs (the same person, whose events were
    recorded under the duplicate's id), however many merges deep."""
    ids = {str(customer_id)}
    merges: list[tuple[str, str]] = []
    for event in events:
        detail = event.get("detail")
        if event.get("action") == AuditAction.CUSTOMER_MERGED.value and isinstance(detail, dict):
            merges.append((str(event["record_id"]), str(detail.get("duplicate", ""))))
    grown = True
    while grown:
        before = len(ids)
        ids |= {duplicate for kept, duplicate in merges if kept in ids and duplicate}
        grown = len(ids) > before
    return ids


def _event_of(event: Row, linked: Mapping[AuditLink, set[str]]) -> Row | None:
    try:
        link = AUDIT_LINKS[AuditAction(str(event["action"]))]
    except (KeyError, ValueError):
        return None  # an action this version does not know: not shown rather than shown wrongly
    detail = event.get("detail")
    detail = detail if isinstance(detail, dict) else {}
    record_id = str(event["record_id"])
    if link is AuditLink.SEARCH:
        found = [i for i in str(detail.get("matched", "")).split(",") if i in linked[AuditLink.CUSTOMER]]
        if not found:
            return None
        return {**event, "detail": {"matched": ",".join(found)}}
    if link is AuditLink.LETTER_REQUEST:
        link = AuditLink.APPEAL if detail.get("letter") == LetterKind.APPEAL_OUTCOME.value else AuditLink.REVIEW
    elif link is AuditLink.WORK_ITEM:
        link = _WORK_ITEM_LINKS.get(str(detail.get("record_type", "")), AuditLink.NONE)
    if link is AuditLink.NONE or record_id not in linked.get(link, set()):
        return None
    return event


def _staff_shown(
    sections: Mapping[RecordKind, Sequence[Row]], staff_names: Mapping[str, str], redact: bool
) -> dict[str, str]:
    """The staff the records name, in the order they first appear: user id → their name (or "Staff member N")."""
    shown: dict[str, str] = {}
    for kind in RecordKind:
        for row in sections[kind]:
            for column, value in row.items():
                candidates = (
                    [value] if column in STAFF_COLUMNS else _strings_in(value) if kind is RecordKind.AUDIT_TRAIL else []
                )
                for candidate in candidates:
                    for part in str(candidate).split(","):
                        if part in staff_names and part not in shown:
                            shown[part] = f"Staff member {len(shown) + 1}" if redact else staff_names[part]
    return shown


def _strings_in(value: Value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings_in(v)]
    return []


def _pseudonymised(
    sections: Mapping[RecordKind, Sequence[Row]],
    labels: Mapping[str, str],
    staff_names: Mapping[str, str],
    keep: str,
) -> tuple[dict[RecordKind, list[Row]], dict[str, str]]:
    """Every staff id (as a whole value, or one of a comma-separated list) and every staff name (anywhere in any
    text, as whole words) replaced by the same pseudonym, so the record still reads: who did what, not who they
    are. A member of staff named in text but nowhere in a staff column gets a pseudonym of their own. `keep` (the
    customer's own name) is never replaced, should a member of staff share it."""
    pseudonyms = dict(labels)

    def label(user_id: str) -> str:
        if user_id not in pseudonyms:
            pseudonyms[user_id] = f"Staff member {len(pseudonyms) + 1}"
        return pseudonyms[user_id]

    by_name: dict[str, str] = {}
    for user_id, name in staff_names.items():
        if name.strip() and name != keep:
            by_name.setdefault(name, user_id)
    pattern = (
        re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(by_name, key=len, reverse=True)))
        if by_name
        else None
    )

    def text(value: str) -> str:
        parts = value.split(",")
        if all(part in staff_names for part in parts):
            return ",".join(label(part) for part in parts)
        if pattern is None:
            return value
        return pattern.sub(lambda match: label(by_name[match.group(0)]), value)

    def scrub(value: Value) -> Value:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    scrubbed: dict[RecordKind, list[Row]] = {
        kind: [{column: scrub(value) for column, value in row.items()} for row in rows]
        for kind, rows in sections.items()
    }
    return scrubbed, pseudonyms
