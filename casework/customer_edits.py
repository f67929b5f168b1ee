"""Changing a customer's record in Teams (issue 16): address, postcode, no fixed address, phone, email, other names,
reasonable adjustments and communication needs (s4.3, s8.3, s11.3), by those entitled to
(policy.may_edit_customer_record); and a reporter adding an adjustment need the customer mentioned, which only ever
adds a note. Every change is audited with each changed field's value before and after."""

from __future__ import annotations

from dataclasses import dataclass, replace

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.commands import CustomerRecordEdit
from casework.configuration import Clock
from casework.customer_query import email_key, phone_key, postcode_key
from casework.entities import Actor, Customer
from casework.errors import AccessRefused, InvalidSubmission
from casework.ports import UnitOfWork
from casework.views import CustomerRecordView, CustomerStatusView, local_date, require_customer, status_view

EDITABLE_FIELDS: dict[str, str] = {
    "address": "Address",
    "postcode": "Postcode",
    "no_fixed_address": "No fixed address",
    "phone": "Phone",
    "email": "Email",
    "other_names": "Other names",
    "reasonable_adjustments": "Reasonable adjustments",
    "communication_needs": "Communication needs",
}
"""The fields of a customer's record that can be changed in Teams, with their labels. The name, council reference
and date of birth identify the customer and stay with the administrator's import and merge (admin.py)."""

RECORD_NOT_YOURS = "You can't change this customer's record."
"""The one refusal, whether the customer is not the clicker's to change or not on record."""
NEED_NOT_YOURS = "You can't add a note to this incident's customer."


@dataclass(frozen=True)
class CustomerRecordEdited:
    status: CustomerStatusView
    changed: tuple[str, ...]
    """The labels of the fields this edit changed; empty if it changed nothing."""


@dataclass(frozen=True)
class NeedNoteForm:
    """What the reporter's "note an adjustment need" form shows: the incident it comes from, and whose record."""

    incident_id: int
    reference: str
    customer_name: str


@dataclass(frozen=True)
class CustomerNeedNoted:
    customer_name: str
    reference: str
    noted: tuple[str, ...]
    """The labels of the fields a note was added to."""


def customer_record(uow: UnitOfWork, actor: Actor, customer_id: int, clock: Clock) -> CustomerRecordView:
    """The record for the edit form, for those who may change it; refused (and audited) for anyone else."""
    with uow:
        customer = _editable(uow, actor, customer_id, clock)
    return record_view(customer)


def edit_customer_record(
    uow: UnitOfWork, actor: Actor, customer_id: int, edit: CustomerRecordEdit, clock: Clock
) -> CustomerRecordEdited:
    """Saves the changed fields and audits each one's before and after; a field that fails validation changes
    nothing at all."""
    with uow:
        customer = _editable(uow, actor, customer_id, clock)
        errors, edited = validated_record(customer, edit)
        if errors:
            raise InvalidSubmission(errors)
        before, after = stored_values(customer), stored_values(edited)
        changed = [name for name in EDITABLE_FIELDS if before[name] != after[name]]
        if changed:
            uow.customers.update(edited)
            record_audit(
                uow, actor, AuditAction.CUSTOMER_RECORD_EDITED, customer.id, clock, **before_and_after(before, after)
            )
        status = status_view(uow, edited, clock, viewer=actor)
        uow.commit()
    return CustomerRecordEdited(status, tuple(EDITABLE_FIELDS[name] for name in changed))


def need_note_form(uow: UnitOfWork, actor: Actor, incident_id: int, clock: Clock) -> NeedNoteForm:
    """The reporter's form for a need the customer mentioned (s8.3); refused for anyone else."""
    with uow:
        incident_reference, customer = _reported_by_actor(uow, actor, incident_id, clock)
    return NeedNoteForm(incident_id, incident_reference, customer.name)


def note_customer_need(
    uow: UnitOfWork,
    actor: Actor,
    incident_id: int,
    adjustment: str,
    communication_need: str,
    clock: Clock,
) -> CustomerNeedNoted:
    """Adds what the customer mentioned to their reasonable adjustments or communication needs (s4.3, s8.3) as a
    dated note naming who noted it and from which incident; what was on record is kept as it was."""
    typed = {"reasonable_adjustments": adjustment.strip(), "communication_needs": communication_need.strip()}
    with uow:
        reference, customer = _reported_by_actor(uow, actor, incident_id, clock)
        if not any(typed.values()):
            raise InvalidSubmission({"reasonable_adjustments": "Say what the customer mentioned."})
        member = uow.staff.get(actor.user_id)
        by = member.name if member else actor.name
        notes = {
            name: f"{local_date(clock())}, noted by {by} (incident {reference}): {value}"
            for name, value in typed.items()
            if value
        }
        edited = replace(
            customer,
            reasonable_adjustments=_with_note(customer.reasonable_adjustments, notes.get("reasonable_adjustments")),
            communication_needs=_with_note(customer.communication_needs, notes.get("communication_needs")),
        )
        errors = {
            name: f"The record's {EDITABLE_FIELDS[name].lower()} would pass {policy.NEEDS_MAX_LENGTH} characters; "
            "ask the case owner to tidy them."
            for name in notes
            if len(getattr(edited, name)) > policy.NEEDS_MAX_LENGTH
        }
        if errors:
            raise InvalidSubmission(errors)
        uow.customers.update(edited)
        record_audit(
            uow,
            actor,
            AuditAction.CUSTOMER_NEED_NOTED,
            customer.id,
            clock,
            incident=reference,
            **before_and_after(stored_values(customer), stored_values(edited)),
        )
        uow.commit()
    return CustomerNeedNoted(customer.name, reference, tuple(EDITABLE_FIELDS[name] for name in notes))


def _with_note(on_record: str, note: str | None) -> str:
    return "\n".join(text for text in (on_record, note) if text)


def record_view(customer: Customer) -> CustomerRecordView:
    return CustomerRecordView(
        customer_id=customer.id,
        name=customer.name,
        address=customer.address,
        postcode=customer.postcode or "",
        no_fixed_address=customer.no_fixed_address,
        phone=customer.phone or "",
        email=customer.email or "",
        other_names=customer.other_names,
        reasonable_adjustments=customer.reasonable_adjustments,
        communication_needs=customer.communication_needs,
    )


def validated_record(customer: Customer, edit: CustomerRecordEdit) -> tuple[dict[str, str], Customer]:
    """The customer as edited, or the errors by field; each limit is its column's (policy, storage/tables.py)."""
    errors: dict[str, str] = {}
    address, other_names = edit.address.strip(), " ".join(edit.other_names.split())
    adjustments, needs = edit.reasonable_adjustments.strip(), edit.communication_needs.strip()
    for field, value, limit in (
        ("address", address, policy.ADDRESS_MAX_LENGTH),
        ("other_names", other_names, policy.OTHER_NAMES_MAX_LENGTH),
        ("reasonable_adjustments", adjustments, policy.NEEDS_MAX_LENGTH),
        ("communication_needs", needs, policy.NEEDS_MAX_LENGTH),
    ):
        if len(value) > limit:
            errors[field] = f"Keep it to {limit} characters (it has {len(value)})."
    postcode = postcode_key(edit.postcode) if edit.postcode.strip() else None
    if edit.postcode.strip() and postcode is None:
        errors["postcode"] = "That is not a UK postcode."
    phone = phone_key(edit.phone) if edit.phone.strip() else None
    if edit.phone.strip() and phone is None:
        errors["phone"] = "That is not a phone number."
    email = email_key(edit.email) if edit.email.strip() else None
    if edit.email.strip() and (email is None or len(email) > policy.EMAIL_MAX_LENGTH):
        errors["email"] = "That is not an email address."
    edited = replace(
        customer,
        address=address,
        postcode=postcode,
        no_fixed_address=edit.no_fixed_address,
        phone=phone,
        email=email,
        other_names=other_names,
        reasonable_adjustments=adjustments,
        communication_needs=needs,
    )
    return errors, edited


def stored_values(customer: Customer) -> dict[str, str]:
    """The editable fields as the audit trail records them (its details are strings)."""
    values = {name: getattr(customer, name) for name in EDITABLE_FIELDS}
    return {
        name: ("yes" if value else "no") if isinstance(value, bool) else (value or "") for name, value in values.items()
    }


def before_and_after(before: dict[str, str], after: dict[str, str]) -> dict[str, str]:
    """`<field>_before` and `<field>_after` for each field that changed, for an audit event's detail."""
    detail: dict[str, str] = {}
    for name in before:
        if before[name] != after[name]:
            detail[f"{name}_before"], detail[f"{name}_after"] = before[name], after[name]
    return detail


def _editable(uow: UnitOfWork, actor: Actor, customer_id: int, clock: Clock) -> Customer:
    customer = uow.customers.get(customer_id)
    member = uow.staff.get(actor.user_id)
    owners = [m.case_owner_id for m in uow.measures.for_customer(customer_id)] if customer else []
    on_team = member is not None and member.is_determination_team
    if customer is None or not policy.may_edit_customer_record(
        actor.user_id, on_team, policy.is_administrator(member), owners
    ):
        reason = "not on record" if customer is None else "not entitled"
        record_audit(uow, actor, AuditAction.CUSTOMER_EDIT_REFUSED, customer_id, clock, reason=reason)
        uow.commit()
        raise AccessRefused(RECORD_NOT_YOURS)
    return customer


def _reported_by_actor(uow: UnitOfWork, actor: Actor, incident_id: int, clock: Clock) -> tuple[str, Customer]:
    """The incident's reference and customer, when the actor reported it; refused (and audited) otherwise."""
    incident = uow.incidents.get(incident_id)
    if incident is None or incident.reported_by != actor.user_id:
        reason = "not on record" if incident is None else "not the reporter"
        record_id = incident.customer_id if incident is not None else ""
        record_audit(
            uow, actor, AuditAction.CUSTOMER_EDIT_REFUSED, record_id, clock, reason=reason, incident=str(incident_id)
        )
        uow.commit()
        raise AccessRefused(NEED_NOT_YOURS)
    return incident.reference, require_customer(uow, incident.customer_id)
