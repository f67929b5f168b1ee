"""Reading and writing Teams activities: who is acting and from which tenant, and a card as a message.
Shared by bot/ and dialogs/ (the arrows run bot → dialogs, never back)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity, ActivityTypes

from cards.common import Card, summary_line, summary_of
from casework.entities import Actor


def actor_of(activity: Activity) -> Actor:
    """Staff are identified by their Entra ID object id; the channel account id is only a fallback for emulators."""
    sender = activity.from_property
    user_id = (
        (getattr(sender, "aad_object_id", None) or getattr(sender, "id", None) or "unknown") if sender else "unknown"
    )
    name = (getattr(sender, "name", None) or "") if sender else ""
    teams_id = (getattr(sender, "id", None) or "") if sender else ""
    return Actor(user_id=str(user_id), name=str(name), teams_id=str(teams_id))


def tenant_of(activity: Activity) -> str | None:
    channel_data: Any = activity.channel_data
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict) and tenant.get("id"):
            return str(tenant["id"])
    conversation = activity.conversation
    tenant_id = getattr(conversation, "tenant_id", None) if conversation else None
    return str(tenant_id) if tenant_id else None


def card_activity(card: Card) -> Activity:
    """An Adaptive Card as a message activity, with the summary it was built with (cards.common.envelope requires
    one): the chat list's and the notification's line. A card without one is refused, never sent."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.summary = summary_of(card)
    return activity


def cards_activity(cards: Sequence[Card], summary: str) -> Activity:
    """Several cards as one message (a list), with the summary of them all, which is required."""
    return Activity(
        type=ActivityTypes.message,
        attachment_layout="list",
        attachments=[CardFactory.adaptive_card(card) for card in cards],
        summary=summary_line(summary),
    )


def with_summary(activity: Activity) -> Activity:
    """The activity with its summary: a line of text is its own summary; a card must have been given one
    (card_activity, cards_activity), and a message with cards and no summary is refused, never sent."""
    if activity.type != ActivityTypes.message or activity.summary:
        return activity
    if activity.attachments:
        raise ValueError("a message with cards but no summary cannot be sent (use dialogs.activities.card_activity)")
    if activity.text:
        activity.summary = summary_line(activity.text)
    return activity
