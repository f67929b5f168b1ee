"""The incident report form (s8.5, s8.6) and its confirmation."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import CardElement

from cards.common import Card, choice_input, envelope, error_text, facts, heading, submit, text, text_input
from cards.status import standing_block
from cards.verbs import Verb
from casework import policy
from casework.types import ContactChannel, UnreasonableAction
from casework.views import IncidentConfirmation


def incident_form(form_id: str, values: Mapping[str, str], errors: Mapping[str, str]) -> Card:
    """One card: the essentials first; the values the person typed survive a rejected submit."""
    errs = dict(errors)
    body: list[CardElement] = [heading("Report an incident")]
    if errs:
        body.append(text("Please correct the fields marked below.", color="Attention"))
    body += [
        text_input("customer_name", "Customer's name", values.get("customer_name", ""), True, policy.NAME_MAX_LENGTH),
        *error_text(errs, "customer_name"),
        choice_input(
            "channel",
            "How did they contact us?",
            [(c.value, c.label) for c in ContactChannel],
            values.get("channel", ""),
            True,
        ),
        *error_text(errs, "channel"),
        choice_input(
            "actions",
            "What did they do? (choose all that apply)",
            [(a.value, a.label) for a in UnreasonableAction],
            values.get("actions", ""),
            True,
            multi=True,
        ),
        *error_text(errs, "actions"),
        text_input(
            "description",
            "What happened?",
            values.get("description", ""),
            True,
            policy.DESCRIPTION_MAX_LENGTH,
            multiline=True,
            placeholder="Facts only: what was said or done, and what you did.",
        ),
        *error_text(errs, "description"),
    ]
    return envelope(body, [submit("Submit report", Verb.INCIDENT_SUBMIT, style="positive", form_id=form_id)])


def incident_confirmation(confirmation: IncidentConfirmation) -> Card:
    customer = confirmation.customer
    body: list[CardElement] = [
        heading(f"Incident {confirmation.reference} recorded", color="Good"),
        facts([("Reference", confirmation.reference), ("Customer", customer.name)]),
        text(
            "Your line manager will discuss it with you and decide whether to note an informal warning "
            "or ask the determination team to consider further action (s8.6)."
        ),
    ]
    if confirmation.already_recorded:
        body.append(text("This report had already been received; nothing was recorded twice.", subtle=True))
    body += standing_block(customer)
    return envelope(body)
