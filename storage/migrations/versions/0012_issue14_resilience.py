"""issue 14 resilience: column widths that agree with what the forms and Teams allow, and escalation submission keys

- staff_member.name 200 → 256 (Entra display names), staff_member.teams_user_id 200 → 256 (the HTTP edge's bound
  on from.id), customer.name_key 200 → 800 (a name's key is its NFKD form, which can be longer than the name).
  SQLite does not enforce VARCHAR widths, so only PostgreSQL's columns change.
- escalation.submission_key (nullable, unique): a repeated submit of the escalation form finds its escalation.

(Numbered 0010 by the issue14-resilience branch; renumber on merge if another 0010 lands first.)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

WIDENED = (
    ("staff_member", "name", 200, 256),
    ("staff_member", "teams_user_id", 200, 256),
    ("customer", "name_key", 200, 800),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column, old, new in WIDENED:
            op.alter_column(table, column, type_=sa.String(new), existing_type=sa.String(old))
    op.add_column("escalation", sa.Column("submission_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_index("ux_escalation_submission_key", "escalation", ["submission_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_escalation_submission_key", table_name="escalation")
    with op.batch_alter_table("escalation") as batch_op:
        batch_op.drop_column("submission_key")
    if op.get_bind().dialect.name == "postgresql":
        for table, column, old, new in WIDENED:
            op.alter_column(table, column, type_=sa.String(old), existing_type=sa.String(new))
