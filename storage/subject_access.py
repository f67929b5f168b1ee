"""The subject access read (issue 19): every row stored about one customer, a statement per table, each joined on
the customer (never a statement per row), in one transaction so the export is one moment's record.

Every table in storage/tables.py is classified here, as exported per customer (`EXPORTED_TABLES`: the section of
the export its rows go to) or as not customer data (`NOT_CUSTOMER_DATA`: why); tests/test_subject_access.py fails
for a table in neither, so a new table cannot be left out of subject access by accident. casework/subject_access.py
says what is and is not included and why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from casework.subject_access import HeldRecords, RecordKind, Row
from storage.tables import (
    AppealRecord,
    AuditEventRecord,
    CorrespondenceItemRecord,
    CustomerNameToken,
    CustomerRecord,
    DecisionRecord,
    EscalationIncident,
    EscalationRecord,
    IncidentAmendmentRecord,
    IncidentRecord,
    LetterRecord,
    MeasureRecord,
    OmbudsmanSignpostingRecord,
    RepresentativeRecord,
    Review,
    StaffMemberRecord,
    VoteRecord,
    table_of,
)

EXPORTED_TABLES: Mapping[str, RecordKind] = {
    "customer": RecordKind.CUSTOMER,
    "customer_name_token": RecordKind.NAME_TOKENS,
    "representative": RecordKind.REPRESENTATIVES,
    "incident": RecordKind.INCIDENTS,
    "incident_amendment": RecordKind.INCIDENT_AMENDMENTS,
    "escalation": RecordKind.ESCALATIONS,
    "escalation_incident": RecordKind.ESCALATION_INCIDENTS,
    "vote": RecordKind.VOTES,
    "decision": RecordKind.DECISIONS,
    "measure": RecordKind.MEASURES,
    "review": RecordKind.REVIEWS,
    "correspondence_item": RecordKind.CORRESPONDENCE,
    "appeal": RecordKind.APPEALS,
    "ombudsman_signposting": RecordKind.OMBUDSMAN_SIGNPOSTING,
    "letter": RecordKind.LETTERS,
    "audit_event": RecordKind.AUDIT_TRAIL,
}
"""Tables with rows about one customer, and the export's section for them."""

NOT_CUSTOMER_DATA: Mapping[str, str] = {
    "staff_member": "staff, not customers: the staff a customer's records name are shown by name (or pseudonym)",
    "outbox_message": "only a purpose, the ids of the records a staff message is about and its staff addressee; "
    "no customer text (cards are rendered from the records, which are exported)",
    "outbox_conversation": "leases on staff and channel conversations for sending",
    "conversation_reference": "how the bot reaches staff and channels in Teams",
    "tenant_service_url": "the Bot Connector address per tenant",
    "bot_state": "a staff member's unfinished form, keyed by their conversation, not filed against a customer",
    "alembic_version": "Alembic's record of the schema version, nothing else",
    "scheduled_run": "which day's retention run an instance claimed: a date per job, nothing else",
    "oversight_digest": "which month's or quarter's digest was posted: aggregate figures only, nothing about anyone",
}
"""Tables holding nothing about a customer, each with the reason (casework/subject_access.py has the detail)."""

LETTER_FILE_COLUMN = "docx"
"""Not exported: the letter's text is (casework/subject_access.py says why)."""


def _detail(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}


class SqlSubjectAccess:
    def __init__(self, session: Session) -> None:
        self._session = session

    def records_of(self, customer_id: int) -> HeldRecords | None:
        customer = table_of(CustomerRecord)
        customers = self._rows(select(customer).where(customer.c.id == customer_id))
        if not customers:
            return None
        incident = table_of(IncidentRecord)
        escalation = table_of(EscalationRecord)
        measure = table_of(MeasureRecord)
        appeal = table_of(AppealRecord)
        review = table_of(Review)
        letter = table_of(LetterRecord)
        item = table_of(CorrespondenceItemRecord)
        token = table_of(CustomerNameToken)
        representative = table_of(RepresentativeRecord)
        amendment = table_of(IncidentAmendmentRecord)
        vote = table_of(VoteRecord)
        decision = table_of(DecisionRecord)
        link = table_of(EscalationIncident)
        signposting = table_of(OmbudsmanSignpostingRecord)

        escalations_of = select(escalation.c.id).where(escalation.c.customer_id == customer_id)
        measures_of = select(measure.c.id).where(measure.c.customer_id == customer_id)
        letter_columns = [c for c in letter.c if c.name != LETTER_FILE_COLUMN]
        rows: dict[RecordKind, Sequence[Row]] = {
            RecordKind.CUSTOMER: customers,
            RecordKind.NAME_TOKENS: self._rows(
                select(token).where(token.c.customer_id == customer_id).order_by(token.c.token)
            ),
            RecordKind.REPRESENTATIVES: self._rows(
                select(representative).where(representative.c.customer_id == customer_id).order_by(representative.c.id)
            ),
            RecordKind.INCIDENTS: self._rows(
                select(incident).where(incident.c.customer_id == customer_id).order_by(incident.c.id)
            ),
            RecordKind.INCIDENT_AMENDMENTS: self._rows(
                select(amendment)
                .join(incident, incident.c.id == amendment.c.incident_id)
                .where(incident.c.customer_id == customer_id)
                .order_by(amendment.c.incident_id, amendment.c.version)
            ),
            RecordKind.ESCALATIONS: self._rows(
                select(escalation).where(escalation.c.customer_id == customer_id).order_by(escalation.c.id)
            ),
            # Both ends the customer's: an escalation rests only on its own customer's incidents.
            RecordKind.ESCALATION_INCIDENTS: self._rows(
                select(link)
                .join(escalation, escalation.c.id == link.c.escalation_id)
                .join(incident, incident.c.id == link.c.incident_id)
                .where(escalation.c.customer_id == customer_id, incident.c.customer_id == customer_id)
                .order_by(link.c.escalation_id, link.c.incident_id)
            ),
            RecordKind.VOTES: self._rows(
                select(vote)
                .join(escalation, escalation.c.id == vote.c.escalation_id)
                .where(escalation.c.customer_id == customer_id)
                .order_by(vote.c.escalation_id, vote.c.at)
            ),
            RecordKind.DECISIONS: self._rows(
                select(decision)
                .join(escalation, escalation.c.id == decision.c.escalation_id)
                .where(escalation.c.customer_id == customer_id)
                .order_by(decision.c.id)
            ),
            RecordKind.MEASURES: self._rows(
                select(measure).where(measure.c.customer_id == customer_id).order_by(measure.c.id)
            ),
            RecordKind.REVIEWS: self._rows(
                select(review)
                .join(measure, measure.c.id == review.c.measure_id)
                .where(measure.c.customer_id == customer_id)
                .order_by(review.c.id)
            ),
            RecordKind.CORRESPONDENCE: self._rows(
                select(item)
                .join(measure, measure.c.id == item.c.measure_id)
                .where(measure.c.customer_id == customer_id)
                .order_by(item.c.id)
            ),
            RecordKind.APPEALS: self._rows(
                select(appeal).where(appeal.c.customer_id == customer_id).order_by(appeal.c.id)
            ),
            RecordKind.OMBUDSMAN_SIGNPOSTING: self._rows(
                select(signposting).where(signposting.c.customer_id == customer_id).order_by(signposting.c.id)
            ),
            RecordKind.LETTERS: self._rows(
                select(*letter_columns)
                .where(or_(letter.c.measure_id.in_(measures_of), letter.c.escalation_id.in_(escalations_of)))
                .order_by(letter.c.id)
            ),
        }
        rows[RecordKind.AUDIT_TRAIL] = self._audit_candidates(customer_id, rows)
        staff = table_of(StaffMemberRecord)
        names = {str(r.user_id): str(r.name) for r in self._session.execute(select(staff.c.user_id, staff.c.name))}
        return HeldRecords(rows, names)

    def _audit_candidates(self, customer_id: int, rows: Mapping[RecordKind, Sequence[Row]]) -> list[Row]:
        """Events whose record_id is one of the customer's records' ids or references, or the id of a duplicate
        record merged into theirs (the same person), and searches whose detail mentions one of those ids; casework
        matches each to the kind of record its action names."""
        audit = table_of(AuditEventRecord)
        customer_ids = self._merged_into(customer_id)
        keys = set(customer_ids)
        for kind in (
            RecordKind.INCIDENTS,
            RecordKind.ESCALATIONS,
            RecordKind.REVIEWS,
            RecordKind.LETTERS,
            RecordKind.APPEALS,
            RecordKind.CORRESPONDENCE,
        ):
            keys.update(str(row["id"]) for row in rows[kind])
        keys.update(str(row["reference"]) for row in rows[RecordKind.INCIDENTS] if row["reference"])
        searched = audit.c.action == "customer.searched"
        detail = cast(audit.c.detail, String)
        statement = (
            select(audit)
            .where(
                or_(
                    audit.c.record_id.in_(sorted(keys)),
                    searched & or_(*(detail.like(f"%{key}%") for key in sorted(customer_ids))),
                )
            )
            .order_by(audit.c.id)
        )
        return self._rows(statement)

    def _merged_into(self, customer_id: int) -> set[str]:
        """The customer's id and those of every duplicate merged into it (admin.py merge-customers), and into those:
        a statement per generation of merges, usually one that finds none."""
        audit = table_of(AuditEventRecord)
        found = {str(customer_id)}
        frontier = set(found)
        while frontier:
            merged = select(audit.c.detail).where(
                audit.c.action == "customer.merged", audit.c.record_id.in_(sorted(frontier))
            )
            duplicates = {str(_detail(row[0]).get("duplicate", "")) for row in self._session.execute(merged)}
            frontier = duplicates - found - {""}
            found |= frontier
        return found

    def _rows(self, statement: Select[Any]) -> list[Row]:
        return [dict(row._mapping) for row in self._session.execute(statement)]
