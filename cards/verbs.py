"""Every button's verb. Cards carry a verb and record ids only; the server reloads everything else."""

from __future__ import annotations

import enum


class Verb(enum.StrEnum):
    MENU_REPORT = "menu.report"
    MENU_CHECK = "menu.check"
    MENU_ESCALATE = "menu.escalate"
    INCIDENT_SUBMIT = "incident.submit"
    ESCALATION_SUBMIT = "escalation.submit"
    ESCALATION_APPROVE = "escalation.approve"
    ESCALATION_DECLINE = "escalation.decline"
