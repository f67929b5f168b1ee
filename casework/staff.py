"""Staff: who they are, who sits on the determination team (s2.6), and who is refused at the door."""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import TypeVar

from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.entities import (
    Actor,
    StaffMember,
)
from casework.ports import UnitOfWork

_E = TypeVar("_E", bound=enum.Enum)


def register_staff(uow: UnitOfWork, actor: Actor, member: StaffMember, clock: Clock) -> None:
    """An administrator records a member of staff and whether they sit on the determination team (s2.6)."""
    with uow:
        uow.staff.save(member)
        record_audit(
            uow,
            actor,
            AuditAction.STAFF_REGISTERED,
            member.user_id,
            clock,
            determination_team=str(member.is_determination_team),
        )
        uow.commit()


def remember_actor(uow: UnitOfWork, actor: Actor) -> None:
    """Keeps the name and Teams id of whoever talks to the bot, so records show names and cards can refresh."""
    with uow:
        known = uow.staff.get(actor.user_id)
        if known is None:
            uow.staff.save(StaffMember(actor.user_id, actor.name, teams_user_id=actor.teams_id or None))
        elif (actor.name and known.name != actor.name) or (actor.teams_id and known.teams_user_id != actor.teams_id):
            uow.staff.save(
                replace(known, name=actor.name or known.name, teams_user_id=actor.teams_id or known.teams_user_id)
            )
        else:
            return
        uow.commit()


def record_rejected_activity(uow: UnitOfWork, actor: Actor, tenant_id: str, clock: Clock) -> None:
    """An activity from a tenant that is not allowed was refused before any handler ran."""
    with uow:
        record_audit(uow, actor, AuditAction.ACTIVITY_REJECTED_TENANT, tenant_id[:64], clock)
        uow.commit()
