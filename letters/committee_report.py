"""The quarterly committee report (issue 19; s3, s4.3): the oversight figures as a Word document with charts drawn
as images, and the same figures as CSV. Pure of the database and of Teams: tables in, bytes out.

Both formats are made from the same `ReportTable`s, so the .docx and the .csv cannot disagree. A suppressed value
(a group smaller than the threshold, kept back so nobody can be identified) is written as the table's
`suppressed_text` in the document and left empty, with a note, in the CSV: never as 0, which would be a figure.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.shared import Cm, Pt

from casework import policy
from casework.oversight import FigureRow, OversightFigures


@dataclass(frozen=True)
class ReportRow:
    label: str
    value: float | None
    """None: suppressed (a group smaller than the threshold), or, with `absent`, nothing to count."""
    absent: str = ""
    """What None means when it is not a withheld figure, e.g. "none in the period" for a median of no cases."""


@dataclass(frozen=True)
class ReportTable:
    section: str
    title: str
    rows: tuple[ReportRow, ...]
    unit: str = "number"
    """What the values count ("number", "days"), the CSV's unit column."""
    chart: bool = True
    """Drawn as a bar chart in the .docx as well as tabled (not for one or two headline numbers)."""
    note: str = ""


@dataclass(frozen=True)
class CommitteeReport:
    council_name: str
    period_label: str
    period_code: str
    generated: str
    """When it was made, for people (e.g. "1 January 2027 09:00")."""
    suppressed_text: str
    """How a suppressed value reads, e.g. "fewer than 5"."""
    tables: tuple[ReportTable, ...]


def made_at(moment: datetime) -> str:
    """When a report was made, in UK time for people: "1 January 2027 09:00"."""
    local = moment.astimezone(policy.LOCAL_TIME)
    return f"{local.day} {local:%B %Y %H:%M}"


def _number(row: ReportRow, suppressed_text: str) -> str:
    if row.value is None:
        return row.absent or suppressed_text
    return f"{row.value:.1f}" if isinstance(row.value, float) else str(row.value)


def _chart_png(table: ReportTable) -> bytes | None:
    """A horizontal bar chart of the table's non-zero shown values, largest first, or None when there is nothing to
    draw. Zeros and withheld values are in the table beside it; a chart of mostly empty bars says nothing."""
    shown = sorted(((row.label, row.value) for row in table.rows if row.value), key=lambda pair: -float(pair[1] or 0))
    if not shown:
        return None
    # Imported here: matplotlib takes about half a second to import and only the report needs it; the Agg backend
    # draws to memory without a display.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import MaxNLocator

    labels = [textwrap.fill(label, 34) for label, _ in shown][::-1]
    values = [float(value or 0) for _, value in shown][::-1]
    figure, axes = pyplot.subplots(figsize=(6.2, 0.5 * len(shown) + 0.7), dpi=150)
    try:
        bars = axes.barh(labels, values, color="#1f4e79")
        axes.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3, fontsize=8)
        axes.tick_params(labelsize=8)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_xlim(0, max(values) * 1.15)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def committee_report_docx(report: CommitteeReport) -> bytes:
    """The report as .docx bytes: a heading per section, each table as a Word table, and a chart beside it."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    for part in document.sections:
        part.top_margin = part.bottom_margin = Cm(2)
        part.left_margin = part.right_margin = Cm(2.2)

    document.add_heading(f"Unacceptable customer actions: {report.period_label}", level=0)
    document.add_paragraph(
        f"{report.council_name}. Report to committee on the application of the Managing Unacceptable Customer "
        f"Actions Policy (s3, s4.3). Made {report.generated} from the case records."
    )
    document.add_paragraph(
        f"Figures for groups of fewer people than the threshold are shown as “{report.suppressed_text}” so that "
        "nobody can be identified. Equality figures are in aggregate only."
    )
    section = ""
    for table in report.tables:
        if table.section != section:
            section = table.section
            document.add_heading(section, level=1)
        document.add_heading(table.title, level=2)
        grid = document.add_table(rows=1, cols=2)
        grid.style = "Light Grid Accent 1"
        grid.rows[0].cells[0].text = "" if table.unit == "number" else table.unit.capitalize()
        grid.rows[0].cells[1].text = "Number" if table.unit == "number" else table.unit
        for row in table.rows:
            cells = grid.add_row().cells
            cells[0].text = row.label
            cells[1].text = _number(row, report.suppressed_text)
        if table.note:
            document.add_paragraph().add_run(table.note).italic = True
        chart = _chart_png(table) if table.chart else None
        if chart is not None:
            document.add_picture(io.BytesIO(chart), width=Cm(14))
            # Word reads a picture's description to screen reader users: the table above gives the figures.
            document.inline_shapes[-1]._inline.docPr.set(
                "descr", f"Bar chart of {table.title}; figures in the table above."
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


CSV_COLUMNS = ("period", "section", "figure", "label", "value", "unit", "note")


def figures_csv(report: CommitteeReport) -> bytes:
    """The same figures, one row per value, UTF-8 with a byte order mark so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for table in report.tables:
        for row in table.rows:
            writer.writerow(
                (
                    report.period_code,
                    table.section,
                    table.title,
                    _csv_safe(row.label),
                    "" if row.value is None else _number(row, ""),
                    table.unit,
                    (row.absent or report.suppressed_text) if row.value is None else table.note,
                )
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_safe(text: str) -> str:
    """A label starting with = + - @ would run as a formula in a spreadsheet: prefix it with an apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _rows(rows: Sequence[FigureRow]) -> tuple[ReportRow, ...]:
    return tuple(ReportRow(row.label, row.count) for row in rows)


def committee_report(figures: OversightFigures, council_name: str, generated: str) -> CommitteeReport:
    """The figures as the report's tables, in the order the committee reads them (what happened, what was done,
    whether it was done on time, whether it was fair)."""
    incidents = "Incidents reported"
    measures = "Warnings, restrictions and further action"
    timeliness = "Reviews, appeals and timeliness"
    equality = "Equality monitoring (s4.3, Equality Act 2010)"
    suppressed = f"fewer than {figures.minimum_group}"
    reviews = figures.reviews
    appeals = figures.appeals
    return CommitteeReport(
        council_name=council_name,
        period_label=figures.period.label + ("" if figures.complete else " (so far)"),
        period_code=figures.period.code,
        generated=generated,
        suppressed_text=suppressed,
        tables=(
            ReportTable(
                incidents,
                "Incidents in the period",
                (
                    ReportRow("Incidents", figures.incidents),
                    ReportRow("Safeguarding concerns raised on incidents (s8.4)", figures.safeguarding_incidents),
                    ReportRow(
                        "Safeguarding concerns found reviewing correspondence (s16.1)",
                        figures.safeguarding_correspondence,
                    ),
                ),
                chart=False,
            ),
            ReportTable(
                incidents,
                "Incidents by unreasonable action",
                _rows(figures.incidents_by_action),
                note="An incident with several actions counts under each.",
            ),
            ReportTable(incidents, "Incidents by contact channel", _rows(figures.incidents_by_channel)),
            ReportTable(incidents, "Incidents by service", _rows(figures.incidents_by_service)),
            ReportTable(measures, "Started in the period, by kind", _rows(figures.measures_by_kind)),
            ReportTable(measures, "Restrictions by type (s15.2)", _rows(figures.restrictions_by_type)),
            ReportTable(measures, "Restrictions by scope (s15.1)", _rows(figures.restrictions_by_scope)),
            ReportTable(
                timeliness,
                "Reviews due in the period (s13.1)",
                (
                    ReportRow("On time", reviews.on_time),
                    ReportRow("Overdue", reviews.overdue),
                    ReportRow("Not yet due", reviews.not_yet_due),
                ),
            ),
            ReportTable(
                timeliness,
                "Review decisions (s13.1, s13.2)",
                (ReportRow("Lifted", figures.lifted), ReportRow("Extended", figures.extended)),
            ),
            ReportTable(
                timeliness,
                "Complaints and appeals (s11.4, s17)",
                (*_rows(appeals.received), ReportRow("Still open", appeals.still_open)),
            ),
            ReportTable(timeliness, "Outcomes of appeals decided in the period", _rows(appeals.outcomes)),
            ReportTable(
                timeliness,
                "Median days",
                (
                    ReportRow(
                        f"From report to decision ({figures.report_to_decision.cases} decisions)",
                        figures.report_to_decision.days,
                        absent="none in the period",
                    ),
                    ReportRow(
                        f"From decision to letter issued ({figures.decision_to_letter.cases} letters)",
                        figures.decision_to_letter.days,
                        absent="none in the period",
                    ),
                ),
                unit="days",
                chart=False,
            ),
            ReportTable(
                equality,
                "In aggregate",
                (
                    ReportRow("Restrictions started in the period", figures.equality.restrictions),
                    *(ReportRow(group.label, group.count) for group in figures.equality.rows),
                ),
                chart=False,
                note=f"A figure for fewer than {figures.minimum_group} people is withheld so that nobody can be "
                "identified.",
            ),
        ),
    )
