"""The HTTP endpoints: POST /api/messages (the Bot Framework's) and GET /healthz.

Authenticate, then authorise, then write (issue 14). A request to /api/messages goes through, in order:

1. The edge, which touches no database: a JSON content type (415), a body of at most MAX_BODY_BYTES (413), JSON
   nested at most MAX_JSON_DEPTH deep, checked without recursion before it is parsed (400), no NaN or Infinity and no
   integer a Teams client (JavaScript) could not send, no NUL or lone surrogate in any string, ids, names and the
   service URL of bounded length, an invoke's name one the bot handles and its value an object (all 400).
2. Authentication (production mode): the bearer token is screened (RS256 only, a key id, the Bot Framework
   channel's issuer, so alg=none, HS256 and Emulator or skill tokens never reach botbuilder) and then validated in
   full by botbuilder (signature against the channel's OpenID keys, expiry, audience, the service URL claim, the
   key's channel endorsements). Anything it refuses, however it refuses it, is a 401; only msteams may call (403).
3. Authorisation: the tenant the activity names must be on the allow-list (403).
4. The turn, the only step that reads or writes the database.

Every refusal is counted in memory by reason (shown by /healthz, logged at 1, 10, 100, … of each reason) and never
written to the database, so unauthenticated callers cannot grow it.

botbuilder-integration-aiohttp 4.17's CloudAdapter.process() serialises an invoke response body twice and
answers 500 to every Action.Execute, so this handler calls process_activity itself and writes the body once.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, AuthenticationConstants
from sqlalchemy import Engine, text

from bot.activity_json import activity_from_json
from bot.logs import new_correlation_id
from bot.team_channel import ChannelStatus
from bot.turns import TurnsInProgress
from casework.gateway import BlockingCalls
from dialogs.activities import tenant_of
from settings import Settings

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_BODY_BYTES = 256 * 1024
"""Teams activities are a few KB; a card submission with every field filled is well under 64 KB."""
MAX_JSON_DEPTH = 32
"""An activity nests about 6 deep; an Action.Execute's data a few more."""
MAX_ID_LENGTH = 256
MAX_CONVERSATION_ID_LENGTH = 400
MAX_USER_ID_LENGTH = 64
"""An Entra object id is a 36-character GUID; the sender's id stands in for it (and is stored) when it is absent."""
MAX_NAME_LENGTH = 256
"""Entra allows display names of 256 characters."""
MAX_SERVICE_URL_LENGTH = 2048
MAX_TOKEN_LENGTH = 16 * 1024
MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JavaScript client (Teams) can send exactly; record ids beyond it are forged."""
TEAMS_CHANNEL = "msteams"
HANDLED_INVOKES = frozenset({"adaptiveCard/action"})
"""The invoke names the bot answers; botbuilder would answer any other with a 501."""
CHANNEL_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
"""The only issuer of tokens the Bot Framework channel (Teams) sends a bot."""


class Refused(Exception):
    """A request answered with a 4xx (or a 503 when Microsoft's signing keys cannot be fetched)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


class RejectionCounter:
    """Refused requests by reason, in memory only: counted and logged, never written to the database."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def count(self, reason: str) -> None:
        self._counts[reason] += 1
        total = self._counts[reason]
        # 1, 10, 100, …: a flood of refusals cannot flood the log either.
        if total == 10 ** (len(str(total)) - 1):
            log.warning("refused request: %s (%d refused for this reason since start)", reason, total)

    def snapshot(self) -> dict[str, int]:
        return dict(sorted(self._counts.items()))

    @property
    def total(self) -> int:
        return sum(self._counts.values())


def messages_handler(
    adapter: CloudAdapter,
    bot: Bot,
    settings: Settings,
    rejections: RejectionCounter | None = None,
    turns: TurnsInProgress | None = None,
) -> Handler:
    allowed_tenants = frozenset(settings.allowed_tenant_ids)
    refusals = rejections if rejections is not None else RejectionCounter()

    in_progress = turns if turns is not None else TurnsInProgress()

    async def messages(request: web.Request) -> web.StreamResponse:
        turn_id = new_correlation_id()
        try:
            async with in_progress.turn():
                response = await _handle(request)
        except Refused as refused:
            refusals.count(refused.reason)
            response = web.json_response({"error": refused.message}, status=refused.status)
        response.headers["X-Correlation-Id"] = turn_id
        return response

    async def _handle(request: web.Request) -> web.StreamResponse:
        # 1. The edge: nothing here reads or writes the database.
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise Refused(415, "unsupported_media_type", "expected application/json")
        body = parse_activity_body(await read_bounded(request, MAX_BODY_BYTES))
        check_activity_fields(body)
        try:
            activity = activity_from_json(body)
        except Exception as error:  # msrest raises several kinds; none is the caller's 5xx
            raise Refused(400, "malformed_activity", "the body is not a Bot Framework activity") from error

        # 2. Authentication. With it disabled (development only) botbuilder raises a 500 on a malformed
        # Authorization header, so none is passed on.
        if settings.authentication_disabled:
            authenticated: str | AuthenticateRequestResult = ""
        else:
            authenticated = await authenticate(adapter, request.headers.get("Authorization", ""), activity)
            if activity.channel_id != TEAMS_CHANNEL:
                raise Refused(403, "channel_not_allowed", "only Microsoft Teams may call this bot")

        # 3. Authorisation: the tenant, from the authenticated activity, before any handler (or database) sees it.
        # Both places Teams names it must agree (msrest reads conversation.tenantId as an unknown property, so it
        # is taken from the body).
        if allowed_tenants:
            named = {t for t in (tenant_of(activity), _at(body, ("conversation", "tenantId"))) if t}
            if len(named) != 1 or not named <= allowed_tenants:
                raise Refused(403, "tenant_not_allowed", "tenant not allowed")

        # 4. The turn.
        invoke_response = await adapter.process_activity(authenticated, activity, bot.on_turn)
        if invoke_response is not None:
            return web.json_response(invoke_response.body, status=invoke_response.status)
        return web.Response(status=200)

    return messages


async def read_bounded(request: web.Request, limit: int) -> bytes:
    """The body, refused with a 413 as soon as it is known to exceed the limit (declared or sent)."""
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, "body_too_large", f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise Refused(413, "body_too_large", f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
"""A JSON string, or an unterminated one to the end: possessive, so it never backtracks (linear time)."""
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than the limit, found by counting brackets outside strings: no
    recursion, and linear in the body's length."""
    depth = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _integer(literal: str) -> int:
    # Python refuses integers of more than 4,300 digits itself (ValueError); this refuses far smaller ones.
    if len(literal) > 17 or abs(value := int(literal)) > MAX_SAFE_INTEGER:
        raise ValueError("an integer no Teams client could send")
    return value


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError("a number too large to be finite")
    return value


def _constant(literal: str) -> None:
    raise ValueError(f"{literal} is not JSON")


def parse_activity_body(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400: depth bounded before parsing, strict numbers, clean strings."""
    if json_depth_exceeds(raw, MAX_JSON_DEPTH):
        raise Refused(400, "json_too_deep", f"the JSON nests more than {MAX_JSON_DEPTH} deep")
    try:
        body = json.loads(raw.decode("utf-8"), parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise Refused(400, "malformed_body", "the body is not valid JSON") from error
    if not isinstance(body, dict):
        raise Refused(400, "malformed_activity", "the body is not a Bot Framework activity")
    for string in _strings(body):
        if "\x00" in string or (not string.isascii() and _has_lone_surrogate(string)):
            raise Refused(400, "malformed_body", "the body holds a NUL or an unpaired surrogate")
    return body


def _strings(node: object) -> Iterator[str]:
    """Every key and string value, walked with a stack (the depth is bounded already, but no recursion anyway)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _has_lone_surrogate(string: str) -> bool:
    try:
        string.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass(frozen=True)
class _Field:
    path: tuple[str, ...]
    max_length: int


_FIELDS = (
    _Field(("type",), 64),
    _Field(("id",), MAX_ID_LENGTH),
    _Field(("channelId",), 64),
    _Field(("serviceUrl",), MAX_SERVICE_URL_LENGTH),
    _Field(("replyToId",), MAX_ID_LENGTH),
    _Field(("name",), MAX_ID_LENGTH),
    _Field(("from", "id"), MAX_ID_LENGTH),
    _Field(("from", "aadObjectId"), MAX_USER_ID_LENGTH),
    _Field(("from", "name"), MAX_NAME_LENGTH),
    _Field(("recipient", "id"), MAX_ID_LENGTH),
    _Field(("recipient", "name"), MAX_NAME_LENGTH),
    _Field(("conversation", "id"), MAX_CONVERSATION_ID_LENGTH),
    _Field(("conversation", "tenantId"), MAX_ID_LENGTH),
    _Field(("conversation", "conversationType"), 64),
    _Field(("channelData", "tenant", "id"), MAX_ID_LENGTH),
)
_OBJECTS = (("from",), ("recipient",), ("conversation",), ("channelData",), ("channelData", "tenant"))


def _at(body: dict[str, Any], path: tuple[str, ...]) -> object:
    node: object = body
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _invalid(message: str) -> Refused:
    return Refused(400, "invalid_activity", message)


def check_activity_fields(body: dict[str, Any]) -> None:
    """The fields the bot reads, stores or routes on: of the right type and bounded length, or a 400."""
    for path in _OBJECTS:
        if _at(body, path) is not None and not isinstance(_at(body, path), dict):
            raise _invalid(f"{'.'.join(path)} must be an object")
    for field in _FIELDS:
        value = _at(body, field.path)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _invalid(f"{'.'.join(field.path)} must be a string")
        if len(value) > field.max_length:
            raise _invalid(f"{'.'.join(field.path)} is longer than {field.max_length} characters")
    if not isinstance(body.get("type"), str) or not body["type"]:
        raise _invalid("the activity has no type")
    sender = body.get("from")
    if isinstance(sender, dict) and not sender.get("aadObjectId") and len(sender.get("id") or "") > MAX_USER_ID_LENGTH:
        # Without an Entra object id the sender's id is the user id the bot stores.
        raise _invalid(f"from.id is longer than {MAX_USER_ID_LENGTH} characters and there is no aadObjectId")
    value = body.get("value")
    if body["type"] == "invoke":
        if body.get("name") not in HANDLED_INVOKES:
            raise Refused(400, "unsupported_invoke", "this bot does not handle that invoke")
        if not isinstance(value, dict):
            raise _invalid("an invoke's value must be an object")
        action = value.get("action")
        if not isinstance(action, dict):
            raise _invalid("an adaptiveCard/action invoke's value.action must be an object")
        if action.get("data") is not None and not isinstance(action.get("data"), dict):
            raise _invalid("value.action.data must be an object")
        _check_record_ids(action.get("data") or {})
    elif isinstance(value, dict):
        _check_record_ids(value)


def _check_record_ids(data: dict[str, Any]) -> None:
    """A card's record ids (escalation_id, incident_id, …) are integers a Teams client could send, or a 400."""
    for key, value in data.items():
        if not key.endswith("_id") or isinstance(value, bool) or not isinstance(value, int | str):
            continue
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            raise _invalid(f"{key} is longer than {MAX_ID_LENGTH} characters")
        try:
            number = int(value)
        except ValueError:
            continue
        if abs(number) > MAX_SAFE_INTEGER:
            raise _invalid(f"{key} is out of range")


async def authenticate(adapter: CloudAdapter, header: str, activity: Activity) -> AuthenticateRequestResult:
    """The request's token validated in full, or a 401 (a 503 if Microsoft's signing keys cannot be fetched).

    botbuilder refuses bad tokens with PermissionError, PyJWT's errors, an IndexError (an unknown key id) or a bare
    Exception (a key not endorsed for the channel): every one of them is the caller's 401, never a 500."""
    _screen_token(header)
    try:
        result: AuthenticateRequestResult = await adapter.bot_framework_authentication.authenticate_request(
            activity, header
        )
    except requests.RequestException as error:
        log.error("the Bot Framework's OpenID metadata could not be fetched: %s", type(error).__name__)
        raise Refused(503, "openid_metadata_unavailable", "cannot validate tokens right now") from error
    except Exception as error:
        raise Refused(401, "unauthenticated", "unauthorized") from error
    return result


def _screen_token(header: str) -> None:
    """Refuses, before botbuilder sees it, any header that is not `Bearer <RS256 JWT with a key id, issued by the
    Bot Framework channel>`; so no Emulator or skill token (whose validation would fetch other metadata) gets in."""
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2 or " " in token:
        raise Refused(401, "unauthenticated", "unauthorized")
    try:
        token_header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise Refused(401, "unauthenticated", "unauthorized") from error
    kid = token_header.get("kid")
    if token_header.get("alg") != "RS256" or not isinstance(kid, str) or not kid or len(kid) > 256:
        raise Refused(401, "unauthenticated", "unauthorized")
    if claims.get("iss") != CHANNEL_ISSUER:
        raise Refused(401, "unauthenticated", "unauthorized")


def health_handler(
    engine: Engine,
    team_channel: Callable[[], ChannelStatus],
    rejections: RejectionCounter | None = None,
    blocking: BlockingCalls | None = None,
) -> Handler:
    """503 only when the database is down. An unreachable team channel answers 200 with a warning: a load balancer
    pulls instances that answer 503, and every instance shares the channel's state, so a 503 would take the whole
    bot away from staff because one channel is unknown. `rejected` counts refused requests by reason. The check has
    the turns' time limit, so a partition answers 503 in seconds rather than when the connection finally fails."""
    calls = blocking or BlockingCalls()

    def check() -> ChannelStatus:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return team_channel()

    async def healthz(_request: web.Request) -> web.StreamResponse:
        rejected = rejections.snapshot() if rejections is not None else {}
        try:
            channel = await calls.run(check)
        except Exception as error:
            log.error("health check: database unreachable (%s)", type(error).__name__)
            return web.json_response(
                {"status": "unhealthy", "database": "unreachable", "rejected": rejected}, status=503
            )
        status = "ok" if channel.reachable else "warning"
        return web.json_response(
            {"status": status, "database": "ok", "team_channel": channel.health, "rejected": rejected}
        )

    return healthz
