"""The lock files agree with pyproject.toml: every declared dependency is pinned, at a version its range allows, so a
range changed without `make lock` fails here rather than installing something else than it says."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {canonicalize_name(name): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)}


@pytest.mark.parametrize(
    ("lock", "declared"),
    [
        ("requirements.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
        ("requirements-runtime.lock", PROJECT["dependencies"]),
    ],
)
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, declared: list[str]) -> None:
    pinned = pins(lock)
    problems = []
    for line in declared:
        requirement = Requirement(line)
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in {lock}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} in {lock} is outside {requirement.specifier}")
    assert problems == []


def test_every_pin_carries_its_hashes() -> None:
    for lock in ("requirements.lock", "requirements-runtime.lock"):
        blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", (ROOT / lock).read_text())
        unhashed = [b.split()[0] for b in blocks if "==" in b.split()[0] and "--hash=sha256:" not in b]
        assert unhashed == [], lock


def test_the_runtime_lock_leaves_out_the_development_tools() -> None:
    runtime = pins("requirements-runtime.lock")
    assert not {"pytest", "ruff", "mypy", "pip-audit"} & set(runtime)
    assert all(version == pins("requirements.lock").get(name) for name, version in runtime.items()), (
        "the two locks pin the same versions of what they share"
    )
