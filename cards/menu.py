"""The menu: what the bot can do, one tap each."""

from __future__ import annotations

from cards.common import Card, envelope, heading, submit, text
from cards.verbs import Verb


def menu_card(notice: str = "") -> Card:
    body = [heading("Unacceptable customer actions")]
    if notice:
        body.append(text(notice, color="Attention"))
    body.append(
        text(
            "**report** – log an incident after a difficult call, visit or email\n\n"
            "**check** *name* – is this customer restricted, and what may I do?\n\n"
            "**escalate** – ask the determination team for a formal warning or restriction"
        )
    )
    return envelope(
        body,
        [
            submit("Report an incident", Verb.MENU_REPORT, style="positive"),
            submit("Check a customer", Verb.MENU_CHECK),
            submit("Ask for an escalation", Verb.MENU_ESCALATE),
        ],
    )
