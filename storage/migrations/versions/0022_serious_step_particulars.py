"""the particulars of further action and of withdrawing a mandatory service (s14.3, s15.4), on the request and on
the measure it puts in force

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("escalation", "measure"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("particulars", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    for table in ("measure", "escalation"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("particulars")
