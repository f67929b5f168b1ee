"""Customers and representatives: round trips, merging, and search by what staff type (s5.1, s8)."""

from __future__ import annotations

from datetime import date

from casework.customer_query import interpret
from casework.entities import Customer, NewCustomer, NewRepresentative, Representative
from casework.ports import UnitOfWork
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork

ZOE = NewCustomer(
    name="Zoë Ångström",
    council_reference="CT-123456",
    postcode="LN8 2AB",
    phone="+441427676676",
    email="zoe@example.org",
    other_names="Zoe Smith; Zed",
    date_of_birth=date(1970, 5, 1),
    address="1 High Street\nGainsborough",
    reasonable_adjustments="Large print.",
    communication_needs="Phone calls before noon.",
)


def found(uow: UnitOfWork, typed: str, limit: int = 10) -> list[int]:
    return [customer.id for customer in uow.customers.search(interpret(typed), limit)]


def test_a_customer_round_trips_and_an_update_replaces_every_detail(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        uow.customers.lock_name("zoe angstrom")
        zoe = uow.customers.add(ZOE)
        other = uow.customers.add(NewCustomer("Peter Brown"))
        uow.commit()
    assert zoe.id != other.id

    with new_uow() as uow:
        assert uow.customers.get(zoe.id) == zoe
        assert uow.customers.get(other.id) == Customer(name="Peter Brown", id=other.id)
        assert uow.customers.get(zoe.id + other.id + 100) is None
        uow.customers.update(Customer(name="Zoe Brightwater", postcode="DN21 1AA", no_fixed_address=True, id=zoe.id))
        uow.commit()

    with new_uow() as uow:
        assert uow.customers.get(zoe.id) == Customer(
            name="Zoe Brightwater", postcode="DN21 1AA", no_fixed_address=True, id=zoe.id
        )
        assert found(uow, "Zoe Brightwater") == [zoe.id]
        assert found(uow, "Zoë Ångström") == []  # the old name is no longer hers
        assert found(uow, "LN8 2AB") == []


def test_references_and_contact_details_find_exactly_oldest_first(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        zoe = uow.customers.add(ZOE)
        neighbour = uow.customers.add(NewCustomer("Ann Other", postcode="LN8 2AB"))
        uow.commit()

    with new_uow() as uow:
        assert found(uow, "ct-123456") == [zoe.id]
        assert found(uow, "ln82ab") == [zoe.id, neighbour.id]
        assert found(uow, "ln82ab", limit=1) == [zoe.id]
        assert found(uow, "01427 676676") == [zoe.id]
        assert found(uow, "+44 (0)1427 676676") == [zoe.id]
        assert found(uow, "ZOE@example.org") == [zoe.id]
        assert found(uow, "LN8 2AC") == []
        assert found(uow, "zed@example.org") == []


def test_names_are_found_whatever_the_case_accents_spacing_typos_order_and_initials(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        zoe = uow.customers.add(ZOE)
        angstrem = uow.customers.add(NewCustomer("Zoe Angstrem"))
        jane = uow.customers.add(NewCustomer("Jane Doe"))
        uow.commit()

    with new_uow() as uow:
        for typed in ("Zoë Ångström", "zoe angstrom", "  ZOË   ÅNGSTRÖM ", "ZOE ANGSTROM"):
            assert found(uow, typed) == [zoe.id], typed  # an exact (folded) name wins outright
        assert found(uow, "zoe angstrm") == [zoe.id, angstrem.id]  # forgiving, best first
        assert found(uow, "jane doee") == [jane.id]
        assert found(uow, "Doe Jane") == [jane.id]
        assert found(uow, "J Doe") == [jane.id]
        assert found(uow, "J D") == []  # initials alone identify nobody
        assert found(uow, "Peter Brown") == []


def test_other_names_find_the_customer_too(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        zoe = uow.customers.add(ZOE)
        uow.customers.add(NewCustomer("Peter Brown"))
        uow.commit()

    with new_uow() as uow:
        assert found(uow, "Zoe Smith") == [zoe.id]
        assert found(uow, "zoe smyth") == [zoe.id]


def test_a_search_returns_at_most_the_limit(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        smiths = [uow.customers.add(NewCustomer(f"{first} Smith")).id for first in ("Ann", "Bob", "Cat", "Dan")]
        uow.commit()

    with new_uow() as uow:
        assert sorted(found(uow, "Smith")) == smiths
        assert len(found(uow, "Smith", limit=2)) == 2


def test_merging_moves_every_record_and_removing_forgets_the_customer(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        keep_id, _ = records.customer_with_measure(uow, "Jane Doe")
        copy_id, copy_measure_id = records.customer_with_measure(uow, "Jane Do")
        copy_incident = uow.incidents.add(records.incident(copy_id, "k1"))
        copy_representative = uow.representatives.add(NewRepresentative(copy_id, "Ms Agent", "advocate", "consent"))
        uow.commit()

    with new_uow() as uow:
        uow.customers.reassign(copy_id, keep_id)
        uow.customers.remove(copy_id)
        uow.commit()

    with new_uow() as uow:
        assert uow.customers.get(copy_id) is None
        assert found(uow, "Jane Do") == [keep_id]  # her name went with her
        assert [i.id for i in uow.incidents.for_customer(keep_id)] == [copy_incident.id]
        assert len(uow.escalations.for_customer(keep_id)) == 2
        assert copy_measure_id in {m.id for m in uow.measures.for_customer(keep_id)}
        assert uow.representatives.for_customer(keep_id) == [
            Representative(keep_id, "Ms Agent", "advocate", "consent", id=copy_representative.id)
        ]
        assert uow.incidents.for_customer(copy_id) == [] and uow.measures.for_customer(copy_id) == []


def test_representatives_are_listed_in_the_order_they_were_added(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        customer_id = uow.customers.add(NewCustomer("Jane Doe")).id
        other_id = uow.customers.add(NewCustomer("Peter Brown")).id
        first = uow.representatives.add(NewRepresentative(customer_id, "Ms Agent", "advocate", "written consent"))
        second = uow.representatives.add(NewRepresentative(customer_id, "Mr Son", "son", "lasting power of attorney"))
        uow.commit()

    with new_uow() as uow:
        assert uow.representatives.for_customer(customer_id) == [first, second]
        assert uow.representatives.for_customer(other_id) == []
