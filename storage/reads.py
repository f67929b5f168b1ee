"""The read side in SQL: queries that only show something, each answered in one statement and without row locks."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, exists, func, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased
from sqlmodel import Session, col
from sqlmodel import select as model_select

from casework.entities import Representative, StaffMember
from casework.ports import CustomerStatusFacts
from storage.repositories.measures import measure_of
from storage.repositories.sql_repository import stored_id
from storage.repositories.staff import staff_of
from storage.tables import (
    CustomerRecord,
    EscalationRecord,
    IncidentRecord,
    MeasureRecord,
    RepresentativeRecord,
    StaffMemberRecord,
)


class SqlReads:
    def __init__(self, session: Session) -> None:
        self._session = session

    def customer_status(self, customer_id: int, viewer_id: str | None) -> CustomerStatusFacts:
        # One row per measure (or one row of NULLs without any), each carrying the same representatives and access.
        viewer = viewer_id or ""
        statement = (
            select(
                MeasureRecord,
                self._representatives_json(customer_id).label("representatives"),
                _is_determination_team(viewer).label("team"),
                _manages_case(customer_id, viewer).label("manages"),
            )
            .select_from(CustomerRecord)
            .outerjoin(MeasureRecord, col(MeasureRecord.customer_id) == CustomerRecord.id)
            .where(col(CustomerRecord.id) == customer_id)
            .order_by(col(MeasureRecord.id))
        )
        rows = self._session.execute(statement).all()
        if not rows:
            return CustomerStatusFacts((), (), False, False)
        first = rows[0]
        return CustomerStatusFacts(
            measures=tuple(measure_of(row[0]) for row in rows if row[0] is not None),
            representatives=tuple(_representatives(customer_id, first.representatives)),
            viewer_is_determination_team=bool(first.team) and bool(viewer_id),
            viewer_manages_case=bool(first.manages) and bool(viewer_id),
        )

    def people_on_card(self, user_ids: Collection[str]) -> Mapping[str, StaffMember]:
        rows = self._session.exec(
            model_select(StaffMemberRecord).where(
                or_(col(StaffMemberRecord.user_id).in_(set(user_ids)), col(StaffMemberRecord.is_determination_team))
            )
        )
        return {row.user_id: staff_of(row) for row in rows}

    def _representatives_json(self, customer_id: int) -> ScalarSelect[Any]:
        """The customer's representatives as one JSON array, oldest first, in the database's own JSON functions."""
        rep = RepresentativeRecord
        if self._session.get_bind().dialect.name == "postgresql":
            item = func.json_build_object(
                "id", rep.id, "name", rep.name, "relationship", rep.relationship, "authority", rep.authority
            )
            return (
                select(func.json_agg(aggregate_order_by(item, col(rep.id))))
                .where(col(rep.customer_id) == customer_id)
                .scalar_subquery()
            )
        ordered = (
            select(col(rep.id), col(rep.name), col(rep.relationship), col(rep.authority))
            .where(col(rep.customer_id) == customer_id)
            .order_by(col(rep.id))
            .subquery()
        )
        item = func.json_object(
            "id",
            ordered.c.id,
            "name",
            ordered.c.name,
            "relationship",
            ordered.c.relationship,
            "authority",
            ordered.c.authority,
        )
        return select(func.json_group_array(item)).scalar_subquery()


def _is_determination_team(viewer_id: str) -> ColumnElement[bool]:
    return exists().where(col(StaffMemberRecord.user_id) == viewer_id, col(StaffMemberRecord.is_determination_team))


def _manages_case(customer_id: int, viewer_id: str) -> ColumnElement[bool]:
    owner = aliased(MeasureRecord)
    reporter = aliased(StaffMemberRecord)
    return or_(
        exists().where(col(owner.customer_id) == customer_id, col(owner.case_owner_id) == viewer_id),
        exists().where(
            col(EscalationRecord.customer_id) == customer_id, col(EscalationRecord.requested_by) == viewer_id
        ),
        exists().where(
            col(IncidentRecord.customer_id) == customer_id,
            col(reporter.user_id) == IncidentRecord.reported_by,
            col(reporter.line_manager_id) == viewer_id,
        ),
    )


def _representatives(customer_id: int, stored: Any) -> list[Representative]:
    # SQLite returns the array as text; psycopg parses PostgreSQL's json itself. No representatives: [] or NULL.
    items = json.loads(stored) if isinstance(stored, str) else (stored or [])
    return [
        Representative(customer_id, item["name"], item["relationship"], item["authority"], id=stored_id(item["id"]))
        for item in items
    ]
