"""Download links for the committee report (issue 19): /reports/{period}.docx and /reports/{period}.csv, signed for
one member of staff and time-limited, like the letter links (bot/letter_links.py, whose checks they share).

The server checks again, through casework, that the person following the link is on the determination team, and
audits the download. The figures are read and the document drawn when the link is followed, so a link always gives
the figures as they stand; drawing the charts is CPU work, done off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from aiohttp import web

from bot.letter_links import DOCX, attachment, signed_link_problem
from cards.oversight import ReportLinks
from casework.committee_report import figures_for_report
from casework.errors import AccessRefused, CaseworkError
from casework.gateway import CaseworkGateway
from letters.committee_report import committee_report, committee_report_docx, figures_csv, made_at

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSV = "text/csv"
PERIOD_CODE = re.compile(r"\d{4}(?:Q[1-4]|-(?:0[1-9]|1[0-2]))")
"""A month (2026-11) or a quarter (2026Q4): what a link may name, checked before anything else."""


def report_signature(secret: str, period_code: str, file_format: str, user_id: str, expires: int) -> str:
    message = f"committee_report:{period_code}\nformat:{file_format}\nuser:{user_id}\nexpires:{expires}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class ReportLinkMaker:
    """Makes a member's pair of links (.docx and .csv) for a period, valid for the configured minutes."""

    def __init__(self, secret: str, base_url: str, valid_for: timedelta) -> None:
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self._valid_for = valid_for

    def links(self, period_code: str, user_id: str, now: datetime) -> ReportLinks:
        expires = int((now + self._valid_for).timestamp())
        return ReportLinks(
            docx_url=self._url(period_code, "docx", user_id, expires),
            csv_url=self._url(period_code, "csv", user_id, expires),
        )

    def _url(self, period_code: str, file_format: str, user_id: str, expires: int) -> str:
        sig = report_signature(self._secret, period_code, file_format, user_id, expires)
        query = urlencode({"user": user_id, "expires": expires, "sig": sig})
        return f"{self._base_url}/reports/{period_code}.{file_format}?{query}"


def report_handler(casework: CaseworkGateway, secret: str, council_name: str) -> Handler:
    async def download(request: web.Request) -> web.StreamResponse:
        period_code, file_format = request.match_info["period"], request.match_info["format"]
        if not PERIOD_CODE.fullmatch(period_code) or file_format not in ("docx", "csv"):
            raise web.HTTPNotFound()
        user_id = request.query.get("user", "")[:64]
        problem = signed_link_problem(
            lambda expiry: report_signature(secret, period_code, file_format, user_id, expiry),
            user_id,
            request.query.get("expires", ""),
            request.query.get("sig", ""),
            casework.clock(),
        )
        if problem is not None:
            return web.Response(
                status=403, text="This link is not valid or has expired. Type stats to the bot for a new one."
            )
        try:
            figures = await casework.call(figures_for_report, user_id, period_code, file_format)
        except AccessRefused as refused:
            return web.Response(status=403, text=str(refused))
        except CaseworkError:
            raise web.HTTPNotFound() from None
        generated = made_at(casework.clock())
        report = committee_report(figures, council_name, generated)
        filename = f"committee-report-{period_code}.{file_format}"
        if file_format == "docx":
            return attachment(await asyncio.to_thread(committee_report_docx, report), DOCX, filename)
        return attachment(figures_csv(report), CSV, filename, charset="utf-8")

    return download
