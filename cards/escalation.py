"""Asking the determination team (s11.2) and the decision card they act on (s2.6, s12)."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import CardElement

from cards.common import (
    Card,
    choice_input,
    envelope,
    error_text,
    execute,
    facts,
    heading,
    london,
    london_date,
    submit,
    text,
    text_input,
)
from cards.verbs import Verb
from casework import policy
from casework.types import ContactRestriction, EscalationKind, EscalationState, SeriousThreat, ServiceArea
from casework.views import EscalationView

_REQUESTABLE = (EscalationKind.FORMAL_WARNING, EscalationKind.RESTRICTION)


def escalation_form(form_id: str, values: Mapping[str, str], errors: Mapping[str, str]) -> Card:
    errs = dict(errors)
    body: list[CardElement] = [heading("Ask the determination team")]
    if errs:
        body.append(text("Please correct the fields marked below.", color="Attention"))
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
        choice_input(
            "serious_threat",
            "Serious-threat exception (s12.3)",
            [(t.value, t.label) for t in SeriousThreat],
            values.get("serious_threat", ""),
            False,
        ),
        *error_text(errs, "serious_threat"),
        choice_input(
            "restrictions",
            "Restrictions proposed (s15.2)",
            [(r.value, r.label) for r in ContactRestriction],
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
            [(a.value, a.label) for a in ServiceArea],
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
    ]
    return envelope(
        body,
        [submit("Send to the determination team", Verb.ESCALATION_SUBMIT, style="positive", form_id=form_id)],
    )


def escalation_requested(view: EscalationView, problem: str = "") -> Card:
    body: list[CardElement] = [
        heading("Sent to the determination team", color="Good"),
        facts([("Customer", view.customer_name), ("Asked for", view.kind_label)]),
        text("You will be told when they decide."),
    ]
    if problem:
        body.append(text(problem, color="Attention"))
    return envelope(body)


def decision_card(view: EscalationView, notice: str = "") -> Card:
    """The card in the determination team's conversation; decided, it shows the outcome and loses its buttons."""
    body: list[CardElement] = [
        heading(f"{view.kind_label}: {view.customer_name}"),
        facts(
            [
                ("Requested by", view.requested_by_name),
                ("Requested", london(view.requested_at)),
                ("Reason", view.reason),
            ]
        ),
    ]
    body.extend(text(f"• {line}") for line in view.basis)
    body.append(text(f"**Evidence** ({len(view.evidence)} incidents)"))
    body.extend(
        text(
            f"{line.reference} – {london(line.occurred_at)} – {line.channel}: {', '.join(line.actions)}",
            subtle=True,
        )
        for line in view.evidence
    )
    if notice:
        body.append(text(notice, color="Attention"))
    if view.state is not EscalationState.PENDING:
        outcome = "Approved" if view.state is EscalationState.APPROVED else "Declined"
        assert view.decided_at is not None
        body.append(
            heading(
                f"{outcome} by {view.decided_by_name} on {london(view.decided_at)}",
                color="Good" if view.state is EscalationState.APPROVED else "Warning",
            )
        )
        if view.review_due_at:
            body.append(text(f"Review due {london_date(view.review_due_at)} (s13.1)."))
        return envelope(body)
    body.append(
        text(
            "Before approving, consider reasonable adjustments, a meeting, mediation or another way "
            "of contact (s11.2).",
            subtle=True,
        )
    )
    body.append(text_input("notes", "Decision notes", "", False, policy.REASON_MAX_LENGTH, multiline=True))
    return envelope(
        body,
        [
            execute("Approve", Verb.ESCALATION_APPROVE, style="positive", escalation_id=view.escalation_id),
            execute("Decline", Verb.ESCALATION_DECLINE, style="destructive", escalation_id=view.escalation_id),
        ],
    )
