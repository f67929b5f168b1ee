"""The review card (s13): the restriction, its history, what has happened since, and lift / extend / reassign."""

from __future__ import annotations

from collections.abc import Sequence

from microsoft_teams.cards import CardElement
from microsoft_teams.cards.core import ActionStyle

from cards.common import (
    Card,
    choice_input,
    collapsed,
    envelope,
    execute,
    facts,
    heading,
    labelled_toggle,
    london,
    london_date,
    markdown,
    text,
    text_input,
)
from cards.escalation import evidence_text
from cards.verbs import Verb
from casework import policy
from casework.views import ReviewView
from casework.vocabulary import ReviewOutcome


def review_card(view: ReviewView, notice: str = "") -> Card:
    """The owner's review (s13). At phone width (issue 20) the outcome or the state comes straight after the
    title, the incidents since are collapsed after the first few, and the faint good and warning colours carry no
    sentence."""
    title = f"Review {'OVERDUE' if view.overdue else 'due'}: {view.customer_name}"
    summary = review_summary(view)
    body: list[CardElement] = [heading(title, color="Attention" if view.overdue else None)]
    body += _review_state(view)
    if notice:
        body.append(text(notice, color="Attention"))
    body.append(
        facts(
            [
                ("What", view.title),
                ("In force since", london_date(view.started_at)),
                ("Review due", london_date(view.due_at)),
                ("Owner", view.owner_name),
            ]
        )
    )
    body.extend(text(f"• {line}", subtle=True) for line in view.instructions)
    for past in view.history:
        body.append(
            text(
                f"Reviewed {london_date(past.due_at)}: {past.outcome} by {past.decided_by}. {past.reason}", subtle=True
            )
        )
    if view.incidents_since:
        body.append(text(markdown("**{} incident(s) since the last review:**", len(view.incidents_since))))
        body += collapsed(
            "incidents_more",
            [text(evidence_text(i, "not counted: s5.4"), subtle=True) for i in view.incidents_since],
            "incident",
        )
        if view.warnings_since:
            body.append(text(markdown("**Informal warnings since the last review** ({})", len(view.warnings_since))))
            body.extend(text(f"{london_date(w.when)}: {w.what}", subtle=True) for w in view.warnings_since)
    if view.decided_outcome is not None:
        body.append(text("The letter has been requested.", subtle=True))
        return envelope(body, summary=summary)
    if view.extension_waiting:
        body.append(text("You will be told here when they decide; the review stays open until then.", subtle=True))
        return envelope(body, summary=summary)
    if view.extension_declined:
        body.append(text(markdown("**The determination team declined the extension:** {}", view.extension_declined)))
    body += [
        text_input(
            "reason",
            "Reason (needed to extend, or to lift despite incidents since the last review)",
            "",
            False,
            policy.REASON_MAX_LENGTH,
            multiline=True,
        ),
        labelled_toggle(
            "customer_advised", "The customer has been or will be advised of the outcome", "Customer advised", ""
        ),
        text_input("not_advised_reason", "If they cannot be advised, why not", "", False, 500),
        choice_input("owner_id", "Reassign to (for Reassign)", list(view.staff_options), "", False),
    ]
    proposed: ActionStyle = "positive"
    lift_style = proposed if view.proposed is ReviewOutcome.LIFT else None
    extend_style = proposed if view.proposed is ReviewOutcome.EXTEND else None
    return envelope(
        body,
        [
            execute("Lift", Verb.REVIEW_LIFT, style=lift_style, review_id=view.review_id),
            execute(
                "Ask the team to extend 3 months", Verb.REVIEW_EXTEND, style=extend_style, review_id=view.review_id
            ),
            execute("Reassign", Verb.REVIEW_REASSIGN, review_id=view.review_id),
        ],
        summary=summary,
    )


def review_summary(view: ReviewView) -> str:
    """The review card's line in the chat list and the notification: the state first (cards.common.summary_line)."""
    what = f"{view.title} for {view.customer_name}"
    if view.decided_outcome is not None:
        done = "lifted" if view.decided_outcome is ReviewOutcome.LIFT else "extended by 3 months"
        return f"Review decided: {what}, {done} (s13)"
    if view.extension_waiting:
        return f"Review: {what}, extension waiting for the determination team (s13.2)"
    due = "OVERDUE, was due" if view.overdue else "due"
    return f"Review {due} {london_date(view.due_at)}: {what}; please lift or extend it (s13)"


def _review_state(view: ReviewView) -> list[CardElement]:
    """The outcome, the state, or what is proposed, first after the title, as a heading in the default colour."""
    if view.decided_outcome is not None:
        assert view.decided_at is not None
        what = "Lifted" if view.decided_outcome is ReviewOutcome.LIFT else "Extended by 3 months"
        blocks: list[CardElement] = [heading(f"{what} by {view.decided_by_name} on {london(view.decided_at)}")]
        if view.next_review_at:
            blocks.append(text(f"Next review due {london_date(view.next_review_at)}."))
        blocks.append(
            text(
                "Customer advised." if view.customer_advised else f"Customer not advised: {view.not_advised_reason}",
                subtle=True,
            )
        )
        return blocks
    if view.extension_waiting:
        return [heading("Extension asked of the determination team: waiting for a member's approval (s13.2)")]
    if view.incidents_since and view.proposed is ReviewOutcome.EXTEND:
        return [text(markdown("Proposed: **extend by 3 months** (s13.2), or lift if they no longer justify it."))]
    if view.incidents_since:
        return [
            text(
                markdown(
                    "None of the customer's own since the last review: proposed **lift** (s13.1); their "
                    "representative's actions are dealt with as s5.4 says."
                )
            )
        ]
    return [text(markdown("No further unacceptable actions since the last review: proposed **lift** (s13.1)."))]


def reviews_list_card(views: Sequence[ReviewView]) -> Card:
    if not views:
        return envelope([heading("No reviews due")], summary="No reviews due")
    body: list[CardElement] = [heading(f"{len(views)} review{'s' if len(views) != 1 else ''} due")]
    for view in views:
        flag = "OVERDUE – " if view.overdue else ""
        body.append(
            text(
                markdown(
                    "{}**{}**: {}, due {}, owner {}",
                    flag,
                    view.customer_name,
                    view.title.lower(),
                    london_date(view.due_at),
                    view.owner_name,
                )
            )
        )
    return envelope(body, summary=f"{len(views)} review(s) due")


def unreachable_owner_card(view: ReviewView) -> Card:
    """To the determination team when the owner cannot be reached: nobody is dropped silently."""
    card = review_card(view)
    notice = envelope(
        [
            heading(f"Review reminder could not be delivered to {view.owner_name}", color="Attention"),
            text("They may not have used this bot yet. Please make sure the review happens, or reassign it."),
        ],
        summary=f"Review reminder not delivered to {view.owner_name}: {view.title} for {view.customer_name} (s13)",
    )
    card["body"] = [*notice["body"], *card["body"]]
    card["fallbackText"] = notice["fallbackText"]
    return card
