"""Letters as PDF, for councils that send them by email: the .docx converted by LibreOffice, where it is installed.

LibreOffice is an optional dependency, found once at start-up (find_converter). Each conversion runs it as a
subprocess, never on the event loop's thread, with a timeout, and with a profile directory of its own: two
LibreOffice processes sharing a profile refuse to run at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

PDF = "application/pdf"
CANDIDATES = ("soffice", "libreoffice")
"""The names LibreOffice's binary goes by on PATH when no setting names it."""


class PdfUnavailable(RuntimeError):
    """The letter could not be converted to PDF: the message is for staff, `detail` for the log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class PdfConverter:
    """Converts .docx bytes to PDF bytes with the LibreOffice binary at `binary`."""

    binary: str
    timeout_seconds: float

    async def convert(self, docx: bytes) -> bytes:
        # The folder (with LibreOffice's profile, some megabytes) is made and removed off the event loop too.
        folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="uca-letter-pdf-"))
        try:
            return await self._convert_in(folder, docx)
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)

    async def _convert_in(self, folder: Path, docx: bytes) -> bytes:
        source = folder / "letter.docx"
        await asyncio.to_thread(source.write_bytes, docx)
        process = await asyncio.create_subprocess_exec(
            self.binary,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # Its own process group: soffice is a launcher that starts soffice.bin, and a timeout ends both.
            start_new_session=True,
        )
        try:
            _, errors = await asyncio.wait_for(process.communicate(), self.timeout_seconds)
        except TimeoutError:
            await _end(process)
            raise PdfUnavailable(
                "The PDF took too long to make. Download the .docx instead.",
                f"timed out after {self.timeout_seconds:g} s",
            ) from None
        except BaseException:
            # Cancelled (the browser went away, the app is stopping): LibreOffice is not left running.
            await _end(process)
            raise
        produced = folder / "letter.pdf"
        if process.returncode != 0 or not produced.is_file():
            raise PdfUnavailable(
                "The PDF could not be made. Download the .docx instead.",
                f"exit status {process.returncode}: " + errors.decode(errors="replace").strip()[:500],
            )
        return await asyncio.to_thread(produced.read_bytes)


async def _end(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()


def find_converter(binary_setting: str, timeout_seconds: float) -> PdfConverter | None:
    """LibreOffice as the setting names it (a path or a name on PATH), else soffice or libreoffice on PATH; None
    when it is not installed, and letters are offered as .docx only."""
    names = (binary_setting,) if binary_setting.strip() else CANDIDATES
    for name in names:
        found = shutil.which(name.strip())
        if found is not None:
            return PdfConverter(found, timeout_seconds)
    return None
