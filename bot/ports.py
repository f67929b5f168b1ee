"""What the Teams edge needs from storage besides casework: Bot Framework state, the door's read and conversation
references; and the Teams rosters that say who is staff. storage/ and bot/ implement these; create_app wires them
in, so bot/ never imports storage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from casework.entities import StaffStanding


class BotStateStore(Protocol):
    conflict: type[Exception]
    """What `write` raises when the stored eTag is no longer the expected one."""

    def read(self, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
        """(data, eTag) for each stored key."""
        ...

    def write(self, key: str, data: str, expected_etag: str | None) -> str:
        """Stores data if the stored eTag is still `expected_etag` (None: any); returns the new eTag."""
        ...

    def delete(self, keys: Iterable[str]) -> None: ...


class DoorReads(Protocol):
    def standing_and_state(
        self, user_id: str, state_key: str
    ) -> tuple[StaffStanding, dict[str, tuple[str, str]] | None]:
        """The sender's standing, which their roles are derived from, read afresh, and in the same statement what
        BotStateStore.read([state_key]) would give; None for the state when it could not come with it (nobody on
        record)."""
        ...


class ConversationReferences(Protocol):
    def save(
        self,
        conversation_id: str,
        conversation_type: str,
        user_id: str | None,
        tenant_id: str | None,
        reference: dict[str, Any],
    ) -> None: ...

    def for_conversation(self, conversation_id: str) -> dict[str, Any] | None: ...

    def personal_for_user(self, user_id: str) -> dict[str, Any] | None:
        """The 1:1 chat with this person, which proactive messages to them need."""
        ...

    def tenant_service_url(self, tenant_id: str | None) -> tuple[str, str] | None:
        """(tenant id, service URL) Teams last used for this tenant, saved with any reference from it; with no
        tenant named, the only tenant's if exactly one is known."""
        ...


class PrivateMessages(Protocol):
    """How the bot answers someone in their 1:1 chat when they asked in a shared conversation (bot/notifier.py)."""

    async def send_to_user(self, user_id: str, card: dict[str, Any]) -> str:
        """Sends the card to the person's 1:1 chat with the bot; raises bot.notifier.Unreachable when none is
        stored for them, bot.notifier.DeliveryFailed when Teams keeps refusing it."""
        ...


class StaffRoster(Protocol):
    """The Teams rosters configured as staff (bot/staff_roster.py): members of those teams are staff without
    being on the administrator's list."""

    async def includes(self, user_id: str) -> bool:
        """Whether this Entra object id is a member of a configured team; False when none is configured."""
        ...
