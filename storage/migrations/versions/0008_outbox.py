"""outbox: messages the bot sends on its own, and the per-conversation leases of the workers that send them

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("addressee", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("coalesce_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("available_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("activity_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_waiting", "outbox_message", ["state", "addressee", "id"], unique=False)
    op.create_table(
        "outbox_conversation",
        sa.Column("addressee", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("claimant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("leased_until", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retry_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("addressee"),
    )


def downgrade() -> None:
    op.drop_table("outbox_conversation")
    op.drop_index("ix_outbox_waiting", table_name="outbox_message")
    op.drop_table("outbox_message")
