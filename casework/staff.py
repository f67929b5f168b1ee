"""Staff: who they are, which roles they hold (the administrator's list, configured rosters and the records), who sits
on the determination team (s2.6), and who is refused at the door."""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import TypeVar

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.entities import (
    Actor,
    StaffMember,
    StaffStanding,
)
from casework.errors import NotFound
from casework.ports import UnitOfWork
from casework.vocabulary import Role

_E = TypeVar("_E", bound=enum.Enum)


def register_staff(uow: UnitOfWork, actor: Actor, member: StaffMember, clock: Clock) -> None:
    """An administrator puts a member of staff on the list, with the roles they give them: determination team
    (s2.6), reception, administrator. Line manager and case owner follow from the records."""
    member = replace(member, listed=True)
    with uow:
        known = uow.staff.get(member.user_id)
        if known is not None and not member.teams_user_id:
            member = replace(member, teams_user_id=known.teams_user_id)
        uow.staff.save(member)
        record_audit(
            uow,
            actor,
            AuditAction.STAFF_REGISTERED,
            member.user_id,
            clock,
            determination_team=str(member.is_determination_team),
            roles=",".join(sorted(_administered_roles(member))),
        )
        uow.commit()


def unlist_staff(uow: UnitOfWork, actor: Actor, user_id: str, clock: Clock) -> None:
    """An administrator takes someone off the list, with every role they gave. The row stays, so records still show
    the name; a configured roster may still make them staff."""
    with uow:
        known = uow.staff.get(user_id)
        if known is None:
            raise NotFound("No member of staff has that id.")
        uow.staff.save(
            replace(known, listed=False, is_determination_team=False, is_reception=False, is_administrator=False)
        )
        record_audit(uow, actor, AuditAction.STAFF_UNLISTED, user_id, clock)
        uow.commit()


def _administered_roles(member: StaffMember) -> set[str]:
    held = (
        (Role.STAFF, member.listed),
        (Role.DETERMINATION_TEAM, member.is_determination_team),
        (Role.RECEPTION, member.is_reception),
        (Role.ADMINISTRATOR, member.is_administrator),
    )
    return {role.value for role, on in held if on}


def admit(
    uow: UnitOfWork, actor: Actor, in_staff_roster: bool, standing: StaffStanding | None = None
) -> frozenset[Role]:
    """The roles of whoever sent a turn, read before anything else happens (casework.policy.roles_of). Staff are
    remembered (name and Teams id, so records show names and cards can refresh); anyone else is not written down.
    `standing`: already read from the records this turn (the door reads it with the conversation's state)."""
    with uow:
        # Every turn starts here: one read, and at most one upsert of the actor, each atomic by itself.
        if standing is None:
            uow.statement_by_statement()
            standing = uow.staff.standing(actor.user_id)
            read = True
        else:
            read = False
        roles = policy.roles_of(standing, in_staff_roster)
        changed = _changed(actor, standing.member) if Role.STAFF in roles else None
        if changed is not None:
            if not read:
                uow.statement_by_statement()
            uow.staff.save(changed)
            uow.commit()
    return roles


def remember_actor(uow: UnitOfWork, actor: Actor) -> None:
    """Keeps the name and Teams id of a member of staff (a row the first time for one from a configured roster).
    Only for someone already admitted as staff: talking to the bot makes nobody staff."""
    with uow:
        changed = _changed(actor, uow.staff.get(actor.user_id))
        if changed is not None:
            uow.staff.save(changed)
            uow.commit()


def _changed(actor: Actor, known: StaffMember | None) -> StaffMember | None:
    """The actor's staff record with what changed about them (a new one if none is kept); None if nothing did."""
    if known is None:
        return StaffMember(actor.user_id, actor.name, teams_user_id=actor.teams_id or None)
    if (actor.name and known.name != actor.name) or (actor.teams_id and known.teams_user_id != actor.teams_id):
        return replace(known, name=actor.name or known.name, teams_user_id=actor.teams_id or known.teams_user_id)
    return None


def record_door_refusal(uow: UnitOfWork, actor: Actor, route: str, clock: Clock) -> None:
    """A member of staff was refused a command or button their roles do not reach. Audited like any refused look
    at a record (who tried what, when); the route is named, never a record (the door reads none)."""
    with uow:
        record_audit(uow, actor, AuditAction.ROUTE_REFUSED, route[:64], clock)
        uow.commit()


def record_rejected_activity(uow: UnitOfWork, actor: Actor, tenant_id: str, clock: Clock) -> None:
    """An activity from a tenant that is not allowed was refused before any handler ran."""
    with uow:
        record_audit(uow, actor, AuditAction.ACTIVITY_REJECTED_TENANT, tenant_id[:64], clock)
        uow.commit()
