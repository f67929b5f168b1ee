"""Amending an incident (issue 16): the pre-filled form with its required reason, and the incident as amended."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import CardElement, DateInput, TimeInput

from cards.common import (
    Card,
    envelope,
    error_text,
    form_problem,
    heading,
    labelled_toggle,
    submit,
    text,
    text_input,
)
from cards.incident import (
    actions_input,
    channel_input,
    description_input,
    immediate_steps_input,
    incident_blocks,
    service_area_input,
)
from cards.verbs import Verb
from casework import policy
from casework.incident_amendments import AmendmentForm, IncidentAmended


def amendment_form_card(
    form: AmendmentForm, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    """Pre-filled with the incident as it stands, or with what was typed when Save was refused."""
    typed = dict(form.values) if values is None else dict(values)
    errs = dict(errors or {})
    body: list[CardElement] = [
        heading(f"Amend incident {form.reference}"),
        text(
            f"About {form.customer_name}. The report as it stands is kept as version {form.version}; "
            "your correction becomes the next version, with your name and reason on the incident.",
            subtle=True,
        ),
        *form_problem(errs),
        text_input(
            "reason",
            "Why are you amending it?",
            typed.get("reason", ""),
            True,
            policy.REASON_MAX_LENGTH,
            multiline=True,
        ),
        *error_text(errs, "reason"),
        DateInput(id="occurred_date", label="Date", value=typed.get("occurred_date") or None),
        TimeInput(id="occurred_time", label="Time", value=typed.get("occurred_time") or None),
        *error_text(errs, "occurred_date"),
        *channel_input(typed, errs),
        *service_area_input(typed, errs),
        *actions_input(typed, errs),
        *immediate_steps_input(typed, errs),
        *description_input(typed, errs),
        labelled_toggle(
            "informal_warning_given",
            "Informal warning (s10)",
            "One was given",
            typed.get("informal_warning_given", ""),
        ),
    ]
    return envelope(
        body,
        [submit("Save amendment", Verb.INCIDENT_SAVE_AMENDMENT, style="positive", incident_id=form.incident_id)],
        summary=f"Amend incident {form.reference} about {form.customer_name}: the form",
    )


def incident_amended_card(amended: IncidentAmended) -> Card:
    summary = amended.incident
    body: list[CardElement] = [
        heading(f"Incident {summary.reference} amended (version {summary.version})"),
        text(f"Changed: {', '.join(amended.changed)}."),
        *incident_blocks(summary),
    ]
    return envelope(
        body,
        [submit("Amend again", Verb.INCIDENT_AMEND, incident_id=summary.incident_id)],
        summary=f"Incident {summary.reference} about {summary.customer_name} amended (version {summary.version})",
    )
