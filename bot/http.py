"""The HTTP endpoints: POST /api/messages (the Bot Framework's) and GET /healthz.

botbuilder-integration-aiohttp 4.17's CloudAdapter.process() serialises an invoke response body twice and
answers 500 to every Action.Execute, so this handler calls process_activity itself and writes the body once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

import jwt
from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from sqlalchemy import Engine, text

from bot.logs import new_correlation_id
from bot.team_channel import ChannelStatus
from casework.gateway import CaseworkGateway
from casework.staff import record_rejected_activity
from dialogs.activities import actor_of, tenant_of
from settings import Settings

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def messages_handler(adapter: CloudAdapter, bot: Bot, settings: Settings, casework: CaseworkGateway) -> Handler:
    allowed_tenants = frozenset(settings.allowed_tenant_ids)

    async def messages(request: web.Request) -> web.StreamResponse:
        turn_id = new_correlation_id()
        response = await _handle(request)
        response.headers["X-Correlation-Id"] = turn_id
        return response

    async def _handle(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = await request.json()
            activity = Activity().deserialize(body)
        except (json.JSONDecodeError, ValueError, TypeError, AttributeError):
            return web.json_response({"error": "the body is not a Bot Framework activity"}, status=400)
        if not isinstance(body, dict) or not activity.type:
            return web.json_response({"error": "the activity has no type"}, status=400)

        if allowed_tenants:
            tenant = tenant_of(activity)
            if tenant not in allowed_tenants:
                # Rejected before any handler runs; the attempt is audited.
                await casework.call(record_rejected_activity, actor_of(activity), tenant or "")
                return web.json_response({"error": "tenant not allowed"}, status=403)

        # With authentication disabled (development only) botbuilder raises a 500 on a malformed
        # Authorization header, so none is passed on; with it enabled the header is validated in full,
        # and a header that is not even a well-formed bearer token is refused before botbuilder sees it.
        auth_header = "" if settings.authentication_disabled else request.headers.get("Authorization", "")
        if not settings.authentication_disabled and not _looks_like_bearer_jwt(auth_header):
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            invoke_response = await adapter.process_activity(auth_header, activity, bot.on_turn)
        except (PermissionError, jwt.PyJWTError):
            return web.json_response({"error": "unauthorized"}, status=401)
        if invoke_response is not None:
            return web.json_response(invoke_response.body, status=invoke_response.status)
        return web.Response(status=200)

    return messages


def _looks_like_bearer_jwt(header: str) -> bool:
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and token.count(".") == 2 and " " not in token.strip()


def health_handler(engine: Engine, team_channel: Callable[[], ChannelStatus]) -> Handler:
    """503 only when the database is down. An unreachable team channel answers 200 with a warning: a load balancer
    pulls instances that answer 503, and every instance shares the channel's state, so a 503 would take the whole
    bot away from staff because one channel is unknown."""

    def check() -> ChannelStatus:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return team_channel()

    async def healthz(_request: web.Request) -> web.StreamResponse:
        try:
            channel = await asyncio.to_thread(check)
        except Exception:
            log.exception("health check: database unreachable")
            return web.json_response({"status": "unhealthy", "database": "unreachable"}, status=503)
        status = "ok" if channel.reachable else "warning"
        return web.json_response({"status": status, "database": "ok", "team_channel": channel.health})

    return healthz
