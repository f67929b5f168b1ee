"""The oversight figures card (issue 19, s3, s4.3): `stats` and the monthly and quarterly digest.

The breakdowns worth a picture are Teams chart elements (Chart.HorizontalBar, Chart.Donut, Chart.VerticalBar), each
with a `fallback` FactSet of the same figures, so a client without charts shows them as text and one with charts
shows each figure once; the rest are FactSets. Every string goes through cards.common's escaping helpers, and the
equality monitoring figures withheld for small groups read "fewer than 5".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microsoft_teams.cards import (
    CardElement,
    DonutChart,
    DonutChartData,
    HorizontalBarChart,
    HorizontalBarChartDataValue,
    OpenUrlAction,
    VerticalBarChart,
    VerticalBarChartDataValue,
)
from microsoft_teams.cards.core import ChartColor

from cards.common import Card, envelope, execute, facts, heading, london, text
from cards.verbs import Verb
from casework.oversight import FigureRow, OversightFigures, non_zero

TITLE = "Oversight figures"


@dataclass(frozen=True)
class ReportLinks:
    """Where the committee report and its figures can be downloaded (signed, short-lived links)."""

    docx_url: str
    csv_url: str


def oversight_card(figures: OversightFigures, report_links: ReportLinks | None = None, digest: bool = False) -> Card:
    """The figures for one period; `digest` when posted to the team's channel at the start of a month or quarter."""
    period = figures.period
    so_far = "" if figures.complete else ", so far"
    intro = (
        f"The {period.kind.value}ly digest for the determination team and the committee (s3, s4.3)."
        if digest
        else "For the determination team and the committee (s3, s4.3)."
    )
    body: list[CardElement] = [
        heading(f"{TITLE}: {period.label}{so_far}"),
        text(f"{intro} As of {london(figures.as_of)}.", subtle=True),
        *_incidents(figures),
        *_measures(figures),
        *_reviews(figures),
        *_appeals(figures),
        *_timeliness(figures),
        *_equality(figures),
    ]
    # Links are signed for one person and expire, so a card seen by several (the digest in the team's channel) has
    # a button that answers the clicker with links of their own.
    actions = (
        [
            OpenUrlAction(title="Download report (.docx)", url=report_links.docx_url),
            OpenUrlAction(title="Download figures (.csv)", url=report_links.csv_url),
        ]
        if report_links
        else [execute("Committee report (.docx, .csv)", Verb.OVERSIGHT_REPORT, period=period.code)]
    )
    kind = f"{period.kind.value.capitalize()}ly digest" if digest else "Oversight figures"
    return envelope(body, actions, summary=f"{kind} for {period.label}{so_far}: for the determination team (s3, s4.3)")


def _section(title: str) -> CardElement:
    block = heading(title)
    block.size = "Default"
    block.separator = True
    return block


def _pairs(rows: Sequence[FigureRow]) -> list[tuple[str, str]]:
    return [(row.label, str(row.count)) for row in rows]


CHART_LABEL = 28
"""Characters of a label a chart draws: a long one leaves no room for its bar on a phone or a narrow column; the
fallback facts give each in full."""


def _short(label: str) -> str:
    return label if len(label) <= CHART_LABEL else label[: CHART_LABEL - 1].rstrip(" ,;:(") + "…"


def _bars(title: str, rows: Sequence[FigureRow], nothing: str) -> list[CardElement]:
    """A horizontal bar per non-zero row, largest first; the same as facts where charts are not drawn."""
    shown = non_zero(rows)
    if not shown:
        return [text(nothing, subtle=True)]
    return [
        HorizontalBarChart(
            title=title,
            show_title=True,
            color_set="categorical",
            display_mode="AbsoluteWithAxis",
            data=[HorizontalBarChartDataValue(x=_short(row.label), y=row.count) for row in shown],
            fallback=facts(_pairs(shown)),
        )
    ]


def _donut(title: str, rows: Sequence[tuple[str, int, ChartColor | None]], nothing: str) -> list[CardElement]:
    shown = [(label, count, color) for label, count, color in rows if count]
    if not shown:
        return [text(nothing, subtle=True)]
    return [
        DonutChart(
            title=title,
            show_title=True,
            show_legend=True,
            color_set="categorical",
            value=str(sum(count for _, count, _ in shown)),
            data=[DonutChartData(legend=label, value=count, color=color) for label, count, color in shown],
            fallback=facts([(label, str(count)) for label, count, _ in shown]),
        )
    ]


def _incidents(figures: OversightFigures) -> list[CardElement]:
    none = "No incidents in this period."
    return [
        _section(f"Incidents: {figures.incidents}"),
        *_bars("By unreasonable action (s6, s7)", figures.incidents_by_action, none),
        *_donut("By channel", [(r.label, r.count, None) for r in non_zero(figures.incidents_by_channel)], none),
        *_bars("By service", figures.incidents_by_service, none),
        facts([("Safeguarding concerns raised (s8.4)", str(figures.safeguarding_incidents))]),
        facts([("Safeguarding concerns in correspondence on file (s16.1)", str(figures.safeguarding_correspondence))]),
    ]


def _measures(figures: OversightFigures) -> list[CardElement]:
    started = sum(row.count for row in figures.measures_by_kind)
    restrictions = non_zero(figures.restrictions_by_type)
    elements: list[CardElement] = [
        _section(f"Warnings and restrictions: {started}"),
        facts(_pairs(figures.measures_by_kind)),
    ]
    if restrictions:
        elements.append(
            VerticalBarChart(
                title="Restrictions by type (s15.2)",
                show_title=True,
                color_set="categorical",
                data=[VerticalBarChartDataValue(x=_short(row.label), y=row.count) for row in restrictions],
                fallback=facts(_pairs(restrictions)),
            )
        )
        elements.append(text("By scope (s15.1)", subtle=True))
        elements.append(facts(_pairs(non_zero(figures.restrictions_by_scope))))
    return elements


def _reviews(figures: OversightFigures) -> list[CardElement]:
    reviews = figures.reviews
    return [
        _section(f"Reviews due (s13): {reviews.due}"),
        *_donut(
            "On time or overdue",
            [
                ("On time", reviews.on_time, "good"),
                ("Overdue", reviews.overdue, "attention"),
                ("Not yet due", reviews.not_yet_due, "neutral"),
            ],
            "No reviews fell due in this period.",
        ),
        facts([("Lifted at review (s13.1)", str(figures.lifted)), ("Extended (s13.2)", str(figures.extended))]),
    ]


def _appeals(figures: OversightFigures) -> list[CardElement]:
    appeals = figures.appeals
    return [
        _section(f"Complaints and appeals (s11.4): {appeals.received_total}"),
        facts(
            [
                *[(f"{row.label}s received", str(row.count)) for row in appeals.received],
                ("Still open", str(appeals.still_open)),
                *[(f"Decided: {row.label.lower()}", str(row.count)) for row in appeals.outcomes],
            ]
        ),
    ]


def _timeliness(figures: OversightFigures) -> list[CardElement]:
    return [
        _section("How long it takes (median)"),
        facts(
            [
                ("From report to decision", figures.report_to_decision.text),
                ("From decision to letter issued", figures.decision_to_letter.text),
            ]
        ),
    ]


def _equality(figures: OversightFigures) -> list[CardElement]:
    equality = figures.equality
    return [
        _section("Equality monitoring (s4.3)"),
        facts(
            [
                ("Restrictions started", str(equality.restrictions)),
                *[(row.label, row.text) for row in equality.rows],
            ]
        ),
        text(
            f"In aggregate only: no figure is shown for a group of fewer than {figures.minimum_group}.",
            subtle=True,
        ),
    ]
