"""Rows behind the Bot Framework state storage: opaque text with an eTag, written only if the eTag still matches.

Read and written on every turn, so with SQLAlchemy Core statements rather than ORM sessions (issue 9).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, delete, select, update

from storage.database import SINGLE_STATEMENT
from storage.tables import BotStateItem, table_of
from storage.upserts import upsert

STATE = table_of(BotStateItem)
# Built once with bound parameters: every turn reads its state, and building a statement costs more CPU than
# SQLite takes to answer it (issue 13).
_READ = select(STATE.c.key, STATE.c.data, STATE.c.etag).where(STATE.c.key.in_(bindparam("keys", expanding=True)))
_UPDATE_IF_UNCHANGED = (
    update(STATE)
    .where(STATE.c.key == bindparam("state_key"), STATE.c.etag == bindparam("expected_etag"))
    .values(data=bindparam("new_data"), etag=bindparam("new_etag"), updated_at=bindparam("saved_at"))
)


class ETagConflict(Exception):
    """Someone else saved this state since it was read; the turn must not overwrite their change."""


class BotStateStore:
    conflict: type[Exception] = ETagConflict

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
        """The stored text and eTag for each key that exists."""
        keys = list(keys)
        if not keys:
            return {}
        with self._engine.connect().execution_options(**SINGLE_STATEMENT) as connection:
            rows = connection.execute(_READ, {"keys": keys})
            return {str(key): (str(data), str(etag)) for key, data, etag in rows}

    def write(self, key: str, data: str, expected_etag: str | None) -> str:
        """Saves `data`; with an expected eTag only if the stored one still matches. Returns the new eTag."""
        new_etag = uuid.uuid4().hex
        saved_at = datetime.now(UTC)
        # Either way one statement, atomic by itself: the eTag is checked in the UPDATE's own WHERE.
        with self._engine.connect().execution_options(**SINGLE_STATEMENT) as connection:
            if expected_etag is not None:
                result = connection.execute(
                    _UPDATE_IF_UNCHANGED,
                    {
                        "state_key": key,
                        "expected_etag": expected_etag,
                        "new_data": data,
                        "new_etag": new_etag,
                        "saved_at": saved_at,
                    },
                )
                connection.commit()
                if not result.rowcount:
                    raise ETagConflict(f"state {key!r} changed since it was read")
                return new_etag
            # No eTag (or "*"): the write is unconditional, as in botbuilder's own storages.
            values = {"key": key, "data": data, "etag": new_etag, "updated_at": saved_at}
            upsert(connection, STATE, values, primary_key=["key"])
            connection.commit()
            return new_etag

    def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if not keys:
            return
        with self._engine.connect().execution_options(**SINGLE_STATEMENT) as connection:
            connection.execute(delete(STATE).where(STATE.c.key.in_(keys)))
            connection.commit()
