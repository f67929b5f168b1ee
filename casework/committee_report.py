"""The committee report's figures for whoever follows a download link (issue 19, s3, s4.3): only the determination
team, and every download, or refusal, in the audit trail. The report holds no personal data (aggregates, small
groups withheld), but the committee's figures are the team's to release, not anyone's who has a forwarded link."""

from __future__ import annotations

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.entities import Actor
from casework.errors import AccessRefused
from casework.oversight import OversightFigures, PeriodNotUnderstood, figures_for
from casework.ports import UnitOfWork


def figures_for_report(
    uow: UnitOfWork, user_id: str, period_code: str, file_format: str, clock: Clock, oversight_minimum_group: int
) -> OversightFigures:
    """The period's figures for the .docx or .csv, after checking on the record that the person is on the team.
    A period code that does not parse raises PeriodNotUnderstood (the link was signed for it, so it never should)."""
    actor = Actor(user_id, user_id)
    with uow:
        member = uow.staff.get(user_id)
        allowed = member is not None and member.is_determination_team
        action = AuditAction.COMMITTEE_REPORT_DOWNLOADED if allowed else AuditAction.COMMITTEE_REPORT_REFUSED
        record_audit(uow, actor, action, period_code, clock, format=file_format)
        uow.commit()
    if not allowed:
        raise AccessRefused("Only the determination team can download the committee report.")
    return committee_figures(uow, period_code, clock, oversight_minimum_group)


def committee_figures(
    uow: UnitOfWork, period_text: str, clock: Clock, oversight_minimum_group: int
) -> OversightFigures:
    """The figures for the report, for a caller already allowed them (a checked link, the administrator's command
    line). A period not understood raises PeriodNotUnderstood with what to type, reading nothing."""
    now = clock()
    try:
        period = policy.reporting_period(period_text, now)
    except policy.PeriodNotUnderstood as error:
        raise PeriodNotUnderstood(str(error)) from error
    return figures_for(uow, period, now, oversight_minimum_group)
