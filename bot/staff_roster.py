"""Who is staff by the Teams rosters the council configures (STAFF_TEAM_IDS): the members of those teams, read from
the Bot Connector (GET /v3/conversations/{id}/members) and kept for a while, so a turn does not wait on Teams.

A roster makes someone staff only (casework.policy.roles_of): the determination team, reception and administrators
are the administrator's list, because a team's membership says who works here, not who may decide (s2.6)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.notifier import Refused, TryAgain

log = logging.getLogger(__name__)


class TeamReferences(Protocol):
    def for_team(self, conversation_id: str) -> dict[str, Any] | None: ...


class MemberLister(Protocol):
    async def members_once(self, reference: dict[str, Any]) -> frozenset[str]: ...


class NoStaffRoster:
    """No team is configured: only the administrator's list says who is staff."""

    async def includes(self, user_id: str) -> bool:
        return False


@dataclass
class _Roster:
    members: frozenset[str]
    attempted_at: float
    """When Teams was last asked for it, whether or not it answered."""
    expires_at: float


class TeamsStaffRoster:
    """The members of the configured teams, each roster read again once it is `keep_for` seconds old. Someone not on
    a roster last asked for more than `recheck_after` seconds ago causes one fresh read (a person just added to the
    team is let in within a minute, while a stream of strangers costs Teams at most one call per team a minute).
    When Teams cannot be read, the last roster read stands and is asked for again after `recheck_after`; with none,
    nobody is staff by that team."""

    def __init__(
        self,
        references: TeamReferences,
        lister: MemberLister,
        team_ids: Sequence[str],
        keep_for: float,
        recheck_after: float = 60.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._references = references
        self._lister = lister
        self._team_ids = tuple(team_ids)
        self._keep_for = keep_for
        self._recheck_after = recheck_after
        self._now = now
        self._rosters: dict[str, _Roster] = {}
        self._locks = {team_id: asyncio.Lock() for team_id in self._team_ids}

    async def includes(self, user_id: str) -> bool:
        for team_id in self._team_ids:
            roster = await self._roster(team_id, recheck=False)
            if user_id not in roster.members:
                roster = await self._roster(team_id, recheck=True)
            if user_id in roster.members:
                return True
        return False

    async def _roster(self, team_id: str, recheck: bool) -> _Roster:
        async with self._locks[team_id]:  # many turns at once: one read of Teams, the rest wait for it
            known = self._rosters.get(team_id)
            if known is not None:
                now = self._now()
                expired = now >= known.expires_at
                if not expired and not (recheck and now - known.attempted_at >= self._recheck_after):
                    return known
            read = await self._read(team_id)
            now = self._now()
            if read is None:
                kept = known.members if known else frozenset()
                known = _Roster(kept, now, now + self._recheck_after)
            else:
                known = _Roster(read, now, now + self._keep_for)
            self._rosters[team_id] = known
            return known

    async def _read(self, team_id: str) -> frozenset[str] | None:
        reference = await asyncio.to_thread(self._references.for_team, team_id)
        if reference is None:
            log.warning("staff roster %s not read: no service URL is known for its tenant yet", team_id)
            return None
        try:
            return await self._lister.members_once(reference)
        except (TryAgain, Refused) as failure:
            log.warning("staff roster %s not read: %s", team_id, failure)
            return None
