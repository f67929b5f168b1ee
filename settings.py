"""Configuration from the environment and an optional .env file (see .env.example)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from casework.configuration import DecisionRules, RetentionPeriods
from casework.vocabulary import EscalationKind


def _approval_counts(text: str) -> dict[str, int]:
    kinds = {kind.value for kind in EscalationKind} | {"immediate_restriction"}
    counts: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        kind, _, number = part.partition("=")
        if kind.strip() not in kinds or not number.strip().isdigit() or int(number) < 1:
            raise ValueError(f"APPROVALS_REQUIRED: {part!r} should be kind=number, kind one of {sorted(kinds)}")
        counts[kind.strip()] = int(number)
    return counts


class UnsafeConfiguration(ValueError):
    """The settings would run the bot without the protection production needs."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    app_id: str = Field("", alias="MicrosoftAppId")
    app_password: str = Field("", alias="MicrosoftAppPassword", repr=False)
    app_type: str = Field("SingleTenant", alias="MicrosoftAppType")
    app_tenant_id: str = Field("", alias="MicrosoftAppTenantId")

    development_mode: bool = Field(False, alias="DEVELOPMENT_MODE")
    database_url: str = Field("sqlite:///./data/uca-bot.db", alias="DATABASE_URL")
    host: str = Field("0.0.0.0", alias="HOST")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    database_connect_timeout_seconds: float = Field(3.0, alias="DATABASE_CONNECT_TIMEOUT_SECONDS", gt=0, le=60)
    database_statement_timeout_seconds: float = Field(5.0, alias="DATABASE_STATEMENT_TIMEOUT_SECONDS", gt=0, le=600)
    database_pool_timeout_seconds: float = Field(3.0, alias="DATABASE_POOL_TIMEOUT_SECONDS", gt=0, le=60)
    sqlite_busy_timeout_seconds: float = Field(5.0, alias="SQLITE_BUSY_TIMEOUT_SECONDS", gt=0, le=60)
    database_call_timeout_seconds: float = Field(4.0, alias="DATABASE_CALL_TIMEOUT_SECONDS", gt=0, le=60)
    """How long a turn waits for one database call (queueing for a worker thread included) before telling the
    person the case records cannot be reached; /healthz answers 503 after as long."""
    instances: int = Field(1, alias="INSTANCES", ge=1)
    """How many copies of the app run against this database (behind a load balancer)."""
    port: int = Field(3978, alias="PORT")
    subject_access_redact_staff: bool = Field(False, alias="SUBJECT_ACCESS_REDACT_STAFF")
    """Subject access exports (admin.py export-customer) show staff as "Staff member N" instead of by name; the
    command's --redact-staff / --no-redact-staff overrides it."""

    allowed_tenant_ids: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="ALLOWED_TENANT_IDS")
    determination_team_conversation_id: str = Field("", alias="DETERMINATION_TEAM_CONVERSATION_ID")
    staff_team_ids: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="STAFF_TEAM_IDS")
    """Teams (their ids, or any of their channels') whose members are staff without the administrator listing them
    (bot/staff_roster.py). Empty: only the administrator's list (python admin.py add-staff)."""
    staff_roster_minutes: float = Field(15, alias="STAFF_ROSTER_MINUTES", gt=0)
    """How long a team's roster is kept before it is read from Teams again."""

    safety_guidance: str = Field(
        "If anyone is in immediate danger, call 999. Then tell your line manager and the Health and Safety "
        "officer today. If someone may harm themselves, follow the safeguarding procedure and contact the "
        "council's Safeguarding Lead.",
        alias="SAFETY_GUIDANCE",
    )
    recording_guidance: str = Field(
        "Customers may record us to keep a record of what was discussed, and some need to because of a disability "
        "(s7.3, s7.4): carry on as usual and stay professional. You may ask why they are recording. If a recording "
        "is broadcast live, or you feel unsafe, end the call or meeting politely and tell your line manager.",
        alias="RECORDING_GUIDANCE",
    )
    """What staff are shown when a report involves recording (s7.4: the advice staff are given)."""

    approvals_required: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict, alias="APPROVALS_REQUIRED")
    """e.g. "restriction=2,further_action=3": approvals each kind needs; unnamed kinds keep their defaults."""
    immediate_confirmation_hours: int = Field(24, alias="IMMEDIATE_CONFIRMATION_HOURS", ge=1)
    """How long a second member has to confirm an immediate restriction (s12.3) approved by one."""
    immediate_confirmation_remind_hours: float = Field(4, alias="IMMEDIATE_CONFIRMATION_REMIND_HOURS", gt=0)
    """How long before that window ends the team's channel is reminded to confirm or overturn it."""
    immediate_unconfirmed: Literal["chase", "lapse"] = Field("chase", alias="IMMEDIATE_UNCONFIRMED")
    """When the window passes unconfirmed: "chase" (the team is reminded every IMMEDIATE_UNCONFIRMED_CHASE_HOURS
    and the status and decision cards show it OVERDUE; it stays in force), or "lapse" (it ends, and the case owner
    gets the withdrawal letter to issue)."""
    immediate_unconfirmed_chase_hours: float = Field(4, alias="IMMEDIATE_UNCONFIRMED_CHASE_HOURS", gt=0)
    escalation_chase_hours: float = Field(48, alias="ESCALATION_CHASE_HOURS", gt=0)
    escalation_chase_repeat_hours: float = Field(24, alias="ESCALATION_CHASE_REPEAT_HOURS", gt=0)

    reminder_sweep_seconds: float = Field(300.0, alias="REMINDER_SWEEP_SECONDS", gt=0)
    reminder_lead_days: int = Field(7, alias="REMINDER_LEAD_DAYS", ge=0)
    review_overdue_repeat_hours: float = Field(24, alias="REVIEW_OVERDUE_REPEAT_HOURS", gt=0)
    correspondence_review_days: float = Field(5, alias="CORRESPONDENCE_REVIEW_DAYS", gt=0, le=60)
    oversight_minimum_group: int = Field(5, alias="OVERSIGHT_MINIMUM_GROUP", ge=1, le=100)
    """The smallest group an equality monitoring figure is shown for (s4.3, issue 19); smaller: "fewer than N"."""
    """How long an item of correspondence on file may wait for its review (s16.1) before it goes to the
    determination team. Calendar days from when it was logged: the policy sets no period, and what the review
    looks for includes safeguarding concerns, so it is kept to less than a working week whatever the weekday (5
    calendar days always hold at least 3 working days, and no bank-holiday calendar is needed to count them)."""
    retention_enabled: bool = Field(True, alias="RETENTION_ENABLED")
    """Whether the sweep runs retention once a day (issue 19); `admin.py retention` works either way."""
    retention_incident_years: int = Field(6, alias="RETENTION_INCIDENT_YEARS", ge=1, le=100)
    """Incidents with their escalations and decisions: years after the customer's last measure ended, or after the
    incident if no measure followed (casework.configuration.RetentionPeriods says why each default)."""
    retention_measure_months: int = Field(6, alias="RETENTION_MEASURE_MONTHS", ge=1, le=1200)
    """An ended measure with its reviews and letters: months after it ended."""
    retention_correspondence_months: int = Field(12, alias="RETENTION_CORRESPONDENCE_MONTHS", ge=1, le=1200)
    """Correspondence on file (s16): months after its review or its measure's end, whichever is later."""
    retention_appeal_years: int = Field(6, alias="RETENTION_APPEAL_YEARS", ge=1, le=100)
    """Decided complaints and appeals (s11.4): years after the decision or the measure's end."""
    retention_signposting_years: int = Field(6, alias="RETENTION_SIGNPOSTING_YEARS", ge=1, le=100)
    """Ombudsman signposting (s17): years after it."""
    retention_lookup_audit_months: int = Field(12, alias="RETENTION_LOOKUP_AUDIT_MONTHS", ge=1, le=1200)
    """The audit of who looked up what: months, then redacted (the hash chain still verifies)."""
    outbound_max_attempts: int = Field(10, alias="OUTBOUND_MAX_ATTEMPTS", ge=1, le=20)
    """Attempts at a message Teams throttles or fails transiently, backing off from the base delay (to ~10 min)."""
    outbound_base_delay_seconds: float = Field(0.5, alias="OUTBOUND_BASE_DELAY_SECONDS", ge=0)
    outbound_timeout_seconds: float = Field(15.0, alias="OUTBOUND_TIMEOUT_SECONDS", gt=0, le=120)
    """How long one call to the Bot Connector may take before it counts as a timeout, retried like a 503."""
    reply_budget_seconds: float = Field(10.0, alias="REPLY_BUDGET_SECONDS", gt=0, le=14)
    """How long, from the start of a person's turn, its replies may be retried when Teams throttles or fails them:
    Teams waits about 15 s for a turn before sending the activity again."""
    outbox_poll_seconds: float = Field(1.0, alias="OUTBOX_POLL_SECONDS", gt=0)
    """How often the outbox worker looks for messages other instances wrote (its own turns wake it at once)."""
    outbox_concurrency: int = Field(4, alias="OUTBOX_CONCURRENCY", ge=1, le=50)
    """Conversations sent to at once; also the most messages a crash can re-send."""
    outbox_lease_seconds: float = Field(60, alias="OUTBOX_LEASE_SECONDS", ge=1)
    """How long a worker holds the conversations it claims: a crashed instance's pass to another after this. It
    must outlast a claim's sending (the lease is not renewed), so shorten it only for tests."""

    letter_link_secret: str = Field("", alias="LETTER_LINK_SECRET", repr=False)
    """Signs letter download links (HMAC-SHA256). Required outside development mode."""
    letter_link_minutes: float = Field(15, alias="LETTER_LINK_MINUTES", gt=0, le=24 * 60)
    """How long a letter download link works; each works once (`work` gives a fresh one)."""
    public_base_url: str = Field("", alias="PUBLIC_BASE_URL")
    """Where staff's browsers reach this app, for letter download links; empty for http://localhost on PORT."""
    council_letters_file: str = Field("", alias="COUNCIL_LETTERS_FILE")
    """The council's letter settings; empty for letters/council.toml."""
    libreoffice_binary: str = Field("", alias="LIBREOFFICE_BINARY")
    """LibreOffice, to offer letters as PDF as well as .docx: a path or a name on PATH; empty to look for soffice or
    libreoffice on PATH. Where it is not found, letters are offered as .docx only."""
    pdf_timeout_seconds: float = Field(60, alias="PDF_TIMEOUT_SECONDS", gt=0, le=600)
    """How long one letter's conversion to PDF may take (LibreOffice's cold start is several seconds)."""

    @property
    def letters_base_url(self) -> str:
        """Where download links point: PUBLIC_BASE_URL, or this app on localhost at the port it serves."""
        return self.public_base_url.strip() or f"http://localhost:{self.port}"

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in ("ALLOWED_TENANT_IDS", "allowed_tenant_ids", "STAFF_TEAM_IDS", "staff_team_ids"):
                value = data.get(key)
                if isinstance(value, str):
                    data[key] = [part.strip() for part in value.split(",") if part.strip()]
            for key in ("APPROVALS_REQUIRED", "approvals_required"):
                value = data.get(key)
                if isinstance(value, str):
                    data[key] = _approval_counts(value)
        return data

    @property
    def retention_periods(self) -> RetentionPeriods:
        return RetentionPeriods(
            incident_years=self.retention_incident_years,
            measure_months=self.retention_measure_months,
            correspondence_months=self.retention_correspondence_months,
            appeal_years=self.retention_appeal_years,
            signposting_years=self.retention_signposting_years,
            lookup_audit_months=self.retention_lookup_audit_months,
        )

    @property
    def decision_rules(self) -> DecisionRules:
        return replace(DecisionRules(confirm_within_hours=self.immediate_confirmation_hours), **self.approvals_required)

    @property
    def authentication_disabled(self) -> bool:
        return not self.app_id

    def check_safe(self) -> None:
        """Refuses to start without credentials or a tenant allow-list unless development mode is explicit,
        and refuses SQLite for several instances in any mode (each would have its own file)."""
        if self.instances > 1 and self.database_url.startswith("sqlite"):
            raise UnsafeConfiguration(
                f"Refusing to start: INSTANCES={self.instances} with a SQLite DATABASE_URL. Several instances need "
                "one shared PostgreSQL database (DATABASE_URL=postgresql://…)."
            )
        if self.development_mode:
            return
        problems = []
        if not self.app_id:
            problems.append("MicrosoftAppId is empty, which turns Bot Framework authentication off")
        if self.app_type.lower() != "userassignedmsi" and self.app_id and not self.app_password:
            problems.append("MicrosoftAppPassword is empty")
        if self.app_type.lower() in ("singletenant", "userassignedmsi") and not self.app_tenant_id:
            problems.append("MicrosoftAppTenantId is empty")
        if not self.allowed_tenant_ids:
            problems.append("ALLOWED_TENANT_IDS is empty, so any tenant could use the bot")
        if len(self.letter_link_secret) < 32:
            problems.append("LETTER_LINK_SECRET is missing or shorter than 32 characters, so letter links are unsigned")
        if problems:
            raise UnsafeConfiguration(
                "Refusing to start: "
                + "; ".join(problems)
                + ". Set them, or set DEVELOPMENT_MODE=true for a local try-out only."
            )
