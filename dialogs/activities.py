"""Reading and writing Teams activities: who is acting and from which tenant, and a card as a message.
Shared by bot/ and dialogs/ (the arrows run bot → dialogs, never back)."""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

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


def card_activity(card: dict[str, Any]) -> Activity:
    """An Adaptive Card as a message activity."""
    return MessageFactory.attachment(CardFactory.adaptive_card(card))
