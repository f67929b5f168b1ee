"""Bot Framework state (conversation and dialog state) kept in the application's database, with eTags.

A restart, or another instance behind the load balancer, continues the same dialog. Values are encoded with
jsonpickle as Microsoft's own Blob and Cosmos storages do, because dialog state holds botbuilder objects.
"""

from __future__ import annotations

from typing import Any

import jsonpickle
from botbuilder.core import Storage

from bot.ports import BotStateStore
from casework.gateway import BlockingCalls


class DatabaseStorage(Storage):
    def __init__(self, store: BotStateStore, blocking: BlockingCalls | None = None) -> None:
        super().__init__()
        self._store = store
        self._blocking = blocking or BlockingCalls()

    async def read(self, keys: list[str]) -> dict[str, Any]:
        rows = await self._blocking.run(self._store.read, keys)
        items: dict[str, Any] = {}
        for key, (data, etag) in rows.items():
            item = jsonpickle.decode(data)
            if isinstance(item, dict):
                item["e_tag"] = etag
            else:
                item.e_tag = etag
            items[key] = item
        return items

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
