"""Ask the determination team to decide (s10, s11.2, s12): the form, the gates, then the decision card."""

from __future__ import annotations

from collections.abc import Mapping

from botbuilder.core import TurnContext

from cards.common import Card
from cards.escalation import SERIOUS_STEP_FIELDS, escalation_form, escalation_requested, request_already_pending
from cards.verbs import Verb
from casework.commands import EscalationRequest
from casework.entities import RestrictionTerms, SeriousStepParticulars
from casework.errors import InvalidSubmission, RequestAlreadyPending
from casework.escalations import request_escalation
from casework.gateway import CaseworkGateway
from dialogs.activities import actor_of
from dialogs.forms import FormDialog, FormState


class RequestEscalationDialog(FormDialog):
    submit_verb = Verb.ESCALATION_SUBMIT
    fields = (
        "customer_name",
        "kind",
        "reason",
        "investigation_reference",
        "serious_threat",
        "restrictions",
        "named_contact",
        "call_minutes",
        "calls_per_week",
        "services_withdrawn",
        "scope",
        "representative_name",
        "representative_option",
        "no_warning_reason",
        *SERIOUS_STEP_FIELDS,
    )

    def __init__(self, casework: CaseworkGateway) -> None:
        super().__init__(RequestEscalationDialog.__name__)
        self._casework = casework

    def render(self, form_id: str, values: Mapping[str, str], errors: Mapping[str, str], state: FormState) -> Card:
        return escalation_form(form_id, values, errors)

    async def submit(self, context: TurnContext, form_id: str, values: Mapping[str, str], state: FormState) -> Card:
        actor = actor_of(context.activity)
        request = EscalationRequest(
            customer_name=values["customer_name"],
            kind=values["kind"],
            reason=values["reason"],
            investigation_reference=values["investigation_reference"],
            serious_threat=values["serious_threat"],
            restrictions=tuple(r for r in values["restrictions"].split(",") if r),
            terms=RestrictionTerms(
                named_contact=values["named_contact"].strip(),
                call_minutes=_whole_number(values["call_minutes"]),
                calls_per_week=_whole_number(values["calls_per_week"]),
                services_withdrawn=values["services_withdrawn"].strip(),
                scope=values["scope"],
                representative_name=values["representative_name"].strip(),
                representative_option=values["representative_option"] if values["representative_name"].strip() else "",
            ),
            # Scoped to the requester, as an incident's is, so one person's form id never matches another's.
            submission_key=f"{actor.user_id}:{form_id}"[:64],
            no_warning_reason=values["no_warning_reason"],
            particulars=SeriousStepParticulars(**{name: values[name] for name in SERIOUS_STEP_FIELDS}),
        )
        try:
            result = await self._casework.call(request_escalation, actor, request)
        except RequestAlreadyPending as pending:
            return request_already_pending(pending)
        return escalation_requested(result.escalation, already_received=not result.recorded_now)


def _whole_number(typed: str) -> int | None:
    if not typed.strip():
        return None
    try:
        return int(typed.strip())
    except ValueError:
        raise InvalidSubmission({"call_limits": "Call limits must be whole numbers."}) from None
