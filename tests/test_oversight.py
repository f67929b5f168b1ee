"""The oversight figures (issue 19, s3, s4.3): against a known month on SQLite and PostgreSQL, small groups withheld,
and the periods `stats` understands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from casework import policy
from casework.entities import Actor
from casework.oversight import FigureRow, OversightFigures, PeriodNotUnderstood, figures_for, oversight_figures
from casework.vocabulary import PeriodKind
from storage.unit_of_work import SqlUnitOfWork
from tests.oversight_data import EXPECTED, NOW, at, build_november


def counted(rows: tuple[FigureRow, ...]) -> dict[str, int]:
    return {row.key: row.count for row in rows if row.count}


def november(engine: Engine, minimum_group: int = 5) -> OversightFigures:
    build_november(engine)
    return figures_for(SqlUnitOfWork(engine), policy.reporting_period("2026-11", NOW), NOW, minimum_group)


def test_the_figures_of_a_known_month(engine: Engine) -> None:
    figures = november(engine, minimum_group=1)

    assert figures.period.code == "2026-11" and figures.complete
    assert figures.incidents == EXPECTED["incidents"]
    assert counted(figures.incidents_by_action) == EXPECTED["by_action"]
    assert counted(figures.incidents_by_channel) == EXPECTED["by_channel"]
    assert counted(figures.incidents_by_service) == EXPECTED["by_service"]
    assert counted(figures.measures_by_kind) == EXPECTED["measures_by_kind"]
    assert counted(figures.restrictions_by_type) == EXPECTED["restrictions_by_type"]
    assert counted(figures.restrictions_by_scope) == EXPECTED["restrictions_by_scope"]
    reviews = figures.reviews
    assert (reviews.on_time, reviews.overdue, reviews.not_yet_due) == EXPECTED["reviews"]
    assert (figures.lifted, figures.extended) == (EXPECTED["lifted"], EXPECTED["extended"])
    assert counted(figures.appeals.received) == EXPECTED["appeals_received"]
    assert counted(figures.appeals.outcomes) == EXPECTED["appeal_outcomes"]
    assert figures.appeals.still_open == EXPECTED["appeals_open"]
    assert (figures.report_to_decision.days, figures.report_to_decision.cases) == EXPECTED["report_to_decision"]
    assert (figures.decision_to_letter.days, figures.decision_to_letter.cases) == EXPECTED["decision_to_letter"]
    assert figures.safeguarding_incidents == EXPECTED["safeguarding_incidents"]
    assert figures.safeguarding_correspondence == EXPECTED["safeguarding_correspondence"]
    equality = figures.equality
    assert equality.restrictions == 2
    assert equality.restrictions_with_adjustments.count == EXPECTED["restrictions_with_adjustments"]
    assert equality.support_need_warnings.count == EXPECTED["support_need_warnings"]
    assert equality.support_need_restrictions.count == EXPECTED["support_need_restrictions"]


def test_every_value_of_the_vocabulary_has_a_row_zeros_included(engine: Engine) -> None:
    figures = november(engine)
    assert len(figures.incidents_by_channel) == 7 and len(figures.incidents_by_action) == 17
    assert [r.count for r in figures.measures_by_kind if r.key == "further_action"] == [0]


def test_small_groups_are_withheld(engine: Engine) -> None:
    """With the default minimum of 5 nothing in the month's equality monitoring is shown; with 2 only Bob's warning
    (a group of one) is withheld."""
    figures = november(engine)
    assert all(row.count is None and row.text == "fewer than 5" for row in figures.equality.rows)

    two = figures_for(SqlUnitOfWork(engine), figures.period, NOW, 2).equality
    assert two.restrictions_with_adjustments.count == 2 and two.restrictions_with_adjustments.text == "2"
    assert two.support_need_warnings.suppressed and two.support_need_warnings.text == "fewer than 2"
    assert two.support_need_restrictions.count == 2


def test_reviews_not_yet_due_while_the_month_runs(engine: Engine) -> None:
    """Half-way through November the review due on the 20th is not yet overdue; the one decided late already is."""
    build_november(engine)
    mid_month = at(11, 15, 12)
    figures = figures_for(SqlUnitOfWork(engine), policy.reporting_period("this month", mid_month), mid_month, 5)
    assert not figures.complete and figures.as_of == mid_month
    assert (figures.reviews.on_time, figures.reviews.overdue, figures.reviews.not_yet_due) == (1, 1, 1)


def test_the_sql_counts_reviews_as_the_policy_does() -> None:
    due = at(11, 12)
    assert policy.review_timeliness(due, at(11, 12), at(11, 30)) is policy.ReviewTimeliness.ON_TIME
    assert policy.review_timeliness(due, at(11, 15), at(11, 30)) is policy.ReviewTimeliness.OVERDUE
    assert policy.review_timeliness(due, None, at(11, 30)) is policy.ReviewTimeliness.OVERDUE
    assert policy.review_timeliness(due, None, at(11, 1)) is policy.ReviewTimeliness.NOT_YET_DUE
    assert policy.review_timeliness(due, at(11, 15), at(11, 14)) is policy.ReviewTimeliness.OVERDUE
    assert policy.review_timeliness(due, at(11, 15), at(11, 11)) is policy.ReviewTimeliness.NOT_YET_DUE


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "2026-11"),
        ("last month", "2026-11"),
        ("Last  Month", "2026-11"),
        ("this month", "2026-12"),
        ("this quarter", "2026Q4"),
        ("last quarter", "2026Q3"),
        ("quarter", "2026Q3"),
        ("2026Q4", "2026Q4"),
        ("2026 q3", "2026Q3"),
        ("Q2 2026", "2026Q2"),
        ("2026-11", "2026-11"),
        ("2026/3", "2026-03"),
        ("11-2026", "2026-11"),
        ("November 2026", "2026-11"),
        ("nov 2025", "2025-11"),
    ],
)
def test_periods_typed(typed: str, code: str) -> None:
    assert policy.reporting_period(typed, NOW).code == code


@pytest.mark.parametrize("typed", ["2026Q5", "2026-13", "yesterday", "Novembre 2026", "2027-01", "2026Q4 please", "99"])
def test_periods_not_understood(typed: str) -> None:
    with pytest.raises(policy.PeriodNotUnderstood) as refused:
        policy.reporting_period(typed, NOW)
    assert "2026Q4" in str(refused.value) and "last month" in str(refused.value)


def test_a_bad_period_is_refused_before_anything_is_read() -> None:
    class Unreadable:
        def __enter__(self) -> None:
            raise AssertionError("read the database")

    with pytest.raises(PeriodNotUnderstood, match="can't tell which period"):
        oversight_figures(Unreadable(), Actor("u-team", "Tea Member"), "fortnight", lambda: NOW, 5)  # type: ignore[arg-type]


def test_periods_run_midnight_to_midnight_uk_time() -> None:
    """October 2026 begins at midnight BST (23:00 UTC on 30 September) and ends at midnight GMT."""
    october = policy.month_period(2026, 10)
    assert october.start == datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    assert october.end == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    q2 = policy.quarter_period(2026, 2)
    assert (q2.start, q2.end) == (datetime(2026, 3, 31, 23, tzinfo=UTC), datetime(2026, 6, 30, 23, tzinfo=UTC))
    assert q2.label == "Q2 2026 (April to June)" and q2.kind is PeriodKind.QUARTER
    assert policy.previous_period(PeriodKind.QUARTER, datetime(2027, 1, 1, 0, 30, tzinfo=UTC)).code == "2026Q4"
    assert [p.code for p in policy.digest_periods(NOW)] == ["2026-11", "2026Q3"]


def test_group_figures() -> None:
    assert policy.group_figure(4, 5) is None and policy.group_figure(5, 5) == 5 and policy.group_figure(0, 5) == 0
    assert policy.group_figure_text(None, 5) == "fewer than 5" and policy.group_figure_text(7, 5) == "7"
