"""staff roles: who is staff comes from the administrator's list, not from talking to the bot (issue 14)

Until now anyone who talked to the bot got a staff_member row and was treated as staff. `listed` marks the
administrator's list; `is_reception` and `is_administrator` are roles the administrator gives (casework.vocabulary.Role).
Existing rows are listed only where an administrator put them there: a `staff.registered` audit event for the person,
or membership of the determination team. People who only ever talked to the bot keep their row (records show their
name) but are no longer staff until an administrator adds them (python admin.py add-staff).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_member") as batch_op:
        batch_op.add_column(sa.Column("listed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("is_reception", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("is_administrator", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        sa.text(
            "UPDATE staff_member SET listed = :yes WHERE is_determination_team = :yes OR user_id IN "
            "(SELECT record_id FROM audit_event WHERE action = 'staff.registered')"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("staff_member") as batch_op:
        batch_op.drop_column("is_administrator")
        batch_op.drop_column("is_reception")
        batch_op.drop_column("listed")
