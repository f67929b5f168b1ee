"""The committee report's figures for whoever follows a download link (issue 19, s3, s4.3): only the determination
team, and every download, or refusal, in the audit trail. The report holds no personal data (aggregates, small
groups withheld), but the committee's figures are the team's to release, not anyone's who has a forwarded link."""

from __future__ import annotations

from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.entities import Actor
from casework.errors import AccessRefused
from casework.oversight import OversightFigures, figures_for, oversight_figures, period_typed
from casework.ports import UnitOfWork


def figures_for_report(
    uow: UnitOfWork, user_id: str, period_code: str, file_format: str, clock: Clock, oversight_minimum_group: int
) -> OversightFigures:
    """The period's figures for the .docx or .csv, for a member of the team only, as `stats` gives them (the same
    check on the record), each download or refusal audited. A period code that does not parse raises
    PeriodNotUnderstood (the link was signed for it, so it never should)."""
    actor = Actor(user_id, user_id)
    try:
        figures = oversight_figures(uow, actor, period_code, clock, oversight_minimum_group)
    except AccessRefused:
        _audit(uow, actor, AuditAction.COMMITTEE_REPORT_REFUSED, period_code, file_format, clock)
        raise AccessRefused("Only the determination team can download the committee report.") from None
    _audit(uow, actor, AuditAction.COMMITTEE_REPORT_DOWNLOADED, period_code, file_format, clock)
    return figures


def _audit(
    uow: UnitOfWork, actor: Actor, action: AuditAction, period_code: str, file_format: str, clock: Clock
) -> None:
    with uow:
        record_audit(uow, actor, action, period_code, clock, format=file_format)
        uow.commit()


def committee_figures(
    uow: UnitOfWork, period_text: str, clock: Clock, oversight_minimum_group: int
) -> OversightFigures:
    """The figures for the administrator's command line, which needs no Teams identity. A period not understood
    raises PeriodNotUnderstood with what to type, reading nothing."""
    now = clock()
    return figures_for(uow, period_typed(period_text, now), now, oversight_minimum_group)
