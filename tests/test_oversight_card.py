"""The oversight figures card (issue 19): valid Adaptive Cards 1.5 with every chart replaced by its text fallback, each
chart valid by the chart element's own definition in microsoft_teams.cards, figures as text, small groups withheld."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cards.oversight import ReportLinks, oversight_card
from casework import policy
from casework.oversight import OversightFigures, shaped
from casework.ports import OversightFacts
from tests.card_schema import card_problems, chart_problems, validate_card
from tests.oversight_data import NOW

FACTS = OversightFacts(
    incidents=12,
    incidents_by_action={"abusive": 9, "repeat_contacts": 4, "other": 1},
    incidents_by_channel={"telephone": 8, "email": 3, "in_person": 1},
    incidents_by_service={"housing": 7, "benefits": 5},
    measures_by_kind={"restriction": 6, "formal_warning": 3},
    restrictions_by_type={"written_only": 4, "no_physical_access": 2, "limited_calls": 1},
    restrictions_by_scope={"": 5, "housing": 1},
    reviews_on_time=4,
    reviews_overdue=1,
    reviews_not_yet_due=0,
    lifted=2,
    extended=3,
    appeals_by_kind={"appeal": 2, "complaint": 1},
    appeal_outcomes={"upheld": 1},
    appeals_open=2,
    report_to_decision_median_days=3.5,
    report_to_decision_count=9,
    decision_to_letter_median_days=1.25,
    decision_to_letter_count=8,
    safeguarding_incidents=2,
    safeguarding_correspondence=1,
    restrictions_with_adjustments=5,
    support_need_warnings=1,
    support_need_restrictions=4,
)


def figures(facts: OversightFacts = FACTS, minimum_group: int = 5) -> OversightFigures:
    period = policy.reporting_period("2026-11", NOW)
    return shaped(facts, period, min(NOW, period.end), minimum_group)


def charts_and_text(card: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The card's charts, and the card as a client without charts renders it: each chart replaced by its fallback."""
    found: list[dict[str, Any]] = []

    def replaced(node: Any) -> Any:
        if isinstance(node, list):
            return [replaced(item) for item in node]
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Chart."):
                found.append(node)
                assert isinstance(node.get("fallback"), dict), f"{node['type']} has no fallback element"
                return replaced(node["fallback"])
            return {key: replaced(value) for key, value in node.items()}
        return node

    return found, replaced(card)


def validate_chart(chart: dict[str, Any]) -> None:
    assert chart_problems(chart) == []


def all_text(card: dict[str, Any]) -> str:
    """Every string on the card as people read it (markdown's backslash escapes removed), one a line."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and key in {"text", "title", "value"}:
                    found.append(re.sub(r"\\(.)", r"\1", value))
                walk(value)

    walk(card)
    return "\n".join(found)


@pytest.mark.parametrize("links", [None, ReportLinks("https://bot.example/r/a.docx", "https://bot.example/r/a.csv")])
def test_the_card_is_valid_with_charts_as_text(links: ReportLinks | None) -> None:
    card = oversight_card(figures(), links)
    charts, as_text = charts_and_text(card)
    assert sorted(c["type"] for c in charts) == [
        "Chart.Donut",
        "Chart.Donut",
        "Chart.HorizontalBar",
        "Chart.HorizontalBar",
        "Chart.VerticalBar",
    ]
    for chart in charts:
        validate_chart(chart)
    validate_card(as_text)
    assert card_problems(card) == [], "the harness's check of every card sent takes charts too"


def test_a_broken_chart_is_caught() -> None:
    bar = {"type": "Chart.Donut", "title": "x", "data": [{"legend": "a", "value": 1, "colour": "red"}]}
    assert chart_problems(bar) == [
        "(chart): a chart needs a fallback element for clients without charts",
        "(chart)/data/0: 'colour' is not a property of DonutChartData",
    ]
    assert chart_problems({"type": "Chart.Donut", "thickness": "Fat", "data": [{"value": 1}], "fallback": {}})
    assert chart_problems({"type": "Chart.Sankey", "data": [1]}) == ["(chart): unknown chart type 'Chart.Sankey'"]
    card = oversight_card(figures())
    card["body"][3]["fallback"] = {"type": "FactSet"}
    assert any("facts" in problem for problem in card_problems(card)), "a fallback is checked as the card's body"


def test_a_chart_and_its_fallback_give_the_same_figures() -> None:
    charts, _ = charts_and_text(oversight_card(figures()))
    by_action = next(c for c in charts if c["title"].startswith("By unreasonable action"))
    assert [(d["x"], d["y"]) for d in by_action["data"]] == [
        ("Abusive, threatening or int…", 9),
        ("Repeat contacts or complain…", 4),
        ("Something else (describe it)", 1),
    ]
    fallback = [(f["title"], f["value"]) for f in by_action["fallback"]["facts"]]
    assert [value for _, value in fallback] == ["9", "4", "1"]
    assert fallback[0][0].startswith("Abusive, threatening or intimidating \\(incl. discriminatory language\\)")
    reviews = next(c for c in charts if c["title"] == "On time or overdue")
    assert [(d["legend"], d["value"], d["color"]) for d in reviews["data"]] == [
        ("On time", 4, "good"),
        ("Overdue", 1, "attention"),
    ]


def test_the_figures_are_on_the_card_as_text() -> None:
    _, as_text = charts_and_text(oversight_card(figures()))
    shown = all_text(as_text)
    for expected in (
        "Oversight figures: November 2026",
        "Incidents: 12",
        "Warnings and restrictions: 9",
        "3.5 days (of 9)",
        "1.2 days (of 8)",
        "Lifted at review",
        "Safeguarding concerns raised",
        "Reviews due (s13): 5",
    ):
        assert expected in shown, expected


def test_small_groups_read_fewer_than_the_minimum() -> None:
    """5 restrictions with adjustments are shown; Bob's single warning and 4 restrictions are not."""
    _, as_text = charts_and_text(oversight_card(figures()))
    equality = [
        fact
        for element in as_text["body"]
        if element.get("type") == "FactSet"
        for fact in element["facts"]
        if "support need" in fact["title"]
    ]
    assert [f["value"] for f in equality] == ["5", "fewer than 5", "fewer than 5"]
    assert "no figure is shown for a group of fewer than 5" in all_text(as_text)


def test_download_buttons_only_with_links() -> None:
    # Without links, one button asks for them (links are each person's own: bot/report_links.py).
    (ask,) = oversight_card(figures())["actions"]
    assert (ask["type"], ask["verb"], ask["data"]) == ("Action.Execute", "oversight.report", {"period": "2026-11"})
    card = oversight_card(figures(), ReportLinks("https://bot.example/r/x.docx", "https://bot.example/r/x.csv"))
    assert [(a["type"], a["title"], a["url"]) for a in card["actions"]] == [
        ("Action.OpenUrl", "Download report (.docx)", "https://bot.example/r/x.docx"),
        ("Action.OpenUrl", "Download figures (.csv)", "https://bot.example/r/x.csv"),
    ]


def test_an_empty_period_has_no_empty_charts() -> None:
    empty = OversightFacts(0, {}, {}, {}, {}, {}, {}, 0, 0, 0, 0, 0, {}, {}, 0, None, 0, None, 0, 0, 0, 0, 0, 0)
    card = oversight_card(figures(empty))
    charts, as_text = charts_and_text(card)
    assert charts == []
    validate_card(as_text)
    assert "No incidents in this period." in all_text(card) and "none in the period" in all_text(card)


def test_unknown_stored_values_are_escaped() -> None:
    odd = OversightFacts(**{**FACTS.__dict__, "incidents_by_service": {"[x](https://evil.example)": 3}})
    _, as_text = charts_and_text(oversight_card(figures(odd)))
    assert "[x](https://evil.example)" not in json.dumps(as_text)
    assert "[x](https://evil.example)" in all_text(as_text)
