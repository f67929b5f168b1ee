"""Complaints and appeals about a decision, and Ombudsman signposting (issue 17): the form to record one, the
determination team's card to decide it, what the case owner is told, and the signposting form."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import CardElement, DateInput

from cards.common import (
    Card,
    choice_input,
    enum_choices,
    envelope,
    error_text,
    execute,
    facts,
    form_problem,
    heading,
    london,
    london_date,
    markdown,
    submit,
    text,
    text_input,
)
from cards.verbs import Verb
from casework import policy
from casework.appeals import AppealDecidedNotice, AppealForm, AppealView, SignpostingForm
from casework.vocabulary import AppealKind, AppealOutcome, ContactChannel, ContactRestriction

APPEAL_OUTCOME_FIELDS = (
    "outcome",
    "reasons",
    "new_review_on",
    "restrictions",
    "named_contact",
    "call_minutes",
    "calls_per_week",
    "services_withdrawn",
)
"""The inputs of the appeal card, as its button sends them back."""


def appeal_form_card(
    form: AppealForm, typed: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    values = dict(typed or {})
    errs = dict(errors or {})
    body: list[CardElement] = [
        heading(f"Complaint or appeal: {form.customer_name}"),
        text(
            "Record what the customer has challenged. A member of the determination team who took no part in the "
            "decision or its incidents decides it (s2.6), and the customer is told the outcome in writing.",
            subtle=True,
        ),
        *form_problem(errs),
        choice_input(
            "decision", "Which decision is it about?", form.decisions, values.get("decision", form.chosen), True
        ),
        *error_text(errs, "decision"),
        choice_input("kind", "Is it a complaint or an appeal?", enum_choices(AppealKind), values.get("kind", ""), True),
        *error_text(errs, "kind"),
        DateInput(id="received_on", label="Received on", value=values.get("received_on") or None),
        *error_text(errs, "received_on"),
        choice_input("channel", "How did it reach us?", enum_choices(ContactChannel), values.get("channel", ""), True),
        *error_text(errs, "channel"),
        text_input(
            "grounds",
            "The customer's grounds",
            values.get("grounds", ""),
            True,
            policy.REASON_MAX_LENGTH,
            multiline=True,
        ),
        *error_text(errs, "grounds"),
    ]
    return envelope(
        body,
        [
            submit(
                "Send to the determination team",
                Verb.APPEAL_RECORD,
                "positive",
                customer_id=form.customer_id,
                query=form.query,
            )
        ],
        summary=f"Record a complaint or appeal for {form.customer_name}: the form",
    )


def appeal_recorded_card(view: AppealView) -> Card:
    return envelope(
        [
            heading(f"{view.kind.label} recorded for {view.customer_name}"),
            text(
                f"About {view.decision.label}. It has gone to the determination team; a member who took no part in "
                "the decision or its incidents will decide it, and the case owner will get the outcome letter."
            ),
        ],
        summary=f"{view.kind.label} recorded for {view.customer_name}: it is with the determination team (s17)",
    )


def appeal_card(
    view: AppealView,
    notice: str = "",
    errors: Mapping[str, str] | None = None,
    typed: Mapping[str, str] | None = None,
) -> Card:
    """The determination team's card: the challenge, the measure as it stands, and the outcome to record; once
    decided, the outcome without inputs."""
    body = _appeal_blocks(view)
    about = f"{view.kind.label} about {view.decision.label} for {view.customer_name}"
    if notice:
        body.append(text(notice, color="Attention"))
    if view.outcome is not None:
        body.extend(_outcome_blocks(view))
        return envelope(body, summary=f"{about}: {view.outcome.label.lower()}")
    errs = dict(errors or {})
    values = dict(typed or {})
    current = ",".join(r.value for r in view.restrictions)
    body += [
        text(
            "Only a member who took no part in the decision or its incidents may record the outcome (s2.6).",
            subtle=True,
        ),
        *form_problem(errs),
        # Not marked required: the server checks each, and says which is missing.
        choice_input("outcome", "Outcome", enum_choices(AppealOutcome), values.get("outcome", ""), False),
        *error_text(errs, "outcome"),
        text_input(
            "reasons",
            "Reasons (for the customer's letter)",
            values.get("reasons", ""),
            False,
            policy.REASON_MAX_LENGTH,
            multiline=True,
        ),
        *error_text(errs, "reasons"),
        text("If varied: the new review date, and for a restriction the terms that continue.", subtle=True),
        DateInput(id="new_review_on", label="New review date", value=values.get("new_review_on") or None),
        *error_text(errs, "new_review_on"),
    ]
    if view.restricts:
        terms = view.terms
        body += [
            choice_input(
                "restrictions",
                "Restrictions that continue",
                enum_choices(ContactRestriction),
                values.get("restrictions", current),
                False,
                multi=True,
            ),
            *error_text(errs, "restrictions"),
            text_input("named_contact", "Named contact", values.get("named_contact", terms.named_contact), False, 200),
            *error_text(errs, "named_contact"),
            text_input(
                "call_minutes",
                "Call length (minutes)",
                values.get("call_minutes", str(terms.call_minutes or "")),
                False,
                4,
            ),
            text_input(
                "calls_per_week",
                "Calls a week",
                values.get("calls_per_week", str(terms.calls_per_week or "")),
                False,
                4,
            ),
            *error_text(errs, "call_limits"),
            text_input(
                "services_withdrawn",
                "Discretionary services withdrawn",
                values.get("services_withdrawn", terms.services_withdrawn),
                False,
                500,
            ),
            *error_text(errs, "services_withdrawn"),
        ]
    return envelope(
        body,
        [execute("Record the outcome", Verb.APPEAL_DECIDE, "positive", appeal_id=view.appeal_id)],
        summary=f"{about}: please decide it (s2.6, s17)",
    )


def appeal_decided_card(notice: AppealDecidedNotice) -> Card:
    """For the case owner: the outcome; the draft letter follows as its own card."""
    view = notice.appeal
    body = [*_appeal_blocks(view), *_outcome_blocks(view)]
    if notice.letters:
        body.append(text("The outcome letter is drafted: check it below, then issue it to the customer."))
    assert view.outcome is not None
    return envelope(
        body,
        summary=f"{view.kind.label} for {view.customer_name} decided: {view.outcome.label.lower()}; check the letter",
    )


def _appeal_blocks(view: AppealView) -> list[CardElement]:
    body: list[CardElement] = [
        heading(f"{view.kind.label} about {view.decision.label}: {view.customer_name}"),
        facts(
            [
                ("Received", f"{view.received_on.day} {view.received_on:%b %Y}"),
                ("How", view.channel.label),
                ("Recorded by", f"{view.recorded_by_name}, {london(view.recorded_at)}"),
                ("Grounds", view.grounds),
            ]
        ),
        text(
            markdown(
                "**{}** {}, review due {}",
                view.measure_title,
                "in force" if view.in_force else "ended",
                london_date(view.review_due_at),
            )
        ),
    ]
    body.extend(text(f"• {line}", subtle=True) for line in view.instructions)
    return body


def _outcome_blocks(view: AppealView) -> list[CardElement]:
    assert view.outcome is not None and view.decided_at is not None
    blocks: list[CardElement] = [
        heading(
            f"{view.outcome.label} – {london(view.decided_at)} by {view.decided_by_name}",
        ),
        text(markdown("**Reasons:** {}", view.reasons)),
    ]
    if view.new_review_due_at is not None:
        blocks.append(text(f"New review date: {london_date(view.new_review_due_at)}."))
    return blocks


def signposting_form_card(
    form: SignpostingForm, typed: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    values = dict(typed or {})
    errs = dict(errors or {})
    body: list[CardElement] = [
        heading(f"Signposted to the Ombudsman: {form.customer_name}"),
        text(
            "Record this once the council's complaint and appeal process is exhausted on a matter (s17.1). Staff "
            "are then told that contact about that matter goes through the Ombudsman (s17.2); other matters are "
            "handled as usual.",
            subtle=True,
        ),
        *form_problem(errs),
        text_input("matter", "Which matter?", values.get("matter", ""), True, policy.MATTER_MAX_LENGTH),
        *error_text(errs, "matter"),
        DateInput(id="signposted_on", label="Signposted on", value=values.get("signposted_on") or None),
        *error_text(errs, "signposted_on"),
    ]
    return envelope(
        body,
        [submit("Record the signposting", Verb.OMBUDSMAN_RECORD, "positive", customer_id=form.customer_id)],
        summary=f"Record signposting to the Ombudsman for {form.customer_name}: the form (s17)",
    )
