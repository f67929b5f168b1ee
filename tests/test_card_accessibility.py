"""Issue 20: every card the bot sends is usable with a screen reader and readable at any contrast.

The checker (tests/card_accessibility.py) runs on every card the fake connector is sent and every card an invoke is
answered with, in every test (tests/fake_connector.FakeConnector.check_accessibility): a non-conforming card fails
the test that made the bot send it. Here: the checker itself catches what it names, and the main flows' cards are
really checked (a count, so the hook cannot silently check nothing).
"""

from __future__ import annotations

from typing import Any

from cards.common import envelope, heading, labelled_toggle, text, text_input, toggle_input
from cards.incident import incident_form
from cards.status import check_result_card
from casework.views import CheckResult, CustomerOption
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
from tests.teams import CASEY, HARPER, SAM, all_text, execute, rendered, submit


def _card(*body: Any) -> dict[str, Any]:
    return envelope(list(body), summary="A card for the test")


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


def _two_jane_smiths() -> tuple[CustomerOption, ...]:
    return (
        CustomerOption(1, "Jane Smith", "LN8 2AB", "CT-100001", exact=True, born="03/1961"),
        CustomerOption(2, "Jane Smith", "DN21 2NA", "CT-100002", exact=True, born="11/1984"),
    )


def test_the_pick_list_wraps_and_starts_with_what_tells_them_apart() -> None:
    card = check_result_card(CheckResult(status=None, options=_two_jane_smiths(), query="Jane Smith"))
    blocks = [b for b in card["body"] if b.get("selectAction")]
    assert [rendered(b["items"][0]["text"]) for b in blocks] == [
        "**Born 03/1961, LN8 2AB, CT-100001: Jane Smith**",
        "**Born 11/1984, DN21 2NA, CT-100002: Jane Smith**",
    ]
    assert all(b["items"][0]["wrap"] for b in blocks)
    assert [b["selectAction"]["data"]["customer_id"] for b in blocks] == [1, 2]
    assert accessibility_problems(card) == []


def _visible(card: dict[str, Any], field: str) -> bool:
    """Whether the input is on show as the card arrives (not inside a hidden container)."""

    def walk(node: Any, shown: bool) -> bool | None:
        if isinstance(node, dict):
            shown = shown and node.get("isVisible", True)
            if node.get("id") == field and str(node.get("type", "")).startswith("Input."):
                return shown
            children = [v for k, v in node.items() if k not in ("data", "selectAction")]
            node = children
        if isinstance(node, list):
            for item in node:
                found = walk(item, shown)
                if found is not None:
                    return found
        return None

    found = walk(card["body"], True)
    assert found is not None, f"no input {field}"
    return found


def test_the_new_customers_name_is_shown_only_when_a_new_customer_may_be_added() -> None:
    options = (_two_jane_smiths()[0],)
    chosen = incident_form("f", {"customer_name": "Jane Smith"}, {}, options, [])
    assert not _visible(chosen, "customer_name"), "hidden under a customer already chosen"
    assert "Someone else? Add their name" in all_text(chosen)
    for choice in ("new", ""):
        card = incident_form(
            "f", {"customer_name": "Jane Smith", "customer_choice": choice}, {}, _two_jane_smiths(), []
        )
        assert _visible(card, "customer_name"), choice
    assert _visible(incident_form("f", {}, {}, (), []), "customer_name")


def test_more_details_says_whether_it_is_open_and_phone_and_email_get_their_keyboards() -> None:
    card = incident_form("f", {}, {}, (), [])
    assert not _visible(card, "phone")
    text_of_all = all_text(card)
    assert "More details ▸" in text_of_all and "Fewer details ▴" in text_of_all
    inputs = {n["id"]: n for n in _inputs(card)}
    assert inputs["phone"]["style"] == "Tel" and inputs["email"]["style"] == "Email"
    opened = incident_form("f", {}, {"phone": "That is not a phone number."}, (), [])
    assert _visible(opened, "phone"), "an error in More details opens it"


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card["body"])
    return found
