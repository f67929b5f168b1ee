"""Correspondence on file (s16): the log form, what logging it did, the reviewer's card and where a review is routed.
No card here offers a reply to the customer, or anything that would tell them an item held nothing new (s16.2)."""

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
    submit,
    text,
    text_input,
)
from cards.verbs import Verb
from casework import policy
from casework.correspondence import CorrespondenceForm, CorrespondenceItemView, CorrespondenceLogResult
from casework.vocabulary import CorrespondenceOutcome, ServiceArea

DO_NOT_REPLY = "Do not reply to it or acknowledge it (s15.2), and never tell the customer it held nothing new (s16.2)."


def log_form_card(
    form: CorrespondenceForm, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    """The form for one item received, empty or with what was typed when Log was refused."""
    typed = dict(values or {})
    errs = dict(errors or {})
    body: list[CardElement] = [
        heading(f"Log correspondence from {form.customer_name}"),
        text(
            "Their correspondence is placed on file without acknowledgement or reply. "
            f"It is still read: {form.reviewer_name} will review it for significant new information and "
            "safeguarding concerns (s16.1).",
            subtle=True,
        ),
        text(DO_NOT_REPLY, color="Attention"),
        *form_problem(errs),
        DateInput(id="received_on", label="Date received", value=typed.get("received_on") or form.today.isoformat()),
        *error_text(errs, "received_on"),
        choice_input(
            "channel",
            "How it arrived",
            [(channel.value, channel.label) for channel in policy.CORRESPONDENCE_CHANNELS],
            typed.get("channel", ""),
            False,
        ),
        *error_text(errs, "channel"),
        text_input(
            "summary",
            "What it is about (a short summary)",
            typed.get("summary", ""),
            False,
            policy.CORRESPONDENCE_SUMMARY_MAX_LENGTH,
            multiline=True,
        ),
        *error_text(errs, "summary"),
        text_input(
            "attachment_reference",
            "Where the item is kept (optional: a document or mailbox reference)",
            typed.get("attachment_reference", ""),
            False,
            policy.ATTACHMENT_REFERENCE_MAX_LENGTH,
        ),
        *error_text(errs, "attachment_reference"),
    ]
    return envelope(
        body,
        [
            submit(
                "Log it",
                Verb.CORRESPONDENCE_SAVE,
                style="positive",
                customer_id=form.customer_id,
                query=form.query,
                form_id=form.form_id,
            )
        ],
        summary=f"Log correspondence from {form.customer_name}: the form (s16)",
    )


def logged_card(result: CorrespondenceLogResult) -> Card:
    item = result.item
    title = "Logged" if result.recorded_now else "Already logged"
    body: list[CardElement] = [
        heading(f"{title}: correspondence from {item.customer_name}"),
        facts(
            [
                ("Received", london_date_of(item)),
                ("How", item.channel),
                ("Summary", item.summary),
                *([("Kept at", item.attachment_reference)] if item.attachment_reference else []),
            ]
        ),
        text(f"It is on file. {item.reviewer_name} will review it by {london_date(item.review_by)}."),
        text(DO_NOT_REPLY, color="Attention"),
    ]
    return envelope(body, summary=f"{title}: correspondence from {item.customer_name}, on file without reply (s16)")


def review_card(
    item: CorrespondenceItemView,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str = "",
) -> Card:
    """The item for its reviewer (or the determination team), with the review form until a review is recorded."""
    flag = "OVERDUE: " if item.overdue else ""
    about = f"correspondence on file from {item.customer_name}"
    body: list[CardElement] = [
        heading(
            f"{flag}Correspondence on file to review: {item.customer_name}", color="Attention" if item.overdue else None
        ),
        *_item_blocks(item),
    ]
    if notice:
        body.append(text(notice, color="Attention"))
    if item.outcome is not None:
        body += _review_blocks(item)
        return envelope(body, summary=f"Reviewed: {about} (s16.1)")
    typed = dict(values or {})
    errs = dict(errors or {})
    body += [
        text(DO_NOT_REPLY, color="Attention"),
        *form_problem(errs),
        choice_input(
            "outcome",
            "What did the review find? (s16.1)",
            enum_choices(CorrespondenceOutcome),
            typed.get("outcome", ""),
            False,
            compact=False,
        ),
        *error_text(errs, "outcome"),
        choice_input(
            "service_area",
            "For new information: the service that must act on it",
            enum_choices(ServiceArea),
            typed.get("service_area", ""),
            False,
        ),
        *error_text(errs, "service_area"),
        text_input(
            "notes",
            "What the new information or the concern is (not needed if nothing new)",
            typed.get("notes", ""),
            False,
            policy.REASON_MAX_LENGTH,
            multiline=True,
        ),
        *error_text(errs, "notes"),
    ]
    return envelope(
        body,
        [execute("Record the review", Verb.CORRESPONDENCE_REVIEW, style="positive", correspondence_id=item.item_id)],
        summary=f"{flag}Please review {about} (s16.1)",
    )


def new_information_card(item: CorrespondenceItemView) -> Card:
    """To the case owner: the service named must act on what the item says."""
    body: list[CardElement] = [
        heading(f"New information in correspondence from {item.customer_name}: {item.service_area} must act"),
        *_item_blocks(item),
        *_review_blocks(item),
        text(
            f"Pass it to {item.service_area} so that they act on the new information. The item itself stays on "
            "file without reply (s15.2)."
        ),
    ]
    return envelope(
        body, summary=f"New information in correspondence from {item.customer_name}: {item.service_area} must act"
    )


def safeguarding_card(item: CorrespondenceItemView) -> Card:
    """To the determination team's channel at once (s16.1, s8.4)."""
    body: list[CardElement] = [
        heading(f"Safeguarding concern in correspondence from {item.customer_name}", color="Attention"),
        *_item_blocks(item),
        *_review_blocks(item),
        text("Follow the safeguarding procedure now, and share what is needed to support the customer (s8.4)."),
    ]
    # No customer named on a locked screen beside "safeguarding" (cards.common.summary_line).
    return envelope(body, summary="URGENT: a safeguarding concern found in correspondence on file (s16.1, s8.4)")


def london_date_of(item: CorrespondenceItemView) -> str:
    return f"{item.received_on:%d %b %Y}"


def _item_blocks(item: CorrespondenceItemView) -> list[CardElement]:
    pairs = [
        ("Received", london_date_of(item)),
        ("How", item.channel),
        ("Logged by", f"{item.logged_by_name}, {london(item.logged_at)}"),
        ("Reviewer", item.reviewer_name),
        ("Review by", london_date(item.review_by)),
    ]
    if item.attachment_reference:
        pairs.append(("Kept at", item.attachment_reference))
    return [facts(pairs), text(item.summary)]


def _review_blocks(item: CorrespondenceItemView) -> list[CardElement]:
    assert item.outcome is not None
    when = london(item.reviewed_at) if item.reviewed_at else ""
    blocks: list[CardElement] = [text(f"Reviewed by {item.reviewed_by_name}, {when}: {item.outcome.label}.")]
    if item.notes:
        blocks.append(text(item.notes, subtle=True))
    return blocks
