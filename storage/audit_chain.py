"""The audit trail's hash chain (issue 14): every audit_event row carries the SHA-256 of its own fields and of the
previous row's hash, so changing, removing or reordering a row breaks the chain from that row on.

The database computes each row's hash as it is inserted, under a lock, from the row before it (migration 0009):
PostgreSQL in a BEFORE INSERT trigger that takes an advisory transaction lock, SQLite in an AFTER INSERT trigger
(writers are already serialised by BEGIN IMMEDIATE) calling the function registered below on every connection. So
the application's one multi-row INSERT per unit of work stays one statement, and writers on several instances or
threads cannot fork the chain: a unique index on prev_hash refuses a second row claiming the same predecessor.

What is hashed is canonical JSON: sorted keys, no whitespace, UTF-8, non-ASCII characters as themselves, of the
row's id, at (ISO-8601 UTC to the microsecond, e.g. "2026-11-28T10:00:00.000000Z"), actor_id, action, record_type,
record_id, detail and prev_hash. The first row's prev_hash is GENESIS. verify_audit_chain recomputes it all here,
in Python, so the check does not trust the database's own functions.

Retention (issue 19; UK GDPR Art. 5(1)(e), storage limitation) cannot delete old events without breaking the chain,
so it redacts them instead (migration 0025): a lookup older than its period keeps its id, time, action, prev_hash
and hash but loses its actor, record and detail, and points (redacted_in) at the audit.redacted event that did it.
That event is itself chained and records how many events it redacted and a digest of their ids, actions and hashes.
verify_audit_chain cannot recompute a redacted row's hash from contents that are gone, so it accepts the stored hash
only for a row that a later, intact audit.redacted event vouches for, with the digest matching exactly the rows
pointing at it: redacting any other row, or one more, breaks verification. Every hash stays as it was, so a head
recorded elsewhere before a redaction still verifies after it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from storage.tables import AuditEventRecord, table_of

GENESIS = "0" * 64
"""The prev_hash of the first event."""

SQLITE_HASH_FUNCTION = "uca_audit_hash"
"""The SQL function SQLite's chain trigger calls; registered on every connection by storage/database.py."""

POSTGRES_CHAIN_LOCK = 7215014
"""The advisory lock PostgreSQL's chain trigger holds until the inserting transaction ends."""

REDACTION_ACTION = "audit.redacted"
"""The event that records a redaction: detail `events` (how many) and `digest` (redaction_digest of them)."""

LOOKUP_ACTIONS = (
    "customer.checked",
    "customer.searched",
    "customer.show_refused",
    "customer.history_viewed",
    "customer.history_refused",
    "escalation.viewed",
    "escalation.view_refused",
    "appeal.viewed",
    "appeal.view_refused",
    "letter.downloaded",
    "letter.download_refused",
)
"""Who looked at which record: redacted once older than RETENTION_LOOKUP_AUDIT_MONTHS."""

NAMING_ACTIONS = ("representative.added", "letter.collected")
"""Events whose detail names a person other than staff: redacted with the records they are about."""

REDACTABLE_ACTIONS = LOOKUP_ACTIONS + NAMING_ACTIONS
"""What the database lets retention redact (migration 0025 holds the same list); anything else stays as written."""


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def format_at(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times are timezone-aware UTC")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def event_hash(
    event_id: int,
    at: datetime,
    actor_id: str,
    action: str,
    record_type: str,
    record_id: str,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> str:
    fields = {
        "id": event_id,
        "at": format_at(at),
        "actor_id": actor_id,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "detail": dict(detail),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def _sqlite_event_hash(
    event_id: int,
    at: str,
    actor_id: str,
    action: str,
    record_type: str,
    record_id: str,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash from the values as SQLite stores them: `at` as SQLAlchemy's naive UTC text, detail as JSON text."""
    moment = datetime.fromisoformat(at)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return event_hash(event_id, moment, actor_id, action, record_type, record_id, json.loads(detail), prev_hash)


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    connection.create_function(SQLITE_HASH_FUNCTION, 8, _sqlite_event_hash, deterministic=True)


def redaction_digest(rows: list[tuple[int, str, str]]) -> str:
    """The digest an audit.redacted event records of the (id, action, hash) of the events it redacted."""
    return hashlib.sha256(canonical_json(sorted([list(row) for row in rows]))).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    events: int
    """Events checked: all of them when intact, up to and including the broken one otherwise."""
    head: str
    """The last intact hash; recorded somewhere else, it also shows later whether events were cut off the end."""
    broken: BrokenLink | None = None
    redacted: int = 0
    """Events whose contents retention removed, each vouched for by an intact audit.redacted event."""

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_audit_chain(engine: Engine, batch: int = 1000) -> ChainReport:
    """Recomputes every event's hash in id order and reports the first row whose link or hash is wrong; a redacted
    row's link is checked and its hash taken as vouched for by the audit.redacted event it names (see above)."""
    table = table_of(AuditEventRecord)
    query = select(table).order_by(table.c.id)
    expected_prev = GENESIS
    checked = 0
    redacted: dict[int, list[tuple[int, str, str]]] = {}
    redacted_first: dict[int, int] = {}
    vouchers: dict[int, Mapping[str, Any]] = {}
    with engine.connect() as connection:
        for row in connection.execution_options(yield_per=batch).execute(query):
            checked += 1
            if row.prev_hash != expected_prev:
                return ChainReport(
                    checked,
                    expected_prev,
                    BrokenLink(row.id, "its link to the previous event is wrong (an event before it was removed, "
                               "added or changed)"),
                )  # fmt: skip
            if row.redacted_in is not None:
                if row.redacted_in <= row.id or row.hash is None:
                    return ChainReport(
                        checked, expected_prev, BrokenLink(row.id, "it claims a redaction that cannot be")
                    )
                redacted.setdefault(row.redacted_in, []).append((row.id, row.action, row.hash))
                redacted_first.setdefault(row.redacted_in, row.id)
                expected_prev = row.hash
                continue
            recomputed = event_hash(
                row.id, row.at, row.actor_id, row.action, row.record_type, row.record_id, row.detail, row.prev_hash
            )
            if row.hash != recomputed:
                return ChainReport(checked, expected_prev, BrokenLink(row.id, "its contents do not match its hash"))
            if row.action == REDACTION_ACTION:
                vouchers[row.id] = dict(row.detail)
            expected_prev = row.hash
        connection.rollback()
    for voucher_id, rows in sorted(redacted.items(), key=lambda item: redacted_first[item[0]]):
        detail = vouchers.get(voucher_id)
        if detail is None or detail.get("events") != str(len(rows)) or detail.get("digest") != redaction_digest(rows):
            return ChainReport(
                checked,
                expected_prev,
                BrokenLink(
                    redacted_first[voucher_id],
                    "its contents are gone but no audit.redacted event records removing exactly these events",
                ),
            )
    for voucher_id, detail in vouchers.items():
        if detail.get("events", "0") != "0" and voucher_id not in redacted:
            return ChainReport(
                checked, expected_prev, BrokenLink(voucher_id, "the events it records redacting are not marked so")
            )
    return ChainReport(checked, expected_prev, redacted=sum(len(rows) for rows in redacted.values()))
