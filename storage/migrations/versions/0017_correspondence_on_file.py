"""correspondence on file: each item logged under a restriction that places correspondence on file, and its review
(s16, issue 17)

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-01 16:30:00.000000

Numbered 0017 on the h-correspondence branch; renumber on merge if other migrations land first.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "correspondence_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("attachment_reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("logged_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("logged_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewer_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("submission_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reviewed_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("service_area", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("review_notes", sa.Text(), server_default="", nullable=False),
        sa.Column("escalated_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["measure_id"], ["measure.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_key"),
    )
    with op.batch_alter_table("correspondence_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_correspondence_item_measure_id"), ["measure_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_correspondence_item_reviewer_id"), ["reviewer_id"], unique=False)
        batch_op.create_index("ix_correspondence_item_unreviewed", ["reviewed_at", "logged_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("correspondence_item", schema=None) as batch_op:
        batch_op.drop_index("ix_correspondence_item_unreviewed")
        batch_op.drop_index(batch_op.f("ix_correspondence_item_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_correspondence_item_measure_id"))
    op.drop_table("correspondence_item")
