"""Shared pieces of every card: the envelope, text, facts, inputs and London time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from microsoft_teams.cards import Action as CardAction
from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    ChoiceSetInput,
    ExecuteAction,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
    TextInput,
    ToggleInput,
)
from microsoft_teams.cards import Choice as CardChoice
from microsoft_teams.cards.core import ActionStyle, TextColor

from cards.verbs import Verb

LONDON = ZoneInfo("Europe/London")
Card = dict[str, Any]


def london(moment: datetime) -> str:
    """Times are stored in UTC and shown in Europe/London (DESIGN §5)."""
    return moment.astimezone(LONDON).strftime("%d %b %Y, %H:%M")


def london_date(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%d %b %Y")


def envelope(body: Sequence[CardElement], actions: Sequence[CardAction] = ()) -> Card:
    card = AdaptiveCard(version="1.5", body=list(body), actions=list(actions) or None)
    dumped: Card = card.model_dump(exclude_none=True, by_alias=True)
    dumped["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    return dumped


REFUSAL_HEADING = "You can't act on this card"


def refusal_card(who_may: str = "") -> Card:
    """The answer to a refused card action. It names no customer, no narrative, no evidence and no person, and is
    the same whether the record exists or not (a refusal reveals nothing, existence included); `who_may` is a
    sentence about the kind of card only (who may open cards like it), never about the record."""
    lines = [heading(REFUSAL_HEADING), text("It is not yours to open, or it is no longer on record.")]
    if who_may:
        lines.append(text(who_may, subtle=True))
    return envelope(lines)


def heading(value: str, color: TextColor | None = None) -> TextBlock:
    return TextBlock(text=value, weight="Bolder", size="Medium", wrap=True, color=color)


def text(value: str, subtle: bool = False, color: TextColor | None = None) -> TextBlock:
    return TextBlock(text=value, wrap=True, is_subtle=subtle or None, color=color)


def facts(pairs: Sequence[tuple[str, str]]) -> FactSet:
    return FactSet(facts=[Fact(title=title, value=value) for title, value in pairs])


FORM_PROBLEM = "form"
"""The errors key for a problem with the form as a whole (a record it names has gone), shown at its top."""


def form_problem(errors: Mapping[str, str]) -> list[CardElement]:
    """The line at the top of a rejected form: what went wrong with the whole form, or where to look."""
    if not errors:
        return []
    return [text(errors.get(FORM_PROBLEM) or "Please correct the fields marked below.", color="Attention")]


def error_text(errors: dict[str, str], field: str) -> list[CardElement]:
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
