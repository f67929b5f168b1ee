"""The menu: what the bot can do, one tap each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards.common import Card, Markdown, envelope, heading, markdown, submit, text
from cards.verbs import Verb


@dataclass(frozen=True)
class MenuEntry:
    """One command as the menu lists it: its name in bold, any argument in italics, then what it does and for whom."""

    command: str
    help: str
    argument: str = ""
    audience: str = ""
    """Empty when anyone may use it."""


def _line(entry: MenuEntry) -> Markdown:
    argument = markdown(" *{}*", entry.argument) if entry.argument else ""
    audience = f" ({entry.audience})" if entry.audience else ""
    return markdown("**{}**{} – {}{}", entry.command, argument, entry.help, audience)


def menu_card(entries: Sequence[MenuEntry], notice: str = "") -> Card:
    body = [heading("Unacceptable customer actions")]
    if notice:
        body.append(text(notice, color="Attention"))
    # Each line is Markdown already (its values escaped), so the joined lines are too.
    body.append(text(Markdown("\n\n".join(_line(entry) for entry in entries))))
    return envelope(
        body,
        [
            submit("Report an incident", Verb.MENU_REPORT, style="positive"),
            submit("Check a customer", Verb.MENU_CHECK),
            submit("Ask for an escalation", Verb.MENU_ESCALATE),
        ],
        summary=notice or "What this bot can do: the menu",
    )
