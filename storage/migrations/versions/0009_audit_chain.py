"""audit chain: audit_event becomes append-only and hash-chained (issue 14, storage/audit_chain.py)

Existing events are chained in id order first; from then on the database fills prev_hash and hash as each row is
inserted and refuses UPDATE and DELETE. (A later batch migration that rebuilds audit_event on SQLite must re-create
the triggers below, which go with the old table.)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables
from storage.audit_chain import GENESIS, POSTGRES_CHAIN_LOCK, SQLITE_HASH_FUNCTION, event_hash

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

REFUSED_UPDATE = "audit_event is append-only: an audit event cannot be changed"
REFUSED_DELETE = "audit_event is append-only: an audit event cannot be deleted"
_FIELDS = ("id", "at", "actor_id", "action", "record_type", "record_id", "detail")
_ANY_FIELD_CHANGED = "".join(f" OR NEW.{name} IS NOT OLD.{name}" for name in _FIELDS)

SQLITE = [
    # Only the chain trigger below may touch a row, once, to fill in its hash as it is inserted.
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    WHEN OLD.hash IS NOT NULL{_ANY_FIELD_CHANGED}
    BEGIN SELECT RAISE(ABORT, '{REFUSED_UPDATE}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSED_DELETE}'); END""",
    # Writers are serialised (BEGIN IMMEDIATE, or an autocommit statement's own write lock), so the row before
    # this one is the last one committed or inserted earlier in the same statement.
    f"""CREATE TRIGGER audit_event_chain AFTER INSERT ON audit_event
    BEGIN
        UPDATE audit_event SET
            prev_hash = coalesce((SELECT p.hash FROM audit_event p WHERE p.id < NEW.id ORDER BY p.id DESC LIMIT 1),
                                 '{GENESIS}'),
            hash = {SQLITE_HASH_FUNCTION}(id, at, actor_id, action, record_type, record_id, detail,
                coalesce((SELECT p.hash FROM audit_event p WHERE p.id < NEW.id ORDER BY p.id DESC LIMIT 1),
                         '{GENESIS}'))
        WHERE id = NEW.id;
    END""",
]

POSTGRES = [
    # Canonical JSON as Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes it:
    # keys in code point order (the C collation on UTF-8), strings escaped alike, numbers as they were written.
    """CREATE FUNCTION audit_canonical_json(value json) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
        CASE json_typeof(value)
            WHEN 'object' THEN
                RETURN '{' || coalesce((SELECT string_agg(to_json(e.key)::text || ':' || audit_canonical_json(e.value),
                                                          ',' ORDER BY e.key COLLATE "C")
                                        FROM json_each(value) AS e), '') || '}';
            WHEN 'array' THEN
                RETURN '[' || coalesce((SELECT string_agg(audit_canonical_json(a.value), ',' ORDER BY a.n)
                                        FROM json_array_elements(value) WITH ORDINALITY AS a(value, n)), '') || ']';
            WHEN 'string' THEN
                RETURN to_json(value #>> '{}')::text;
            ELSE
                RETURN value::text;
        END CASE;
    END $$""",
    # The lock is held until the inserting transaction ends, so the row read as the last one is the last committed,
    # and ids follow the chain even with several instances inserting at once.
    f"""CREATE FUNCTION audit_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        last_id integer;
        last_hash text;
    BEGIN
        PERFORM pg_advisory_xact_lock({POSTGRES_CHAIN_LOCK});
        SELECT id, hash INTO last_id, last_hash FROM audit_event ORDER BY id DESC LIMIT 1;
        NEW.id := coalesce(last_id, 0) + 1;
        NEW.prev_hash := CASE WHEN last_id IS NULL THEN '{GENESIS}' ELSE last_hash END;
        NEW.hash := encode(sha256(convert_to(
            '{{"action":' || to_json(NEW.action)::text
            || ',"actor_id":' || to_json(NEW.actor_id)::text
            || ',"at":"' || to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
            || ',"detail":' || audit_canonical_json(NEW.detail)
            || ',"id":' || NEW.id::text
            || ',"prev_hash":"' || NEW.prev_hash || '"'
            || ',"record_id":' || to_json(NEW.record_id)::text
            || ',"record_type":' || to_json(NEW.record_type)::text
            || '}}', 'UTF8')), 'hex');
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_chain()",
    f"""CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{REFUSED_DELETE}';
        END IF;
        RAISE EXCEPTION '{REFUSED_UPDATE}';
    END $$""",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()",
]


def _chain_existing_events() -> None:
    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("at", storage.tables.UTCDateTime()),
        sa.column("actor_id", sa.String()),
        sa.column("action", sa.String()),
        sa.column("record_type", sa.String()),
        sa.column("record_id", sa.String()),
        sa.column("detail", sa.JSON()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(events).order_by(events.c.id)).all()
    prev = GENESIS
    for row in rows:
        digest = event_hash(row.id, row.at, row.actor_id, row.action, row.record_type, row.record_id, row.detail, prev)
        connection.execute(events.update().where(events.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ux_audit_prev_hash", ["prev_hash"], unique=True)
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("audit_event_chain", "audit_event_no_update", "audit_event_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        for trigger in (
            "audit_event_chain",
            "audit_event_no_update",
            "audit_event_no_delete",
            "audit_event_no_truncate",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON audit_event")
        for function in ("audit_event_chain()", "audit_event_refuse_change()", "audit_canonical_json(json)"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ux_audit_prev_hash")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
