"""The determination team's configured channel, reachable from the first card.

Teams tells a bot a conversation's address (its service URL) only in activities from it, so a channel nobody has
messaged the bot in has no stored reference. A channel's reference is only its id, the tenant and the service URL
Teams uses for that tenant, so it is built from the configured id and the URL last seen from anyone in the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.ports import ConversationReferences


@dataclass(frozen=True)
class ChannelStatus:
    reachable: bool
    detail: str
    """How it is reached, or why it cannot be."""

    @property
    def health(self) -> str:
        """The /healthz field: "reachable", "not configured" or "unreachable: <why>"."""
        if self.reachable:
            return "reachable"
        return self.detail if self.detail == "not configured" else f"unreachable: {self.detail}"


class TeamChannelReferences:
    """Stored references, with the configured team channel's built from its tenant's service URL when none is
    stored. It is the ConversationReferences the notifier sends through, so the notifier needs no special case."""

    def __init__(self, stored: ConversationReferences, channel_id: str, tenant_id: str | None, app_id: str) -> None:
        self._stored = stored
        self._channel_id = channel_id
        self._tenant_id = tenant_id
        self._app_id = app_id

    def save(
        self,
        conversation_id: str,
        conversation_type: str,
        user_id: str | None,
        tenant_id: str | None,
        reference: dict[str, Any],
    ) -> None:
        self._stored.save(conversation_id, conversation_type, user_id, tenant_id, reference)

    def for_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        stored = self._stored.for_conversation(conversation_id)
        if stored is not None or not self._channel_id or conversation_id != self._channel_id:
            return stored
        return self._built(conversation_id)

    def for_team(self, conversation_id: str) -> dict[str, Any] | None:
        """A team's (or any of its channels') reference, built like the team channel's when none is stored: what
        reading its roster needs (bot/staff_roster.py)."""
        return self._stored.for_conversation(conversation_id) or self._built(conversation_id)

    def personal_for_user(self, user_id: str) -> dict[str, Any] | None:
        return self._stored.personal_for_user(user_id)

    def tenant_service_url(self, tenant_id: str | None) -> tuple[str, str] | None:
        return self._stored.tenant_service_url(tenant_id)

    def status(self) -> ChannelStatus:
        if not self._channel_id:
            return ChannelStatus(False, "not configured")
        if self._stored.for_conversation(self._channel_id) is not None:
            return ChannelStatus(True, "a reference stored from an activity in the channel")
        known = self._stored.tenant_service_url(self._tenant_id)
        if known is not None:
            return ChannelStatus(True, "built from the service URL Teams last used for its tenant")
        # Said without ids: /healthz is unauthenticated.
        if self._tenant_id:
            why = (
                "no service URL known for its tenant: nobody in the tenant has messaged the bot and the app's "
                "installation in the team has not been seen"
            )
        else:
            why = (
                "no tenant is configured (MicrosoftAppTenantId or a single ALLOWED_TENANT_IDS) and the bot has not "
                "heard from exactly one tenant, so the channel's service URL is unknown"
            )
        return ChannelStatus(False, why)

    def _built(self, conversation_id: str) -> dict[str, Any] | None:
        known = self._stored.tenant_service_url(self._tenant_id)
        if known is None:
            return None
        tenant_id, service_url = known
        return {
            # Teams addresses a bot as 28:<app id>, as in the recipient of every activity it sends the bot.
            "bot": {"id": f"28:{self._app_id}"},
            "conversation": {
                "id": conversation_id,
                "conversationType": "channel",
                "isGroup": True,
                # Teams spells it tenantId; botbuilder-schema 4.17's model reads and sends only tenantID.
                "tenantId": tenant_id,
                "tenantID": tenant_id,
            },
            "channelId": "msteams",
            "serviceUrl": service_url,
        }


def channel_tenant(app_tenant_id: str, allowed_tenant_ids: list[str]) -> str | None:
    """The tenant the team channel belongs to: the app's own (single-tenant) or the only one allowed; None if
    neither says, when only an unambiguous tenant the bot has heard from will do."""
    if app_tenant_id:
        return app_tenant_id
    return allowed_tenant_ids[0] if len(allowed_tenant_ids) == 1 else None
