"""Report an incident (s8.5, s8.6): one form, one submit; a repeated submit is recorded once."""

from __future__ import annotations

from collections.abc import Mapping

from botbuilder.core import TurnContext

from bot.casework_gateway import CaseworkGateway
from bot.identity import actor_of
from cards.common import Card
from cards.incident import incident_confirmation, incident_form
from cards.verbs import Verb
from casework.services import report_incident
from casework.types import IncidentSubmission
from dialogs.forms import FormDialog


class ReportIncidentDialog(FormDialog):
    submit_verb = Verb.INCIDENT_SUBMIT
    fields = ("customer_name", "channel", "actions", "description")

    def __init__(self, casework: CaseworkGateway) -> None:
        super().__init__(ReportIncidentDialog.__name__)
        self._casework = casework

    def render(self, form_id: str, values: Mapping[str, str], errors: Mapping[str, str]) -> Card:
        return incident_form(form_id, values, errors)

    async def submit(self, context: TurnContext, form_id: str, values: Mapping[str, str]) -> Card:
        actor = actor_of(context.activity)
        submission = IncidentSubmission(
            # Scoped to the reporter, so one person's form id can never match another's report.
            submission_key=f"{actor.user_id}:{form_id}"[:64],
            customer_name=values["customer_name"],
            channel=values["channel"],
            actions=tuple(a for a in values["actions"].split(",") if a),
            description=values["description"],
        )
        confirmation = await self._casework.call(report_incident, actor, submission, self._casework.clock)
        return incident_confirmation(confirmation)
