"""oversight figures (issue 19, s3, s4.3): indexes on the dates the figures count by, and the digests posted

Each figure reads one period's rows through an index on the date it counts by: incidents by when they happened,
measures by when they started, reviews by when they fall due and when they were decided, decisions by when they were
made, appeals by when they were received and decided. measure.escalation_id is indexed for an approval's letter.

oversight_digest: one row per digest posted to the determination team's channel (a month's, a quarter's), written in
the same transaction as its outbox message, so a digest goes out once whatever the instances and restarts.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_incident_occurred_at", "incident", ["occurred_at"]),
    ("ix_measure_starts_at", "measure", ["starts_at"]),
    ("ix_measure_escalation_id", "measure", ["escalation_id"]),
    ("ix_review_due_at", "review", ["due_at"]),
    ("ix_review_decided_at", "review", ["decided_at"]),
    ("ix_decision_decided_at", "decision", ["decided_at"]),
    ("ix_appeal_received_on", "appeal", ["received_on"]),
    ("ix_appeal_decided_at", "appeal", ["decided_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.create_table(
        "oversight_digest",
        sa.Column("period_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("posted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("period_code"),
    )


def downgrade() -> None:
    op.drop_table("oversight_digest")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
