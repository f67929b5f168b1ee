"""Retention (issue 19): removes what has been kept its full period and nothing that anything open rests on.

UK GDPR Art. 5(1)(e), storage limitation: personal data is kept no longer than its purpose needs. The purposes here
are the policy's: the evidence decisions rest on (s11.1, s12.2), reviews (s13), complaints and appeals (s11.4, s17).
What has expired is decided by casework.policy.expired_records, a pure function of the customer's file and the
configured RetentionPeriods; this use case reads each file, applies the decision and audits it.

Each customer is one transaction: their expired records are deleted, the audit events naming their representatives
or who collected their letters redacted, and one retention.removed event records counts and ids per kind (never a
name), all committed together or not at all. Lookups older than their period are then redacted in the audit trail,
which keeps its hash chain verifiable (storage/audit_chain.py). A dry run reads the same and changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock, RetentionPeriods
from casework.entities import Actor
from casework.ports import RetentionUnitOfWork
from casework.vocabulary import RetainedKind

RETENTION_ACTOR = Actor("retention", "Retention (scheduled)")
RETENTION_JOB = "retention"
CUSTOMER_BATCH = 200
LOOKUP_BATCH = 1000
NAMED_IN_AUDIT = "audit_naming"
"""The report's name for audit events redacted because they name a representative or a letter's collector."""


@dataclass
class RetentionReport:
    """What a run removed (or, dry, would remove): ids per kind, and how many customers something open held."""

    dry_run: bool
    removed: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    customers_held: int = 0

    def counts(self) -> dict[str, int]:
        return {kind: len(ids) for kind, ids in sorted(self.removed.items()) if ids}

    @property
    def total(self) -> int:
        return sum(self.counts().values())


def _ids(ids: list[int] | tuple[int, ...]) -> str:
    return ",".join(str(i) for i in ids)


def apply_retention(
    uow: RetentionUnitOfWork, retention: RetentionPeriods, clock: Clock, dry_run: bool = False
) -> RetentionReport:
    """Removes (or, dry, lists) every expired record: customer by customer, then the audit of lookups."""
    now = clock()
    report = RetentionReport(dry_run)
    after = 0
    while True:
        with uow:
            uow.statement_by_statement()
            customer_ids = uow.retention.customer_ids(after, CUSTOMER_BATCH)
        if not customer_ids:
            break
        for customer_id in customer_ids:
            _one_customer(uow, customer_id, retention, now, clock, report)
        after = customer_ids[-1]
    _lookups(uow, retention, now, report)
    return report


def _one_customer(
    uow: RetentionUnitOfWork,
    customer_id: int,
    retention: RetentionPeriods,
    now: datetime,
    clock: Clock,
    report: RetentionReport,
) -> None:
    with uow:
        if report.dry_run:
            uow.statement_by_statement()
        file = uow.retention.customer_file(customer_id, lock=not report.dry_run)
        if file is None:
            return
        decision = policy.expired_records(file, retention, now)
        if decision.holds:
            report.customers_held += 1
        if not decision.removes_anything:
            return
        naming = uow.retention.naming_events(
            customer_id if decision.remove_customer else None, decision.expired.get(RetainedKind.LETTER, ())
        )
        for kind, ids in decision.expired.items():
            report.removed[kind.value].extend(ids)
        report.removed[NAMED_IN_AUDIT].extend(row[0] for row in naming)
        if report.dry_run:
            return
        uow.retention.remove(decision)
        if naming:
            uow.retention.redact(naming, now, RETENTION_ACTOR.user_id, "named someone whose records retention removed")
        detail = {kind.value: str(len(ids)) for kind, ids in decision.expired.items()}
        detail |= {f"{kind.value}_ids": _ids(ids) for kind, ids in decision.expired.items()}
        if naming:
            detail[NAMED_IN_AUDIT] = str(len(naming))
        record_audit(uow, RETENTION_ACTOR, AuditAction.RETENTION_REMOVED, customer_id, clock, **detail)
        uow.commit()


def _lookups(uow: RetentionUnitOfWork, retention: RetentionPeriods, now: datetime, report: RetentionReport) -> None:
    cutoff = policy.lookup_audit_cutoff(retention, now)
    # A dry run has not redacted the lookups it found naming a removed customer: they are reported once, there.
    already = set(report.removed[NAMED_IN_AUDIT])
    after = 0
    while True:
        with uow:
            if report.dry_run:
                uow.statement_by_statement()
            found = uow.retention.lookups_before(cutoff, after, LOOKUP_BATCH)
            if not found:
                return
            after = found[-1][0]
            rows = [row for row in found if row[0] not in already]
            report.removed[RetainedKind.LOOKUP_AUDIT.value].extend(row[0] for row in rows)
            if rows and not report.dry_run:
                uow.retention.redact(
                    rows, now, RETENTION_ACTOR.user_id, f"lookups older than {retention.lookup_audit_months} months"
                )
                uow.commit()


def run_daily_retention(uow: RetentionUnitOfWork, retention: RetentionPeriods, clock: Clock) -> RetentionReport | None:
    """The sweep's daily run: only the instance that claims today's run does it (None elsewhere, and again later
    today). The claim is committed first, so a run that fails part-way leaves every customer it finished removed
    and audited, and the rest for tomorrow."""
    with uow:
        claimed = uow.retention.claim_daily(RETENTION_JOB, clock().date())
        uow.commit()
    if not claimed:
        return None
    return apply_retention(uow, retention, clock)
