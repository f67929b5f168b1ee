"""The committee report (issue 19, s3, s4.3): the .docx opened with python-docx and the .csv read back hold the same
figures as the known month, small groups withheld in both; `admin.py report` writes both or neither; the signed
download serves the determination team only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession
from docx import Document
from sqlalchemy import Engine

import admin
from bot.report_links import ReportLinkMaker
from cards.verbs import Verb
from casework.committee_report import committee_figures
from casework.oversight import OversightFigures
from letters.committee_report import CSV_COLUMNS, committee_report, committee_report_docx, figures_csv
from storage.database import create_database_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.oversight_data import EXPECTED, NOW, build_november
from tests.scenarios import audited, register
from tests.teams import HARPER, SAM, execute, message
from tests.test_routes import replies_to
from tests.test_stats_in_teams import last_card_of

SECRET = "s" * 40


def november(engine: Engine, minimum_group: int) -> OversightFigures:
    build_november(engine)
    return committee_figures(SqlUnitOfWork(engine), "2026-11", lambda: NOW, minimum_group)


def docx_tables(data: bytes) -> dict[str, dict[str, str]]:
    """Each table of the document under the heading before it: {heading: {label: value}}."""
    document = Document(io.BytesIO(data))
    tables: dict[str, dict[str, str]] = {}
    body = document.element.body
    heading = ""
    table_index = 0
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            style = child.xpath("string(.//w:pStyle/@w:val)")
            if style.startswith("Heading"):
                heading = child.xpath("string(.)")
        elif tag == "tbl":
            table = document.tables[table_index]
            table_index += 1
            tables[heading] = {row.cells[0].text: row.cells[1].text for row in table.rows[1:]}
    return tables


def test_the_docx_holds_the_known_months_figures_and_charts(engine: Engine) -> None:
    figures = november(engine, minimum_group=1)
    data = committee_report_docx(committee_report(figures, "Example District Council", "1 December 2026 10:00"))
    tables = docx_tables(data)

    assert tables["Incidents in the period"]["Incidents"] == str(EXPECTED["incidents"])
    by_channel = {row.label: str(row.count) for row in figures.incidents_by_channel}
    assert tables["Incidents by contact channel"] == by_channel
    on_time, overdue, not_yet_due = EXPECTED["reviews"]
    assert tables["Reviews due in the period (s13.1)"] == {
        "On time": str(on_time),
        "Overdue": str(overdue),
        "Not yet due": str(not_yet_due),
    }
    days, cases = EXPECTED["report_to_decision"]
    assert tables["Median days"][f"From report to decision ({cases} decisions)"] == f"{days:.1f}"
    document = Document(io.BytesIO(data))
    assert "November 2026" in document.paragraphs[0].text
    # Charts are images: one per table with something to draw (the incidents by action, channel, service at least).
    assert len(document.inline_shapes) >= 3


def test_small_groups_are_withheld_in_the_docx_and_the_csv(engine: Engine) -> None:
    figures = november(engine, minimum_group=5)
    report = committee_report(figures, "Example District Council", "1 December 2026 10:00")
    equality = docx_tables(committee_report_docx(report))["In aggregate"]
    withheld = [group for group in figures.equality.rows if group.suppressed]
    assert withheld, "the known month has equality groups smaller than 5"
    for group in withheld:
        assert equality[group.label] == "fewer than 5"

    rows = list(csv.DictReader(io.StringIO(figures_csv(report).decode("utf-8-sig"))))
    for group in withheld:
        (row,) = [r for r in rows if r["label"] == group.label]
        assert row["value"] == "" and row["note"] == "fewer than 5"


def test_the_csv_gives_every_figure_of_the_docx(engine: Engine) -> None:
    figures = november(engine, minimum_group=1)
    report = committee_report(figures, "Example District Council", "1 December 2026 10:00")
    text = figures_csv(report).decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r["period"] for r in rows} == {"2026-11"}
    from_docx = docx_tables(committee_report_docx(report))
    from_csv: dict[str, dict[str, str]] = {}
    for row in rows:
        value = row["value"] or row["note"]
        from_csv.setdefault(row["figure"], {})[row["label"]] = value
    assert from_csv == from_docx
    actions = {r["label"]: int(r["value"]) for r in rows if r["figure"] == "Incidents by unreasonable action"}
    expected = {row.label: row.count for row in figures.incidents_by_action}
    assert actions == expected


def test_admin_report_writes_both_files(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_database_engine(sqlite_url)
    try:
        build_november(engine)
    finally:
        engine.dispose()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    out = tmp_path / "out"
    out.mkdir()
    assert admin.main(["report", "--month", "2026-11", "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["committee-figures-2026-11.csv", "committee-report-2026-11.docx"]
    tables = docx_tables((out / "committee-report-2026-11.docx").read_bytes())
    assert tables["Incidents in the period"]["Incidents"] == str(EXPECTED["incidents"])


def test_admin_report_refuses_a_bad_quarter_and_writes_nothing(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    out = tmp_path / "out"
    out.mkdir()
    assert admin.main(["report", "--quarter", "2026Q5", "--out", str(out)]) == 1
    assert list(out.iterdir()) == []
    assert "2026Q4" in capsys.readouterr().err  # the message says what to type


async def test_the_download_serves_the_team_and_refuses_others_and_tampering(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    engine = create_database_engine(sqlite_url)
    try:
        build_november(engine)
    finally:
        engine.dispose()
    clock.now = NOW
    bot = await start_bot(make_settings(sqlite_url, LETTER_LINK_SECRET=SECRET), connector, clock)
    register(sqlite_url, HARPER, clock, is_determination_team=True)
    maker = ReportLinkMaker(SECRET, str(bot.server.make_url("/")), timedelta(minutes=15))

    async def get(url: str) -> tuple[int, bytes, str]:
        async with ClientSession() as session, session.get(url) as response:
            return response.status, await response.read(), response.headers.get("Content-Type", "")

    try:
        harpers = maker.links("2026-11", HARPER.aad_object_id, clock.now)
        status, body, kind = await get(harpers.docx_url)
        assert status == 200 and kind.startswith("application/vnd.openxmlformats")
        assert docx_tables(body)["Incidents in the period"]["Incidents"] == str(EXPECTED["incidents"])
        status, body, kind = await get(harpers.csv_url)
        assert status == 200 and kind.startswith("text/csv") and b"Incidents by contact channel" in body

        sams = maker.links("2026-11", SAM.aad_object_id, clock.now)
        status, body, _ = await get(sams.docx_url)
        assert status == 403 and b"Incidents" not in body
        assert await get(harpers.docx_url.replace("2026-11", "2026-10")) == (
            403,
            b"This link is not valid or has expired. Type stats to the bot for a new one.",
            "text/plain; charset=utf-8",
        )
        clock.now += timedelta(minutes=16)
        assert (await get(harpers.docx_url))[0] == 403
        downloads = [(e.actor_id, e.detail["format"]) for e in audited(sqlite_url, "committee_report.downloaded")]
        assert downloads == [(HARPER.aad_object_id, "docx"), (HARPER.aad_object_id, "csv")]
        refused = [e.actor_id for e in audited(sqlite_url, "committee_report.refused")]
        assert refused == [SAM.aad_object_id]
    finally:
        await bot.close()


async def test_the_digest_card_gives_each_team_member_links_of_their_own(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    """In Teams: the figures card's button answers the clicker with the report's links signed for them; the links
    open the .docx and .csv; anyone off the team who clicks is refused and given no link."""
    engine = create_database_engine(database_url)
    try:
        build_november(engine)
    finally:
        engine.dispose()
    clock.now = NOW
    bot = await start_bot(make_settings(database_url, LETTER_LINK_SECRET=SECRET), connector, clock)
    register(database_url, HARPER, clock, is_determination_team=True)
    try:
        card = last_card_of(await replies_to(bot, HARPER, message(HARPER, "stats 2026-11", connector.url)))
        (button,) = [a for a in card["actions"] if a.get("verb") == Verb.OVERSIGHT_REPORT.value]
        assert button["data"] == {"period": "2026-11"}

        status, answer = await bot.post(
            execute(HARPER, button["verb"], button["data"], connector.url, "card-1", channel=False)
        )
        assert status == 200 and answer["type"] == "application/vnd.microsoft.card.adaptive"
        urls = {a["title"]: a["url"] for a in answer["value"]["actions"] if a["type"] == "Action.OpenUrl"}
        assert set(urls) == {"Download report (.docx)", "Download figures (.csv)"}
        assert all(f"user={HARPER.aad_object_id}" in url for url in urls.values())
        # The links point at PUBLIC_BASE_URL (unset: localhost on PORT); the test's server has a port of its own.
        here = str(bot.server.make_url("/"))
        docx_url = urls["Download report (.docx)"].replace("http://localhost:3978/", here)
        async with ClientSession() as session, session.get(docx_url) as response:
            assert response.status == 200
            body = await response.read()
        assert docx_tables(body)["Incidents in the period"]["Incidents"] == str(EXPECTED["incidents"])

        status, refused = await bot.post(
            execute(SAM, button["verb"], button["data"], connector.url, "card-1", channel=False)
        )
        assert status == 200 and "Action.OpenUrl" not in str(refused) and "/reports/" not in str(refused)
    finally:
        await bot.close()
