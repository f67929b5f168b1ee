"""immediate restrictions' confirmation window (s12.3) and extensions put to the determination team (s13.2)

measure.confirm_by: when a second member must have confirmed an immediate restriction (null once confirmed, and for
every other measure); measure.confirmation_chased_at: the sweep's claim on chasing it. escalation.review_id: the
review an extension request (kind "extension") came from.

Immediate restrictions approved once and not yet confirmed before this migration get the default window (24 hours
from their approval): the setting in force then is not known here, and 24 hours is what the app has always said.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 17:00:00.000000
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

DEFAULT_WINDOW = timedelta(hours=24)


def upgrade() -> None:
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirm_by", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirmation_chased_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_escalation_review_id", "review", ["review_id"], ["id"])
    connection = op.get_bind()
    measure = sa.table("measure", sa.column("id", sa.Integer()), sa.column("confirm_by", UTCDateTime()))
    unconfirmed = connection.execute(
        sa.text(
            "SELECT measure.id, decision.decided_at FROM measure "
            "JOIN escalation ON escalation.id = measure.escalation_id "
            "JOIN decision ON decision.escalation_id = escalation.id "
            "WHERE escalation.kind = 'restriction' AND escalation.serious_threat IS NOT NULL "
            "AND escalation.state = 'approved' AND measure.ended_at IS NULL "
            "AND (SELECT count(*) FROM vote WHERE vote.escalation_id = escalation.id) < 2"
        ).columns(sa.column("id", sa.Integer()), sa.column("decided_at", UTCDateTime()))
    ).all()
    for measure_id, decided_at in unconfirmed:
        connection.execute(
            measure.update().where(measure.c.id == measure_id).values(confirm_by=decided_at + DEFAULT_WINDOW)
        )


def downgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_escalation_review_id", type_="foreignkey")
        batch_op.drop_column("review_id")
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_column("confirmation_chased_at")
        batch_op.drop_column("confirm_by")
