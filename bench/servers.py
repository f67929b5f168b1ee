"""The bots under test, each run in its own process on 127.0.0.1:PORT, POST /api/messages.

    python -m bench.servers botbuilder-echo --port P [--cache]
    python -m bench.servers aiohttp-echo --port P
    python -m bench.servers product --port P --database URL [--no-cache] [--profile FILE]

- botbuilder-echo: baseline (1), Microsoft's echo sample (bench/botbuilder_echo.py).
- aiohttp-echo: the floor. A plain aiohttp handler that posts one reply to the activity's service URL with one
  shared client session.
- product: this bot exactly as app.main() serves it (create_app, JSON logs at INFO, its access log
  bot.logs.PathOnlyAccessLogger), in development mode (authentication off, as the echo sample), with the daily
  retention run off (it would start inside the timed window). bot/adapter.py wraps
  its authentication in bot.connector_cache.CachingBotFrameworkAuthentication; --no-cache takes the cache off again,
  to measure what it saves.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import threading
import time
from typing import Any

from aiohttp import ClientSession, web


async def ok(_request: web.Request | None = None) -> web.Response:
    return web.Response(text="ok")


SESSION = web.AppKey("session", ClientSession)


def aiohttp_echo(port: int) -> None:
    async def messages(request: web.Request) -> web.Response:
        activity = await request.json()
        if activity.get("type") == "message":
            reply = {
                "type": "message",
                "text": f"Echo: {activity.get('text', '')}",
                "from": activity.get("recipient"),
                "recipient": activity.get("from"),
                "conversation": activity.get("conversation"),
                "replyToId": activity.get("id"),
                "serviceUrl": activity.get("serviceUrl"),
                "channelId": activity.get("channelId"),
            }
            base = str(activity["serviceUrl"]).rstrip("/")
            url = f"{base}/v3/conversations/{activity['conversation']['id']}/activities/{activity['id']}"
            async with request.app[SESSION].post(url, json=reply) as response:
                await response.read()
        return web.Response(status=200)

    async def session(app: web.Application) -> Any:
        app[SESSION] = ClientSession()
        yield
        await app[SESSION].close()

    app = web.Application()
    app.cleanup_ctx.append(session)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", ok)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def product(port: int, database: str, without_cache: bool, profile: str | None) -> None:
    import app as product_app
    from bot.connector_cache import CachingBotFrameworkAuthentication
    from bot.logs import PathOnlyAccessLogger, configure_logging
    from settings import Settings
    from tests.teams import TEAM_CHANNEL

    original = product_app.create_adapter  # type: ignore[attr-defined]

    def create_adapter_without_cache(settings: Settings) -> Any:
        """As bot/adapter.py builds it, then with botbuilder's own authentication: clients built every turn."""
        adapter = original(settings)
        authentication = adapter.bot_framework_authentication
        if isinstance(authentication, CachingBotFrameworkAuthentication):
            adapter.bot_framework_authentication = authentication.inner
        return adapter

    if without_cache:
        setattr(product_app, "create_adapter", create_adapter_without_cache)  # noqa: B010 (app.py calls it so)

    settings = Settings(
        _env_file=None,
        DEVELOPMENT_MODE=True,
        DATABASE_URL=database,
        DETERMINATION_TEAM_CONVERSATION_ID=TEAM_CHANNEL,
        # Retention's daily run starts with the server and reads every customer's file (about 2.5 s of CPU over
        # the benchmark's 1,000 customers): it would fall inside the timed window. `admin.py retention` runs it.
        RETENTION_ENABLED=False,
        HOST="127.0.0.1",
        PORT=port,
    )
    configure_logging(settings.log_level)
    application = product_app.create_app(settings)
    application.on_startup.append(product_app.freeze_start_up_heap)
    if profile:
        _profile(application, profile)
    web.run_app(
        application,
        host=settings.host,
        port=settings.port,
        access_log_class=PathOnlyAccessLogger,  # as app.main() logs each request
        print=None,
    )


def _profile(application: web.Application, path: str) -> None:
    """cProfile (CPU time per thread) on the event loop thread and on every worker thread started after this."""
    main = cProfile.Profile(time.thread_time)
    workers: list[cProfile.Profile] = []

    def start_in_thread(*_args: Any) -> None:
        profiler = cProfile.Profile(time.thread_time)
        workers.append(profiler)
        profiler.enable()  # replaces this hook for the rest of the thread's life

    threading.setprofile(start_in_thread)

    async def started(_app: web.Application) -> None:
        main.enable()

    async def stopped(_app: web.Application) -> None:
        main.disable()
        stats = pstats.Stats(main)
        for profiler in workers:
            stats.add(profiler)
        stats.dump_stats(path)

    application.on_startup.append(started)
    application.on_shutdown.append(stopped)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["botbuilder-echo", "aiohttp-echo", "product"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default="")
    parser.add_argument("--cache", action="store_true", help="botbuilder-echo: with the product's connector cache")
    parser.add_argument("--no-cache", action="store_true", help="product: without its connector cache")
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()
    if args.kind == "botbuilder-echo":
        from bench.botbuilder_echo import serve

        serve(args.port, args.cache)
    elif args.kind == "aiohttp-echo":
        aiohttp_echo(args.port)
    else:
        product(args.port, args.database, args.no_cache, args.profile)


if __name__ == "__main__":
    main()
