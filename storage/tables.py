"""SQLModel tables. Times are stored as timezone-aware UTC (DESIGN §5)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Refuses naive datetimes on the way in and returns aware UTC on the way out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class StaffMemberRecord(SQLModel, table=True):
    __tablename__ = "staff_member"

    user_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=256)
    """Entra allows display names of 256 characters."""
    is_determination_team: bool = False
    line_manager_id: str | None = Field(default=None, max_length=64)
    teams_user_id: str | None = Field(default=None, max_length=256)
    listed: bool = False
    is_reception: bool = False
    is_administrator: bool = False


class CustomerRecord(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=800, index=True)
    """The name's NFKD, case-folded form, which can be longer than the name itself."""
    council_reference: str | None = Field(default=None, max_length=40, index=True)
    postcode: str | None = Field(default=None, max_length=10, index=True)
    phone: str | None = Field(default=None, max_length=20, index=True)
    email: str | None = Field(default=None, max_length=254, index=True)
    other_names: str = Field(default="", max_length=400)
    date_of_birth: date | None = None
    address: str = Field(default="", max_length=400)
    no_fixed_address: bool = False
    reasonable_adjustments: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    communication_needs: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = _utc()
    retention_anchor_at: datetime | None = _utc(nullable=True)
    """The end of the latest measure retention has removed: the customer's incidents are kept for their period
    after it (casework/policy.py retention rules; migration 0025)."""


class CustomerNameToken(SQLModel, table=True):
    """Each word of a customer's names with its first two and three letters: a typo-tolerant name search
    looks candidates up by prefix through an index, then ranks them, on SQLite and PostgreSQL alike."""

    __tablename__ = "customer_name_token"
    __table_args__ = (Index("ix_name_token_p3", "prefix3"), Index("ix_name_token_p2", "prefix2"))

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    token: str = Field(primary_key=True, max_length=100)
    prefix2: str = Field(max_length=2)
    prefix3: str = Field(max_length=3)


class RepresentativeRecord(SQLModel, table=True):
    __tablename__ = "representative"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=200)
    relationship: str = Field(max_length=100)
    authority: str = Field(max_length=400)


class IncidentRecord(SQLModel, table=True):
    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    reference: str | None = Field(default=None, max_length=32, unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    reported_by: str = Field(max_length=64, index=True)
    occurred_at: datetime = _utc(index=True)
    """Indexed for the oversight figures, which count a period's incidents by when they happened (migration 0024)."""
    channel: str = Field(max_length=32)
    actions: list[str] = Field(sa_column=Column(JSON, nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    submission_key: str = Field(max_length=64, unique=True)
    service_area: str = Field(default="other", max_length=40)
    acting_party: str = Field(default="customer", max_length=20)
    representative_name: str | None = Field(default=None, max_length=200)
    immediate_steps: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    informal_warning_given: bool = False
    safeguarding_concern: bool = Field(default=False, index=True)
    support_need: bool = False
    serious_threats: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    manager_outcome: str | None = Field(default=None, max_length=40)
    manager_outcome_by: str | None = Field(default=None, max_length=64)
    manager_outcome_at: datetime | None = _utc(nullable=True)
    reported_at: datetime | None = _utc(nullable=True)
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    created_at: datetime = _utc()
    other_action: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    customer_recording: bool = False
    recording_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    matter_reference: str = Field(default="", max_length=100)


class IncidentAmendmentRecord(SQLModel, table=True):
    """One correction of an incident, with the changed fields before and after: the incident row holds the newest
    version and these rows every earlier one. The unique version means two corrections at once cannot both
    build on the same version."""

    __tablename__ = "incident_amendment"
    __table_args__ = (UniqueConstraint("incident_id", "version", name="uq_incident_amendment_version"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    version: int
    amended_at: datetime = _utc()
    amended_by: str = Field(max_length=64)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    before: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    after: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))


class EscalationRecord(SQLModel, table=True):
    __tablename__ = "escalation"
    __table_args__ = (Index("ux_escalation_submission_key", "submission_key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(max_length=40)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    requested_by: str = Field(max_length=64)
    requested_at: datetime = _utc()
    investigation_reference: str | None = Field(default=None, max_length=100)
    serious_threat: str | None = Field(default=None, max_length=40)
    legal_advice_reference: str | None = Field(default=None, max_length=200)
    restrictions: list[str] = Field(sa_column=Column(JSON, nullable=False))
    terms: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    state: str = Field(max_length=20, index=True)
    card_conversation_id: str | None = Field(default=None, max_length=400)
    card_activity_id: str | None = Field(default=None, max_length=200)
    question: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    last_chased_at: datetime | None = _utc(nullable=True)
    # Unique through the index ux_escalation_submission_key (migration 0012).
    submission_key: str | None = Field(default=None, max_length=64)
    no_warning_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Further action and service withdrawal (s14.3, s15.4): casework.entities.SeriousStepParticulars as a dict.
    particulars: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    review_id: int | None = Field(default=None, foreign_key="review.id")
    """The review an extension request came from (s13.2; migration 0023)."""


class VoteRecord(SQLModel, table=True):
    """One member's approve or decline: the composite key makes a second click by the same member a no-op."""

    __tablename__ = "vote"

    escalation_id: int = Field(foreign_key="escalation.id", primary_key=True)
    member_id: str = Field(primary_key=True, max_length=64)
    outcome: str = Field(max_length=20)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    alternatives_considered: bool = False
    at: datetime = _utc()


class EscalationIncident(SQLModel, table=True):
    """The incidents an escalation rests on: its evidence."""

    __tablename__ = "escalation_incident"

    escalation_id: int = Field(foreign_key="escalation.id", primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", primary_key=True)


class DecisionRecord(SQLModel, table=True):
    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    # One decision per escalation, whatever races: the database, not the process, enforces it.
    escalation_id: int = Field(foreign_key="escalation.id", unique=True)
    outcome: str = Field(max_length=20)
    decided_by: str = Field(max_length=64)
    decided_at: datetime = _utc(index=True)
    notes: str = Field(sa_column=Column(Text, nullable=False))


class MeasureRecord(SQLModel, table=True):
    """A formal warning, restriction, further action or service withdrawal in force; it stops applying at ended_at
    with no job needed."""

    __tablename__ = "measure"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(max_length=20)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    starts_at: datetime = _utc(index=True)
    review_due_at: datetime = _utc()
    ended_at: datetime | None = _utc(nullable=True)
    case_owner_id: str = Field(max_length=64)
    restrictions: list[str] = Field(sa_column=Column(JSON, nullable=False))
    terms: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    particulars: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    confirm_by: datetime | None = _utc(nullable=True)
    """An immediate restriction (s12.3) not yet confirmed by a second member: when it must be (migration 0023)."""
    confirmation_chased_at: datetime | None = _utc(nullable=True)


class Review(SQLModel, table=True):
    """A scheduled review of a measure (s13) and the durable state of its reminder."""

    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("measure_id", "due_at", name="uq_review_measure_due"),
        Index("ix_review_unsent_due", "reminder_sent_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    due_at: datetime = _utc(index=True)
    reminder_sent_at: datetime | None = _utc(nullable=True)
    reminder_claimed_by: str | None = Field(default=None, max_length=64)
    reminder_claimed_until: datetime | None = _utc(nullable=True)
    owner_id: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = _utc(nullable=True, index=True)
    outcome: str | None = Field(default=None, max_length=20)
    decided_by: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    customer_advised: bool = False
    not_advised_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    last_escalated_at: datetime | None = _utc(nullable=True)


class CorrespondenceItemRecord(SQLModel, table=True):
    """An item of correspondence placed on file under a restriction (s16), and its review once recorded."""

    __tablename__ = "correspondence_item"
    __table_args__ = (Index("ix_correspondence_item_unreviewed", "reviewed_at", "logged_at"),)

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    received_on: date
    channel: str = Field(max_length=32)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    attachment_reference: str = Field(default="", max_length=200)
    logged_by: str = Field(max_length=64)
    logged_at: datetime = _utc()
    reviewer_id: str = Field(max_length=64, index=True)
    submission_key: str = Field(max_length=64, unique=True)
    reviewed_at: datetime | None = _utc(nullable=True)
    reviewed_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=40)
    service_area: str | None = Field(default=None, max_length=40)
    review_notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    escalated_at: datetime | None = _utc(nullable=True)


class AppealRecord(SQLModel, table=True):
    """A complaint or appeal about a measure (s11.4) and its outcome, once an uninvolved member decides it."""

    __tablename__ = "appeal"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    kind: str = Field(max_length=20)
    decision: str = Field(max_length=20)
    received_on: date = Field(index=True)
    channel: str = Field(max_length=20)
    grounds: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = _utc()
    outcome: str | None = Field(default=None, max_length=20, index=True)
    reasons: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = _utc(nullable=True, index=True)
    new_review_due_at: datetime | None = _utc(nullable=True)
    card_conversation_id: str | None = Field(default=None, max_length=400)
    card_activity_id: str | None = Field(default=None, max_length=200)


class OmbudsmanSignpostingRecord(SQLModel, table=True):
    """A matter on which the customer was signposted to the Ombudsman (s17)."""

    __tablename__ = "ombudsman_signposting"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    matter: str = Field(max_length=200)
    signposted_on: date
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = _utc()


class LetterRecord(SQLModel, table=True):
    """One version of a letter to the customer (s11.4, s13); a new production adds a version, never overwrites.
    About a measure, or about an escalation decided without one (further action, s14; a mandatory service
    withdrawn, s15.4): exactly one of the two."""

    __tablename__ = "letter"
    __table_args__ = (
        UniqueConstraint("measure_id", "kind", "version", name="uq_letter_measure_kind_version"),
        UniqueConstraint("escalation_id", "kind", "version", name="uq_letter_escalation_kind_version"),
        CheckConstraint("(measure_id IS NULL) <> (escalation_id IS NULL)", name="ck_letter_about_one"),
        Index("ix_letter_reception", "delivery_method", "collected_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int | None = Field(default=None, foreign_key="measure.id", index=True)
    escalation_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("escalation.id", name="fk_letter_escalation_id"), nullable=True, index=True
        ),
    )
    kind: str = Field(max_length=20)
    version: int
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    docx: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = _utc()
    created_by: str = Field(max_length=64)
    issued_at: datetime | None = _utc(nullable=True)
    issued_by: str | None = Field(default=None, max_length=64)
    delivery_method: str | None = Field(default=None, max_length=20)
    delivered_on: date | None = None
    collected_on: date | None = None
    reason: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    """Why this version was made, when it corrects an earlier one."""
    delivered_to: str | None = Field(default=None, max_length=254)
    """The email address an emailed letter went to."""
    collected_by: str | None = Field(default=None, max_length=200)
    """Who collected a letter held at reception (the customer or their representative)."""


class OversightDigestRecord(SQLModel, table=True):
    """A digest of the oversight figures posted to the determination team's channel (issue 19): the primary key
    makes "once per period" a database fact across instances and restarts (migration 0024)."""

    __tablename__ = "oversight_digest"

    period_code: str = Field(primary_key=True, max_length=12)
    """2026-11 for a month's, 2026Q4 for a quarter's."""
    kind: str = Field(max_length=10)
    posted_at: datetime = _utc()
    posted_by: str = Field(max_length=64)
    """The instance whose sweep wrote it to the outbox."""


class AuditEventRecord(SQLModel, table=True):
    """Append-only and hash-chained (issue 14, storage/audit_chain.py): the database refuses UPDATE and DELETE and
    fills prev_hash and hash itself as each row is inserted; the unique prev_hash means the chain cannot fork."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_record", "record_type", "record_id"),
        Index("ux_audit_prev_hash", "prev_hash", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc(index=True)
    actor_id: str = Field(max_length=64)
    action: str = Field(max_length=60)
    record_type: str = Field(max_length=40)
    record_id: str = Field(max_length=64)
    detail: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)
    redacted_in: int | None = None
    """The audit.redacted event that blanked this row's actor, record and detail when its retention period ended;
    the row keeps its hash, so the chain still verifies (storage/audit_chain.py; migration 0025)."""


class OutboxMessageRecord(SQLModel, table=True):
    """A message the bot sends on its own, written with the fact that causes it (issue 15)."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_waiting", "state", "addressee", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    addressee: str = Field(max_length=80)
    purpose: str = Field(max_length=40)
    subject: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    coalesce_key: str | None = Field(default=None, max_length=80)
    state: str = Field(default="pending", max_length=12)
    attempts: int = 0
    created_at: datetime = _utc()
    available_at: datetime = _utc()
    sent_at: datetime | None = _utc(nullable=True)
    activity_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=500)


class OutboxConversation(SQLModel, table=True):
    """One row per conversation the outbox sends to: the lease that lets one worker at a time send to it (so its
    order and Teams' per-conversation limits hold across instances), and when it may be tried again."""

    __tablename__ = "outbox_conversation"

    addressee: str = Field(primary_key=True, max_length=80)
    claimant: str | None = Field(default=None, max_length=64)
    leased_until: datetime | None = _utc(nullable=True)
    retry_at: datetime | None = _utc(nullable=True)


class StoredConversationReference(SQLModel, table=True):
    """Where the bot can reach a person or a channel proactively (captured from their activities)."""

    __tablename__ = "conversation_reference"

    conversation_id: str = Field(primary_key=True, max_length=400)
    conversation_type: str = Field(max_length=20)
    user_id: str | None = Field(default=None, max_length=64, index=True)
    tenant_id: str | None = Field(default=None, max_length=64)
    reference: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _utc()


class TenantServiceUrl(SQLModel, table=True):
    """The Bot Connector address Teams last used for a tenant: how a configured channel nobody has spoken in yet
    is reached (issue 15)."""

    __tablename__ = "tenant_service_url"

    tenant_id: str = Field(primary_key=True, max_length=64)
    service_url: str = Field(max_length=500)
    updated_at: datetime = _utc()


class BotStateItem(SQLModel, table=True):
    """Bot Framework conversation and dialog state, with an eTag for optimistic concurrency."""

    __tablename__ = "bot_state"

    key: str = Field(primary_key=True, max_length=1000)
    data: str = Field(sa_column=Column(Text, nullable=False))
    etag: str = Field(max_length=40)
    updated_at: datetime = _utc()


class ScheduledRun(SQLModel, table=True):
    """A daily job's claim: an instance runs the job only by moving last_run_on to today (retention, issue 19)."""

    __tablename__ = "scheduled_run"

    job: str = Field(primary_key=True, max_length=40)
    last_run_on: date | None = None


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for statements that read or write columns rather than load models."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]
