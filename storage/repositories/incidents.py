"""Incidents staff report about a customer (s8), with the line manager's outcome on each (s8.6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import update
from sqlmodel import Session, col, select

from casework.entities import Incident, IncidentAmendment, NewIncident, NewIncidentAmendment, with_id
from casework.errors import AlreadyRecorded
from casework.vocabulary import (
    ActingParty,
    ContactChannel,
    ImmediateStep,
    ManagerOutcome,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)
from storage.repositories.sql_repository import SqlRepository, stored_id, written_at
from storage.tables import IncidentAmendmentRecord, IncidentRecord


class SqlIncidents(SqlRepository):
    def add(self, incident: NewIncident) -> Incident:
        row = IncidentRecord(
            customer_id=incident.customer_id,
            reported_by=incident.reported_by,
            occurred_at=incident.occurred_at,
            channel=incident.channel.value,
            actions=[action.value for action in incident.actions],
            description=incident.description,
            submission_key=incident.submission_key,
            service_area=incident.service_area.value,
            acting_party=incident.acting_party.value,
            representative_name=incident.representative_name,
            immediate_steps=[step.value for step in incident.immediate_steps],
            informal_warning_given=incident.informal_warning_given,
            safeguarding_concern=incident.safeguarding_concern,
            support_need=incident.support_need,
            serious_threats=[threat.value for threat in incident.serious_threats],
            manager_outcome=incident.manager_outcome.value if incident.manager_outcome else None,
            manager_outcome_by=incident.manager_outcome_by,
            manager_outcome_at=incident.manager_outcome_at,
            reported_at=incident.reported_at,
            created_at=written_at(),
            other_action=incident.other_action,
            customer_recording=incident.customer_recording,
            recording_reason=incident.recording_reason,
            matter_reference=incident.matter_reference,
        )
        self._insert_once(row, "This report was already received.")
        return with_id(Incident, incident, stored_id(row.id))

    def assign_reference(self, incident_id: int, reference: str) -> None:
        self._set(IncidentRecord, incident_id, reference=reference)

    def get(self, incident_id: int) -> Incident | None:
        row = self._session.get(IncidentRecord, incident_id)
        return _incident(row) if row else None

    def record_manager_outcome(self, incident_id: int, outcome: ManagerOutcome, by: str, at: datetime) -> bool:
        """Only the first outcome is kept: a conditional update, so racing clicks cannot both win."""
        return self._changed(
            update(IncidentRecord)
            .where(col(IncidentRecord.id) == incident_id, col(IncidentRecord.manager_outcome).is_(None))
            .values(manager_outcome=outcome.value, manager_outcome_by=by, manager_outcome_at=at)
        )

    def reporters_for(self, customer_id: int) -> set[str]:
        return self._reporters(IncidentRecord.customer_id == customer_id)

    def by_submission_key(self, submission_key: str) -> Incident | None:
        row = self._session.exec(select(IncidentRecord).where(IncidentRecord.submission_key == submission_key)).first()
        return _incident(row) if row else None

    def for_customer(self, customer_id: int) -> Sequence[Incident]:
        return self._oldest_first(IncidentRecord.customer_id == customer_id)

    def for_customer_since(self, customer_id: int, since: datetime) -> Sequence[Incident]:
        return self._oldest_first(IncidentRecord.customer_id == customer_id, col(IncidentRecord.occurred_at) >= since)

    def with_ids(self, incident_ids: Sequence[int]) -> Sequence[Incident]:
        if not incident_ids:
            return []
        # An escalation is read with its incidents (SqlEscalations.get): when this unit of work holds every one
        # already, the query would hand back those same rows, so it is not sent. Incidents are never deleted.
        held = [self._session.identity_map.get(Session.identity_key(IncidentRecord, i)) for i in set(incident_ids)]
        if all(isinstance(row, IncidentRecord) for row in held):
            rows = cast(list[IncidentRecord], held)
            return [_incident(row) for row in sorted(rows, key=lambda row: (row.occurred_at, stored_id(row.id)))]
        return self._oldest_first(col(IncidentRecord.id).in_(incident_ids))

    def amend(self, incident: Incident, amendment: NewIncidentAmendment) -> IncidentAmendment:
        # The conditional update is what two racing corrections contend on: only one moves the version on.
        moved_on = self._changed(
            update(IncidentRecord)
            .where(col(IncidentRecord.id) == incident.id, col(IncidentRecord.version) == amendment.version - 1)
            .values(
                version=amendment.version,
                occurred_at=incident.occurred_at,
                channel=incident.channel.value,
                service_area=incident.service_area.value,
                actions=[action.value for action in incident.actions],
                immediate_steps=[step.value for step in incident.immediate_steps],
                description=incident.description,
                informal_warning_given=incident.informal_warning_given,
                other_action=incident.other_action,
            )
        )
        if not moved_on:
            raise AlreadyRecorded("Someone else amended this incident a moment ago; open it again to see it.")
        row = IncidentAmendmentRecord(
            incident_id=amendment.incident_id,
            version=amendment.version,
            amended_at=amendment.amended_at,
            amended_by=amendment.amended_by,
            reason=amendment.reason,
            before=dict(amendment.before),
            after=dict(amendment.after),
        )
        return with_id(IncidentAmendment, amendment, self._insert(row))

    def amendments_for(self, incident_ids: Sequence[int]) -> Sequence[IncidentAmendment]:
        if not incident_ids:
            return []
        query = (
            select(IncidentAmendmentRecord)
            .where(col(IncidentAmendmentRecord.incident_id).in_(incident_ids))
            .order_by(col(IncidentAmendmentRecord.incident_id), col(IncidentAmendmentRecord.version))
        )
        return [
            IncidentAmendment(
                incident_id=row.incident_id,
                version=row.version,
                amended_at=row.amended_at,
                amended_by=row.amended_by,
                reason=row.reason,
                before=dict(row.before),
                after=dict(row.after),
                id=stored_id(row.id),
            )
            for row in self._session.exec(query)
        ]

    def _oldest_first(self, *where: Any) -> list[Incident]:
        query = select(IncidentRecord).where(*where).order_by(col(IncidentRecord.occurred_at), col(IncidentRecord.id))
        return [_incident(row) for row in self._session.exec(query)]

    def _reporters(self, *where: Any) -> set[str]:
        return set(self._session.exec(select(IncidentRecord.reported_by).where(*where).distinct()))


def _incident(row: IncidentRecord) -> Incident:
    return Incident(
        customer_id=row.customer_id,
        reported_by=row.reported_by,
        occurred_at=row.occurred_at,
        channel=ContactChannel(row.channel),
        actions=tuple(UnreasonableAction(action) for action in row.actions),
        description=row.description,
        submission_key=row.submission_key,
        service_area=ServiceArea(row.service_area),
        acting_party=ActingParty(row.acting_party),
        representative_name=row.representative_name,
        immediate_steps=tuple(ImmediateStep(step) for step in row.immediate_steps),
        informal_warning_given=row.informal_warning_given,
        safeguarding_concern=row.safeguarding_concern,
        support_need=row.support_need,
        serious_threats=tuple(SeriousThreat(threat) for threat in row.serious_threats),
        manager_outcome=ManagerOutcome(row.manager_outcome) if row.manager_outcome else None,
        manager_outcome_by=row.manager_outcome_by,
        manager_outcome_at=row.manager_outcome_at,
        reported_at=row.reported_at,
        other_action=row.other_action,
        customer_recording=row.customer_recording,
        recording_reason=row.recording_reason,
        matter_reference=row.matter_reference,
        id=stored_id(row.id),
        reference=row.reference or "",
        version=row.version,
    )
