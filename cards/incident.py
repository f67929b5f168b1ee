"""The incident report form (s8.5, s8.6, s10, s12.3), its confirmation, and the cards it sends on to others."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from microsoft_teams.cards import ActionSet, CardElement, Container, DateInput, TimeInput, ToggleVisibilityAction

from cards.common import (
    Card,
    choice_input,
    contact_input,
    enum_choices,
    envelope,
    error_text,
    execute,
    facts,
    form_problem,
    heading,
    labelled_toggle,
    london,
    markdown,
    submit,
    text,
    text_input,
)
from cards.status import pick_label, standing_block
from cards.verbs import Verb
from casework import policy
from casework.configuration import StaffGuidance
from casework.views import CustomerOption, IncidentConfirmation, IncidentSummary
from casework.vocabulary import (
    ActingParty,
    ContactChannel,
    ImmediateStep,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)

NEW_CUSTOMER = "new"
"""The pick-list value for 'someone else': the typed name is a new customer."""

_MORE_DETAILS = "more_details"
_MORE_DETAILS_BUTTON = "more_details_button"
_NEW_CUSTOMER_NAME = "new_customer_name"
_MORE_DETAIL_FIELDS = (
    "occurred_date",
    "occurred_time",
    "service_area",
    "matter_reference",
    "immediate_steps",
    "acting_party",
    "representative_on_record",
    "representative_name",
    "representative_authority",
    "recording_reason",
    "postcode",
    "phone",
    "email",
)
INCIDENT_FORM_FIELDS = (
    "customer_choice",
    "customer_name",
    "channel",
    "actions",
    "other_action",
    "description",
    "informal_warning_given",
    "customer_recording",
    "recording_reason",
    "safeguarding_concern",
    "support_need",
    "serious_threats",
    "line_manager_id",
    *_MORE_DETAIL_FIELDS,
)
"""Every input of the report form, which the dialog reads back from a submit."""


def incident_form(
    form_id: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    customer_options: Sequence[CustomerOption],
    line_manager_options: Sequence[tuple[str, str]],
    representatives: Sequence[str] = (),
) -> Card:
    """One card. The essentials come first; the rest has sensible defaults behind "More details".
    Whatever the person typed survives a rejected submit. `representatives` are those on record for the customer
    the form is about, to pick from (s5.1)."""
    errs = dict(errors)
    body: list[CardElement] = [heading("Report an incident")]
    body += form_problem(errs)
    body += _who(values, errs, customer_options)
    body += [
        *channel_input(values, errs),
        *actions_input(values, errs),
        *description_input(values, errs, placeholder="Facts only: what was said or done, and what you did."),
        # Short titles that fit one line of a phone; the label says what the box is to a screen reader (issue 20).
        labelled_toggle(
            "informal_warning_given",
            "Informal warning (s10)",
            "I gave them one",
            values.get("informal_warning_given", ""),
        ),
        labelled_toggle(
            "customer_recording",
            "Recording us (s7.3: not unreasonable in itself)",
            "They said they were",
            values.get("customer_recording", ""),
        ),
        labelled_toggle(
            "safeguarding_concern",
            "Safeguarding, for example threats of self-harm",
            "A safeguarding concern",
            values.get("safeguarding_concern", ""),
        ),
        labelled_toggle(
            "support_need",
            "Communication or support need (s4.3)",
            "They may have an unmet need",
            values.get("support_need", ""),
        ),
        choice_input(
            "serious_threats",
            "Serious threat? (s12.3) Empty if none",
            enum_choices(SeriousThreat),
            values.get("serious_threats", ""),
            False,
            multi=True,
        ),
        *error_text(errs, "serious_threats"),
    ]
    if line_manager_options:
        body += [
            choice_input(
                "line_manager_id",
                "Your line manager (asked once, then remembered)",
                list(line_manager_options),
                values.get("line_manager_id", ""),
                True,
            ),
            *error_text(errs, "line_manager_id"),
        ]
    # "More details ▸" hides itself as it opens them, and "Fewer details ▴" at their top closes them again, so the
    # button says whether they are open (Adaptive Cards 1.5 cannot retitle a button; issue 20).
    opened = any(f in errs for f in _MORE_DETAIL_FIELDS)
    targets = [_MORE_DETAILS, _MORE_DETAILS_BUTTON]
    body += [
        ActionSet(
            id=_MORE_DETAILS_BUTTON,
            is_visible=not opened,
            actions=[ToggleVisibilityAction(title="More details ▸", target_elements=targets)],
        ),
        Container(
            id=_MORE_DETAILS,
            is_visible=opened,
            items=[
                ActionSet(actions=[ToggleVisibilityAction(title="Fewer details ▴", target_elements=targets)]),
                text("When, service, steps taken, who acted, and a new customer's contact details.", subtle=True),
                *_more_details(values, errs, representatives),
            ],
        ),
    ]
    return envelope(
        body,
        [submit("Submit report", Verb.INCIDENT_SUBMIT, style="positive", form_id=form_id)],
        summary="Report an incident: the form" + (" (please correct it)" if errors else ""),
    )


def channel_input(values: Mapping[str, str], errs: Mapping[str, str]) -> list[CardElement]:
    """The report's fields that the amendment form asks again, worded the same on both."""
    return [
        choice_input(
            "channel", "How did they contact us?", enum_choices(ContactChannel), values.get("channel", ""), True
        ),
        *error_text(errs, "channel"),
    ]


def actions_input(values: Mapping[str, str], errs: Mapping[str, str]) -> list[CardElement]:
    actions = choice_input(
        "actions",
        "What did they do? (choose all that apply)",
        [(action.value, _SHORT_ACTIONS.get(action, action.label)) for action in UnreasonableAction],
        values.get("actions", ""),
        True,
        multi=True,
    )
    actions.wrap = True  # the long s6.1 wordings wrap on a phone rather than being cut (issue 20)
    return [
        actions,
        *error_text(errs, "actions"),
        # Not required on the card: a client checks every input before sending, so it is checked on the server,
        # and only when "something else" is chosen (s6.1 is not exhaustive).
        text_input(
            "other_action",
            "If something else: what did they do?",
            values.get("other_action", ""),
            False,
            policy.OTHER_ACTION_MAX_LENGTH,
        ),
        *error_text(errs, "other_action"),
    ]


_SHORT_ACTIONS = {
    UnreasonableAction.ABUSIVE_OR_THREATENING: "Abusive or threatening",
    UnreasonableAction.STAFF_INFO_ONLINE: "Staff details put online",
    UnreasonableAction.EXCESSIVE_DEMANDS: "Excessive demands on time",
    UnreasonableAction.REPEAT_CONTACTS: "Repeat contacts",
    UnreasonableAction.REFUSES_TO_SPECIFY: "Won't say what it is about",
    UnreasonableAction.REFUSES_TO_COOPERATE: "Won't cooperate",
    UnreasonableAction.INCOMPATIBLE_HANDLING: "Outside the procedure",
    UnreasonableAction.UNJUSTIFIED_STAFF_COMPLAINTS: "Unjustified staff complaints",
    UnreasonableAction.CHANGING_COMPLAINT: "Keeps changing complaint",
    UnreasonableAction.MANY_TRIVIAL_QUESTIONS: "Many trivial questions",
    UnreasonableAction.FALSE_INFORMATION: "False information",
    UnreasonableAction.SCATTER_GUN: "Same issue to many services",
    UnreasonableAction.RECORDING_WITHOUT_REASON: "Recorded us without reason",
    UnreasonableAction.RECORDING_POSTED_ONLINE: "Recordings put online",
    UnreasonableAction.LIVE_BROADCAST: "Live broadcast of us",
    UnreasonableAction.RECORDING_MANIPULATED: "Edited recordings",
    UnreasonableAction.OTHER: "Something else",
}
"""The s6.1 and s7.2 actions as the report form's list names them: short enough that a chosen one is not cut off in
the closed list on a phone (issue 20); the incident's cards and letters keep the full wording."""


def description_input(values: Mapping[str, str], errs: Mapping[str, str], placeholder: str = "") -> list[CardElement]:
    return [
        text_input(
            "description",
            "What happened?",
            values.get("description", ""),
            True,
            policy.DESCRIPTION_MAX_LENGTH,
            multiline=True,
            placeholder=placeholder,
        ),
        *error_text(errs, "description"),
    ]


def service_area_input(values: Mapping[str, str], errs: Mapping[str, str]) -> list[CardElement]:
    return [
        choice_input("service_area", "Service", enum_choices(ServiceArea), values.get("service_area", ""), False),
        *error_text(errs, "service_area"),
    ]


def immediate_steps_input(values: Mapping[str, str], errs: Mapping[str, str]) -> list[CardElement]:
    return [
        choice_input(
            "immediate_steps",
            "What did you do at the time? (s8.5)",
            enum_choices(ImmediateStep),
            values.get("immediate_steps", ""),
            False,
            multi=True,
        ),
        *error_text(errs, "immediate_steps"),
    ]


def _who(values: Mapping[str, str], errs: dict[str, str], options: Sequence[CustomerOption]) -> list[CardElement]:
    """The customer: typed, or picked from those that match. The pick list is an expanded choice set whose options
    wrap and start with what tells two people apart (issue 20). The new customer's name is shown only when a new
    customer may be being added: under a customer already chosen it is hidden behind "Someone else?", so it cannot
    read as if a second one would be created. It keeps what was typed, so choosing "Someone else" adds that name."""
    if not options:
        return [
            text_input(
                "customer_name",
                "Customer's name (or council reference, postcode, phone or email)",
                values.get("customer_name", ""),
                True,
                policy.NAME_MAX_LENGTH,
            ),
            *error_text(errs, "customer_name"),
        ]
    exact = [o for o in options if o.exact]
    chosen = values.get("customer_choice") or (str(exact[0].customer_id) if len(exact) == 1 else "")
    choices = [(str(o.customer_id), pick_label(o)) for o in options]
    choices.append((NEW_CUSTOMER, "Someone else: a new customer"))
    pick = choice_input("customer_choice", "Customer", choices, chosen, True, compact=False)
    pick.wrap = True
    existing_chosen = chosen not in ("", NEW_CUSTOMER) and "customer_name" not in errs
    name = [
        text_input(
            "customer_name",
            "New customer's name",
            values.get("customer_name", ""),
            False,
            policy.NAME_MAX_LENGTH,
        ),
        *error_text(errs, "customer_name"),
    ]
    blocks: list[CardElement] = [pick, *error_text(errs, "customer_id")]
    if not existing_chosen:
        return [*blocks, *name]
    return [
        *blocks,
        ActionSet(
            id=f"{_NEW_CUSTOMER_NAME}_button",
            actions=[
                ToggleVisibilityAction(
                    title="Someone else? Add their name",
                    target_elements=[_NEW_CUSTOMER_NAME, f"{_NEW_CUSTOMER_NAME}_button"],
                )
            ],
        ),
        Container(id=_NEW_CUSTOMER_NAME, is_visible=False, items=name),
    ]


def _more_details(values: Mapping[str, str], errs: dict[str, str], representatives: Sequence[str]) -> list[CardElement]:
    return [
        DateInput(id="occurred_date", label="Date (leave empty for today)", value=values.get("occurred_date") or None),
        TimeInput(id="occurred_time", label="Time (leave empty for now)", value=values.get("occurred_time") or None),
        *error_text(errs, "occurred_date"),
        *service_area_input(values, errs),
        text_input(
            "matter_reference",
            "Matter or complaint reference, if it was about one",
            values.get("matter_reference", ""),
            False,
            policy.MATTER_REFERENCE_MAX_LENGTH,
        ),
        *error_text(errs, "matter_reference"),
        *immediate_steps_input(values, errs),
        choice_input(
            "acting_party",
            "Who acted this way? (s5)",
            [(ActingParty.CUSTOMER.value, "The customer"), (ActingParty.REPRESENTATIVE.value, "Their representative")],
            values.get("acting_party") or ActingParty.CUSTOMER.value,
            False,
        ),
        *error_text(errs, "acting_party"),
        *(
            [
                choice_input(
                    "representative_on_record",
                    "Their representative on record",
                    [(name, name) for name in representatives],
                    values.get("representative_on_record", ""),
                    False,
                )
            ]
            if representatives
            else []
        ),
        text_input(
            "representative_name",
            "A new representative's name" if representatives else "Representative's name",
            values.get("representative_name", ""),
            False,
            policy.NAME_MAX_LENGTH,
        ),
        *error_text(errs, "representative_name"),
        text_input(
            "representative_authority",
            "For a new representative: the customer's consent or other lawful basis for them acting (s5.1)",
            values.get("representative_authority", ""),
            False,
            policy.REASON_MAX_LENGTH,
        ),
        *error_text(errs, "representative_authority"),
        text_input(
            "recording_reason",
            "If they said why they were recording: why?",
            values.get("recording_reason", ""),
            False,
            policy.REASON_MAX_LENGTH,
        ),
        *error_text(errs, "recording_reason"),
        text("A new customer's contact details, if you have them:", subtle=True),
        # A postcode has letters, so it keeps the full keyboard; phone and email get theirs (issue 20).
        text_input("postcode", "Postcode", values.get("postcode", ""), False, 10),
        *error_text(errs, "postcode"),
        contact_input("phone", "Phone", values.get("phone", ""), 30, "Tel"),
        *error_text(errs, "phone"),
        contact_input("email", "Email", values.get("email", ""), 254, "Email"),
        *error_text(errs, "email"),
    ]


def incident_confirmation(confirmation: IncidentConfirmation, guidance: StaffGuidance) -> Card:
    customer = confirmation.customer
    title = (
        f"Already received: {confirmation.reference}"
        if confirmation.already_recorded
        else f"Incident {confirmation.reference} recorded"
    )
    body: list[CardElement] = [heading(title)]
    if confirmation.incident.is_urgent:
        body += [
            heading("Your safety first", color="Attention"),
            text(guidance.safety),
            text(
                "The determination team is being alerted now. If Teams cannot reach them, I will tell you here: "
                "then phone the Health and Safety officer.",
                color="Attention",
            ),
        ]
    body += [facts([("Reference", confirmation.reference), ("Customer", customer.name)])]
    if confirmation.incident.involves_recording:
        body += [heading("If you are being recorded (s7.4)"), text(guidance.recording)]
    if confirmation.already_recorded:
        body.append(text("This report had already been received; nothing was recorded twice.", subtle=True))
    else:
        manager = confirmation.line_manager_name or "Your line manager"
        body.append(
            text(
                f"What happens next: {manager} will discuss it with you and record whether no further "
                "action is needed, an informal warning is noted, or the determination team should "
                "consider it (s8.6)."
            )
        )
        if confirmation.line_manager_name:
            body.append(
                text(
                    f"{confirmation.line_manager_name} is being sent a card for it. If Teams cannot reach them, "
                    "I will tell you here, so you can tell them yourself.",
                    subtle=True,
                )
            )
    body += standing_block(customer)
    incident_id = confirmation.incident.incident_id
    return envelope(
        body,
        [
            submit("Amend this report", Verb.INCIDENT_AMEND, incident_id=incident_id),
            submit("Note an adjustment or need", Verb.CUSTOMER_NOTE_NEED, incident_id=incident_id),
        ],
        summary=f"{title}, about {customer.name}",
    )


def incident_blocks(summary: IncidentSummary) -> list[CardElement]:
    """The incident as those who need to know it read it, with its amendments (issue 16)."""
    return _incident_facts(summary)


def amendment_blocks(summary: IncidentSummary) -> list[CardElement]:
    return [
        text(
            markdown(
                "**Amended** on {} by {}: {} (changed: {})",
                london(line.amended_at),
                line.amended_by_name,
                line.reason,
                ", ".join(line.changed),
            ),
            subtle=True,
        )
        for line in summary.amendments
    ]


def _incident_facts(summary: IncidentSummary) -> list[CardElement]:
    pairs = [
        (
            "Customer",
            summary.customer_name
            + (f" (by their representative {summary.representative_name})" if summary.representative_name else ""),
        ),
        ("Reported by", summary.reporter_name),
        ("When", london(summary.occurred_at)),
        ("How", f"{summary.channel}, {summary.service_area}"),
        ("What they did", "; ".join(summary.actions)),
    ]
    if summary.immediate_steps:
        pairs.append(("Steps taken", "; ".join(summary.immediate_steps)))
    if summary.informal_warning_given:
        pairs.append(("Informal warning", "Given at the time"))
    if summary.customer_recording:
        # Noted, not counted against them (s7.3).
        pairs.append(
            (
                "Recording",
                "They said they were recording" + (f": {summary.recording_reason}" if summary.recording_reason else ""),
            )
        )
    if summary.matter_reference:
        pairs.append(("Matter", summary.matter_reference))
    blocks: list[CardElement] = [facts(pairs), text(summary.description), *amendment_blocks(summary)]
    if summary.serious_threats:
        blocks.append(text("Serious threat (s12.3): " + "; ".join(summary.serious_threats), color="Attention"))
    if summary.safeguarding_concern:
        blocks.append(text("Safeguarding concern: follow-up needed.", color="Attention"))
    if summary.suggestion:
        blocks.append(text(markdown("**Suggestion:** {}", summary.suggestion)))
    if summary.support_need:
        blocks.append(
            text(markdown("**Possible unmet communication or support need:** consider reasonable adjustments (s4.3)."))
        )
    return blocks


def manager_discussion_card(summary: IncidentSummary, notice: str = "") -> Card:
    """To the reporter's line manager: record the outcome of the s8.6 discussion."""
    body: list[CardElement] = [
        heading(f"Incident {summary.reference}: please discuss with {summary.reporter_name}"),
        *_incident_facts(summary),
    ]
    if notice:
        body.append(text(notice, color="Attention"))
    if summary.manager_outcome:
        assert summary.manager_outcome_at is not None
        body.append(
            heading(
                f"{summary.manager_outcome}: recorded by {summary.manager_outcome_by} on "
                f"{london(summary.manager_outcome_at)}",
            )
        )
        return envelope(
            body,
            [submit("Amend the report", Verb.INCIDENT_AMEND, incident_id=summary.incident_id)],
            summary=f"Incident {summary.reference} about {summary.customer_name}: {summary.manager_outcome} (s8.6)",
        )
    body.append(text("After talking it through, record the outcome (s8.6, s10):", subtle=True))
    incident_id = summary.incident_id
    return envelope(
        body,
        [
            execute("No further action", Verb.INCIDENT_NO_FURTHER_ACTION, incident_id=incident_id),
            execute("Informal warning noted", Verb.INCIDENT_INFORMAL_WARNING_NOTED, incident_id=incident_id),
            execute(
                "Escalate to the determination team",
                Verb.INCIDENT_ESCALATE,
                style="destructive",
                incident_id=incident_id,
            ),
            submit("Amend the report", Verb.INCIDENT_AMEND, incident_id=incident_id),
        ],
        summary=(
            f"Incident {summary.reference} about {summary.customer_name}: please record your discussion with "
            f"{summary.reporter_name} (s8.6)"
        ),
    )


def case_owner_alert_card(summary: IncidentSummary) -> Card:
    """To the case owner of a warning or restriction in force: the customer acted again (s11.4, s13)."""
    return envelope(
        [
            heading(f"New incident {summary.reference} about {summary.customer_name}"),
            text(
                "You own this customer's warning or restriction. A new incident bears on its review (s13) and on "
                "whether to ask the determination team for more.",
                subtle=True,
            ),
            *_incident_facts(summary),
        ],
        [submit("Ask the determination team", Verb.MENU_ESCALATE)],
        summary=f"New incident {summary.reference} about {summary.customer_name}, whose case you own (s13)",
    )


def urgent_incident_card(summary: IncidentSummary) -> Card:
    """To the determination team at once: a serious threat (s12.3) or a safeguarding concern (s8.4)."""
    return envelope(
        [
            heading(f"URGENT: incident {summary.reference}", color="Attention"),
            *_incident_facts(summary),
            text(
                "An immediate restriction without a prior investigation is possible for a serious threat (s12.3). "
                "Safeguarding concerns may be shared with partners to support the customer (s8.4).",
                subtle=True,
            ),
        ],
        # A serious threat or safeguarding concern: no customer named on a locked screen (cards.common.summary_line).
        summary=f"URGENT: incident {summary.reference} needs the determination team now (s12.3)",
    )
