"""The audit log: events come back as recorded, in the order recorded, by record."""

from __future__ import annotations

from datetime import timedelta

from casework.entities import AuditEvent
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW


def test_events_come_back_in_the_order_recorded_by_record_type_and_id(new_uow: NewUnitOfWork) -> None:
    checked = AuditEvent("u1", "customer.checked", "customer", "7", NOW, {"query": "jane"})
    reported = AuditEvent("u2", "incident.reported", "incident", "INC-2026-0001", NOW - timedelta(days=1))
    merged = AuditEvent("u1", "customer.merged", "customer", "8", NOW, {"into": "7"})
    with new_uow() as uow:
        for event in (checked, reported, merged):
            uow.audit.record(event)
        uow.commit()

    with new_uow() as uow:
        assert uow.audit.events() == [checked, reported, merged]
        assert uow.audit.events("customer") == [checked, merged]
        assert uow.audit.events("customer", "7") == [checked]
        assert uow.audit.events("customer", "other") == []
