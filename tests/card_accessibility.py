"""What every card the bot sends must do for someone on a phone or with a screen reader (issue 20).

- Every input has a `label`: a screen reader announces it with the field, and a toggle's `title` is not one.
- The card's title, its first TextBlock, uses `style: "heading"` (Adaptive Cards 1.5), so it is announced as a
  heading and not as one more paragraph.
- No TextBlock of more than a few words is set in the `good` or `warning` colour: on Teams' light theme they have
  2.07:1 and 1.47:1 contrast against the 4.5:1 text needs (WCAG 1.4.3). A short label ("Approved") in those colours
  is allowed only as decoration beside text that says the same; a sentence is not.

`accessibility_problems(card)` lists what a card gets wrong, one line each, and is applied to every card the bot
sends in the suite (tests/fake_connector.FakeConnector.check_accessibility).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_COLOURED_WORDS = 4
"""The longest text, in words, that may be set in the good or warning colour."""
LOW_CONTRAST_COLOURS = frozenset({"good", "warning"})


def _elements(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every card object under `node`, depth first in reading order, with where it is. An action's own `card`
    (Action.ShowCard) is a card of its own and is walked as part of this one; `data` is the author's payload."""
    if isinstance(node, dict):
        if "type" in node:
            yield path, node
        for key, value in node.items():
            if key not in ("data", "msteams", "refresh"):
                yield from _elements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _elements(item, f"{path}/{index}")


def _title(card: dict[str, Any]) -> dict[str, Any] | None:
    for _, element in _elements(card.get("body", [])):
        if element.get("type") == "TextBlock":
            return element
    return None


def accessibility_problems(card: dict[str, Any]) -> list[str]:
    """What is wrong with `card` for a screen reader or a low-vision reader; empty when nothing is."""
    problems: list[str] = []
    title = _title(card)
    if title is None:
        problems.append("the card has no title (no TextBlock at all)")
    elif str(title.get("style", "")).lower() != "heading":
        problems.append(f"the card's title is not a heading (style 'heading'): {str(title.get('text'))[:80]!r}")
    for path, element in _elements(card):
        kind = str(element.get("type", ""))
        if kind.startswith("Input.") and not str(element.get("label") or "").strip():
            problems.append(f"{kind} {element.get('id')!r} at {path} has no label")
        if kind == "TextBlock" and str(element.get("color", "")).lower() in LOW_CONTRAST_COLOURS:
            words = str(element.get("text", "")).split()
            if len(words) > MAX_COLOURED_WORDS:
                problems.append(
                    f"{len(words)} words in the low-contrast colour {element['color']!r} at {path}: "
                    f"{str(element.get('text'))[:80]!r}"
                )
    return [f"accessibility: {problem}" for problem in problems]
