"""Baseline (1) of issue 9: Microsoft's echo sample for botbuilder 4.17, as the sample runs locally
(CloudAdapter.process, ActivityHandler, ConfigurationBotFrameworkAuthentication with an empty app id).

It is the one module outside bot/ and dialogs/ that imports botbuilder (tests/test_layering.py allows it by name):
it measures the framework itself. With --cache it uses the product's connector cache, to show what the cache alone
saves.
"""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.integration import aiohttp_error_middleware
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bench.servers import ok
from bot.connector_cache import CachingBotFrameworkAuthentication


def serve(port: int, cache: bool) -> None:
    class DefaultConfig:
        PORT = port
        APP_ID = ""
        APP_PASSWORD = ""
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""

    class EchoBot(ActivityHandler):  # type: ignore[misc]
        async def on_message_activity(self, turn_context: TurnContext) -> Any:
            return await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))

    authentication: Any = ConfigurationBotFrameworkAuthentication(DefaultConfig())
    if cache:
        authentication = CachingBotFrameworkAuthentication(authentication)
    adapter = CloudAdapter(authentication)

    async def on_error(context: TurnContext, error: Exception) -> None:
        print(f"\n [on_turn_error] unhandled error: {error}", file=sys.stderr)
        await context.send_activity("The bot encountered an error or bug.")

    adapter.on_turn_error = on_error
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)  # type: ignore[no-any-return]

    app = web.Application(middlewares=[aiohttp_error_middleware])
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", ok)
    web.run_app(app, host="127.0.0.1", port=port, print=None)
