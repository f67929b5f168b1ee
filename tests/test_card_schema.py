"""The schema check itself must catch what it is there to catch, and pass what Teams renders."""

from __future__ import annotations

from typing import Any

import pytest

from bot.routes import menu
from tests.card_schema import _schema, card_problems, validate_card

GOOD_CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "hi", "wrap": True},
        {"type": "Input.ChoiceSet", "id": "x", "choices": [{"title": "a", "value": "a"}], "isMultiSelect": True},
        {
            "type": "Input.Text",
            "id": "t",
            "isMultiline": True,
            "maxLength": 500,
            "isRequired": True,
            "errorMessage": "Required",
            "label": "What happened",
        },
    ],
    "actions": [
        {
            "type": "Action.Execute",
            "title": "Approve",
            "verb": "escalation.approve",
            "data": {"id": 1},
            "fallback": {"type": "Action.Submit", "title": "Approve", "data": {"verb": "x"}},
        }
    ],
}


def test_the_schema_is_the_official_draft_06_adaptive_card_schema() -> None:
    schema = _schema()
    assert schema["$schema"] == "http://json-schema.org/draft-06/schema#"
    assert schema["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert {"Action.Execute", "Input.ChoiceSet", "Table"} <= set(schema["definitions"])


def test_a_card_the_bot_sends_is_valid() -> None:
    validate_card(menu("hello"))


def test_a_good_card_with_inputs_and_an_execute_fallback_is_valid() -> None:
    validate_card(GOOD_CARD)


def test_refresh_and_a_fallback_of_drop_are_valid() -> None:
    validate_card(
        {
            "type": "AdaptiveCard",
            "version": "1.5",
            "refresh": {"action": {"type": "Action.Execute", "verb": "refresh"}, "userIds": ["29:1"]},
            "actions": [{"type": "Action.Execute", "title": "Go", "verb": "go", "fallback": "drop"}],
        }
    )


def test_payload_data_may_hold_any_type_key() -> None:
    validate_card(
        {"type": "AdaptiveCard", "version": "1.5", "actions": [{"type": "Action.Submit", "data": {"type": "whatever"}}]}
    )


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        (
            {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlok", "text": "misspelt element"}]},
            "body/0/type: unknown type 'TextBlok'",
        ),
        (
            {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock"}]},
            "body/0: 'text' is a required property",
        ),
        (
            {"type": "AdaptiveCard", "version": "1.5", "actions": [{"type": "Action.Execute", "verb": 3}]},
            "actions/0/verb: 3 is not of type 'string'",
        ),
        ({"type": "AdaptiveCard", "version": "1.6", "body": []}, "version: '1.6', not '1.5'"),
        ({"version": "1.5", "body": []}, "type: the card's type is None"),
        (
            {"type": "AdaptiveCard", "version": "1.5", "msteams": {"width": "Full"}},
            "('msteams' was unexpected)",
        ),
        # The official schema lets any object through as a fallback; the strict walker must not.
        (
            {
                "type": "AdaptiveCard",
                "version": "1.5",
                "actions": [{"type": "Action.Execute", "verb": "v", "fallback": {"type": "Action.Nope"}}],
            },
            "actions/0/fallback/type: unknown type 'Action.Nope'",
        ),
        (
            {
                "type": "AdaptiveCard",
                "version": "1.5",
                "actions": [{"type": "Action.Execute", "fallback": {"type": "Action.Submit", "title": 5}}],
            },
            "actions/0/fallback/title: 5 is not of type 'string'",
        ),
        (
            {
                "type": "AdaptiveCard",
                "version": "1.5",
                "body": [{"type": "TextBlock", "text": "x", "fallback": {"type": "Input.Text"}}],
            },
            "body/0/fallback: 'id' is a required property",
        ),
    ],
    ids=[
        "unknown element",
        "missing text",
        "wrong type",
        "newer than Teams renders",
        "no card type",
        "msteams extension",
        "unknown fallback action",
        "bad fallback action",
        "bad fallback element",
    ],
)
def test_a_broken_card_is_caught(card: dict[str, Any], expected: str) -> None:
    problems = card_problems(card)
    assert any(expected in problem for problem in problems), problems
    with pytest.raises(AssertionError, match=r"breaks the Adaptive Cards 1\.5 schema"):
        validate_card(card)
