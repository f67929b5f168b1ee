"""Report an incident (s8.5, s8.6): one form, one submit for a known customer; a repeated submit is recorded once.

Flow: `report [customer] [channel] [action]` → the form, prefilled and offering the customers that match →
submit → saved, confirmed, and the line manager (and for a serious threat or safeguarding concern, the
determination team) told. A new customer who resembles existing ones costs one more submit: the pick list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.core import TurnContext

from cards.common import Card
from cards.incident import INCIDENT_FORM_FIELDS, NEW_CUSTOMER, incident_confirmation, incident_form
from cards.verbs import Verb
from casework.commands import IncidentSubmission
from casework.configuration import StaffGuidance
from casework.errors import CustomerChoiceNeeded, InvalidSubmission
from casework.gateway import CaseworkGateway
from casework.incidents import report_form_context, report_incident
from casework.views import CustomerOption
from dialogs.activities import actor_of
from dialogs.forms import FormDialog, FormState
from dialogs.quick_report import parse_quick_report


class ReportIncidentDialog(FormDialog):
    submit_verb = Verb.INCIDENT_SUBMIT
    fields = INCIDENT_FORM_FIELDS

    def __init__(self, casework: CaseworkGateway, guidance: StaffGuidance) -> None:
        super().__init__(ReportIncidentDialog.__name__)
        self._casework = casework
        self._guidance = guidance

    async def prepare(self, context: TurnContext, options: Mapping[str, Any], state: FormState) -> None:
        hint = str(options.get("customer_hint") or "")
        customer_id = options.get("customer_id")
        form = await self._casework.call(
            report_form_context, actor_of(context.activity), hint, customer_id if isinstance(customer_id, int) else None
        )
        state["customers"] = [_option_state(o) for o in form.customer_options]
        state["line_managers"] = [list(pair) for pair in form.line_manager_options]
        state["representatives"] = list(form.representatives)

    @staticmethod
    def options_for(text: str = "", customer_id: int | None = None) -> dict[str, Any]:
        """Dialog options from `report …` text, or from a status card's button for one customer."""
        values = parse_quick_report(text)
        if customer_id is not None:
            values["customer_choice"] = str(customer_id)
        return {"values": values, "customer_hint": values["customer_name"], "customer_id": customer_id}

    def render(self, form_id: str, values: Mapping[str, str], errors: Mapping[str, str], state: FormState) -> Card:
        options = [CustomerOption(**o) for o in state.get("customers", [])]
        managers = [(str(p[0]), str(p[1])) for p in state.get("line_managers", [])]
        representatives = [str(name) for name in state.get("representatives", [])]
        return incident_form(form_id, values, errors, options, managers, representatives)

    def on_invalid(self, invalid: InvalidSubmission, state: FormState) -> None:
        if isinstance(invalid, CustomerChoiceNeeded):
            state["customers"] = [_option_state(o) for o in invalid.options]

    async def submit(self, context: TurnContext, form_id: str, values: Mapping[str, str], state: FormState) -> Card:
        actor = actor_of(context.activity)
        # Only a customer this dialog itself offered may be chosen: the card's value is a selection, not a fact.
        offered = {str(o["customer_id"]) for o in state.get("customers", [])}
        choice = values["customer_choice"]
        submission = IncidentSubmission(
            # Scoped to the reporter, so one person's form id can never match another's report.
            submission_key=f"{actor.user_id}:{form_id}"[:64],
            customer_id=int(choice) if choice in offered else None,
            new_customer_confirmed=choice == NEW_CUSTOMER and bool(offered),
            customer_name=values["customer_name"],
            channel=values["channel"],
            actions=_split(values["actions"]),
            description=values["description"],
            informal_warning_given=values["informal_warning_given"] == "true",
            safeguarding_concern=values["safeguarding_concern"] == "true",
            support_need=values["support_need"] == "true",
            serious_threats=_split(values["serious_threats"]),
            line_manager_id=values["line_manager_id"],
            occurred_date=values["occurred_date"],
            occurred_time=values["occurred_time"],
            service_area=values["service_area"],
            immediate_steps=_split(values["immediate_steps"]),
            acting_party=values["acting_party"] or "customer",
            # A representative picked from those on record, or a new one typed (then their authority, s5.1).
            representative_name=values["representative_on_record"] or values["representative_name"],
            representative_authority=values["representative_authority"],
            postcode=values["postcode"],
            phone=values["phone"],
            email=values["email"],
            other_action=values["other_action"],
            customer_recording=values["customer_recording"] == "true",
            recording_reason=values["recording_reason"],
            matter_reference=values["matter_reference"],
        )
        confirmation = await self._casework.call(report_incident, actor, submission)
        return incident_confirmation(confirmation, self._guidance)


def _split(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split(",") if part)


def _option_state(option: CustomerOption) -> dict[str, Any]:
    return {
        "customer_id": option.customer_id,
        "name": option.name,
        "postcode": option.postcode,
        "council_reference": option.council_reference,
        "exact": option.exact,
    }
