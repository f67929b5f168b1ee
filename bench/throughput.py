"""Turns per second and latency, side by side, under one load generator (issue 9).

Every target is its own process on localhost; so is the fake Bot Connector and so is the load generator. For each
target and each number of concurrent users (1, 10, 50) the load generator warms up for a second, then runs for a
fixed time. Latency is measured by the load generator: from posting the activity to /api/messages to the HTTP
response, which the bots send after their reply has reached the connector.

Also the product's resident memory: at idle (started, migrated, no turn yet), then every 2,000 turns of the
product mix up to 10,000 (the throughput runs count towards them).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import RESULTS, cpu_seconds, free_port, rss_mb, wait_for_http
from bench.seed import database, postgres_available, seed

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent
USERS = (1, 10, 50)
WARM_UP_SECONDS = 2.0
"""Untimed load each bot serves before it is measured, the echo bots and the product alike, so that neither is
timed while its caches fill and the interpreter specialises its code."""


@contextmanager
def process(args: list[str], log_name: str) -> Iterator[subprocess.Popen[bytes]]:
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{log_name}.log", "wb") as log:
        child = subprocess.Popen([PYTHON, *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield child
        finally:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def load(scenario: str, bot: str, connector: str, *extra: str, pid: int | None = None) -> dict[str, Any]:
    """Runs the load generator once; with the bot's pid, adds the bot's CPU time per turn served."""
    args = [PYTHON, "-m", "bench.load", scenario, "--bot", bot, "--connector", connector, *extra]
    cpu_before = cpu_seconds(pid) if pid else 0.0
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result = dict(json.loads(done.stdout))
    if pid and result.get("turns_served"):
        result["bot_cpu_ms_per_turn"] = round((cpu_seconds(pid) - cpu_before) * 1000 / result["turns_served"], 2)
    return result


@contextmanager
def bot_server(kind: str, label: str, *extra: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    with process(["-m", "bench.servers", kind, "--port", str(port), *extra], label) as child:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=120)
        yield f"http://127.0.0.1:{port}/api/messages", child.pid


EchoTarget = tuple[str, str, str, list[str]]
"""Key, label, bench.servers kind, extra arguments."""
ECHO_TARGETS: tuple[EchoTarget, ...] = (
    ("botbuilder_echo", "(1) botbuilder echo (CloudAdapter.process)", "botbuilder-echo", []),
    ("aiohttp_echo", "(2) plain aiohttp echo (floor)", "aiohttp-echo", []),
    ("botbuilder_echo_cached", "botbuilder echo + connector cache", "botbuilder-echo", ["--cache"]),
)


def echo_targets(
    connector: str,
    duration: float,
    log: Any,
    targets: tuple[EchoTarget, ...] = ECHO_TARGETS,
    users_list: tuple[int, ...] = USERS,
) -> list[dict[str, Any]]:
    rows = []
    for key, label, kind, extra in targets:
        with bot_server(kind, key, *extra) as (bot, pid):
            load("echo", bot, connector, "--users", "10", "--duration", str(WARM_UP_SECONDS))
            for users in users_list:
                result = load("echo", bot, connector, "--users", str(users), "--duration", str(duration), pid=pid)
                rows.append({"target": key, "label": label, **result})
                log(
                    f"  {label:<62} {users:>3} users  {result['turns_per_s']:>7} turns/s  "
                    f"p50 {result['all']['p50_ms']} ms  CPU {result.get('bot_cpu_ms_per_turn')} ms/turn"
                )
    return rows


def product_targets(
    connector: str, duration: float, databases: list[str], memory_turns: int, log: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    memory: dict[str, Any] = {}
    for db in databases:
        with database(db) as url:
            started = time.perf_counter()
            plan = seed(url)
            log(
                f"  seeded {db}: {plan['incidents']:,} incidents, {len(plan['escalations']):,} escalations "
                f"in {time.perf_counter() - started:.1f} s"
            )
            plan_file = Path(tempfile.mkdtemp(prefix="uca_bench_plan_")) / "plan.json"
            plan_file.write_text(json.dumps(plan))
            offset = 0
            for cached in (False, True):
                key = f"product_{db}_{'cached' if cached else 'uncached'}"
                name = "SQLite" if db == "sqlite" else "PostgreSQL"
                # Without the cache: botbuilder's own clients, built every turn and sent with requests (comparison).
                label = f"(3) product, {name}" if cached else f"product, {name}, without the connector cache"
                flags = [] if cached else ["--no-cache"]
                with bot_server("product", key, "--database", url, *flags) as (bot, pid):
                    idle = rss_mb(pid)
                    common = ["--plan", str(plan_file)]
                    introduced = load("introduce", bot, connector, *common)["introduced"]
                    warm_up = load(
                        "product", bot, connector, *common, "--users", "10",
                        "--duration", str(WARM_UP_SECONDS), "--offset", str(offset),
                    )  # fmt: skip
                    offset = warm_up["next_offset"]
                    served = introduced + warm_up["turns_served"]
                    for users in USERS:
                        result = load(
                            "product", bot, connector, *common, "--users", str(users),
                            "--duration", str(duration), "--offset", str(offset), pid=pid,
                        )  # fmt: skip
                        offset = result["next_offset"]
                        served += result["turns_served"]
                        rows.append({"target": key, "label": label, "database": db, "cached": cached, **result})
                        log(
                            f"  {label:<62} {users:>3} users  {result['turns_per_s']:>7} turns/s  "
                            f"p50 {result['all']['p50_ms']} ms  CPU {result.get('bot_cpu_ms_per_turn')} ms/turn  "
                            f"errors {result['errors']}"
                        )
                    if cached:
                        rows.extend(check_only(bot, connector, pid, common, db, name, duration, log))
                    if cached and db == databases[0] and memory_turns:
                        memory = measure_memory(bot, connector, pid, common, idle, served, offset, memory_turns, log)
                        memory["database"] = db
    return rows, memory


def check_only(
    bot: str,
    connector: str,
    pid: int,
    common: list[str],
    db: str,
    name: str,
    duration: float,
    log: Any,
    users_list: tuple[int, ...] = USERS,
) -> list[dict[str, Any]]:
    """The product answering only `check <name>`, against the same echo bots (issue 13's 3x target)."""
    rows = []
    label = f"product, {name}, check <name> only"
    for users in users_list:
        result = load("check", bot, connector, *common, "--users", str(users), "--duration", str(duration), pid=pid)
        rows.append({"target": f"product_{db}_check", "label": label, "database": db, "cached": True, **result})
        log(
            f"  {label:<62} {users:>3} users  {result['turns_per_s']:>7} turns/s  "
            f"p50 {result['all']['p50_ms']} ms  CPU {result.get('bot_cpu_ms_per_turn')} ms/turn  "
            f"errors {result['errors']}"
        )
    return rows


def measure_memory(
    bot: str,
    connector: str,
    pid: int,
    common: list[str],
    idle: float,
    served: int,
    offset: int,
    total: int,
    log: Any,
) -> dict[str, Any]:
    """RSS at idle, then after every 2,000 turns of the product mix (10 users) until `total` turns were served."""
    samples = [{"turns": 0, "rss_mb": idle}, {"turns": served, "rss_mb": rss_mb(pid)}]
    log(f"  memory: idle {idle} MB, {served:,} turns {samples[-1]['rss_mb']} MB")
    while served < total:
        chunk = min(2000, total - served)
        result = load(
            "product", bot, connector, *common, "--users", "10", "--turns", str(chunk), "--offset", str(offset)
        )
        offset = result["next_offset"]
        served += result["turns_served"]
        samples.append({"turns": served, "rss_mb": rss_mb(pid)})
        log(f"  memory: {served:,} turns {samples[-1]['rss_mb']} MB ({result['turns_per_s']} turns/s)")
    time.sleep(1)
    after = rss_mb(pid)
    first_full = next((s for s in samples[1:] if s["turns"] >= 2000), samples[1])
    return {
        "idle_mb": idle,
        "after_turns": served,
        "after_mb": after,
        "samples": samples,
        "growth_after_first_2000_turns_mb": round(after - first_full["rss_mb"], 1),
    }


def run(duration: float, echo_duration: float, memory_turns: int, log: Any) -> dict[str, Any]:
    databases = ["sqlite"]
    why_not = postgres_available()
    if why_not is None:
        databases.append("postgres")
    else:
        log(f"  PostgreSQL skipped: {why_not}")
    port = free_port()
    connector = f"http://127.0.0.1:{port}/"
    with process(["-m", "bench.connector", "--port", str(port)], "connector"):
        wait_for_http(connector + "healthz")
        echo = echo_targets(connector, echo_duration, log)
        product, memory = product_targets(connector, duration, databases, memory_turns, log)
    return {"rows": echo + product, "memory": memory, "postgres_skipped": why_not, "load_average": os.getloadavg()}


def run_check_only(duration: float, log: Any, users_list: tuple[int, ...] = (10,)) -> dict[str, Any]:
    """Only what issue 13's `check <name>` target compares (`--only check`, about a minute): the bare botbuilder echo
    bot and the product (as shipped, with the connector cache) answering only `check <name>` on each database, at
    `users_list` concurrent users, in the same run."""
    databases = ["sqlite"]
    why_not = postgres_available()
    if why_not is None:
        databases.append("postgres")
    else:
        log(f"  PostgreSQL skipped: {why_not}")
    port = free_port()
    connector = f"http://127.0.0.1:{port}/"
    rows: list[dict[str, Any]] = []
    with process(["-m", "bench.connector", "--port", str(port)], "connector"):
        wait_for_http(connector + "healthz")
        rows += echo_targets(connector, min(duration, 4.0), log, ECHO_TARGETS[:1], users_list)
        for db in databases:
            with database(db) as url:
                plan_file = Path(tempfile.mkdtemp(prefix="uca_bench_plan_")) / "plan.json"
                plan_file.write_text(json.dumps(seed(url)))
                name = "SQLite" if db == "sqlite" else "PostgreSQL"
                with bot_server("product", f"product_{db}_cached", "--database", url) as (bot, pid):
                    common = ["--plan", str(plan_file)]
                    load("introduce", bot, connector, *common)
                    load("check", bot, connector, *common, "--users", "10", "--duration", str(WARM_UP_SECONDS))
                    rows += check_only(bot, connector, pid, common, db, name, duration, log, users_list)
    return {"rows": rows, "memory": {}, "postgres_skipped": why_not, "load_average": os.getloadavg()}
