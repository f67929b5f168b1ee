"""The audit trail's one writer: every state change and every look at a record, as a named action (DESIGN §5)."""

from __future__ import annotations

import enum

from casework.configuration import Clock
from casework.entities import Actor, AuditEvent
from casework.ports import UnitOfWork


class AuditAction(enum.StrEnum):
    """What happened, as stored in the audit trail; the part before the dot names the kind of record."""

    ACTIVITY_REJECTED_TENANT = "activity.rejected_tenant"
    STAFF_REGISTERED = "staff.registered"
    STAFF_UNLISTED = "staff.unlisted"
    ROUTE_REFUSED = "route.refused"
    STAFF_LINE_MANAGER_SET = "staff.line_manager_set"
    CUSTOMER_ADDED = "customer.added"
    CUSTOMER_CHECKED = "customer.checked"
    CUSTOMER_SEARCHED = "customer.searched"
    CUSTOMER_SHOW_REFUSED = "customer.show_refused"
    CUSTOMER_HISTORY_VIEWED = "customer.history_viewed"
    CUSTOMER_HISTORY_REFUSED = "customer.history_refused"
    CUSTOMER_MERGED = "customer.merged"
    CUSTOMER_ADDRESS_CHANGED = "customer.address_changed"
    CUSTOMER_RECORD_EDITED = "customer.record_edited"
    CUSTOMER_NEED_NOTED = "customer.need_noted"
    CUSTOMER_EDIT_REFUSED = "customer.edit_refused"
    CUSTOMER_SUBJECT_ACCESS_EXPORTED = "customer.subject_access_exported"
    """A subject access export was made (casework/subject_access.py): counts only, none of the personal data."""
    CUSTOMERS_IMPORTED = "customers.imported"
    REPRESENTATIVE_ADDED = "representative.added"
    INCIDENT_REPORTED = "incident.reported"
    INCIDENT_SAFEGUARDING_FLAGGED = "incident.safeguarding_flagged"
    INCIDENT_MANAGER_OUTCOME = "incident.manager_outcome"
    INCIDENT_OUTCOME_REFUSED = "incident.outcome_refused"
    INCIDENT_AMENDED = "incident.amended"
    INCIDENT_AMENDMENT_REFUSED = "incident.amendment_refused"
    INCIDENT_MANAGER_NOTIFIED = "incident.manager_notified"
    INCIDENT_MANAGER_NOT_NOTIFIED = "incident.manager_not_notified"
    INCIDENT_URGENT_NOTIFIED = "incident.urgent_notified"
    INCIDENT_URGENT_NOT_NOTIFIED = "incident.urgent_not_notified"
    ESCALATION_REQUESTED = "escalation.requested"
    ESCALATION_VOTE = "escalation.vote"
    ESCALATION_DECISION_REFUSED = "escalation.decision_refused"
    ESCALATION_APPROVED = "escalation.approved"
    ESCALATION_DECLINED = "escalation.declined"
    ESCALATION_CONFIRMED = "escalation.confirmed"
    ESCALATION_OVERTURNED = "escalation.overturned"
    ESCALATION_INFORMATION_REQUESTED = "escalation.information_requested"
    ESCALATION_INFORMATION_GIVEN = "escalation.information_given"
    ESCALATION_CHASED = "escalation.chased"
    ESCALATION_CONFIRMATION_CHASED = "escalation.confirmation_chased"
    ESCALATION_LAPSED = "escalation.lapsed"
    ESCALATION_VIEWED = "escalation.viewed"
    ESCALATION_VIEW_REFUSED = "escalation.view_refused"
    REVIEW_LIFTED = "review.lifted"
    REVIEW_EXTENDED = "review.extended"
    REVIEW_EXTENSION_REQUESTED = "review.extension_requested"
    REVIEW_REASSIGNED = "review.reassigned"
    REVIEW_ACTION_REFUSED = "review.action_refused"
    REVIEW_ESCALATED_OVERDUE = "review.escalated_overdue"
    REVIEW_OWNER_UNREACHABLE = "review.owner_unreachable"
    REVIEW_REMINDER_SENT = "review.reminder_sent"
    REVIEW_REMINDER_FAILED = "review.reminder_failed"
    LETTER_REQUESTED = "letter.requested"
    LETTER_PRODUCED = "letter.produced"
    LETTER_REVISED = "letter.revised"
    LETTER_ISSUED = "letter.issued"
    LETTER_ISSUE_REFUSED = "letter.issue_refused"
    LETTER_DELIVERED = "letter.delivered"
    LETTER_COLLECTED = "letter.collected"
    LETTER_DOWNLOADED = "letter.downloaded"
    LETTER_DOWNLOAD_REFUSED = "letter.download_refused"
    LETTER_LINK_REFUSED = "letter.link_refused"
    COMMITTEE_REPORT_DOWNLOADED = "committee_report.downloaded"
    COMMITTEE_REPORT_REFUSED = "committee_report.refused"
    CORRESPONDENCE_LOGGED = "correspondence.logged"
    CORRESPONDENCE_LOG_REFUSED = "correspondence.log_refused"
    CORRESPONDENCE_REVIEWED = "correspondence.reviewed"
    CORRESPONDENCE_REVIEW_REFUSED = "correspondence.review_refused"
    CORRESPONDENCE_ESCALATED_OVERDUE = "correspondence.escalated_overdue"
    APPEAL_RECORDED = "appeal.recorded"
    APPEAL_RECORD_REFUSED = "appeal.record_refused"
    APPEAL_VIEWED = "appeal.viewed"
    APPEAL_VIEW_REFUSED = "appeal.view_refused"
    APPEAL_DECISION_REFUSED = "appeal.decision_refused"
    APPEAL_UPHELD = "appeal.upheld"
    APPEAL_VARIED = "appeal.varied"
    APPEAL_LIFTED = "appeal.lifted"
    OMBUDSMAN_SIGNPOSTED = "ombudsman.signposted"
    OMBUDSMAN_SIGNPOSTING_REFUSED = "ombudsman.signposting_refused"
    MESSAGE_NOT_DELIVERED = "message.not_delivered"
    WORK_ITEM_REFUSED = "work.item_refused"
    RETENTION_REMOVED = "retention.removed"
    AUDIT_REDACTED = "audit.redacted"
    OVERSIGHT_DIGEST_POSTED = "oversight.digest_posted"

    @property
    def record_type(self) -> str:
        return _RECORD_TYPES.get(self, self.value.partition(".")[0])


_RECORD_TYPES = {
    AuditAction.ACTIVITY_REJECTED_TENANT: "tenant",
    AuditAction.CUSTOMER_SEARCHED: "customer_search",
    AuditAction.CUSTOMERS_IMPORTED: "customer_import",
    AuditAction.REPRESENTATIVE_ADDED: "customer",
    AuditAction.RETENTION_REMOVED: "customer",
}


def record_audit(
    uow: UnitOfWork, actor: Actor, action: AuditAction, record_id: str | int, clock: Clock, **detail: str
) -> None:
    """Adds one event to the unit of work, so it commits with the change it describes or not at all."""
    uow.audit.record(AuditEvent(actor.user_id, action.value, action.record_type, str(record_id), clock(), detail))
