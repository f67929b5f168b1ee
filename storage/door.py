"""The door's read at the start of a person's turn: the sender's standing (their roles) and, in the same statement,
the conversation's Bot Framework state, which a message's turn reads next anyway (issue 13)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, bindparam

from casework.entities import StaffStanding
from storage.bot_state import STATE
from storage.database import SINGLE_STATEMENT
from storage.repositories.staff import standing_from, standing_query

_USER_ID: Any = bindparam("user_id")
_DOOR_READ = (
    standing_query(_USER_ID)
    .add_columns(STATE.c.data, STATE.c.etag)
    .outerjoin(STATE, STATE.c.key == bindparam("state_key"))
)
"""Built once with bound parameters: building it took more CPU than SQLite takes to answer it, on every turn."""


class DoorReads:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def standing_and_state(
        self, user_id: str, state_key: str
    ) -> tuple[StaffStanding, dict[str, tuple[str, str]] | None]:
        # One statement on its own (on SQLite no BEGIN IMMEDIATE, so no write lock), as each of the two was, on a
        # plain connection: no session, no models (issue 13).
        with self._engine.connect().execution_options(**SINGLE_STATEMENT) as connection:
            found = connection.execute(_DOOR_READ, {"user_id": user_id, "state_key": state_key}).first()
        if found is None:
            # Nobody on record: no row to carry the state; the turn reads it itself if it gets that far.
            return standing_from(None), None
        return standing_from(found), ({} if found.data is None else {state_key: (str(found.data), str(found.etag))})
