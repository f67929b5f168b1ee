"""The card a case owner gets when a draft letter is produced: its summary, what is missing, and a download link."""

from __future__ import annotations

from microsoft_teams.cards import CardElement, OpenUrlAction

from cards.common import Card, envelope, facts, heading, london, text
from casework.letters import LetterView


def letter_card(view: LetterView, download_url: str, valid_hours: float) -> Card:
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
    body.append(text(f"The link is for you only and works for {valid_hours:g} hours. It opens the .docx.", subtle=True))
    return envelope(body, [OpenUrlAction(title="Download the letter (.docx)", url=download_url)])
