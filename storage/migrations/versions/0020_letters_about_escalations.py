"""letters about an escalation decided without a measure: further action (s14), withdrawing a mandatory service (s15.4)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 16:30:00.000000

A letter is about a measure (a warning or restriction, and its reviews) or, for a decision that puts none in force,
about the escalation that decided it: exactly one of the two.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.alter_column("measure_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("escalation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_letter_escalation_id", "escalation", ["escalation_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_letter_escalation_id"), ["escalation_id"], unique=False)
        batch_op.create_unique_constraint("uq_letter_escalation_kind_version", ["escalation_id", "kind", "version"])
        batch_op.create_check_constraint("ck_letter_about_one", "(measure_id IS NULL) <> (escalation_id IS NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM letter WHERE measure_id IS NULL")
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.drop_constraint("ck_letter_about_one", type_="check")
        batch_op.drop_constraint("uq_letter_escalation_kind_version", type_="unique")
        batch_op.drop_index(batch_op.f("ix_letter_escalation_id"))
        batch_op.drop_constraint("fk_letter_escalation_id", type_="foreignkey")
        batch_op.drop_column("escalation_id")
        batch_op.alter_column("measure_id", existing_type=sa.Integer(), nullable=False)
