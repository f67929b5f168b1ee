"""The customer record's edit form (issue 16; s4.3, s8.3, s11.3), and the reporter's note of a need the customer
mentioned. Every value shown is as typed (escaped by cards.common)."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import CardElement

from cards.common import (
    Card,
    contact_input,
    envelope,
    error_text,
    form_problem,
    heading,
    labelled_toggle,
    submit,
    text,
    text_input,
)
from cards.status import status_card
from cards.verbs import Verb
from casework import policy
from casework.customer_edits import CustomerNeedNoted, NeedNoteForm
from casework.views import CustomerRecordView, CustomerStatusView


def record_values(record: CustomerRecordView) -> dict[str, str]:
    """The form's fields as the record holds them now."""
    return {
        "address": record.address,
        "postcode": record.postcode,
        "no_fixed_address": "true" if record.no_fixed_address else "false",
        "phone": record.phone,
        "email": record.email,
        "other_names": record.other_names,
        "reasonable_adjustments": record.reasonable_adjustments,
        "communication_needs": record.communication_needs,
    }


def customer_record_form(
    customer_id: int, customer_name: str, values: Mapping[str, str], errors: Mapping[str, str] | None = None
) -> Card:
    """Pre-filled with the record, or with what was typed when Save was refused."""
    errs = dict(errors or {})
    body: list[CardElement] = [heading(f"{customer_name}: edit record"), *form_problem(errs)]
    body += [
        text_input("address", "Address", values.get("address", ""), False, policy.ADDRESS_MAX_LENGTH, multiline=True),
        *error_text(errs, "address"),
        text_input("postcode", "Postcode", values.get("postcode", ""), False, policy.POSTCODE_MAX_LENGTH),
        *error_text(errs, "postcode"),
        labelled_toggle(
            "no_fixed_address",
            "No fixed address: letters are held at reception for them (s11.3)",
            "No fixed address",
            values.get("no_fixed_address", ""),
        ),
        contact_input("phone", "Phone", values.get("phone", ""), policy.PHONE_TYPED_MAX_LENGTH, "Tel"),
        *error_text(errs, "phone"),
        contact_input("email", "Email", values.get("email", ""), policy.EMAIL_MAX_LENGTH, "Email"),
        *error_text(errs, "email"),
        text_input(
            "other_names",
            "Other names they use",
            values.get("other_names", ""),
            False,
            policy.OTHER_NAMES_MAX_LENGTH,
        ),
        *error_text(errs, "other_names"),
        text_input(
            "reasonable_adjustments",
            "Reasonable adjustments (s4.3)",
            values.get("reasonable_adjustments", ""),
            False,
            policy.NEEDS_MAX_LENGTH,
            multiline=True,
        ),
        *error_text(errs, "reasonable_adjustments"),
        text_input(
            "communication_needs",
            "Communication needs (s8.3)",
            values.get("communication_needs", ""),
            False,
            policy.NEEDS_MAX_LENGTH,
            multiline=True,
        ),
        *error_text(errs, "communication_needs"),
        text("Each change is recorded in the audit trail with what it replaced.", subtle=True),
    ]
    return envelope(
        body,
        [submit("Save", Verb.CUSTOMER_SAVE, style="positive", customer_id=customer_id)],
        summary=f"Edit the record of {customer_name}: the form" + (" (please correct it)" if errs else ""),
    )


def record_saved_card(status: CustomerStatusView, changed: tuple[str, ...]) -> Card:
    """The customer's status card again, headed by what the edit changed."""
    return status_card(status, f"Record updated: {', '.join(changed)}." if changed else "Nothing was changed.")


def need_note_form(
    form: NeedNoteForm, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    """For the reporter: a need the customer mentioned, added to their record as a note (s4.3, s8.3)."""
    typed, errs = dict(values or {}), dict(errors or {})
    body: list[CardElement] = [
        heading(f"{form.customer_name}: note an adjustment or need"),
        text(
            f"From incident {form.reference}. What you write is added to their record as a dated note with your "
            "name; nothing on record is replaced.",
            subtle=True,
        ),
        *form_problem(errs),
        text_input(
            "reasonable_adjustments",
            "An adjustment they asked for or need (s4.3)",
            typed.get("reasonable_adjustments", ""),
            False,
            policy.REASON_MAX_LENGTH,
            multiline=True,
            placeholder="For example: needs documents in large print",
        ),
        *error_text(errs, "reasonable_adjustments"),
        text_input(
            "communication_needs",
            "A communication need (s8.3)",
            typed.get("communication_needs", ""),
            False,
            policy.REASON_MAX_LENGTH,
            multiline=True,
            placeholder="For example: prefers email; uses an interpreter",
        ),
        *error_text(errs, "communication_needs"),
    ]
    # A need is health or disability information: no customer named in the summary (cards.common.summary_line).
    return envelope(
        body,
        [submit("Add to their record", Verb.CUSTOMER_SAVE_NEED, incident_id=form.incident_id)],
        summary=f"Note an adjustment or need from incident {form.reference}: the form (s4.3)",
    )


def need_noted_card(noted: CustomerNeedNoted) -> Card:
    return envelope(
        [
            heading("Added to their record"),
            text(f"{noted.customer_name}: {', '.join(noted.noted).lower()} noted from incident {noted.reference}."),
        ],
        summary=f"Added to the customer's record from incident {noted.reference}",
    )
