"""The card a case owner gets when a draft letter is produced: its summary, what is missing, and a download link."""

from __future__ import annotations

from collections.abc import Sequence

from microsoft_teams.cards import CardElement, OpenUrlAction

from cards.common import Card, envelope, facts, heading, london, markdown, submit, text
from cards.verbs import Verb
from casework.views import LetterView, ReceptionLine


def letter_card(view: LetterView, download_url: str, valid_minutes: float) -> Card:
    body: list[CardElement] = [heading(f"Draft letter ready: {view.kind.label}")]
    body.extend(text(line) for line in view.summary)
    body.append(
        facts(
            [
                ("Reference", view.reference),
                ("Version", str(view.version)),
                ("Produced", london(view.created_at)),
            ]
        )
    )
    if view.missing:
        body.append(text("It cannot be issued until it says: " + "; ".join(view.missing) + ".", color="Attention"))
    else:
        body.append(
            text("It has every element the policy requires (s11.4, s13). Check it, then issue it.", color="Good")
        )
    body.append(
        text(
            f"The link is for you only and works once, for {valid_minutes:g} minutes. It opens the .docx; "
            "type work for a fresh link.",
            subtle=True,
        )
    )
    return envelope(body, [OpenUrlAction(title="Download the letter (.docx)", url=download_url)])


def reception_card(lines: Sequence[ReceptionLine]) -> Card:
    """Letters held at reception for customers with no fixed address (s11.3), to hand over when they call."""
    if not lines:
        return envelope([heading("No letters are waiting at reception")])
    body: list[CardElement] = [heading(f"{len(lines)} letter{'s' if len(lines) != 1 else ''} held at reception")]
    body.extend(
        text(
            markdown(
                "**{}**: {} letter {}, held since {}",
                line.customer_name,
                line.kind.value.replace("_", " "),
                line.reference,
                f"{line.held_since:%d %b %Y}",
            )
        )
        for line in lines
    )
    return envelope(
        body,
        [
            submit(
                f"Collected: {line.customer_name} ({line.reference})", Verb.LETTER_COLLECTED, letter_id=line.letter_id
            )
            for line in lines
        ],
    )
