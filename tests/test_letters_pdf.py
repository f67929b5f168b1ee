"""Letters as PDF where LibreOffice is installed (issue 16): the card offers "Download PDF" beside the .docx only
when it can be made, the PDF link is protected exactly as the .docx link is, and a failed conversion says so while
the .docx still works. The conversion is real: LibreOffice itself, never a stand-in."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from storage.tables import AuditEventRecord
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import register_team, rows
from tests.teams import all_text
from tests.test_letters_in_teams import ADDRESS, approved_letter, click, downloaded

TITLE = "Restriction of your contact with the council"


def download_links(card: dict[str, Any]) -> dict[str, str]:
    return {a["title"]: a["url"] for a in card["actions"] if a["type"] == "Action.OpenUrl"}


async def fetch(bot: RunningBot, url: str) -> tuple[int, str, bytes]:
    """The link followed on the test server, wherever the link says the bot is served."""
    link = URL(url)
    async with bot.session.get(bot.server.make_url(link.path).with_query(link.query)) as response:
        return response.status, response.content_type, await response.read()


def pdf_text(pdf: bytes) -> str:
    """The PDF's text by poppler's pdftotext, or its raw bytes as text where that is not installed."""
    if shutil.which("pdftotext") is None:
        return pdf.decode("latin-1")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode().split())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
async def test_an_issued_letter_downloads_as_a_pdf_made_by_libreoffice(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)  # LibreOffice found on PATH
    try:
        card = await approved_letter(bot)
        issued = await click(bot, await click(bot, card, "letter.revise", address=ADDRESS), "letter.issue")
        links = download_links(issued)
        assert set(links) == {"Download (.docx)", "Download PDF"}
        assert "The download links are for you only and each works once" in all_text(issued)

        # One conversion, shared by the assertions below (LibreOffice's cold start takes seconds).
        status, content_type, pdf = await fetch(bot, links["Download PDF"])
        assert (status, content_type) == (200, "application/pdf")
        assert pdf.startswith(b"%PDF")
        said = pdf_text(pdf)
        if shutil.which("pdftotext") is not None:
            assert TITLE in said and "Jane Smith" in said and "12 Mill Lane" in said

        # The same protection as the .docx link: once only, and a link changed in any way opens nothing.
        again, _, refused = await fetch(bot, links["Download PDF"])
        assert again == 403 and b"used already" in refused
        url = URL(links["Download PDF"])
        as_docx_link = str(url.with_path(url.path.removesuffix("/pdf")))
        forged = str(url.update_query(user="someone-else"))
        assert (await fetch(bot, as_docx_link))[0] == 403, "a PDF link's signature does not open the .docx"
        assert (await fetch(bot, forged))[0] == 403
        # The .docx link on the same card is its own link and still works.
        assert TITLE in await downloaded(bot, issued)
        formats = [
            e.detail.get("format") for e in rows(sqlite_url, AuditEventRecord) if e.action == "letter.downloaded"
        ]
        assert formats == ["pdf", "docx"]
    finally:
        await bot.close()


async def test_without_libreoffice_the_card_offers_only_the_docx(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    settings = make_settings(sqlite_url, LIBREOFFICE_BINARY="/nonexistent/libreoffice/soffice")
    bot = await start_bot(settings, connector, clock)
    try:
        card = await approved_letter(bot)
        links = download_links(card)
        assert set(links) == {"Download (.docx)"}
        assert "The download link is for you only and works once" in all_text(card)
        docx = URL(links["Download (.docx)"])
        # No PDF is served: the address a PDF link would have is not there.
        assert (await fetch(bot, str(docx.with_path(docx.path + "/pdf"))))[0] == 404
        assert "Restriction of your contact with the council" in await downloaded(bot, card)
    finally:
        await bot.close()


async def test_a_failed_conversion_says_so_and_the_docx_still_works(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    # A binary that runs and fails, as a broken LibreOffice installation would.
    failing = shutil.which("false")
    assert failing is not None
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url, LIBREOFFICE_BINARY=failing), connector, clock)
    try:
        card = await approved_letter(bot)
        links = download_links(card)
        status, _, said = await fetch(bot, links["Download PDF"])
        assert status == 503
        assert b"The PDF could not be made" in said and b"Download the .docx instead." in said
        assert TITLE in await downloaded(bot, card)
    finally:
        await bot.close()


def _running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


async def test_a_conversion_that_hangs_is_ended_with_everything_it_started(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock, tmp_path: Path
) -> None:
    # A LibreOffice that never finishes, as a launcher with a child process, as soffice starts soffice.bin.
    child = tmp_path / "child.pid"
    hanging = tmp_path / "soffice"
    hanging.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {child}\nwait\n")
    hanging.chmod(0o755)
    register_team(sqlite_url, clock)
    settings = make_settings(sqlite_url, LIBREOFFICE_BINARY=str(hanging), PDF_TIMEOUT_SECONDS=1)
    bot = await start_bot(settings, connector, clock)
    try:
        card = await approved_letter(bot)
        status, _, said = await fetch(bot, download_links(card)["Download PDF"])
        assert status == 503
        assert b"The PDF took too long to make. Download the .docx instead." in said
        pid = int(child.read_text())
        for _ in range(100):  # SIGKILL is delivered at once; the child's exit can take a moment to be seen
            if not _running(pid):
                break
            await asyncio.sleep(0.05)
        assert not _running(pid), "the launcher's child was ended with it"
        assert TITLE in await downloaded(bot, card)
    finally:
        await bot.close()
