"""Every button's verb. Cards carry a verb and record ids only; the server reloads everything else."""

from __future__ import annotations

import enum


class Verb(enum.StrEnum):
    MENU_REPORT = "menu.report"
    MENU_CHECK = "menu.check"
    MENU_ESCALATE = "menu.escalate"
    CUSTOMER_SHOW = "customer.show"
    CUSTOMER_HISTORY = "customer.history"
    CUSTOMER_EDIT = "customer.edit"
    CUSTOMER_SAVE = "customer.save"
    CUSTOMER_NOTE_NEED = "customer.note_need"
    CUSTOMER_SAVE_NEED = "customer.save_need"
    INCIDENT_SUBMIT = "incident.submit"
    INCIDENT_NO_FURTHER_ACTION = "incident.no_further_action"
    INCIDENT_INFORMAL_WARNING_NOTED = "incident.informal_warning_noted"
    INCIDENT_ESCALATE = "incident.escalate"
    INCIDENT_AMEND = "incident.amend"
    INCIDENT_SAVE_AMENDMENT = "incident.save_amendment"
    ESCALATION_SUBMIT = "escalation.submit"
    ESCALATION_APPROVE = "escalation.approve"
    ESCALATION_DECLINE = "escalation.decline"
    ESCALATION_ASK = "escalation.ask"
    ESCALATION_ANSWER = "escalation.answer"
    ESCALATION_REFRESH = "escalation.refresh"
    LETTER_COLLECTED = "letter.collected"
    REVIEW_LIFT = "review.lift"
    REVIEW_EXTEND = "review.extend"
    REVIEW_REASSIGN = "review.reassign"
    WORK_DISCUSSION = "work.discussion"
    WORK_REVIEW = "work.review"
    WORK_LETTER = "work.letter"
    WORK_QUESTION = "work.question"
    WORK_DECISION = "work.decision"
