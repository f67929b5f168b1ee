"""botbuilder's schema models to and from JSON without msrest walking them (issue 13).

msrest serializes a model by deserializing it again and then walking and validating every attribute, and reads an
incoming activity by trying its key extractors on every attribute of every model. botbuilder's schema has none of
what that machinery is for (flattened keys, constraints, subtypes: checked for each model met), so for the values
Teams and this bot use, the same JSON and the same models come from a plain copy. Anything else raises NotPlain,
and the caller lets msrest do it. tests/test_connector_cache.py and tests/test_activity_json.py compare both ways
with msrest's own."""

from __future__ import annotations

import functools
from enum import Enum
from typing import Any, TypeVar

import botbuilder.schema
from botbuilder.schema import Activity
from msrest.serialization import Deserializer, Model

M = TypeVar("M", bound=Model)


class NotPlain(Exception):
    """A value plain_json leaves to msrest: a date, bytes, a typed enum, or anything else it does not copy as is."""


_BASIC_TYPES: dict[str, type] = {"bool": bool, "int": int, "float": float}


def plain_json(model: Model) -> dict[str, Any]:
    """The JSON msrest's Serializer.body makes of a botbuilder model, for models as botbuilder's schema has them (no
    flattened keys, no constraints, no subtypes: checked for each model met), whose values are text, numbers,
    booleans, models, lists of those, or plain JSON where the type is "object" (card contents, channel data).
    Anything else raises NotPlain, and msrest serializes the whole body instead (bot/connector_transport.py).
    msrest's own path deserializes the model again before walking it and validates each attribute; for an activity
    with a card that took about 7% of a check turn (issue 13)."""
    serialized: dict[str, Any] = {}
    for attribute, key, data_type in _plain_attributes(type(model)):
        value = getattr(model, attribute, None)
        if value is not None:
            serialized[key] = _plain_value(value, data_type)
    return serialized


_ATTRIBUTES: dict[type[Model], tuple[tuple[str, str, str], ...]] = {}
"""_plain_attributes' answer per model class, worked out on first use."""


def _plain_attributes(kind: type[Model]) -> tuple[tuple[str, str, str], ...]:
    """The model's attributes as (attribute, JSON key, msrest type), once per model; NotPlain for a model with
    constraints, subtypes, flattened keys or additional properties, which only msrest's own walk handles."""
    known = _ATTRIBUTES.get(kind)
    if known is not None:
        return known
    if kind._validation or getattr(kind, "_subtype_map", None):
        raise NotPlain(kind.__name__)
    attributes = []
    for attribute, description in kind._attribute_map.items():
        key = description["key"]
        if not key or "." in key:
            raise NotPlain(f"{kind.__name__}.{attribute}")
        attributes.append((attribute, key, description["type"]))
    _ATTRIBUTES[kind] = tuple(attributes)
    return _ATTRIBUTES[kind]


def _plain_value(value: Any, data_type: str) -> Any:
    if isinstance(value, Model):
        return plain_json(value)
    if data_type == "str":
        # As msrest's serialize_unicode: an enum's value, else the text of the value.
        return value.value if isinstance(value, Enum) else str(value)
    if data_type == "object":
        if isinstance(value, dict | list | str | int | float | bool):
            return value
        raise NotPlain(type(value).__name__)
    basic = _BASIC_TYPES.get(data_type)
    if basic is not None and type(value) in (bool, int, float):
        return basic(value)
    if data_type.startswith("[") and data_type.endswith("]") and isinstance(value, list):
        return [None if item is None else _plain_value(item, data_type[1:-1]) for item in value]
    raise NotPlain(data_type)


def model_from_json(kind: type[M], data: Any) -> M:
    """The model msrest's `kind.deserialize(data)` makes (exact keys; unknown keys kept as additional_properties;
    every attribute given, None where absent), for text, booleans, whole numbers, ISO dates, plain JSON where the
    type is "object", nested models and lists of them; anything else raises NotPlain."""
    if not isinstance(data, dict):
        raise NotPlain(kind.__name__)
    attributes = _plain_attributes(kind)
    values: dict[str, Any] = {}
    for attribute, key, data_type in attributes:
        value = data.get(key)
        values[attribute] = None if value is None else _model_value(value, data_type)
    model = kind(**values)
    unknown = {key: data[key] for key in data.keys() - {key for _, key, _ in attributes}}
    if unknown:
        model.additional_properties = unknown
    return model


def _model_value(value: Any, data_type: str) -> Any:
    if data_type == "str":
        if isinstance(value, str):
            return value
    elif data_type == "object":
        return value
    elif data_type == "bool":
        if isinstance(value, bool):
            return value
    elif data_type == "int":
        if type(value) is int:
            return value
    elif data_type == "iso-8601":
        return Deserializer.deserialize_iso(value)
    elif data_type.startswith("[") and data_type.endswith("]"):
        if isinstance(value, list):
            return [None if item is None else _model_value(item, data_type[1:-1]) for item in value]
    else:
        kind = _schema_models().get(data_type)
        if kind is not None:
            return model_from_json(kind, value)
    raise NotPlain(data_type)


@functools.cache
def _schema_models() -> dict[str, type[Model]]:
    return {
        name: value
        for name, value in vars(botbuilder.schema).items()
        if isinstance(value, type) and issubclass(value, Model)
    }


def activity_from_json(body: dict[str, Any]) -> Activity:
    """The incoming activity, as `Activity().deserialize(body)` makes it; msrest reads what model_from_json leaves."""
    try:
        return model_from_json(Activity, body)
    except NotPlain:
        return Activity().deserialize(body)
