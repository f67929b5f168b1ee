"""Issue 20: every card the bot sends is usable with a screen reader and readable at any contrast.

The checker (tests/card_accessibility.py) runs on every card the fake connector is sent and every card an invoke is
answered with, in every test (tests/fake_connector.FakeConnector.check_accessibility): a non-conforming card fails
the test that made the bot send it. Here: the checker itself catches what it names, and the main flows' cards are
really checked (a count, so the hook cannot silently check nothing).
"""

from __future__ import annotations

from typing import Any

from cards.common import envelope, heading, labelled_toggle, text, text_input, toggle_input
from tests.card_accessibility import accessibility_problems
from tests.conftest import MutableClock, RunningBot
from tests.scenarios import (
    approve_button,
    considered,
    escalated_to_team,
    fill,
    last_card,
    register_team,
    report,
    say,
)
from tests.teams import CASEY, HARPER, SAM, all_text, execute, submit


def _card(*body: Any) -> dict[str, Any]:
    return envelope(list(body))


def test_a_conforming_card_has_no_problems() -> None:
    card = _card(
        heading("Report an incident"),
        text("Approved", color="Good"),
        text_input("reason", "Why?", "", True, 100),
        labelled_toggle("advised", "The customer has been advised", "Advised", ""),
    )
    assert accessibility_problems(card) == []


def test_an_input_without_a_label_is_caught() -> None:
    card = _card(heading("Decide"), toggle_input("alternatives_considered", "Alternatives were considered", ""))
    problems = accessibility_problems(card)
    assert len(problems) == 1 and "'alternatives_considered'" in problems[0] and "no label" in problems[0]


def test_an_input_inside_a_hidden_container_or_a_show_card_is_checked_too() -> None:
    card = _card(heading("Decide"))
    card["body"].append({"type": "Container", "isVisible": False, "items": [{"type": "Input.Text", "id": "hidden"}]})
    card["actions"] = [
        {
            "type": "Action.ShowCard",
            "title": "More",
            "card": {"type": "AdaptiveCard", "body": [{"type": "Input.Date", "id": "when"}]},
        }
    ]
    problems = accessibility_problems(card)
    assert any("'hidden'" in p for p in problems) and any("'when'" in p for p in problems)


def test_a_long_sentence_in_the_good_or_warning_colour_is_caught() -> None:
    for colour in ("Good", "Warning", "good"):
        card = _card(heading("Status"), text("Waiting for the requester's answer before deciding."))
        card["body"][1]["color"] = colour
        problems = accessibility_problems(card)
        assert len(problems) == 1 and "low-contrast" in problems[0], colour


def test_a_coloured_heading_is_a_text_block_too() -> None:
    card = _card(heading("Approved on 28 Nov 2026 by Harper Safety", color="Good"))
    assert any("low-contrast" in p for p in accessibility_problems(card))


def test_a_short_label_in_those_colours_and_a_sentence_in_attention_are_allowed() -> None:
    card = _card(
        heading("Status"),
        text("Warning in force", color="Warning"),
        text("Teams could not reach them: please tell them yourself.", color="Attention"),
    )
    assert accessibility_problems(card) == []


def test_a_title_without_the_heading_style_is_caught() -> None:
    problems = accessibility_problems(_card(text("Report an incident"), heading("Details")))
    assert len(problems) == 1 and "title is not a heading" in problems[0]
    assert any("no title" in p for p in accessibility_problems(_card()))


def test_the_title_is_the_first_text_block_even_inside_a_container() -> None:
    card = _card({"type": "Container", "items": [heading("Inside").model_dump(exclude_none=True, by_alias=True)]})
    assert accessibility_problems(card) == []


async def test_the_main_flows_cards_are_all_checked(bot: RunningBot, sqlite_url: str, clock: MutableClock) -> None:
    """Report (with a rejected submit and a pick list), check, escalate, the decision card and its votes: every
    card these send is checked, and they conform (the connector fixture fails the test on any problem)."""
    register_team(sqlite_url, clock)
    connector = bot.connector
    before = connector.accessibility_checked

    await say(bot, SAM, "help")
    await say(bot, SAM, "report Jane Smith")
    form = last_card(connector, SAM.personal_conversation)
    # A rejected submit: nothing chosen for what they did, so the form comes back with its errors.
    await bot.post(submit(SAM, fill(form, channel="telephone", actions="", description=""), connector.url))
    assert "Please correct" in all_text(last_card(connector, SAM.personal_conversation))
    confirmation = await report(bot, SAM, "Jane Smith")
    assert "recorded" in all_text(confirmation)

    await say(bot, SAM, "check Jane Smith")
    decision = await escalated_to_team(bot)
    button = approve_button(decision)
    for member in (HARPER, CASEY):
        status, body = await bot.post(execute(member, "escalation.approve", considered(button), connector.url, "x"))
        assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    await say(bot, SAM, "check Jane Smith")
    await say(bot, SAM, "work")

    checked = connector.accessibility_checked - before
    sent = sum(len(call.cards) for call in connector.calls)
    assert checked >= 15, f"only {checked} cards were checked"
    assert checked >= sent, "every card sent to the connector was checked"
    assert connector.card_errors == [], "\n".join(connector.card_errors)
