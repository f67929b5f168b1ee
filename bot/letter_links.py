"""Signed, time-limited letter download links: /letters/{letter_id}?user=<aad id>&expires=<unix>&sig=<hex> for the
.docx, and /letters/{letter_id}/pdf?... (signed for the PDF) where LibreOffice is installed (letters/pdf.py).

The signature (HMAC-SHA256 over the letter id, the user and the expiry) proves the bot made the link for that
person; the server then checks again, through casework, that the person is the case owner or on the determination
team. A link forwarded to someone else names the original user, so it gives them nothing they could not already see.
Teams opens the link in the browser, where no Teams identity is available; that is why the user is in the signed URL.
The PDF link is checked in exactly the same way; its signature covers its format, so each link opens one file once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode

from aiohttp import web

from cards.common import Card
from cards.letters import letter_card
from casework.entities import LetterContent
from casework.errors import AccessRefused, NotFound
from casework.gateway import CaseworkGateway
from casework.letters import drafted_letters, letter_for_download, record_link_refused
from casework.views import LetterView
from letters.pdf import PDF, PdfConverter, PdfUnavailable

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Renderer = Callable[[LetterContent], bytes]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def development_secret() -> str:
    """A random per-process secret for development: links stop working when the process restarts."""
    return secrets.token_hex(32)


def signature(secret: str, letter_id: int, user_id: str, expires: int, as_pdf: bool = False) -> str:
    message = f"letter:{letter_id}\nuser:{user_id}\nexpires:{expires}" + ("\nformat:pdf" if as_pdf else "")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def letter_url(
    base_url: str,
    secret: str,
    letter_id: int,
    user_id: str,
    now: datetime,
    valid_for: timedelta,
    as_pdf: bool = False,
) -> str:
    expires = int((now + valid_for).timestamp())
    sig = signature(secret, letter_id, user_id, expires, as_pdf)
    query = urlencode({"user": user_id, "expires": expires, "sig": sig})
    return f"{base_url.rstrip('/')}/letters/{letter_id}{'/pdf' if as_pdf else ''}?{query}"


def link_problem(
    secret: str, letter_id: int, user_id: str, expires: str, sig: str, now: datetime, as_pdf: bool = False
) -> str | None:
    """Why this link is not valid now, or None if it is."""
    return signed_link_problem(
        lambda expiry: signature(secret, letter_id, user_id, expiry, as_pdf), user_id, expires, sig, now
    )


def signed_link_problem(
    expected: Callable[[int], str], user_id: str, expires: str, sig: str, now: datetime
) -> str | None:
    """Why a signed link (`user`, `expires`, `sig` in its query) is not valid now, or None if it is; `expected`
    gives the signature the link should carry for its expiry."""
    if not user_id or not expires.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", sig):
        return "malformed"
    if not hmac.compare_digest(expected(int(expires)), sig):
        return "bad signature"
    if int(expires) <= now.timestamp():
        return "expired"
    return None


def letter_handler(casework: CaseworkGateway, secret: str, pdf: PdfConverter | None = None) -> Handler:
    """The .docx download, or with `pdf` the PDF download: the same checks, then the .docx converted."""
    as_pdf = pdf is not None

    async def download(request: web.Request) -> web.StreamResponse:
        try:
            letter_id = int(request.match_info["letter_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        user_id = request.query.get("user", "")[:64]
        problem = link_problem(
            secret,
            letter_id,
            user_id,
            request.query.get("expires", ""),
            request.query.get("sig", ""),
            casework.clock(),
            as_pdf,
        )
        if problem is not None:
            await casework.call(record_link_refused, user_id, letter_id, problem)
            return web.Response(
                status=403,
                text="This link is not valid or has expired. Type work (or letters) to the bot for a new one.",
            )
        try:
            # The link's own id (its signature's start): a second use of the same link is refused.
            link_id = request.query.get("sig", "")[:32]
            content, body = await casework.call(
                letter_for_download, user_id, letter_id, link_id, file_format="pdf" if as_pdf else "docx"
            )
        except AccessRefused as refused:
            return web.Response(status=403, text=str(refused))
        except NotFound:
            raise web.HTTPNotFound() from None
        if pdf is not None:
            try:
                body = await pdf.convert(body)
            except PdfUnavailable as failed:
                log.warning("letter %s: no PDF (%s)", letter_id, failed.detail)
                return web.Response(status=503, text=str(failed), headers={"Cache-Control": "no-store"})
        filename = re.sub(r"[^A-Za-z0-9_-]+", "-", content.reference).strip("-") + (".pdf" if as_pdf else ".docx")
        return attachment(body, PDF if as_pdf else DOCX, filename)

    return download


def attachment(body: bytes, content_type: str, filename: str, charset: str | None = None) -> web.Response:
    """A file to save, not to show: never cached (it is someone's to open, once signed for them) or sniffed."""
    return web.Response(
        body=body,
        content_type=content_type,
        charset=charset,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class LetterCards:
    """The case owner's cards for draft letters, each with a fresh signed download link."""

    def __init__(
        self, casework: CaseworkGateway, secret: str, base_url: str, valid_for: timedelta, offers_pdf: bool = False
    ) -> None:
        self._casework = casework
        self._secret = secret
        self._base_url = base_url
        self._valid_for = valid_for
        self._offers_pdf = offers_pdf
        """LibreOffice was found at start-up: the card offers the PDF beside the .docx."""

    def card_for(
        self,
        view: LetterView,
        user_id: str,
        errors: Mapping[str, str] | None = None,
        typed: Mapping[str, object] | None = None,
        notice: str = "",
    ) -> Card:
        """The letter's card with download links for this person made now (the .docx, and the PDF where LibreOffice
        is installed), valid for the configured minutes."""
        now = self._casework.clock()
        url = letter_url(self._base_url, self._secret, view.letter_id, user_id, now, self._valid_for)
        pdf_url = (
            letter_url(self._base_url, self._secret, view.letter_id, user_id, now, self._valid_for, as_pdf=True)
            if self._offers_pdf
            else None
        )
        return letter_card(view, url, self._valid_for.total_seconds() / 60, errors, typed, notice, pdf_url)

    async def drafted(self, escalation_id: int | None = None, review_id: int | None = None) -> list[Card]:
        """The newest draft of each letter an escalation's decision or a review produced (the first one made now)."""
        views = await self._casework.call(drafted_letters, escalation_id, review_id)
        return [self.card_for(view, view.case_owner_id) for view in views]
