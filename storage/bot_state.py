"""Rows behind the Bot Framework state storage: opaque text with an eTag, written only if the eTag still matches."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.tables import BotStateItem


class ETagConflict(Exception):
    """Someone else saved this state since it was read; the turn must not overwrite their change."""


class BotStateStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
        """The stored text and eTag for each key that exists."""
        keys = list(keys)
        if not keys:
            return {}
        with Session(self._engine) as session:
            rows = session.exec(select(BotStateItem).where(col(BotStateItem.key).in_(keys))).all()
            return {row.key: (row.data, row.etag) for row in rows}

    def write(self, key: str, data: str, expected_etag: str | None) -> str:
        """Saves `data`; with an expected eTag only if the stored one still matches. Returns the new eTag."""
        new_etag = uuid.uuid4().hex
        now = datetime.now(UTC)
        with Session(self._engine) as session:
            if expected_etag is not None:
                result = session.execute(
                    update(BotStateItem)
                    .where(col(BotStateItem.key) == key, col(BotStateItem.etag) == expected_etag)
                    .values(data=data, etag=new_etag, updated_at=now)
                )
                if not result.rowcount:  # type: ignore[attr-defined]
                    raise ETagConflict(f"state {key!r} changed since it was read")
                session.commit()
                return new_etag
            row = session.get(BotStateItem, key)
            if row is None:
                session.add(BotStateItem(key=key, data=data, etag=new_etag, updated_at=now))
            else:
                row.data, row.etag, row.updated_at = data, new_etag, now
                session.add(row)
            try:
                session.commit()
            except IntegrityError as error:
                raise ETagConflict(f"state {key!r} was created concurrently") from error
            return new_etag

    def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if not keys:
            return
        with Session(self._engine) as session:
            session.execute(delete(BotStateItem).where(col(BotStateItem.key).in_(keys)))
            session.commit()
