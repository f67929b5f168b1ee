"""Oversight figures (issue 19): whether the policy is applied fairly and on time, for the determination team and the
committee (s3, s4.3, the cover report's Equality Impact Assessment).

One read-side use case, `oversight_figures`, gives a period's figures as one frozen `OversightFigures`: the `stats`
command's card, the monthly and quarterly digest, the committee report (.docx) and its CSV all render it, so they
cannot disagree. The database aggregates (storage/oversight_reads.py, behind `OversightReads`); this module gives the
counts their labels, in the vocabulary's order, and withholds equality figures for groups too small to show.

What each figure counts, for the period [start, end) in UK time:

- incidents: by when they happened (`occurred_at`); one with several unreasonable actions counts under each action.
- warnings and restrictions: the measures that started in the period, by kind; restrictions also by type of
  restriction (s15.2) and scope (one service or council-wide, s15.1).
- reviews (s13.1): those due in the period, on time (decided by the due date), overdue (decided after it, or still
  undecided once it passed) or not yet due, as of the period's end (or now, for a period still running).
- lifted and extended: review decisions made in the period (s13.1, s13.2).
- appeals (s11.4): complaints and appeals received in the period, by kind; outcomes of those decided in the period;
  those received in the period still open.
- report to decision: for escalations decided in the period, the days from the newest incident report they rest on
  (the report that led to the request; the request itself when none, e.g. an extension) to the decision; median.
- decision to letter: for approvals in the period whose letter has been issued, the days from the decision to the
  first issue of its letter; median.
- safeguarding: incidents in the period flagged as a safeguarding concern (s8.4), and items of correspondence on file
  whose review in the period found one (s16.1).
- equality monitoring (s4.3), in aggregate only: restrictions that started in the period where the customer had
  reasonable adjustments on record or a support need was flagged on an incident it rests on; warnings and
  restrictions that started in the period for customers with a recorded support need (adjustments or communication
  needs on record, or a need flagged on any of their incidents). A figure for fewer than `minimum_group` is withheld
  (None; "fewer than 5" in text). Its complement is not given either, so it cannot be worked out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from casework import policy
from casework.audit import AuditAction, record_audit
from casework.configuration import Clock
from casework.entities import Actor, ReportingPeriod
from casework.errors import AccessRefused, CaseworkError
from casework.events import DigestDue
from casework.outbox import publish
from casework.ports import OversightFacts, UnitOfWork
from casework.vocabulary import (
    AppealKind,
    AppealOutcome,
    ContactChannel,
    ContactRestriction,
    MeasureKind,
    ServiceArea,
    UnreasonableAction,
)


class PeriodNotUnderstood(CaseworkError):
    """What was typed is not a period the figures can be given for; the message says what to type."""


@dataclass(frozen=True)
class FigureRow:
    """One labelled count: `key` is the stored value (a channel, an action, a kind), stable for a CSV column."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class GroupFigure:
    """An equality monitoring figure: `count` is None when the group is smaller than the minimum, and `text` then
    says "fewer than 5" instead of a number."""

    key: str
    label: str
    count: int | None
    text: str

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class MedianDays:
    """The median of a duration in days over `cases` cases; None when there were none."""

    days: float | None
    cases: int

    @property
    def text(self) -> str:
        if self.days is None:
            return "none in the period"
        return f"{self.days:.1f} days (of {self.cases})"


@dataclass(frozen=True)
class ReviewFigures:
    on_time: int
    overdue: int
    not_yet_due: int

    @property
    def due(self) -> int:
        return self.on_time + self.overdue + self.not_yet_due


@dataclass(frozen=True)
class AppealFigures:
    received: tuple[FigureRow, ...]
    """By kind: complaint, appeal."""
    outcomes: tuple[FigureRow, ...]
    """Of those decided in the period: upheld, varied, lifted."""
    still_open: int
    """Received in the period and not yet decided."""

    @property
    def received_total(self) -> int:
        return sum(row.count for row in self.received)


@dataclass(frozen=True)
class EqualityFigures:
    """In aggregate only (s4.3); each figure withheld for a group smaller than the minimum."""

    restrictions: int
    """Restrictions that started in the period (shown elsewhere too: the base of the first figure)."""
    restrictions_with_adjustments: GroupFigure
    support_need_warnings: GroupFigure
    support_need_restrictions: GroupFigure

    @property
    def rows(self) -> tuple[GroupFigure, ...]:
        return (self.restrictions_with_adjustments, self.support_need_warnings, self.support_need_restrictions)


@dataclass(frozen=True)
class OversightFigures:
    """A period's oversight figures, for the `stats` card, the digest, the committee report and its CSV."""

    period: ReportingPeriod
    as_of: datetime
    """When they were computed: reviews still undecided count as overdue only once their due date passed by then."""
    complete: bool
    """The period had ended by `as_of` (False for `this month` and `this quarter`)."""
    minimum_group: int
    incidents: int
    incidents_by_action: tuple[FigureRow, ...]
    incidents_by_channel: tuple[FigureRow, ...]
    incidents_by_service: tuple[FigureRow, ...]
    measures_by_kind: tuple[FigureRow, ...]
    """Warnings, restrictions, further action and service withdrawals that started in the period."""
    restrictions_by_type: tuple[FigureRow, ...]
    restrictions_by_scope: tuple[FigureRow, ...]
    """"all" for council-wide, then each service."""
    reviews: ReviewFigures
    lifted: int
    extended: int
    appeals: AppealFigures
    report_to_decision: MedianDays
    decision_to_letter: MedianDays
    safeguarding_incidents: int
    safeguarding_correspondence: int
    equality: EqualityFigures


COUNCIL_WIDE = "all"
"""The scope key of a restriction covering every council service."""


ONLY_THE_TEAM = "Only members of the determination team can see the oversight figures."


def oversight_figures(
    uow: UnitOfWork, actor: Actor, period_text: str, clock: Clock, oversight_minimum_group: int
) -> OversightFigures:
    """`stats [period]` for a member of the determination team (s3): the figures for the period typed; nothing
    typed, the last complete month. Bad input raises PeriodNotUnderstood with what to type, reading nothing."""
    now = clock()
    period = period_typed(period_text, now)
    with uow:
        uow.statement_by_statement()
        member = uow.staff.get(actor.user_id)
        if member is None or not member.is_determination_team:
            raise AccessRefused(ONLY_THE_TEAM)
        return _read(uow, period, now, oversight_minimum_group)


def period_typed(period_text: str, now: datetime) -> ReportingPeriod:
    """The period typed (nothing: the last complete month), or PeriodNotUnderstood saying what to type."""
    try:
        return policy.reporting_period(period_text, now)
    except policy.PeriodNotUnderstood as error:
        raise PeriodNotUnderstood(str(error)) from error


def figures_for(uow: UnitOfWork, period: ReportingPeriod, now: datetime, minimum_group: int) -> OversightFigures:
    """The figures for `period` as of `now`, read in one unit of work that takes no locks (the digest, the committee
    report)."""
    with uow:
        uow.statement_by_statement()
        return _read(uow, period, now, minimum_group)


def _read(uow: UnitOfWork, period: ReportingPeriod, now: datetime, minimum_group: int) -> OversightFigures:
    as_of = min(now, period.end)
    facts = uow.oversight.oversight_facts(period.start, period.end, as_of)
    return shaped(facts, period, as_of, minimum_group)


DIGEST_SWEEP = Actor("system", "Oversight digest")


def post_due_digests(uow: UnitOfWork, claimant: str, clock: Clock) -> tuple[str, ...]:
    """The sweep, at the start of each month and quarter (s3): the digest of the month and of the quarter just
    ended goes to the determination team's channel, once each whatever the instances and restarts (the claim is a
    row keyed by the period, written with the outbox message and its audit in one transaction). Returns the codes
    of the periods posted now."""
    now = clock()
    posted: list[str] = []
    with uow:
        for period in policy.digest_periods(now):
            if uow.oversight.claim_digest(period.code, period.kind.value, now, claimant):
                record_audit(
                    uow, DIGEST_SWEEP, AuditAction.OVERSIGHT_DIGEST_POSTED, period.code, clock, kind=period.kind.value
                )
                posted.append(period.code)
        publish(uow, [DigestDue(code) for code in posted], clock)
        uow.commit()
    return tuple(posted)


def digest_figures(uow: UnitOfWork, period_code: str, clock: Clock, oversight_minimum_group: int) -> OversightFigures:
    """The figures a digest shows, read when it is sent (the outbox renders every card from the records then)."""
    now = clock()
    return figures_for(uow, policy.reporting_period(period_code, now), now, oversight_minimum_group)


def shaped(facts: OversightFacts, period: ReportingPeriod, as_of: datetime, minimum_group: int) -> OversightFigures:
    """Labels, the vocabulary's order, and the withheld small groups (policy.group_figure)."""
    scope_labels = {COUNCIL_WIDE: "All council services"} | {s.value: s.label for s in ServiceArea}
    scopes = {(key or COUNCIL_WIDE): count for key, count in facts.restrictions_by_scope.items()}
    measures = _rows(facts.measures_by_kind, {k.value: policy.measure_name(k) for k in MeasureKind})

    def group(key: str, label: str, count: int) -> GroupFigure:
        shown = policy.group_figure(count, minimum_group)
        return GroupFigure(key, label, shown, policy.group_figure_text(shown, minimum_group))

    return OversightFigures(
        period=period,
        as_of=as_of,
        complete=as_of >= period.end,
        minimum_group=minimum_group,
        incidents=facts.incidents,
        incidents_by_action=_rows(facts.incidents_by_action, {a.value: a.label for a in UnreasonableAction}),
        incidents_by_channel=_rows(facts.incidents_by_channel, {c.value: c.label for c in ContactChannel}),
        incidents_by_service=_rows(facts.incidents_by_service, {s.value: s.label for s in ServiceArea}),
        measures_by_kind=measures,
        restrictions_by_type=_rows(facts.restrictions_by_type, {r.value: r.label for r in ContactRestriction}),
        restrictions_by_scope=_rows(scopes, scope_labels),
        reviews=ReviewFigures(facts.reviews_on_time, facts.reviews_overdue, facts.reviews_not_yet_due),
        lifted=facts.lifted,
        extended=facts.extended,
        appeals=AppealFigures(
            received=_rows(facts.appeals_by_kind, {k.value: k.label for k in AppealKind}),
            outcomes=_rows(facts.appeal_outcomes, {o.value: o.value.capitalize() for o in AppealOutcome}),
            still_open=facts.appeals_open,
        ),
        report_to_decision=MedianDays(facts.report_to_decision_median_days, facts.report_to_decision_count),
        decision_to_letter=MedianDays(facts.decision_to_letter_median_days, facts.decision_to_letter_count),
        safeguarding_incidents=facts.safeguarding_incidents,
        safeguarding_correspondence=facts.safeguarding_correspondence,
        equality=EqualityFigures(
            restrictions=facts.measures_by_kind.get(MeasureKind.RESTRICTION.value, 0),
            restrictions_with_adjustments=group(
                "restrictions_with_adjustments",
                "Restrictions where reasonable adjustments were on record or a support need was flagged",
                facts.restrictions_with_adjustments,
            ),
            support_need_warnings=group(
                "support_need_warnings",
                "Formal warnings for customers with a recorded support need",
                facts.support_need_warnings,
            ),
            support_need_restrictions=group(
                "support_need_restrictions",
                "Restrictions for customers with a recorded support need",
                facts.support_need_restrictions,
            ),
        ),
    )


def _rows(counts: Mapping[str, int], labels: Mapping[str, str]) -> tuple[FigureRow, ...]:
    """Every known value in the vocabulary's order, zeros included (a CSV's columns stay the same), then any value
    stored that the vocabulary no longer has, under its stored name."""
    known = [FigureRow(key, label, counts.get(key, 0)) for key, label in labels.items()]
    unknown = [FigureRow(key, key, count) for key, count in sorted(counts.items()) if key not in labels]
    return tuple(known + unknown)


def non_zero(rows: Iterable[FigureRow]) -> tuple[FigureRow, ...]:
    """The rows worth drawing, largest first (ties in the vocabulary's order)."""
    return tuple(sorted((r for r in rows if r.count), key=lambda r: -r.count))
