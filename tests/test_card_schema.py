"""The schema check itself must catch what it is there to catch."""

from __future__ import annotations

import pytest

from cards.menu import menu_card
from tests.card_schema import card_problems, validate_card


def test_a_card_the_bot_sends_is_valid() -> None:
    validate_card(menu_card("hello"))


@pytest.mark.parametrize(
    "card",
    [
        {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlok", "text": "misspelt element"}]},
        {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock"}]},
        {"type": "AdaptiveCard", "version": "1.5", "actions": [{"type": "Action.Execute", "verb": 3}]},
        {"type": "AdaptiveCard", "version": "1.6", "body": []},
    ],
    ids=["unknown element", "missing text", "wrong type", "newer than Teams renders"],
)
def test_a_broken_card_is_caught(card: dict[str, object]) -> None:
    assert card_problems(card)
