"""Runs casework use cases off the event loop: each call gets a fresh unit of work on a worker thread, and the
dependencies bound once in create_app (clock, decision rules, council details, letter renderer)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from casework.configuration import Clock
from casework.dependencies import Dependencies
from casework.errors import RecordsUnavailable
from casework.ports import UnitOfWork

T = TypeVar("T")

DEFAULT_CALL_TIMEOUT = 4.0
"""Seconds a database call may take, queueing for a worker thread included, before the person is told the records
cannot be reached: within the 5 s issue 14 promises."""


def _never_unavailable(_error: BaseException) -> bool:
    return False


class BlockingCalls:
    """Runs blocking database work on a worker thread within a time limit. A call that times out, or fails because
    the database cannot be reached (`is_unavailable`, which storage's caller supplies), raises RecordsUnavailable.

    A thread blocked on a dead socket cannot be cancelled: the caller stops waiting for it, and `on_timeout` tells
    the work it was abandoned (a unit of work then refuses to commit), so "nothing was recorded" stays true. The
    database drivers' own timeouts (connect, statement, TCP) end such threads, so they do not pile up.

    `on_loop` runs the work on the event loop itself instead (SQLite, issue 13). A local file has no socket to hang
    on, SQLite lets one writer in at a time anyway, and the work holds the interpreter's lock for nearly all of its
    time, so a worker thread added no concurrency: only the hand-over to it and back, which cost more CPU than the
    turn's SQL (the check turn went from about 7 to about 4 ms). The time limit is then SQLite's own busy timeout,
    which is all such a call can wait on."""

    def __init__(
        self,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        is_unavailable: Callable[[BaseException], bool] = _never_unavailable,
        on_loop: bool = False,
    ) -> None:
        self._timeout = timeout
        self._is_unavailable = is_unavailable
        self._on_loop = on_loop

    async def run(
        self, work: Callable[..., T], *args: Any, on_timeout: Callable[[], None] | None = None, **kwargs: Any
    ) -> T:
        try:
            if self._on_loop:
                return contextvars.copy_context().run(work, *args, **kwargs)
            # asyncio.to_thread's work, without its coroutine: wait_for would wrap that in a task of its own, and
            # every turn makes several of these calls (issue 13). The context goes along, as to_thread's does.
            context = contextvars.copy_context()
            call = functools.partial(context.run, work, *args, **kwargs)
            return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, call), self._timeout)
        except TimeoutError as error:
            if on_timeout is not None:
                on_timeout()
            raise RecordsUnavailable() from error
        except RecordsUnavailable:
            raise
        except Exception as error:
            if self._is_unavailable(error):
                raise RecordsUnavailable() from error
            raise


class CaseworkGateway:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        dependencies: Dependencies,
        blocking: BlockingCalls | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self.dependencies = dependencies
        self.blocking = blocking or BlockingCalls()
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
        uow = self._unit_of_work()
        abandon = getattr(uow, "abandon", None)
        result = await self.blocking.run(use_case, uow, *args, on_timeout=abandon, **bound, **kwargs)
        if getattr(result, "events", None):
            for callback in self._when_published:
                callback()
        return result
