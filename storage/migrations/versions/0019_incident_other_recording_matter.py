"""incidents: "something else" in the reporter's words (s6.1), the customer's own recording (s7.3), and the matter
or complaint reference (s6.1 'scatter gun')

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 16:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("other_action", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("customer_recording", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("recording_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("matter_reference", sa.String(length=100), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("matter_reference")
        batch_op.drop_column("recording_reason")
        batch_op.drop_column("customer_recording")
        batch_op.drop_column("other_action")
