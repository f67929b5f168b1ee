"""Which turns are in progress, so background work (the outbox worker) can give way to the people waiting for an
answer: on SQLite every database call queues on one thread, and a delivery's reads and writes would otherwise sit
between a reporter and their confirmation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class TurnsInProgress:
    def __init__(self) -> None:
        self._running = 0
        self._last_ended = 0.0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        self._running += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._running -= 1
            self._last_ended = time.monotonic()
            if self._running == 0:
                self._quiet.set()

    async def give_way(self, quiet_for: float = 0.02, at_most: float = 2.0) -> None:
        """Waits until no turn has run for `quiet_for` seconds, but never longer than `at_most` in all, so background
        work is delayed by a busy moment and never starved by a busy hour."""
        deadline = time.monotonic() + at_most
        while (left := deadline - time.monotonic()) > 0:
            if self._running:
                try:
                    await asyncio.wait_for(self._quiet.wait(), left)
                except TimeoutError:
                    return
                continue
            since = time.monotonic() - self._last_ended
            if since >= quiet_for:
                return
            await asyncio.sleep(min(quiet_for - since, left))
