"""The README's performance tables, printed as Markdown from a `make bench` result, so the README quotes a real run.

python -m bench.markdown [bench/results/latest.json]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import RESULTS, read_result

KINDS = ("help", "check <name>", "report (form)", "incident submit", "approve (Action.Execute)")


def row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    return "\n".join([row(headers), row(["---"] * len(headers)), *(row(r) for r in rows)])


def ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def throughput(result: dict[str, Any]) -> str:
    rows = result["rows"]
    echo = {r["users"]: r["turns_per_s"] for r in rows if r["target"] == "botbuilder_echo"}
    floor = {r["users"]: r["turns_per_s"] for r in rows if r["target"] == "aiohttp_echo"}
    lines = []
    for r in rows:
        label = r["label"].replace("(CloudAdapter.process)", "").replace("(floor)", "").strip()
        if r.get("cached"):
            label = f"**{label}**"
        lines.append(
            [
                label,
                r["users"],
                f"{r['turns_per_s']:,.1f}",
                ms(r["all"]["p50_ms"]),
                ms(r["all"]["p95_ms"]),
                ms(r["all"]["p99_ms"]),
                f"{r['turns_per_s'] / echo[r['users']]:.2f}×",
                f"{r['turns_per_s'] / floor[r['users']]:.2f}×",
                r.get("bot_cpu_ms_per_turn", ""),
            ]
        )
    headers = ["target", "users", "turns/s", "p50 ms", "p95 ms", "p99 ms", "vs (1)", "vs (2)", "bot CPU ms/turn"]
    return table(headers, lines)


def by_kind(result: dict[str, Any]) -> str:
    lines = []
    for r in result["rows"]:
        if not r.get("cached") or r["target"].endswith("_check"):
            continue
        cells = []
        for kind in KINDS:
            s = r["by_kind"].get(kind)
            cells.append(f"{s['p50_ms']:.0f} / {s['p99_ms']:.0f}" if s and s["n"] else "–")
        lines.append([r["label"].replace("(3) product, ", ""), r["users"], *cells])
    return table(["database", "users", *(f"`{k}`" if k.startswith(("help", "check")) else k for k in KINDS)], lines)


def memory(result: dict[str, Any]) -> str:
    samples = result["memory"]["samples"]
    return table(["turns served", *(f"{s['turns']:,}" for s in samples)], [["RSS MB", *(s["rss_mb"] for s in samples)]])


def scale(result: dict[str, Any]) -> str:
    lines = [
        [
            "SQLite" if r["database"] == "sqlite" else "PostgreSQL",
            f"{r['incidents']:,}",
            f"{r['customers']:,}",
            f"{r['restrictions_with_reviews']:,}",
            f"{r['check']['p50_ms']:.1f} / {r['check']['p95_ms']:.1f}",
            f"{r['submit']['p50_ms']:.1f} / {r['submit']['p95_ms']:.1f}",
            f"{r['sweep_due_ms']:.1f}",
            f"{r['sweep_nothing_due_ms']:.1f}",
        ]
        for r in sorted(result["rows"], key=lambda r: (r["database"] != "sqlite", r["incidents"]))
    ]
    headers = ["database", "incidents", "customers", "restrictions", "check", "submit", "sweep", "sweep, none due"]
    return table(headers, lines)


def effort(result: dict[str, Any]) -> str:
    return table(
        ["flow", "who", "messages", "clicks", "fields"],
        [[r["flow"], r["who"], r["messages"], r["clicks"], r["fields"]] for r in result["rows"]],
    )


def statements(result: dict[str, Any]) -> str:
    """SQL statements per steady-state turn (bench/statements.py); the breakdown cells read SQLite / PostgreSQL."""
    if result.get("error"):
        return f"SQL statements per turn: the run failed ({result['error']})."
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    present = [d for d in names if any(r["database"] == d for r in result["rows"])]
    by = {(r["kind"], r["database"]): r for r in result["rows"]}

    def both(kind: str, value: Any) -> str:
        return " / ".join(str(value(by[(kind, d)])) if (kind, d) in by else "–" for d in present)

    lines = []
    for kind in result["kinds"]:
        if not any((kind, d) in by for d in present):
            continue
        target = result["targets"].get(kind)
        met = [by[(kind, d)]["met"] for d in present if (kind, d) in by]
        lines.append(
            [
                f"`{kind}`" if kind.startswith(("help", "check")) else kind,
                *(f"**{by[(kind, d)]['statements']}**" if (kind, d) in by else "–" for d in present),
                both(kind, lambda r: r["by_verb"]["SELECT"]),
                both(kind, lambda r: r["by_verb"]["INSERT"] + r["by_verb"]["UPDATE"] + r["by_verb"]["DELETE"]),
                both(kind, lambda r: r["by_verb"]["other"]),
                both(kind, lambda r: r["by_area"]["bot state"]),
                both(kind, lambda r: r["by_area"]["casework"]),
                both(kind, lambda r: r["transactions"]),
                "" if target is None else f"≤ {target} ({'met' if all(met) else '**not met**'})",
            ]
        )
    headers = [
        "turn",
        *(names[d] for d in present),
        "SELECT",
        "INSERT/UPDATE/DELETE",
        "BEGIN/SAVEPOINT…",
        "bot state",
        "casework",
        "transactions",
        "target",
    ]
    return table(headers, lines)


def statements_compared(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Statements per kind of turn before and after a change, SQLite and PostgreSQL side by side."""

    def counts(result: dict[str, Any]) -> dict[tuple[str, str], int]:
        return {(r["kind"], r["database"]): r["statements"] for r in result["rows"]}

    old, new = counts(before), counts(after)
    lines = []
    for kind in after["kinds"]:
        cells = []
        for database in ("sqlite", "postgres"):
            was, now = old.get((kind, database)), new.get((kind, database))
            cells.append("–" if now is None else f"{was if was is not None else '–'} → **{now}**")
        target = after["targets"].get(kind)
        lines.append(
            [
                f"`{kind}`" if kind.startswith(("help", "check")) else kind,
                *cells,
                "" if target is None else f"≤ {target}",
            ]
        )
    return table(["turn", "SQLite", "PostgreSQL", "target"], lines)


def targets(found: list[dict[str, Any]]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, dict):
            return ", ".join(f"{k}: {x}" for k, x in v.items())
        return str(v)

    return table(
        ["target", "measured", "met"],
        [[t["target"], value(t["value"]), "yes" if t["met"] else "**no**"] for t in found],
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--compare-statements":
        # python -m bench.markdown --compare-statements BEFORE.json AFTER.json (a statements part in each)
        before, after = (read_result(Path(name)) for name in sys.argv[2:])
        print(statements_compared(before.get("statements", before), after.get("statements", after)))
        return
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "latest.json"
    result = read_result(path)
    m = result["machine"]
    print(
        f"Run of {result['started']} ({result['seconds']:.0f} s): {m['nproc']} cores ({m['cpu']}), Python {m['python']}\n"
    )
    parts = [
        ("throughput", throughput),
        ("throughput", by_kind),
        ("throughput", memory),
        ("scale", scale),
        ("effort", effort),
        ("statements", statements),
    ]
    for key, render in parts:
        if result.get(key):
            print(render(result[key]) + "\n")
    if result.get("targets"):
        print(targets(result["targets"]))


if __name__ == "__main__":
    main()
