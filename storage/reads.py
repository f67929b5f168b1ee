"""The read side in SQL: queries that only show something, each answered in one statement and without row locks."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, ScalarSelect, Select, bindparam, case, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased
from sqlmodel import Session, col
from sqlmodel import select as model_select

from casework.entities import RecentIncident, Representative, StaffMember
from casework.ports import (
    CustomerStatusFacts,
    DiscussionDue,
    DraftLetterDue,
    EscalationDue,
    ReviewDue,
    WorkFacts,
)
from casework.vocabulary import EscalationKind, EscalationState, LetterKind, ManagerOutcome, MeasureKind, ServiceArea
from storage.repositories.measures import measure_of
from storage.repositories.sql_repository import stored_id
from storage.repositories.staff import staff_of
from storage.tables import (
    AppealRecord,
    CustomerRecord,
    EscalationRecord,
    IncidentRecord,
    LetterRecord,
    MeasureRecord,
    OmbudsmanSignpostingRecord,
    RepresentativeRecord,
    Review,
    StaffMemberRecord,
    table_of,
)

_MEASURE = table_of(MeasureRecord)
"""The measure's columns rather than the model in the status read: loading models cost more than the read."""

_STATUS_STATEMENTS: dict[tuple[str, bool], Select[Any]] = {}
"""customer_status's statement per database and shape, built on first use with bound parameters and reused:
building it anew took about 2 ms of CPU on every check, ten times what executing it takes (issue 13)."""


class SqlReads:
    def __init__(self, session: Session) -> None:
        self._session = session

    def customer_status(
        self, customer_id: int, viewer_id: str | None, incidents_since: datetime | None = None
    ) -> CustomerStatusFacts:
        with_recent = incidents_since is not None
        key = (self._session.get_bind().dialect.name, with_recent)
        statement = _STATUS_STATEMENTS.get(key)
        if statement is None:
            statement = _STATUS_STATEMENTS[key] = self._customer_status_statement(with_recent)
        parameters: dict[str, Any] = {"customer_id": customer_id, "viewer": viewer_id or ""}
        if with_recent:
            parameters["since"] = incidents_since
        rows = self._session.execute(statement, parameters).all()
        if not rows:
            return CustomerStatusFacts((), (), False, False)
        first = rows[0]
        recent = _json_list(first.recent)
        return CustomerStatusFacts(
            # Each row has the measure table's columns by name, which is all measure_of reads.
            measures=tuple(measure_of(cast(MeasureRecord, row)) for row in rows if row.id is not None),
            representatives=tuple(_representatives(customer_id, first.representatives)),
            viewer_is_determination_team=bool(first.team) and bool(viewer_id),
            viewer_manages_case=bool(first.manages) and bool(viewer_id),
            recent_incidents=_recent_incidents(recent),
            recent_warnings=_recent_warnings(recent),
            appealed_measure_ids=frozenset(int(i) for i in _json_list(first.appealed)),
            signposted=tuple(
                (str(matter), date.fromisoformat(str(on)[:10])) for matter, on in _json_list(first.signposted)
            ),
        )

    def _customer_status_statement(self, with_recent: bool) -> Select[Any]:
        # One row per measure (or one row of NULLs without any), each carrying the same representatives and access.
        customer_id: Any = bindparam("customer_id")
        viewer: Any = bindparam("viewer")
        since: Any = bindparam("since")
        recent: Any = self._incidents_json(customer_id, since) if with_recent else literal(None)
        return (
            select(
                *_MEASURE.c,
                self._representatives_json(customer_id).label("representatives"),
                _is_determination_team(viewer).label("team"),
                _manages_case(customer_id, viewer).label("manages"),
                recent.label("recent"),
                self._open_appeals_json(customer_id).label("appealed"),
                self._signposted_json(customer_id).label("signposted"),
            )
            .select_from(CustomerRecord)
            .outerjoin(MeasureRecord, col(MeasureRecord.customer_id) == CustomerRecord.id)
            .where(col(CustomerRecord.id) == customer_id)
            .order_by(col(MeasureRecord.id))
        )

    def people_on_card(self, user_ids: Collection[str]) -> Mapping[str, StaffMember]:
        rows = self._session.exec(
            model_select(StaffMemberRecord).where(
                or_(col(StaffMemberRecord.user_id).in_(set(user_ids)), col(StaffMemberRecord.is_determination_team))
            )
        )
        return {row.user_id: staff_of(row) for row in rows}

    def work_for(self, viewer_id: str, reviews_due_before: datetime) -> WorkFacts:
        # One statement per kind, each with its names joined in; nothing is locked.
        return WorkFacts(
            viewer_is_determination_team=bool(
                self._session.execute(select(_is_determination_team(viewer_id))).scalar()
            ),
            discussions=self._discussions(viewer_id),
            reviews=self._reviews(viewer_id, reviews_due_before),
            letters=self._draft_letters(viewer_id),
            questions=self._escalations(
                col(EscalationRecord.state) == EscalationState.MORE_INFORMATION.value,
                col(EscalationRecord.requested_by) == viewer_id,
            ),
            decisions=self._escalations(
                col(EscalationRecord.state).in_(
                    [EscalationState.PENDING.value, EscalationState.MORE_INFORMATION.value]
                ),
                _is_determination_team(viewer_id),
            ),
        )

    def _discussions(self, viewer_id: str) -> tuple[DiscussionDue, ...]:
        incident, reporter = IncidentRecord, StaffMemberRecord
        rows = self._session.execute(
            select(
                col(incident.id),
                col(incident.reference),
                col(CustomerRecord.name),
                col(reporter.name),
                col(incident.occurred_at),
            )
            .join(reporter, col(reporter.user_id) == incident.reported_by)
            .join(CustomerRecord, col(CustomerRecord.id) == incident.customer_id)
            .where(col(reporter.line_manager_id) == viewer_id, col(incident.manager_outcome).is_(None))
            .order_by(col(incident.occurred_at), col(incident.id))
        ).all()
        return tuple(DiscussionDue(stored_id(r[0]), r[1] or "", r[2], r[3], r[4]) for r in rows)

    def _reviews(self, viewer_id: str, due_before: datetime) -> tuple[ReviewDue, ...]:
        owner = func.coalesce(Review.owner_id, MeasureRecord.case_owner_id)
        rows = self._session.execute(
            select(col(Review.id), col(CustomerRecord.name), col(MeasureRecord.kind), col(Review.due_at))
            .join(MeasureRecord, col(MeasureRecord.id) == Review.measure_id)
            .join(CustomerRecord, col(CustomerRecord.id) == MeasureRecord.customer_id)
            .where(
                col(Review.decided_at).is_(None),
                col(MeasureRecord.ended_at).is_(None),
                col(Review.due_at) <= due_before,
                owner == viewer_id,
            )
            .order_by(col(Review.due_at), col(Review.id))
        ).all()
        return tuple(ReviewDue(stored_id(r[0]), r[1], MeasureKind(r[2]), r[3]) for r in rows)

    def _draft_letters(self, viewer_id: str) -> tuple[DraftLetterDue, ...]:
        letter, newer = LetterRecord, aliased(LetterRecord)
        no_newer_version = ~exists().where(
            or_(col(newer.measure_id) == letter.measure_id, col(newer.escalation_id) == letter.escalation_id),
            col(newer.kind) == letter.kind,
            col(newer.version) > letter.version,
        )
        # A letter is about a measure, or about an escalation decided without one (s14, s15.4).
        owner = func.coalesce(MeasureRecord.case_owner_id, EscalationRecord.requested_by)
        customer = func.coalesce(MeasureRecord.customer_id, EscalationRecord.customer_id)
        # The content is read for its reference; the .docx is never loaded here.
        rows = self._session.execute(
            select(
                col(letter.id),
                col(CustomerRecord.name),
                col(letter.kind),
                col(letter.version),
                col(letter.content),
                col(letter.created_at),
            )
            .outerjoin(MeasureRecord, col(MeasureRecord.id) == letter.measure_id)
            .outerjoin(EscalationRecord, col(EscalationRecord.id) == letter.escalation_id)
            .join(CustomerRecord, col(CustomerRecord.id) == customer)
            .where(owner == viewer_id, col(letter.issued_at).is_(None), no_newer_version)
            .order_by(col(letter.created_at), col(letter.id))
        ).all()
        return tuple(
            DraftLetterDue(stored_id(r[0]), r[1], LetterKind(r[2]), r[3], str((r[4] or {}).get("reference", "")), r[5])
            for r in rows
        )

    def _escalations(self, *where: ColumnElement[bool]) -> tuple[EscalationDue, ...]:
        e = EscalationRecord
        rows = self._session.execute(
            select(
                col(e.id),
                col(CustomerRecord.name),
                col(e.kind),
                col(e.serious_threat),
                col(e.state),
                col(e.requested_at),
                col(e.question),
                col(e.last_chased_at),
            )
            .join(CustomerRecord, col(CustomerRecord.id) == e.customer_id)
            .where(*where)
            .order_by(col(e.requested_at), col(e.id))
        ).all()
        return tuple(
            EscalationDue(
                escalation_id=stored_id(r[0]),
                customer_name=r[1],
                kind=EscalationKind(r[2]),
                is_immediate=EscalationKind(r[2]) is EscalationKind.RESTRICTION and r[3] is not None,
                state=EscalationState(r[4]),
                requested_at=r[5],
                question=r[6],
                last_chased_at=r[7],
            )
            for r in rows
        )

    def _incidents_json(self, customer_id: int, since: datetime) -> ScalarSelect[Any]:
        """When and in which service each of the customer's incidents since then happened, whether an informal
        warning was given at the time and when the line manager noted one (s10), as one JSON array."""
        incident = IncidentRecord
        noted = case(
            (col(incident.manager_outcome) == ManagerOutcome.INFORMAL_WARNING_NOTED.value, incident.manager_outcome_at)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            item = func.json_build_array(
                incident.occurred_at,
                incident.service_area,
                incident.informal_warning_given,
                noted,
                incident.matter_reference,
                incident.acting_party,
            )
            return (
                select(func.json_agg(aggregate_order_by(item, col(incident.occurred_at))))
                .where(col(incident.customer_id) == customer_id, col(incident.occurred_at) >= since)
                .scalar_subquery()
            )
        ordered = (
            select(
                col(incident.occurred_at),
                col(incident.service_area),
                col(incident.informal_warning_given),
                noted.label("noted_at"),
                col(incident.matter_reference),
                col(incident.acting_party),
            )
            .where(col(incident.customer_id) == customer_id, col(incident.occurred_at) >= since)
            .order_by(col(incident.occurred_at), col(incident.id))
            .subquery()
        )
        return select(
            func.json_group_array(
                func.json_array(
                    ordered.c.occurred_at,
                    ordered.c.service_area,
                    ordered.c.informal_warning_given,
                    ordered.c.noted_at,
                    ordered.c.matter_reference,
                    ordered.c.acting_party,
                )
            )
        ).scalar_subquery()

    def _open_appeals_json(self, customer_id: int) -> ScalarSelect[Any]:
        """The measures a complaint or appeal is open about, as one JSON array (issue 17)."""
        appeal = AppealRecord
        aggregate = func.json_agg if self._session.get_bind().dialect.name == "postgresql" else func.json_group_array
        return (
            select(aggregate(appeal.measure_id))
            .where(col(appeal.customer_id) == customer_id, col(appeal.outcome).is_(None))
            .scalar_subquery()
        )

    def _signposted_json(self, customer_id: int) -> ScalarSelect[Any]:
        """Each matter signposted to the Ombudsman and its date, oldest first, as one JSON array (s17)."""
        signposting = OmbudsmanSignpostingRecord
        if self._session.get_bind().dialect.name == "postgresql":
            item = func.json_build_array(signposting.matter, signposting.signposted_on)
            return (
                select(func.json_agg(aggregate_order_by(item, col(signposting.id))))
                .where(col(signposting.customer_id) == customer_id)
                .scalar_subquery()
            )
        ordered = (
            select(col(signposting.matter), col(signposting.signposted_on))
            .where(col(signposting.customer_id) == customer_id)
            .order_by(col(signposting.id))
            .subquery()
        )
        return select(
            func.json_group_array(func.json_array(ordered.c.matter, ordered.c.signposted_on))
        ).scalar_subquery()

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


def _json_list(stored: Any) -> list[Any]:
    # SQLite returns an array as text; psycopg parses PostgreSQL's json itself. Nothing to aggregate: [] or NULL.
    found = json.loads(stored) if isinstance(stored, str) else stored
    return list(found or [])


def _moment(stored: str) -> datetime:
    moment = datetime.fromisoformat(stored)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _recent_incidents(items: list[Any]) -> tuple[RecentIncident, ...]:
    """The incidents in the window from the status read's JSON array (storage's `_incidents_json`)."""
    return tuple(
        RecentIncident(_moment(at), ServiceArea(area), matter or "", by_representative=party == "representative")
        for at, area, _, _, matter, party in items
    )


def _recent_warnings(items: list[Any]) -> tuple[datetime, ...]:
    """When each informal warning on those incidents was given: at the incident, or when the line manager noted it."""
    found: list[datetime] = []
    for at, _, given_at_the_time, noted_at, *_ in items:
        if given_at_the_time:
            found.append(_moment(at))
        if noted_at:
            found.append(_moment(noted_at))
    return tuple(sorted(found))


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
