"""Server-side time per turn of the incident report flow (issue 3): `report <customer> …` and the form's submit.

    python -m bench.report_flow [--reports 200]

Runs the real app (SQLite file, the Bot Framework adapter, the fake Bot Connector on localhost) and times each
turn from the request reaching /api/messages to the response, one user at a time. Prints p50/p95/p99 in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from app import create_app
from bot.settings import Settings
from casework.services import register_staff
from casework.types import Actor, StaffMember
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.fake_connector import FakeConnector
from tests.teams import MORGAN, SAM, message, submit
from tests.test_end_to_end import inputs_of


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(reports: int) -> dict[str, Any]:
    database = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(database)
    engine = create_database_engine(database)
    now = lambda: datetime.now(UTC)  # noqa: E731
    register_staff(SqlUnitOfWork(engine), Actor("admin", "Admin"), StaffMember(MORGAN.aad_object_id, MORGAN.name), now)
    register_staff(
        SqlUnitOfWork(engine),
        Actor("admin", "Admin"),
        StaffMember(SAM.aad_object_id, SAM.name, False, MORGAN.aad_object_id),
        now,
    )
    engine.dispose()
    connector = FakeConnector()
    await connector.start()
    settings = Settings(_env_file=None, DEVELOPMENT_MODE=True, DATABASE_URL=database)
    server = TestServer(create_app(settings, run_sweep=False), host="127.0.0.1")
    await server.start_server()
    message_ms: list[float] = []
    submit_ms: list[float] = []
    async with ClientSession() as session:
        url = server.make_url("/api/messages")

        async def post(activity: dict[str, Any]) -> float:
            started = time.perf_counter()
            async with session.post(url, json=activity) as response:
                await response.read()
                assert response.status == 200, response.status
            return (time.perf_counter() - started) * 1000

        await post(message(MORGAN, "hello", connector.url))  # the line manager can be told, as in real use
        for n in range(reports):
            customer = "Jane Smith" if n % 2 else f"Customer {n}"
            message_ms.append(await post(message(SAM, f"report {customer} phone abusive", connector.url)))
            form = connector.calls[-1].cards[-1]
            submitted = {
                **inputs_of(form),
                "verb": "incident.submit",
                "form_id": form["actions"][0]["data"]["form_id"],
                "description": "Shouted and swore.",
                "customer_choice": inputs_of(form).get("customer_choice") or "new",
            }
            submit_ms.append(await post(submit(SAM, submitted, connector.url)))
            assert "recorded" in json.dumps(connector.calls[-1].activity), connector.calls[-1].activity
    await server.close()
    await connector.close()
    summary: dict[str, Any] = {}
    for name, timings in (("report message", message_ms), ("form submit", submit_ms)):
        summary[name] = {
            "turns": len(timings),
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "p99_ms": round(percentile(timings, 0.99), 1),
        }
    return summary


def main() -> None:
    logging.disable(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=200)
    args = parser.parse_args()
    summary = asyncio.run(run(args.reports))
    print(f"{'turn':<16} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, row in summary.items():
        print(f"{name:<16} {row['turns']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "report_flow.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
