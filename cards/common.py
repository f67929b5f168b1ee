"""Shared pieces of every card: the envelope, text, facts, inputs and London time.

Teams renders a subset of markdown in TextBlock text and in a Fact's title and value (bold, italic, lists, links).
Whatever reaches a card from a person (a customer's name, a description, a reason, a Teams display name) must be
shown as the characters they typed, never as a link or formatting. So `text()`, `heading()` and `facts()` escape
their strings by default; markdown we write ourselves is marked with `markdown()`, which escapes the values it is
given and keeps only its template's markup. A card that forgets is safe, not exploitable: a plain string is
always escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, LiteralString, Protocol
from zoneinfo import ZoneInfo

from microsoft_teams.cards import Action as CardAction
from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    ChoiceSetInput,
    Container,
    ExecuteAction,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
    TextInput,
    ToggleInput,
    ToggleVisibilityAction,
)
from microsoft_teams.cards import Choice as CardChoice
from microsoft_teams.cards.core import ActionStyle, TextColor

from cards.verbs import Verb
from casework.errors import WHOLE_FORM

LONDON = ZoneInfo("Europe/London")
Card = dict[str, Any]


def london(moment: datetime) -> str:
    """Times are stored in UTC and shown in Europe/London (DESIGN §5)."""
    return moment.astimezone(LONDON).strftime("%d %b %Y, %H:%M")


def london_date(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%d %b %Y")


_ALWAYS = re.compile(r"[\\`*_\[\]()#~<>|]")
"""Characters that open or close markdown anywhere in a line (emphasis, links and images, code, strikethrough,
autolinks and HTML, tables; the parentheses also keep Adaptive Cards' {{DATE()}} functions inert): each gets a
backslash."""
_LINE_START = re.compile(r"^([ \t]*)([-+=]|\d+(?=[.)]))", re.MULTILINE)
"""A list item, or a setext underline, at the start of a line: "- x", "+ x", "1. x", "2) x", "===". The marker's
first character (for "1." the dot after the digits) gets a backslash."""
_ENTITY = re.compile(r"&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
"""An ampersand that would start a character reference (&amp;, &#64;): escaped so it shows as typed."""


class Markdown(str):
    """Card text whose markup is ours (from `markdown()`): `text()`, `heading()` and `facts()` leave it as it is.
    Any str operation on it (+, f-strings, .lower()) gives a plain str again, which is escaped: trust is not
    inherited by accident."""

    __slots__ = ()


def escape_markdown(value: str) -> str:
    """`value` as Teams' card markdown that renders exactly these characters: backslash escapes (CommonMark), line
    breaks kept. Already-trusted `Markdown` is returned unchanged."""
    if isinstance(value, Markdown):
        return value
    escaped = _ALWAYS.sub(lambda m: "\\" + m.group(0), value)
    escaped = _ENTITY.sub(r"\\&", escaped)
    return _LINE_START.sub(_escape_marker, escaped)


def _escape_marker(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker.isdigit():
        # "12." stays "12" and the "." or ")" after it is escaped, which CommonMark and Teams both read as text.
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"


def markdown(template: LiteralString, *values: object) -> Markdown:
    """Our own markdown: `template` (a literal we wrote, with `{}` placeholders) keeps its markup; each value is
    escaped (unless it is `Markdown` already), so `markdown("**{}**: {}", name, reason)` bolds only what we meant."""
    return Markdown(template.format(*(escape_markdown(v if isinstance(v, str) else str(v)) for v in values)))


def envelope(body: Sequence[CardElement], actions: Sequence[CardAction] = (), *, summary: str) -> Card:
    """A card, with the one line that says what it is and for whom (`summary`, required: see `summary_line`). The
    line is the card's `fallbackText` and becomes the message's `summary` when it is sent
    (dialogs.activities.card_activity), which Teams shows in the chat list and in the phone's notification."""
    card = AdaptiveCard(version="1.5", body=list(body), actions=list(actions) or None)
    dumped: Card = card.model_dump(exclude_none=True, by_alias=True)
    dumped["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    dumped["fallbackText"] = summary_line(summary)
    return dumped


SUMMARY_MAX_LENGTH = 160
"""Longer summaries are cut: a phone's notification shows two lines at most."""


def summary_line(summary: str) -> str:
    """A message's summary: what it is and for whom, in one line of plain text.

    Teams shows it in the chat list and in the phone's notification, and a notification shows on a locked screen,
    where anyone near the phone can read it. So a summary carries only what tells the reader which message this
    is and what it asks of them, and nothing a bystander should learn (need to know, s8.4; DESIGN: general staff
    see handling instructions, not incident narratives):

    - it may name the kind of message, the record's reference (INC-..., a review, a letter), the kind of warning
      or restriction, the customer's name and what the reader is asked to do;
    - it never carries what happened (the narrative, the actions, a threat), evidence, notes or reasons someone
      typed, a representative, contact details, or anything about the customer's health, needs or protected
      characteristics;
    - a message about a serious threat, a safeguarding concern or a support need names no customer at all: the
      customer's name beside those words on a locked screen says too much.

    It is plain text (Teams shows a summary as it is, so nothing is escaped and there is no markdown), on one
    line, and never empty: a card cannot be built without one."""
    line = " ".join(summary.split())
    if not line:
        raise ValueError("every card says what it is: its summary is empty")
    return line if len(line) <= SUMMARY_MAX_LENGTH else line[: SUMMARY_MAX_LENGTH - 1].rstrip() + "…"


def summary_of(card: Card) -> str:
    """The summary `envelope` gave the card."""
    summary = card.get("fallbackText")
    if not isinstance(summary, str) or not summary.strip():
        raise ValueError("a card without a summary cannot be sent (build it with cards.common.envelope)")
    return summary


REFUSAL_HEADING = "You can't act on this card"


def refusal_card(who_may: str = "") -> Card:
    """The answer to a refused card action. It names no customer, no narrative, no evidence and no person, and is
    the same whether the record exists or not (a refusal reveals nothing, existence included); `who_may` is a
    sentence about the kind of card only (who may open cards like it), never about the record."""
    lines = [heading(REFUSAL_HEADING), text("It is not yours to open, or it is no longer on record.")]
    if who_may:
        lines.append(text(who_may, subtle=True))
    return envelope(lines, summary=REFUSAL_HEADING)


def heading(value: str, color: TextColor | None = None) -> TextBlock:
    """A bold line, announced as a heading by screen readers (issue 20). `value` is shown as typed (escaped) unless
    it is `Markdown`."""
    return TextBlock(
        text=escape_markdown(value), weight="Bolder", size="Medium", wrap=True, color=color, style="heading"
    )


def text(value: str, subtle: bool = False, color: TextColor | None = None) -> TextBlock:
    """A wrapped line. `value` is shown as typed (escaped) unless it is `Markdown`."""
    return TextBlock(text=escape_markdown(value), wrap=True, is_subtle=subtle or None, color=color)


def facts(pairs: Sequence[tuple[str, str]]) -> FactSet:
    """Title and value pairs; both are shown as typed (escaped) unless they are `Markdown`."""
    return FactSet(facts=[Fact(title=escape_markdown(title), value=escape_markdown(value)) for title, value in pairs])


FORM_PROBLEM = WHOLE_FORM
"""The errors key for a problem with the form as a whole (a record it names has gone), shown at its top."""


def form_problem(errors: Mapping[str, str]) -> list[CardElement]:
    """The line at the top of a rejected form: what went wrong with the whole form, or where to look."""
    if not errors:
        return []
    return [text(errors.get(FORM_PROBLEM) or "Please correct the fields marked below.", color="Attention")]


def error_text(errors: Mapping[str, str], field: str) -> list[CardElement]:
    """An inline error under a field, in the attention colour, when the server rejected it."""
    return [text(errors[field], color="Attention")] if field in errors else []


def text_input(
    field: str,
    label: str,
    value: str,
    required: bool,
    max_length: int,
    multiline: bool = False,
    placeholder: str = "",
) -> TextInput:
    return TextInput(
        id=field,
        label=label,
        value=value or None,
        is_required=required or None,
        error_message=f"{label} is required." if required else None,
        max_length=max_length,
        is_multiline=multiline or None,
        placeholder=placeholder or None,
    )


class Labelled(Protocol):
    value: str

    @property
    def label(self) -> str: ...


def enum_choices(members: Iterable[Labelled]) -> list[tuple[str, str]]:
    """(value, label) pairs for a choice input, from one of casework's labelled enums."""
    return [(member.value, member.label) for member in members]


def choice_input(
    field: str,
    label: str,
    options: Sequence[tuple[str, str]],
    value: str,
    required: bool,
    multi: bool = False,
    compact: bool = True,
) -> ChoiceSetInput:
    return ChoiceSetInput(
        id=field,
        label=label,
        value=value or None,
        is_required=required or None,
        error_message=f"{label} is required." if required else None,
        is_multi_select=multi or None,
        style="compact" if compact else "expanded",
        choices=[CardChoice(title=title, value=key) for key, title in options],
    )


def toggle_input(field: str, title: str, value: str) -> ToggleInput:
    return ToggleInput(
        id=field,
        title=title,
        value="true" if value == "true" else "false",
        value_on="true",
        value_off="false",
        wrap=True,
    )


def execute(title: str, verb: Verb, style: ActionStyle | None = None, **data: str | int) -> ExecuteAction:
    """Action.Execute for Teams, with an Action.Submit fallback for hosts that lack it; both carry ids only."""
    return ExecuteAction(
        title=title, verb=verb.value, data=dict(data), style=style, fallback=submit(title, verb, style=style, **data)
    )


def submit(title: str, verb: Verb, style: ActionStyle | None = None, **data: str | int) -> SubmitAction:
    return SubmitAction(title=title, style=style, data={"verb": verb.value, **data})


_TYPED_FORMATS = {
    "Input.Date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "Input.Time": re.compile(r"\d{2}:\d{2}"),
    "Input.Number": re.compile(r"-?\d{1,12}(\.\d{1,6})?"),
}
TYPED_MAX_LENGTH = 10_000
"""The most of a text input's typed value put back when the input has no maxLength of its own."""


def keep_typed(card: Card, submitted: Mapping[str, Any]) -> Card:
    """The card with what was submitted put back into its inputs, by input id: the answer to a refused or invalid
    click shows what the person typed, ticked and chose, for them to correct, not an empty form (issue 20).

    The submitted data is trusted no further than that: only a string under an input's own id is used, only as
    that input's `value` (never in a TextBlock, so nothing needs escaping), a text no longer than the input allows,
    a toggle only its own on or off value, a choice only among the card's own choices, a date, time or number only
    in its format. Anything else leaves the input as the card built it. Returns the same card, changed."""

    def fill(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                fill(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if isinstance(kind, str) and kind.startswith("Input.") and isinstance(node.get("id"), str):
            typed = submitted.get(node["id"])
            if typed == "" and kind != "Input.Toggle":
                node.pop("value", None)  # left empty, or emptied: shown empty, as the card shows an empty input
            elif isinstance(typed, str):
                value = _typed_value(node, kind, typed)
                if value is not None:
                    node["value"] = value
        for key, value in node.items():
            if key not in ("data", "choices"):  # a button's own payload and a choice's value are not inputs
                fill(value)

    fill(card.get("body", []))
    fill(card.get("actions", []))  # an Action.ShowCard's card
    return card


def _typed_value(node: Mapping[str, Any], kind: str, typed: str) -> str | None:
    """`typed` as this input may show it, or None if it may not."""
    if kind == "Input.Text":
        limit = node.get("maxLength")
        return typed[: limit if isinstance(limit, int) and limit > 0 else TYPED_MAX_LENGTH]
    if kind == "Input.Toggle":
        allowed = (node.get("valueOn", "true"), node.get("valueOff", "false"))
        return typed if typed in allowed else None
    if kind == "Input.ChoiceSet":
        offered = {choice.get("value") for choice in node.get("choices", []) if isinstance(choice, dict)}
        picked = [part for part in typed.split(",") if part] if node.get("isMultiSelect") else [typed]
        return typed if picked and all(part in offered for part in picked) else None
    pattern = _TYPED_FORMATS.get(kind)
    return typed if pattern is not None and pattern.fullmatch(typed) else None


# Issue 20: cards for a phone (320 px wide) and for a screen reader.

SHOWN_EVIDENCE = 3
"""How many items of a long list (evidence, incidents since a review) a card shows before the rest are collapsed
behind a button, so the card's buttons stay within reach on a phone."""


def labelled_toggle(field: str, label: str, title: str, value: str) -> ToggleInput:
    """A toggle with a `label` a screen reader announces (a `title` alone is not one), its `title` kept short so
    it fits on one line of a phone."""
    toggle = toggle_input(field, title, value)
    toggle.label = label
    return toggle


def contact_input(field: str, label: str, value: str, max_length: int, style: Literal["Tel", "Email"]) -> TextInput:
    """A phone or email field that brings up the phone's matching keyboard (`style` "Tel" or "Email")."""
    entry = text_input(field, label, value, False, max_length)
    entry.style = style
    return entry


def collapsed(
    element_id: str, items: Sequence[CardElement], noun: str, shown: int = SHOWN_EVIDENCE
) -> list[CardElement]:
    """The first `shown` of `items`, then the rest behind a button that says how many more `noun`s there are (its
    singular: "incident"), so a long list does not push the card's buttons off a phone screen. The button hides itself as it shows them and a
    second one at their end hides them again (Action.ToggleVisibility), so the card says which way it is open."""
    if len(items) <= shown:
        return list(items)
    rest = len(items) - shown
    button_id = f"{element_id}_show"
    targets = [element_id, button_id]
    return [
        *items[:shown],
        ActionSet(
            id=button_id,
            actions=[
                ToggleVisibilityAction(
                    title=f"Show {rest} more {noun}{'' if rest == 1 else 's'}", target_elements=targets
                )
            ],
        ),
        Container(
            id=element_id,
            is_visible=False,
            items=[
                *items[shown:],
                ActionSet(actions=[ToggleVisibilityAction(title=f"Hide those {rest}", target_elements=targets)]),
            ],
        ),
    ]
