"""incident amendments: the correction history of an incident, its version and when it was reported

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 10:00:00.000000

Numbered 0010 on the issue16-records branch; renumber on merge if another 0010 lands first.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.tables

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_at", storage.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    # Reports made before this migration were reported when their row was written.
    op.execute("UPDATE incident SET reported_at = created_at WHERE reported_at IS NULL")
    op.create_table(
        "incident_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("amended_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("amended_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "version", name="uq_incident_amendment_version"),
    )
    with op.batch_alter_table("incident_amendment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_amendment_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_amendment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_amendment_incident_id"))
    op.drop_table("incident_amendment")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("reported_at")
