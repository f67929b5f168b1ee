""" "My work": everything waiting for the person, a section per kind, each item with the button that shows its card
again. The buttons are Action.Submit, so the item's card arrives as a new message and the list stays."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from microsoft_teams.cards import ActionSet, CardElement, SubmitAction

from cards.common import Card, envelope, heading, london, markdown, submit, text
from cards.verbs import Verb
from casework.views import MyWorkView, WorkItem

NOTHING_WAITING = "Nothing is waiting for you."
UNDELIVERED = "Messages that could not be delivered to you"

Button = Callable[[WorkItem], SubmitAction]


def my_work_card(view: MyWorkView) -> Card:
    if view.is_empty:
        return envelope(
            [heading(NOTHING_WAITING), text("Type help for what this bot can do.", subtle=True)],
            summary=NOTHING_WAITING,
        )
    body: list[CardElement] = [heading("Waiting for you")]
    if view.undelivered:
        body.append(text(markdown("**{} ({})**", UNDELIVERED, len(view.undelivered)), color="Attention"))
        body.extend(text(f"{m.what}, {london(m.failed_at)}", subtle=True) for m in view.undelivered)
    body += _section(
        "Discussions to record (s8.6)",
        "happened",
        view.discussions,
        lambda item: submit("Record the discussion", Verb.WORK_DISCUSSION, incident_id=item.record_id),
    )
    body += _section(
        "Reviews due (s13)",
        "due",
        view.reviews,
        lambda item: submit("Open the review", Verb.WORK_REVIEW, review_id=item.record_id),
    )
    body += _section(
        "Draft letters to check and issue",
        "produced",
        view.letters,
        lambda item: submit("Get a fresh download link", Verb.WORK_LETTER, letter_id=item.record_id),
    )
    body += _section(
        "Questions from the determination team",
        "asked for",
        view.questions,
        lambda item: submit("Answer the question", Verb.WORK_QUESTION, escalation_id=item.record_id),
    )
    body += _section(
        "Correspondence on file to review (s16)",
        "review by",
        view.correspondence,
        lambda item: submit("Review it", Verb.WORK_CORRESPONDENCE, correspondence_id=item.record_id),
    )
    body += _section(
        "Decisions waiting for the determination team",
        "asked for",
        view.decisions,
        lambda item: submit("Open the decision card", Verb.WORK_DECISION, escalation_id=item.record_id),
    )
    body += _section(
        "Complaints and appeals open",
        "recorded",
        view.appeals,
        lambda item: submit("Open the appeal", Verb.APPEAL_OPEN, appeal_id=item.record_id),
    )
    return envelope(body, summary="Waiting for you: " + _counts(view))


def _section(title: str, when: str, items: Sequence[WorkItem], button: Button) -> list[CardElement]:
    if not items:
        return []
    elements: list[CardElement] = [text(markdown("**{} ({})**", title, len(items)))]
    for item in items:
        flag = "OVERDUE – " if item.overdue else ""
        elements.append(
            text(
                f"{flag}{item.customer_name}: {item.what}, {when} {london(item.when)}",
                color="Attention" if item.overdue else None,
            )
        )
        if item.note:
            elements.append(text(item.note, subtle=True))
        elements.append(ActionSet(actions=[button(item)]))
    return elements


def _counts(view: MyWorkView) -> str:
    """How many of each kind of item, for the summary (cards.common.summary_line): no names, no details."""
    kinds = [
        (len(view.discussions), "discussion(s) to record"),
        (len(view.reviews), "review(s)"),
        (len(view.letters), "letter(s)"),
        (len(view.questions), "question(s)"),
        (len(view.correspondence), "correspondence to review"),
        (len(view.decisions), "decision(s)"),
        (len(view.appeals), "appeal(s)"),
        (len(view.undelivered), "not delivered"),
    ]
    return ", ".join(f"{count} {what}" for count, what in kinds if count) or "nothing"
