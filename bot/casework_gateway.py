"""Runs casework use cases off the event loop: each call gets a fresh unit of work on a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from casework.configuration import Clock
from casework.ports import UnitOfWork

P = ParamSpec("P")
T = TypeVar("T")


class CaseworkGateway:
    def __init__(self, unit_of_work: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self.clock = clock

    async def call(self, use_case: Callable[Concatenate[UnitOfWork, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        # The database drivers block; a worker thread keeps other conversations' turns moving meanwhile.
        return await asyncio.to_thread(use_case, self._unit_of_work(), *args, **kwargs)
