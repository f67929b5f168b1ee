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

from storage.tables import AuditEventRecord

GENESIS = "0" * 64
"""The prev_hash of the first event."""

SQLITE_HASH_FUNCTION = "uca_audit_hash"
"""The SQL function SQLite's chain trigger calls; registered on every connection by storage/database.py."""

POSTGRES_CHAIN_LOCK = 7215014
"""The advisory lock PostgreSQL's chain trigger holds until the inserting transaction ends."""


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

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_audit_chain(engine: Engine, batch: int = 1000) -> ChainReport:
    """Recomputes every event's hash in id order and reports the first row whose link or hash is wrong."""
    table = AuditEventRecord.__table__  # type: ignore[attr-defined]
    query = select(table).order_by(table.c.id)
    expected_prev = GENESIS
    checked = 0
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
            recomputed = event_hash(
                row.id, row.at, row.actor_id, row.action, row.record_type, row.record_id, row.detail, row.prev_hash
            )
            if row.hash != recomputed:
                return ChainReport(checked, expected_prev, BrokenLink(row.id, "its contents do not match its hash"))
            expected_prev = row.hash
        connection.rollback()
    return ChainReport(checked, expected_prev)
