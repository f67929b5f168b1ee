"""Runs casework use cases off the event loop: each call gets a fresh unit of work on a worker thread, and the
dependencies bound once in create_app (clock, decision rules, council details, letter renderer)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from casework.configuration import Clock
from casework.dependencies import Dependencies
from casework.ports import UnitOfWork

T = TypeVar("T")


class CaseworkGateway:
    def __init__(self, unit_of_work: Callable[[], UnitOfWork], dependencies: Dependencies) -> None:
        self._unit_of_work = unit_of_work
        self.dependencies = dependencies
        self._when_published: list[Callable[[], None]] = []

    def when_published(self, callback: Callable[[], None]) -> None:
        """Called after each use case whose result carries events (their messages are then in the outbox)."""
        self._when_published.append(callback)

    @property
    def clock(self) -> Clock:
        return self.dependencies.clock

    async def call(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`use_case(uow, *args, **kwargs)` with its bound dependencies added by name."""
        bound = self.dependencies.for_use_case(use_case)
        # The database drivers block; a worker thread keeps other conversations' turns moving meanwhile.
        result = await asyncio.to_thread(use_case, self._unit_of_work(), *args, **bound, **kwargs)
        if getattr(result, "events", None):
            for callback in self._when_published:
                callback()
        return result
