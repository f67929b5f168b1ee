"""The architecture's promises, checked on the source: casework knows nothing of Teams or HTTP, and the
policy rules import only the standard library and casework's own vocabulary."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_casework_imports_nothing_from_botbuilder_or_aiohttp() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in {"botbuilder", "botframework", "aiohttp"}
        )
        for path in (ROOT / "casework").rglob("*.py")
    }
    assert {file: mods for file, mods in offenders.items() if mods} == {}


def test_casework_does_not_reach_into_storage_or_the_teams_edge() -> None:
    for path in (ROOT / "casework").rglob("*.py"):
        tops = {m.split(".")[0] for m in imported_modules(path)}
        assert not tops & {"storage", "bot", "dialogs", "cards", "sqlmodel", "sqlalchemy"}, path


VOCABULARY_MODULES = ("vocabulary", "configuration", "entities", "commands")
"""The policy's plain values: what the pure rules may use besides the standard library."""


def test_policy_rules_import_only_the_standard_library_and_casework_vocabulary() -> None:
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    vocabulary = {f"casework.{name}" for name in VOCABULARY_MODULES}
    for name in ("policy", *VOCABULARY_MODULES):
        modules = imported_modules(ROOT / "casework" / f"{name}.py")
        foreign = {m for m in modules if m.split(".")[0] not in allowed and m not in vocabulary}
        assert foreign == set(), f"casework/{name}.py imports {foreign}"


BOTBUILDER_BASELINE = Path("bench/botbuilder_echo.py")
"""Microsoft's echo sample, the baseline the performance benchmark compares the product with (issue 9)."""


def test_botbuilder_is_imported_only_in_bot_and_dialogs() -> None:
    outside = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "bot", "dialogs", "tests", "tools"} or relative == BOTBUILDER_BASELINE:
            continue
        if any(m.split(".")[0] in {"botbuilder", "botframework"} for m in imported_modules(path)):
            outside.append(str(relative))
    assert outside == []


LAYERS_MAY_NOT_IMPORT = {
    "dialogs": {"bot", "storage", "app"},
    "cards": {"bot", "dialogs", "storage", "app", "botbuilder"},
    "casework": {"bot", "dialogs", "cards", "storage", "app", "settings"},
    "storage": {"bot", "dialogs", "cards", "app"},
    "bot": {"storage", "app"},
}
"""The arrows run one way: app → bot → dialogs → cards and casework; storage → casework. What both bot and dialogs
need (the gateway, the actor of an activity) lives in dialogs/ or casework/, and bot reaches storage only through
the interfaces create_app wires in (bot/ports.py)."""


def test_each_layer_imports_only_the_layers_below_it() -> None:
    crossings = []
    for layer, forbidden in LAYERS_MAY_NOT_IMPORT.items():
        for path in (ROOT / layer).rglob("*.py"):
            for module in imported_modules(path):
                if module.split(".")[0] in forbidden:
                    crossings.append(f"{path.relative_to(ROOT)} imports {module}")
    assert crossings == []


def test_the_command_line_tools_do_not_import_the_teams_edge() -> None:
    for name in ("admin.py", "settings.py"):
        tops = {m.split(".")[0] for m in imported_modules(ROOT / name)}
        assert not tops & {"bot", "dialogs", "botbuilder", "aiohttp"}, name
