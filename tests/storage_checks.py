"""What the SQL storage tests share: counting rows, racing real threads, and checking times are aware UTC."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, func
from sqlmodel import Session, select

T = TypeVar("T")


def count(engine: Engine, model: type, *where: object) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def run_together(workers: int, task: Callable[[int], T]) -> list[T]:
    """Runs task(0..workers-1) on real threads, released together by a barrier so they really race."""
    barrier = threading.Barrier(workers, timeout=30)

    def start(index: int) -> T:
        barrier.wait()
        return task(index)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(start, range(workers)))


def aware_utc(moment: datetime | None) -> bool:
    return moment is not None and moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
