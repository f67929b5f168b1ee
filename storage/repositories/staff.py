"""Staff the bot knows: their names, line managers (s8.6) and membership of the determination team (s2.6)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Row, Select, exists, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from casework.entities import StaffMember, StaffStanding
from storage.repositories.sql_repository import SqlRepository
from storage.tables import MeasureRecord, Review, StaffMemberRecord, table_of
from storage.upserts import upsert


class SqlStaff(SqlRepository):
    def get(self, user_id: str) -> StaffMember | None:
        row = self._session.get(StaffMemberRecord, user_id)
        return staff_of(row) if row else None

    def standing(self, user_id: str) -> StaffStanding:
        # One statement a turn: the row and the two facts the derived roles need.
        return standing_from(self._session.execute(standing_query(user_id)).first())

    def many(self, user_ids: Collection[str]) -> Mapping[str, StaffMember]:
        if not user_ids:
            return {}
        rows = self._session.exec(select(StaffMemberRecord).where(col(StaffMemberRecord.user_id).in_(set(user_ids))))
        return {row.user_id: staff_of(row) for row in rows}

    def with_line_managers(self, user_id: str, proposed_manager_id: str) -> Mapping[str, StaffMember]:
        recorded = select(StaffMemberRecord.line_manager_id).where(StaffMemberRecord.user_id == user_id)
        wanted = [user_id, *([proposed_manager_id] if proposed_manager_id else [])]
        rows = self._session.exec(
            select(StaffMemberRecord).where(
                or_(col(StaffMemberRecord.user_id).in_(wanted), col(StaffMemberRecord.user_id).in_(recorded))
            )
        )
        return {row.user_id: staff_of(row) for row in rows}

    def reports_to(self, manager_id: str) -> Sequence[str]:
        return list(
            self._session.exec(select(StaffMemberRecord.user_id).where(StaffMemberRecord.line_manager_id == manager_id))
        )

    def all(self) -> Sequence[StaffMember]:
        rows = self._session.exec(select(StaffMemberRecord).order_by(col(StaffMemberRecord.name)))
        return [staff_of(r) for r in rows]

    def determination_team(self) -> Sequence[StaffMember]:
        rows = self._session.exec(
            select(StaffMemberRecord)
            .where(col(StaffMemberRecord.is_determination_team).is_(True))
            .order_by(col(StaffMemberRecord.name))
        )
        return [staff_of(r) for r in rows]

    def save(self, member: StaffMember) -> None:
        # An upsert: two first turns from a new person at once must both succeed.
        values = {
            "user_id": member.user_id,
            "name": member.name,
            "is_determination_team": member.is_determination_team,
            "line_manager_id": member.line_manager_id,
            "teams_user_id": member.teams_user_id,
            "listed": member.listed,
            "is_reception": member.is_reception,
            "is_administrator": member.is_administrator,
        }
        upsert(self._session, StaffMemberRecord, values, primary_key=["user_id"])


def staff_of(row: StaffMemberRecord) -> StaffMember:
    return StaffMember(
        row.user_id,
        row.name,
        row.is_determination_team,
        row.line_manager_id,
        row.teams_user_id,
        listed=row.listed,
        is_reception=row.is_reception,
        is_administrator=row.is_administrator,
    )


_STAFF = table_of(StaffMemberRecord)


def standing_query(user_id: str) -> Select[Any]:
    """The staff row of `user_id` (none for someone not on record), whether they manage anyone listed and whether
    they own a case: what casework.policy.roles_of reads roles from, in one statement. The row's columns rather
    than the model: every turn begins with this, and loading it as a model took more CPU than SQLite took to
    answer it (issue 13)."""
    reports = select(StaffMemberRecord.user_id).where(
        col(StaffMemberRecord.line_manager_id) == user_id, col(StaffMemberRecord.listed)
    )
    owns = or_(
        exists().where(col(MeasureRecord.case_owner_id) == user_id),
        exists().where(col(Review.owner_id) == user_id),
    )
    return sa_select(*_STAFF.c, exists(reports).label("manages"), owns.label("owns")).where(_STAFF.c.user_id == user_id)


def standing_from(row: Row[Any] | None) -> StaffStanding:
    """The standing from a row of standing_query (none: nobody on record)."""
    if row is None:
        return StaffStanding(None, False, False)
    # The row has the staff table's columns by name, which is all staff_of reads.
    return StaffStanding(staff_of(cast(StaffMemberRecord, row)), bool(row.manages), bool(row.owns))
