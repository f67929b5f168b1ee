"""A unit of work is one transaction: what it did is seen inside it, and after it only once committed."""

from __future__ import annotations

import pytest

from casework.customer_query import interpret
from casework.entities import NewCustomer, StaffMember
from tests.contract.conftest import NewUnitOfWork


def test_leaving_without_commit_or_by_an_error_or_by_rollback_keeps_nothing(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        kept_out = uow.customers.add(NewCustomer("Not Kept"))
        uow.staff.save(StaffMember("u9", "Not Kept"))
        assert [c.id for c in uow.customers.search(interpret("Not Kept"))] == [kept_out.id]  # seen inside

    with pytest.raises(RuntimeError), new_uow() as uow:
        uow.customers.add(NewCustomer("Not Kept Either"))
        raise RuntimeError("the use case failed")

    with new_uow() as uow:
        uow.customers.add(NewCustomer("Rolled Back"))
        uow.rollback()
        kept = uow.customers.add(NewCustomer("Kept"))
        uow.commit()

    with new_uow() as uow:
        assert uow.staff.get("u9") is None
        assert uow.customers.search(interpret("Not Kept")) == []
        assert uow.customers.search(interpret("Rolled Back")) == []
        assert [c.id for c in uow.customers.search(interpret("kept"))] == [kept.id]


def test_a_changed_object_that_is_not_saved_changes_nothing(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer = uow.customers.add(NewCustomer("Jane Doe"))
        uow.commit()

    with new_uow() as uow:
        loaded = uow.customers.get(customer.id)
        assert loaded is not None
        loaded.name = "Changed In Memory"
        uow.commit()

    with new_uow() as uow:
        assert uow.customers.get(customer.id) == customer
