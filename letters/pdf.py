"""Letters as PDF, for councils that send them by email: the .docx converted by LibreOffice, where it is installed.

LibreOffice is an optional dependency, found once at start-up (find_converter). Each conversion runs it as a
subprocess, never on the event loop's thread, with a timeout, and with a profile directory of its own: two
LibreOffice processes sharing a profile refuse to run at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

PDF = "application/pdf"
CANDIDATES = ("soffice", "libreoffice")
"""The names LibreOffice's binary goes by on PATH when no setting names it."""


class PdfUnavailable(RuntimeError):
    """The letter could not be converted to PDF; the message says so in words staff can act on."""


@dataclass(frozen=True)
class PdfConverter:
    """Converts .docx bytes to PDF bytes with the LibreOffice binary at `binary`."""

    binary: str
    timeout_seconds: float

    async def convert(self, docx: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="uca-letter-pdf-") as work:
            folder = Path(work)
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
            )
            try:
                _, errors = await asyncio.wait_for(process.communicate(), self.timeout_seconds)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
                raise PdfUnavailable(
                    f"Making the PDF took longer than {self.timeout_seconds:g} seconds. Download the .docx instead."
                ) from None
            except BaseException:
                # Cancelled (the browser went away, the app is stopping): LibreOffice is not left running.
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
                raise
            produced = folder / "letter.pdf"
            if process.returncode != 0 or not produced.is_file():
                detail = errors.decode(errors="replace").strip()[:200]
                raise PdfUnavailable(
                    "The PDF could not be made (LibreOffice: "
                    + (detail or f"exit status {process.returncode}")
                    + "). Download the .docx instead."
                )
            return await asyncio.to_thread(produced.read_bytes)


def find_converter(binary_setting: str, timeout_seconds: float) -> PdfConverter | None:
    """LibreOffice as the setting names it (a path or a name on PATH), else soffice or libreoffice on PATH; None
    when it is not installed, and letters are offered as .docx only."""
    names = (binary_setting,) if binary_setting.strip() else CANDIDATES
    for name in names:
        found = shutil.which(name.strip())
        if found is not None:
            return PdfConverter(found, timeout_seconds)
    return None
