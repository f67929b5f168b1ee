"""The check that every message the bot sends says what it is (issue 20): its `summary` is the line Teams shows in
the chat list and in the phone's notification, which says only "Sent a card" without it.

Applied to every activity the fake connector receives (tests/fake_connector.py) and to every card an
Action.Execute answers with (tests/conftest.RunningBot.post), so each flow the suite runs checks it."""

from __future__ import annotations

from typing import Any

SUMMARY_MAX_LENGTH = 160


def summary_problems(activity: dict[str, Any]) -> list[str]:
    """What is wrong with a sent message's summary: missing, empty, more than one line, or too long for a
    notification. It is plain text: what someone typed in it shows as typed, so markup in it is not a fault."""
    if activity.get("type", "message") != "message":
        return []
    summary = activity.get("summary")
    where = f"message {str(activity.get('text') or '')[:60]!r} with {len(activity.get('attachments') or [])} card(s)"
    if not isinstance(summary, str) or not summary.strip():
        return [f"{where}: no summary"]
    return _line_problems(summary, where)


def card_summary_problems(card: dict[str, Any]) -> list[str]:
    """The same of a card answered in place (an Action.Execute): it carries the summary it is sent with when it
    replaces the card for everyone (bot.card_actions.update_for_everyone)."""
    summary = card.get("fallbackText")
    if not isinstance(summary, str) or not summary.strip():
        return ["a card answered in place has no summary"]
    return _line_problems(summary, "a card answered in place")


def _line_problems(summary: str, where: str) -> list[str]:
    problems = []
    if "\n" in summary or summary != summary.strip():
        problems.append(f"{where}: the summary is not one line: {summary!r}")
    if len(summary) > SUMMARY_MAX_LENGTH:
        problems.append(f"{where}: the summary is {len(summary)} characters: {summary!r}")
    return problems
