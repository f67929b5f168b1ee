"""Administrator use cases for customer records: import from CSV rows, merge duplicates, add representatives.

Imports are all or nothing by default: one bad row and nothing is written, with every bad row reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.customer_query import (
    CustomerQuery,
    QueryKind,
    council_reference_key,
    email_key,
    phone_key,
    postcode_key,
)
from casework.entities import Actor, Customer, NewCustomer, NewRepresentative, Representative
from casework.errors import InvalidSubmission, NotFound
from casework.ports import UnitOfWork

IMPORT_COLUMNS = (
    "name",
    "other_names",
    "council_reference",
    "date_of_birth",
    "address",
    "postcode",
    "phone",
    "email",
    "no_fixed_address",
    "reasonable_adjustments",
    "communication_needs",
)
_TRUE, _FALSE = {"yes", "y", "true", "1"}, {"", "no", "n", "false", "0"}


@dataclass(frozen=True)
class ImportReport:
    imported: int
    rejected: tuple[tuple[int, str], ...]
    """(line number in the file, every reason it was refused)."""


def parse_customer_row(row: Mapping[str, str | None], today: date) -> tuple[NewCustomer | None, list[str]]:
    """A customer from one CSV row, or the reasons it cannot be one."""
    value = {key: (row.get(key) or "").strip() for key in IMPORT_COLUMNS}
    problems: list[str] = []
    if not value["name"]:
        problems.append("name is empty")
    born = None
    if value["date_of_birth"]:
        try:
            born = _parse_date(value["date_of_birth"])
            if born > today:
                problems.append("date_of_birth is in the future")
        except ValueError:
            problems.append(f"date_of_birth {value['date_of_birth']!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    keys: dict[str, str | None] = {}
    for field, normalise in (
        ("postcode", postcode_key),
        ("phone", phone_key),
        ("email", email_key),
        ("council_reference", council_reference_key),
    ):
        keys[field] = normalise(value[field]) if value[field] else None
        if value[field] and keys[field] is None:
            problems.append(f"{field} {value[field]!r} is not valid")
    flag = value["no_fixed_address"].lower()
    if flag not in _TRUE | _FALSE:
        problems.append(f"no_fixed_address {value['no_fixed_address']!r} should be yes or no")
    if problems:
        return None, problems
    return NewCustomer(
        name=value["name"],
        other_names=value["other_names"],
        council_reference=keys["council_reference"],
        date_of_birth=born,
        address=value["address"],
        postcode=keys["postcode"],
        phone=keys["phone"],
        email=keys["email"],
        no_fixed_address=flag in _TRUE,
        reasonable_adjustments=value["reasonable_adjustments"],
        communication_needs=value["communication_needs"],
    ), []


def import_customers(
    uow: UnitOfWork,
    actor: Actor,
    rows: Sequence[tuple[int, Mapping[str, str | None]]],
    clock: Clock,
    skip_invalid: bool = False,
) -> ImportReport:
    """Adds the rows' customers in one transaction. Rows are (line number, CSV row)."""
    today = clock().date()
    parsed: list[tuple[int, NewCustomer]] = []
    rejected: list[tuple[int, str]] = []
    seen_references: dict[str, int] = {}
    with uow:
        for line, row in rows:
            customer, problems = parse_customer_row(row, today)
            if customer is not None and customer.council_reference:
                reference = customer.council_reference
                if reference in seen_references:
                    problems.append(f"council_reference {reference} repeats line {seen_references[reference]}")
                elif _reference_taken(uow, reference):
                    problems.append(f"council_reference {reference} is already on record")
                seen_references.setdefault(reference, line)
            if problems or customer is None:
                rejected.append((line, "; ".join(problems)))
            else:
                parsed.append((line, customer))
        if rejected and not skip_invalid:
            return ImportReport(0, tuple(rejected))
        for _line, customer in parsed:
            uow.customers.add(customer)
        record_audit(
            uow,
            actor,
            AuditAction.CUSTOMERS_IMPORTED,
            "",
            clock,
            imported=str(len(parsed)),
            rejected=str(len(rejected)),
        )
        uow.commit()
    return ImportReport(len(parsed), tuple(rejected))


def merge_customers(uow: UnitOfWork, actor: Actor, keep_id: int, duplicate_id: int, clock: Clock) -> Customer:
    """Folds a duplicate record into the one kept: its history moves over, blanks are filled, it is removed."""
    if keep_id == duplicate_id:
        raise InvalidSubmission({"duplicate_id": "A customer cannot be merged with itself."})
    with uow:
        keep, duplicate = uow.customers.get(keep_id), uow.customers.get(duplicate_id)
        if keep is None or duplicate is None:
            raise NotFound(f"No customer {keep_id if keep is None else duplicate_id}.")
        filled = replace(
            keep,
            council_reference=keep.council_reference or duplicate.council_reference,
            postcode=keep.postcode or duplicate.postcode,
            phone=keep.phone or duplicate.phone,
            email=keep.email or duplicate.email,
            date_of_birth=keep.date_of_birth or duplicate.date_of_birth,
            address=keep.address or duplicate.address,
            other_names="; ".join(
                n
                for n in (
                    keep.other_names,
                    duplicate.other_names,
                    duplicate.name if duplicate.name != keep.name else "",
                )
                if n
            ),
            reasonable_adjustments="\n".join(
                a for a in (keep.reasonable_adjustments, duplicate.reasonable_adjustments) if a
            ),
            communication_needs="\n".join(n for n in (keep.communication_needs, duplicate.communication_needs) if n),
            no_fixed_address=keep.no_fixed_address or duplicate.no_fixed_address,
        )
        uow.customers.reassign(duplicate_id, keep_id)
        uow.customers.remove(duplicate_id)
        uow.customers.update(filled)
        record_audit(uow, actor, AuditAction.CUSTOMER_MERGED, keep_id, clock, duplicate=str(duplicate_id))
        uow.commit()
    return filled


def add_representative(
    uow: UnitOfWork, actor: Actor, customer_id: int, name: str, relationship: str, authority: str, clock: Clock
) -> Representative:
    """Records who may act for a customer and on what basis: their consent or another lawful basis (s5.1)."""
    errors = {
        field: f"Give the representative's {label}."
        for field, label, typed in (
            ("name", "name", name),
            ("relationship", "relationship to the customer", relationship),
            ("authority", "consent or lawful basis", authority),
        )
        if not typed.strip()
    }
    if errors:
        raise InvalidSubmission(errors)
    with uow:
        if uow.customers.get(customer_id) is None:
            raise NotFound(f"No customer {customer_id}.")
        added = uow.representatives.add(
            NewRepresentative(customer_id, name.strip(), relationship.strip(), authority.strip())
        )
        record_audit(uow, actor, AuditAction.REPRESENTATIVE_ADDED, customer_id, clock, representative=added.name)
        uow.commit()
    return added


def _parse_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _reference_taken(uow: UnitOfWork, reference: str) -> bool:
    return bool(uow.customers.search(CustomerQuery(QueryKind.COUNCIL_REFERENCE, reference, reference), limit=1))
