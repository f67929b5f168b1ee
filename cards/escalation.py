"""Asking the determination team (s11.2) and the decision card they act on (s2.6, s12)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from microsoft_teams.cards import ActionSet, CardElement, Container, DateInput, ToggleVisibilityAction

from cards.common import (
    Card,
    choice_input,
    collapsed,
    enum_choices,
    envelope,
    error_text,
    execute,
    facts,
    form_problem,
    heading,
    labelled_toggle,
    london,
    london_date,
    markdown,
    submit,
    text,
    text_input,
)
from cards.verbs import Verb
from casework import policy
from casework.errors import RequestAlreadyPending
from casework.views import EscalationView, EvidenceLine
from casework.vocabulary import (
    ContactRestriction,
    EscalationKind,
    EscalationState,
    RepresentativeOption,
    SeriousThreat,
    ServiceArea,
)

_REQUESTABLE = (
    EscalationKind.FORMAL_WARNING,
    EscalationKind.RESTRICTION,
    EscalationKind.FURTHER_ACTION,
    EscalationKind.MANDATORY_SERVICE_WITHDRAWAL,
)

_SERIOUS_STEP = "serious_step_fields"
SERIOUS_STEP_FIELDS = (
    "legal_advice_by",
    "legal_advice_on",
    "legal_advice_summary",
    "police_reference",
    "police_officer",
    "police_advice",
    "rights_consideration",
    "service_withdrawn",
    "alternative_arrangement",
    "contact_officer",
)
"""The form's fields for further action and service withdrawal (s14.3, s15.4), named as SeriousStepParticulars'
fields. `service_withdrawn` is the mandatory service; a restriction's discretionary ones are `services_withdrawn`."""


def escalation_form(form_id: str, values: Mapping[str, str], errors: Mapping[str, str]) -> Card:
    errs = dict(errors)
    body: list[CardElement] = [heading("Ask the determination team")]
    body += form_problem(errs)
    body += [
        *error_text(errs, "gate"),
        text_input("customer_name", "Customer's name", values.get("customer_name", ""), True, policy.NAME_MAX_LENGTH),
        *error_text(errs, "customer_name"),
        choice_input(
            "kind",
            "What should they decide?",
            [(k.value, k.label) for k in _REQUESTABLE],
            values.get("kind", ""),
            True,
        ),
        *error_text(errs, "kind"),
        text_input("reason", "Why?", values.get("reason", ""), True, policy.REASON_MAX_LENGTH, multiline=True),
        *error_text(errs, "reason"),
        *_no_warning_reason(values, errs),
        text(
            "For a restriction: a Health and Safety investigation reference (s12.2), or a serious threat (s12.3).",
            subtle=True,
        ),
        text_input(
            "investigation_reference",
            "Health and Safety investigation reference",
            values.get("investigation_reference", ""),
            False,
            100,
        ),
        *error_text(errs, "investigation_reference"),
        choice_input(
            "serious_threat",
            "Serious-threat exception (s12.3)",
            enum_choices(SeriousThreat),
            values.get("serious_threat", ""),
            False,
        ),
        *error_text(errs, "serious_threat"),
        choice_input(
            "restrictions",
            "Restrictions proposed (s15.2)",
            enum_choices(ContactRestriction),
            values.get("restrictions", ""),
            False,
            multi=True,
        ),
        *error_text(errs, "restrictions"),
        text("The particulars of the restrictions (s15.3: tailored and proportionate):", subtle=True),
        text_input(
            "named_contact",
            "Named officer or inbox for all contact",
            values.get("named_contact", ""),
            False,
            200,
            placeholder="Jane Doe, Housing Officer, or housing@…",
        ),
        *error_text(errs, "named_contact"),
        text_input("call_minutes", "Call length limit (minutes)", values.get("call_minutes", ""), False, 4),
        text_input("calls_per_week", "Calls allowed per week", values.get("calls_per_week", ""), False, 4),
        *error_text(errs, "call_limits"),
        text_input(
            "services_withdrawn", "Discretionary services withdrawn", values.get("services_withdrawn", ""), False, 300
        ),
        *error_text(errs, "services_withdrawn"),
        choice_input(
            "scope",
            "Service it applies to (leave empty for all services)",
            enum_choices(ServiceArea),
            values.get("scope", ""),
            False,
        ),
        *error_text(errs, "scope"),
        text_input(
            "representative_name",
            "Restrict only their representative (name), if so (s5.4)",
            values.get("representative_name", ""),
            False,
            200,
        ),
        choice_input(
            "representative_option",
            "If so, what the customer is offered (s5.4)",
            enum_choices(RepresentativeOption),
            values.get("representative_option", ""),
            False,
        ),
        *error_text(errs, "representative_option"),
        *_serious_step(values, errs),
    ]
    return envelope(
        body,
        [submit("Send to the determination team", Verb.ESCALATION_SUBMIT, style="positive", form_id=form_id)],
        summary="Ask the determination team: the form" + (" (please correct it)" if errors else ""),
    )


def _serious_step(values: Mapping[str, str], errs: Mapping[str, str]) -> list[CardElement]:
    """Further action and withdrawing a mandatory service: their fields, behind a button (Adaptive Cards 1.5 cannot
    show them on choosing the kind), shown already when one of them was chosen or typed in. None is required on the
    card (a client would block the submit on a hidden required input without saying why); the server checks them
    and says what is missing (policy.serious_step_errors)."""
    kind = values.get("kind", "")
    shown = kind in {k.value for k in policy.SERIOUS_STEPS} or any(
        values.get(f) or f in errs for f in SERIOUS_STEP_FIELDS
    )

    def field(
        name: str, label: str, max_length: int, multiline: bool = False, placeholder: str = ""
    ) -> list[CardElement]:
        typed = values.get(name, "")
        return [
            text_input(name, label, typed, False, max_length, multiline=multiline, placeholder=placeholder),
            *error_text(errs, name),
        ]

    items: list[CardElement] = [
        text(
            "Legal advice is taken first, for both (s14.3): who gave it, when, and what it said. Police involvement "
            "is optional.",
            subtle=True,
        ),
        *field("legal_advice_by", "Legal advice given by", policy.NAME_MAX_LENGTH, placeholder="Legal Services, …"),
        DateInput(id="legal_advice_on", label="Date of the legal advice", value=values.get("legal_advice_on") or None),
        *error_text(errs, "legal_advice_on"),
        *field("legal_advice_summary", "Summary of the legal advice", policy.REASON_MAX_LENGTH, multiline=True),
        *field("police_reference", "Police crime reference", policy.INVESTIGATION_REFERENCE_MAX_LENGTH),
        *field("police_officer", "Police officer", policy.NAME_MAX_LENGTH),
        *field("police_advice", "The police's advice", policy.REASON_MAX_LENGTH, multiline=True),
        text("For further action (s14):", subtle=True),
        *field(
            "contact_officer",
            "Officer staff refer contact about the matter to",
            policy.NAME_MAX_LENGTH,
            placeholder="Jane Doe, Legal Services",
        ),
        text("For withdrawing a mandatory service, a last resort (s15.4):", subtle=True),
        *field(
            "rights_consideration",
            "How human rights and equality duties were considered",
            policy.REASON_MAX_LENGTH,
            multiline=True,
        ),
        *field("service_withdrawn", "Mandatory service to withdraw", policy.SERVICE_WITHDRAWN_MAX_LENGTH),
        *field(
            "alternative_arrangement", "The alternative arrangement for them", policy.REASON_MAX_LENGTH, multiline=True
        ),
    ]
    return [
        ActionSet(
            actions=[
                ToggleVisibilityAction(
                    title="Further action or withdrawing a mandatory service: its details",
                    target_elements=[_SERIOUS_STEP],
                )
            ]
        ),
        Container(id=_SERIOUS_STEP, is_visible=shown, items=items),
    ]


def _no_warning_reason(values: Mapping[str, str], errs: Mapping[str, str]) -> list[CardElement]:
    """Asked only once the request turned out to have no warning before it (s11.1, s12.1), so the form stays short
    for the usual case; kept, with what was typed, until the request is sent."""
    if "no_warning_reason" not in errs and not values.get("no_warning_reason"):
        return []
    return [
        *error_text(errs, "no_warning_reason"),
        text_input(
            "no_warning_reason",
            "Why without an earlier warning?",
            values.get("no_warning_reason", ""),
            False,
            policy.REASON_MAX_LENGTH,
            multiline=True,
        ),
    ]


def request_already_pending(pending: RequestAlreadyPending) -> Card:
    """A second request for the same decision about the same customer: refused, with the way to the first for
    those who may open it (the team its decision card; the requester the team's question)."""
    actions = []
    if pending.awaits_your_answer:
        actions.append(submit("Answer the team's question", Verb.WORK_QUESTION, escalation_id=pending.escalation_id))
    elif pending.on_the_team:
        actions.append(submit("Open the decision card", Verb.WORK_DECISION, escalation_id=pending.escalation_id))
    return envelope(
        [heading("Already waiting for the determination team"), text(str(pending))],
        actions,
        summary="Not sent: the same request is already with the determination team",
    )


def escalation_requested(view: EscalationView, already_received: bool = False) -> Card:
    if already_received:
        return envelope(
            [
                heading("Already received: your request is with the determination team"),
                facts([("Customer", view.customer_name), ("Asked for", view.kind_label)]),
                text("This request had already been received; nothing was recorded twice.", subtle=True),
            ],
            summary=f"Already received: your request about {view.customer_name} is with the determination team",
        )
    return envelope(
        [
            heading("Sent to the determination team"),
            facts([("Customer", view.customer_name), ("Asked for", view.kind_label)]),
            text(
                "Their channel is being sent the decision card. You will be told here when they decide, or if "
                "Teams cannot reach them."
            ),
        ],
        summary=f"Sent to the determination team: {view.kind_label} for {view.customer_name}",
    )


def decision_card(view: EscalationView, notice: str = "") -> Card:
    """The card in the determination team's conversation, with live progress; once decided it shows the
    outcome and the deciders and loses its buttons (an immediate restriction keeps them until confirmed).
    At phone width (issue 20) the state or outcome comes straight after the title, the evidence is collapsed after
    its first few incidents, so the buttons are reached without scrolling past it, and no sentence is set in the
    faint good or warning colours."""
    title = f"{view.kind_label}: {view.customer_name}"
    summary = decision_summary(view)
    body: list[CardElement] = [
        heading(
            f"OVERDUE – {title}" if view.overdue else title,
            color="Attention" if view.overdue or view.immediate else None,
        )
    ]
    awaiting_confirmation = (
        view.immediate and view.state is EscalationState.APPROVED and not view.confirmed_by_name and len(view.votes) < 2
    )
    decided = view.state in (EscalationState.APPROVED, EscalationState.DECLINED, EscalationState.LAPSED)
    body += _decision_state(view, awaiting_confirmation)
    if notice:
        body.append(text(notice, color="Attention"))
    body.append(
        facts(
            [
                ("Requested by", view.requested_by_name),
                ("Requested", london(view.requested_at)),
                ("Reason", view.reason),
            ]
        )
    )
    body.extend(text(f"• {line}") for line in view.basis)
    count = len(view.evidence)
    body.append(text(markdown("**Evidence** ({} incident{})", count, "" if count == 1 else "s")))
    evidence: list[CardElement] = [
        Container(
            items=[
                text(evidence_text(line, "s5.4"), subtle=True),
                *([text(line.amended, subtle=True)] if line.amended else []),
            ]
        )
        for line in view.evidence
    ]
    body += collapsed("evidence_more", evidence, "incident")
    body += _warnings(view)
    body.append(
        text(markdown("**Reasonable adjustments on record:** {}", view.adjustments_on_record or "none recorded"))
    )
    if view.question:
        body.append(text(markdown("**Question to the requester:** {}", view.question)))
    if view.answer:
        body.append(text(markdown("**Answer:** {}", view.answer)))
    if view.state is EscalationState.LAPSED:
        body.append(text("The case owner has the withdrawal letter to issue.", subtle=True))
        return envelope(body, summary=summary)
    if (decided and not awaiting_confirmation) or view.state is EscalationState.MORE_INFORMATION:
        return envelope(body, summary=summary)
    body += [
        text(
            "Before approving, consider reasonable adjustments, a meeting, mediation or another way of contact "
            "(s11.2).",
            subtle=True,
        ),
        labelled_toggle(
            "alternatives_considered",
            "Adjustments and alternatives were considered (needed to approve)",
            "Alternatives considered",
            "",
        ),
        text_input(
            "notes",
            "Decision notes (needed to decline; your question if asking for more)",
            "",
            False,
            policy.REASON_MAX_LENGTH,
            multiline=True,
        ),
    ]
    approve, decline = ("Confirm", "Overturn") if awaiting_confirmation else ("Approve", "Decline")
    actions = [
        execute(approve, Verb.ESCALATION_APPROVE, style="positive", escalation_id=view.escalation_id),
        execute(decline, Verb.ESCALATION_DECLINE, style="destructive", escalation_id=view.escalation_id),
    ]
    if not awaiting_confirmation:
        actions.append(execute("Ask for more information", Verb.ESCALATION_ASK, escalation_id=view.escalation_id))
    card = envelope(body, actions, summary=summary)
    if view.refresh_user_ids:
        # Teams refreshes the card for these members (up to 60), so each sees live progress on opening it.
        card["refresh"] = {
            "action": {
                "type": "Action.Execute",
                "verb": Verb.ESCALATION_REFRESH.value,
                "data": {"escalation_id": view.escalation_id},
            },
            "userIds": list(view.refresh_user_ids[:60]),
        }
    return card


def decision_summary(view: EscalationView) -> str:
    """The decision card's line in the chat list and the notification: its state first (cards.common.summary_line)."""
    asked = f"{view.kind_label} for {view.customer_name}"
    if view.state is EscalationState.LAPSED:
        return f"Lapsed: {asked}, not confirmed in time (s12.3)"
    if view.awaiting_confirmation:
        return f"To confirm: {asked}, in force on one approval (s12.3)"
    if view.state is EscalationState.APPROVED:
        return f"Approved: {asked}"
    if view.state is EscalationState.DECLINED:
        return f"Declined: {asked}"
    if view.state is EscalationState.MORE_INFORMATION:
        return f"Waiting for the requester's answer: {asked}"
    return f"{'Overdue, please' if view.overdue else 'Please'} decide: {asked}, asked by {view.requested_by_name} (s11)"


def _decision_state(view: EscalationView, awaiting_confirmation: bool) -> list[CardElement]:
    """Where the request stands, in words and in the default or attention colour, as a heading (issue 20)."""
    if view.state is EscalationState.LAPSED:
        return [heading("Lapsed: no second member confirmed it in time, so the restriction has ended (s12.3)")]
    if view.state in (EscalationState.APPROVED, EscalationState.DECLINED):
        outcome = "Approved" if view.state is EscalationState.APPROVED else "Declined"
        assert view.decided_at is not None
        deciders = ", ".join(v.member_name for v in view.votes) or view.decided_by_name
        blocks: list[CardElement] = [heading(f"{outcome} on {london(view.decided_at)} by {deciders}")]
        if view.decision_notes:
            blocks.append(text(f"Notes: {view.decision_notes}"))
        if view.review_due_at:
            blocks.append(text(f"Review due {london_date(view.review_due_at)} (s13.1)."))
        if awaiting_confirmation:
            by = f" by {london(view.confirm_by)}" if view.confirm_by else ""
            blocks.append(
                text(
                    f"In force now on a serious threat (s12.3): a second member must confirm or overturn it{by}.",
                    color="Attention",
                )
            )
            blocks.append(text(_progress(view)))
        return blocks
    if view.state is EscalationState.MORE_INFORMATION:
        return [heading("Waiting for the requester's answer before deciding"), text(_progress(view))]
    return [heading(f"To decide: {_progress(view)}")]


def evidence_text(line: EvidenceLine, representative_note: str) -> str:
    """One incident of the evidence: when, how and what, a representative's marked as theirs (s5.4)."""
    by = f" (by their representative {line.by_representative}, {representative_note})" if line.by_representative else ""
    return f"{line.reference} – {london(line.occurred_at)} – {line.channel}{by}: {', '.join(line.actions)}"


def _warnings(view: EscalationView) -> list[CardElement]:
    """What the customer was warned before (s10, s11.1), or why the requester asked without a warning (s12.1)."""
    if view.warnings:
        return [
            text(markdown("**Informal warnings before this** ({})", len(view.warnings))),
            *(text(f"{london_date(w.when)}: {w.what}", subtle=True) for w in view.warnings),
        ]
    blocks: list[CardElement] = [text(markdown("**Informal warnings before this:** none on record"))]
    if view.no_warning_reason:
        blocks.append(text(markdown("**Why without a warning, says the requester:** {}", view.no_warning_reason)))
    return blocks


def _progress(view: EscalationView) -> str:
    approvals = view.approvals
    line = f"{len(approvals)} of {view.approvals_needed} approval{'s' if view.approvals_needed != 1 else ''}"
    if approvals:
        line += " – approved by " + ", ".join(approvals)
    declines = [v.member_name for v in view.votes if not v.approve]
    if declines:
        line += "; declined by " + ", ".join(declines)
    return line


def information_request_card(view: EscalationView) -> Card:
    """To the requester: the team's question, answered on the card (s11.2)."""
    return envelope(
        [
            heading(f"The determination team asks about {view.customer_name}"),
            text(view.question),
            text_input("answer", "Your answer", "", True, policy.REASON_MAX_LENGTH, multiline=True),
        ],
        [submit("Send answer", Verb.ESCALATION_ANSWER, style="positive", escalation_id=view.escalation_id)],
        summary=f"The determination team asks you about {view.customer_name}: please answer (s11.2)",
    )


def pending_card(views: Sequence[EscalationView]) -> Card:
    if not views:
        return envelope(
            [heading("Nothing is waiting for the determination team")],
            summary="Nothing is waiting for the determination team",
        )
    body: list[CardElement] = [heading(f"{len(views)} escalation{'s' if len(views) != 1 else ''} waiting")]
    for view in views:
        flag = "OVERDUE – " if view.overdue else ""
        waiting = " (waiting for the requester's answer)" if view.state is EscalationState.MORE_INFORMATION else ""
        if view.awaiting_confirmation and view.confirm_by:
            waiting = f" (in force, to be confirmed by {london(view.confirm_by)})"
        body.append(text(markdown("{}**{}: {}**{}", flag, view.kind_label, view.customer_name, waiting)))
        body.append(
            text(f"Asked by {view.requested_by_name} on {london(view.requested_at)}. {_progress(view)}", subtle=True)
        )
    return envelope(body, summary=f"Waiting for the determination team: {len(views)} escalation(s)")


def chase_card(view: EscalationView) -> Card:
    return envelope(
        [
            heading(f"Overdue: {view.kind_label} for {view.customer_name}", color="Attention"),
            text(
                markdown(
                    "Asked by {} on {} and not yet decided. {}. The decision card is above in this channel; "
                    "`pending` lists everything waiting.",
                    view.requested_by_name,
                    london(view.requested_at),
                    _progress(view),
                )
            ),
        ],
        summary=f"Overdue, please decide: {view.kind_label} for {view.customer_name}",
    )


def confirmation_chase_card(view: EscalationView) -> Card:
    """To the team's channel: an immediate restriction (s12.3) a second member has yet to confirm or overturn."""
    assert view.confirm_by is not None
    title = "Overdue" if view.overdue else "To confirm"
    return envelope(
        [
            heading(f"{title}: immediate restriction for {view.customer_name}", color="Attention"),
            text(
                markdown(
                    "In force on one approval ({}). A second member must confirm or overturn it by {} (s12.3). "
                    "The decision card is above in this channel; `pending` lists it first.",
                    _progress(view),
                    london(view.confirm_by),
                )
            ),
        ],
        summary=f"{title}: immediate restriction for {view.customer_name}, a second member must confirm (s12.3)",
    )
