"""Bot Framework state (conversation and dialog state) kept in the application's database, with eTags.

A restart, or another instance behind the load balancer, continues the same dialog. Values are encoded with
jsonpickle as Microsoft's own Blob and Cosmos storages do, because dialog state holds botbuilder objects.
"""

from __future__ import annotations

from typing import Any

import jsonpickle
from botbuilder.core import ConversationState, Storage, TurnContext
from botbuilder.core.bot_state import CachedBotState

from bot.ports import BotStateStore
from casework.gateway import BlockingCalls


class DatabaseStorage(Storage):
    def __init__(self, store: BotStateStore, blocking: BlockingCalls | None = None) -> None:
        super().__init__()
        self._store = store
        self._blocking = blocking or BlockingCalls()

    async def read(self, keys: list[str]) -> dict[str, Any]:
        return items_of(await self._blocking.run(self._store.read, keys))

    async def write(self, changes: dict[str, Any]) -> None:
        for key, item in changes.items():
            etag = item.get("e_tag") if isinstance(item, dict) else getattr(item, "e_tag", None)
            if etag == "":
                raise ValueError("DatabaseStorage.write(): eTag missing")
            expected = None if etag in (None, "*") else str(etag)
            if isinstance(item, dict):
                item = {k: v for k, v in item.items() if k != "e_tag"}
            await self._blocking.run(self._store.write, key, jsonpickle.encode(item), expected)

    async def delete(self, keys: list[str]) -> None:
        await self._blocking.run(self._store.delete, keys)


def items_of(rows: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Stored rows (data, eTag) as botbuilder's storages return them: decoded, each carrying its eTag."""
    items: dict[str, Any] = {}
    for key, (data, etag) in rows.items():
        item = jsonpickle.decode(data)
        if isinstance(item, dict):
            item["e_tag"] = etag
        else:
            item.e_tag = etag
        items[key] = item
    return items


_READ_AT_THE_DOOR = "uca.conversation_state_read_at_the_door"


class DoorReadConversationState(ConversationState):
    """ConversationState that can take the conversation's stored state from the door's read (read with the
    sender's roles, in one statement) for its first load in a turn, instead of reading it again. A later load, a
    forced one, or one without that read goes to storage as ConversationState's does."""

    def read_at_the_door(self, turn_context: TurnContext, rows: dict[str, tuple[str, str]]) -> None:
        """Keeps the rows read for this turn's storage key (none stored: {}) until the turn first loads its state."""
        turn_context.turn_state[_READ_AT_THE_DOOR] = (self.get_storage_key(turn_context), rows)

    async def load(self, turn_context: TurnContext, force: bool = False) -> None:
        read = turn_context.turn_state.pop(_READ_AT_THE_DOOR, None)
        key = self.get_storage_key(turn_context)
        # As BotState.load: a cached state is kept unless forced or empty.
        if read is not None and read[0] == key and not force and not self.get(turn_context):
            turn_context.turn_state[self._context_service_key] = CachedBotState(items_of(read[1]).get(key))
            return
        await super().load(turn_context, force)
