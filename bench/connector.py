"""The fake Bot Connector for the benchmarks, in its own process: accepts what bots send, keeps the last activity
per conversation (so the load generator can read a form's id from the card the bot actually sent) and counts.

    python -m bench.connector --port 8123

Unlike tests/fake_connector.py it does not validate cards against the Adaptive Cards schema (that would make
the connector, not the bot, the bottleneck).
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from typing import Any

from aiohttp import web

LAST = web.AppKey("last", dict)
COUNTS = web.AppKey("counts", Counter)


def make_app() -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    last: dict[str, dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    ids = itertools.count(1)
    app[LAST] = last
    app[COUNTS] = counts

    async def receive(request: web.Request) -> web.Response:
        activity = await request.json()
        conversation = request.match_info["conversation"]
        counts[request.method] += 1
        if request.headers.get("Authorization"):
            counts["with_authorization"] += 1
        if len(last) > 50_000:
            last.clear()
        last[conversation] = activity
        if request.method == "PUT":
            return web.json_response({"id": request.match_info["activity"]})
        return web.json_response({"id": f"activity-{next(ids)}"})

    async def last_activity(request: web.Request) -> web.Response:
        activity = last.get(request.query.get("conversation", ""))
        if activity is None:
            return web.json_response({"error": "nothing sent to that conversation"}, status=404)
        return web.json_response(activity)

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(dict(counts))

    app.router.add_post("/v3/conversations/{conversation}/activities", receive)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", receive)
    app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", receive)
    app.router.add_get("/bench/last", last_activity)
    app.router.add_get("/bench/stats", stats)
    app.router.add_get("/healthz", stats)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(make_app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
