"""complaints and appeals about a decision, and Ombudsman signposting (issue 17)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 16:30:00.000000

Chained onto 0013 on the h-appeals branch; renumber on merge if another migration lands first.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("reasons", sa.Text(), server_default="", nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("decided_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("new_review_due_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("card_conversation_id", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("card_activity_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["measure_id"], ["measure.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeal_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeal_measure_id"), ["measure_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeal_outcome"), ["outcome"], unique=False)
    op.create_table(
        "ombudsman_signposting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("matter", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("signposted_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ombudsman_signposting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ombudsman_signposting_customer_id"), ["customer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ombudsman_signposting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ombudsman_signposting_customer_id"))
    op.drop_table("ombudsman_signposting")
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_outcome"))
        batch_op.drop_index(batch_op.f("ix_appeal_measure_id"))
        batch_op.drop_index(batch_op.f("ix_appeal_customer_id"))
    op.drop_table("appeal")
