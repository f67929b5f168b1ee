"""retention (issue 19): redactable lookups in the audit trail, the daily run's claim, a customer's retention anchor

audit_event.redacted_in: the audit.redacted event that blanked this row's actor, record and detail once its period
ran out. The row keeps its id, time, action, prev_hash and hash, so the chain still links and a head recorded
elsewhere still verifies; the database allows that one change, once, and only to the kinds of event listed here
(lookups, and the events naming a representative or who collected a letter), and still refuses every other UPDATE
and every DELETE (storage/audit_chain.py).

scheduled_run: one row per daily job; an instance runs it only by moving last_run_on to today, so one instance a day
does. customer.retention_anchor_at: the end of the latest measure retention removed, so that the customer's
incidents are still kept for their period after it (casework/policy.py, retention_expiry).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# Frozen here as they were when this migration was written: storage.audit_chain.REDACTABLE_ACTIONS may grow, with a
# migration of its own.
REDACTABLE = (
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
    "representative.added",
    "letter.collected",
)
_IN_REDACTABLE = "(" + ", ".join(f"'{action}'" for action in REDACTABLE) + ")"
REFUSED_UPDATE = "audit_event is append-only: an audit event cannot be changed"
REFUSED_DELETE = "audit_event is append-only: an audit event cannot be deleted"
_FIELDS = ("id", "at", "actor_id", "action", "record_type", "record_id", "detail")
_ANY_FIELD_CHANGED = " OR ".join(f"NEW.{name} IS NOT OLD.{name}" for name in _FIELDS)

_SQLITE_REDACTION = (
    "OLD.hash IS NOT NULL AND OLD.redacted_in IS NULL AND NEW.redacted_in IS NOT NULL"
    " AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.action IS OLD.action AND NEW.record_type IS OLD.record_type"
    " AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash"
    f" AND NEW.actor_id = '' AND NEW.record_id = '' AND NEW.detail = '{{}}' AND OLD.action IN {_IN_REDACTABLE}"
)
_SQLITE_CHAIN_FILL = f"OLD.hash IS NULL AND NEW.redacted_in IS NULL AND NOT ({_ANY_FIELD_CHANGED})"

SQLITE_NO_UPDATE = f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    WHEN NOT ({_SQLITE_CHAIN_FILL}) AND NOT ({_SQLITE_REDACTION})
    BEGIN SELECT RAISE(ABORT, '{REFUSED_UPDATE}'); END"""

SQLITE_NO_UPDATE_BEFORE = f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    WHEN OLD.hash IS NOT NULL OR {_ANY_FIELD_CHANGED}
    BEGIN SELECT RAISE(ABORT, '{REFUSED_UPDATE}'); END"""

POSTGRES_REFUSE_CHANGE = f"""CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
            AND OLD.redacted_in IS NULL AND NEW.redacted_in IS NOT NULL
            AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action
            AND NEW.record_type = OLD.record_type
            AND NEW.prev_hash IS NOT DISTINCT FROM OLD.prev_hash AND NEW.hash IS NOT DISTINCT FROM OLD.hash
            AND NEW.actor_id = '' AND NEW.record_id = '' AND NEW.detail::text = '{{}}'
            AND OLD.action IN {_IN_REDACTABLE}
        THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{REFUSED_DELETE}';
        END IF;
        RAISE EXCEPTION '{REFUSED_UPDATE}';
    END $$"""

POSTGRES_REFUSE_CHANGE_BEFORE = f"""CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{REFUSED_DELETE}';
        END IF;
        RAISE EXCEPTION '{REFUSED_UPDATE}';
    END $$"""


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch rebuild: rebuilding audit_event on SQLite would drop its triggers (0009).
    op.add_column("audit_event", sa.Column("redacted_in", sa.Integer(), nullable=True))
    op.add_column("customer", sa.Column("retention_anchor_at", UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "scheduled_run",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("last_run_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("job"),
    )
    op.execute("INSERT INTO scheduled_run (job, last_run_on) VALUES ('retention', NULL)")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute(SQLITE_NO_UPDATE)
    else:
        op.execute(POSTGRES_REFUSE_CHANGE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute(SQLITE_NO_UPDATE_BEFORE)
    else:
        op.execute(POSTGRES_REFUSE_CHANGE_BEFORE)
    op.drop_table("scheduled_run")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("retention_anchor_at")
    op.drop_column("audit_event", "redacted_in")
