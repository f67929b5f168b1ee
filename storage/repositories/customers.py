"""Customers and the representatives who act for them (s5.1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import delete, text, update
from sqlmodel import col, select

from casework.customer_query import CustomerQuery, name_key
from casework.entities import Customer, NewCustomer, NewRepresentative, Representative, with_id
from storage import customer_search
from storage.repositories.sql_repository import SqlRepository, stored_id, written_at
from storage.tables import (
    AppealRecord,
    CustomerRecord,
    EscalationRecord,
    IncidentRecord,
    MeasureRecord,
    OmbudsmanSignpostingRecord,
    RepresentativeRecord,
)


class SqlCustomers(SqlRepository):
    def add(self, customer: NewCustomer) -> Customer:
        row = CustomerRecord(created_at=written_at(), name="", name_key="")
        _copy_customer(customer, row)
        customer_id = self._insert(row)
        customer_search.index_names(self._session, customer_id, customer)
        return with_id(Customer, customer, customer_id)

    def update(self, customer: Customer) -> None:
        row = self._session.get(CustomerRecord, customer.id)
        if row is None:
            raise LookupError(f"no CustomerRecord {customer.id}")
        _copy_customer(customer, row)
        self._session.flush()
        customer_search.index_names(self._session, customer.id, customer)

    def get(self, customer_id: int) -> Customer | None:
        row = self._session.get(CustomerRecord, customer_id)
        return _customer(row) if row else None

    def lock_name(self, name_key: str) -> None:
        # PostgreSQL: a transaction-scoped advisory lock on the name; SQLite's write lock already serialises.
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("SELECT pg_advisory_xact_lock(7215002, hashtext(:key))"), {"key": name_key})

    def remove(self, customer_id: int) -> None:
        customer_search.forget_names(self._session, customer_id)
        self._session.exec(delete(CustomerRecord).where(col(CustomerRecord.id) == customer_id))

    def reassign(self, from_customer_id: int, to_customer_id: int) -> None:
        """Moves every record of one customer to another (merging duplicates)."""
        for table in (
            IncidentRecord,
            EscalationRecord,
            MeasureRecord,
            RepresentativeRecord,
            AppealRecord,
            OmbudsmanSignpostingRecord,
        ):
            self._session.exec(
                update(table).where(col(table.customer_id) == from_customer_id).values(customer_id=to_customer_id)
            )

    def search(self, query: CustomerQuery, limit: int = 10) -> Sequence[Customer]:
        # The rows have the customer table's columns by name, which is all _customer reads.
        return [
            _customer(cast(CustomerRecord, row)) for row in customer_search.find_customers(self._session, query, limit)
        ]


def _copy_customer(customer: NewCustomer, row: CustomerRecord) -> None:
    row.name = customer.name
    row.name_key = name_key(customer.name)
    row.council_reference = customer.council_reference
    row.postcode = customer.postcode
    row.phone = customer.phone
    row.email = customer.email
    row.other_names = customer.other_names
    row.date_of_birth = customer.date_of_birth
    row.address = customer.address
    row.no_fixed_address = customer.no_fixed_address
    row.reasonable_adjustments = customer.reasonable_adjustments
    row.communication_needs = customer.communication_needs


def _customer(row: CustomerRecord) -> Customer:
    return Customer(
        name=row.name,
        council_reference=row.council_reference,
        postcode=row.postcode,
        phone=row.phone,
        email=row.email,
        other_names=row.other_names,
        date_of_birth=row.date_of_birth,
        address=row.address,
        no_fixed_address=row.no_fixed_address,
        reasonable_adjustments=row.reasonable_adjustments,
        communication_needs=row.communication_needs,
        id=stored_id(row.id),
    )


class SqlRepresentatives(SqlRepository):
    def add(self, representative: NewRepresentative) -> Representative:
        row = RepresentativeRecord(
            customer_id=representative.customer_id,
            name=representative.name,
            relationship=representative.relationship,
            authority=representative.authority,
        )
        return with_id(Representative, representative, self._insert(row))

    def for_customer(self, customer_id: int) -> Sequence[Representative]:
        rows = self._session.exec(
            select(RepresentativeRecord)
            .where(RepresentativeRecord.customer_id == customer_id)
            .order_by(col(RepresentativeRecord.id))
        )
        return [Representative(r.customer_id, r.name, r.relationship, r.authority, id=stored_id(r.id)) for r in rows]
