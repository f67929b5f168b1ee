"""The answer to "is this customer restricted?": instructions, not codes (s15, s16)."""

from __future__ import annotations

from microsoft_teams.cards import CardElement
from microsoft_teams.cards.core import TextColor

from cards.common import Card, envelope, heading, london_date, submit, text
from cards.verbs import Verb
from casework.types import CustomerStanding
from casework.views import CheckResult, CustomerStatusView

_HEADLINES: dict[CustomerStanding, tuple[str, TextColor]] = {
    CustomerStanding.NO_RESTRICTIONS: ("No restrictions", "Good"),
    CustomerStanding.WARNED: ("Formal warning in force", "Warning"),
    CustomerStanding.RESTRICTED: ("Restricted", "Attention"),
}


def standing_block(customer: CustomerStatusView) -> list[CardElement]:
    headline, color = _HEADLINES[customer.standing]
    blocks: list[CardElement] = [heading(f"{customer.name}: {headline}", color=color)]
    for measure in customer.measures:
        blocks.append(text(f"**{measure.title}** until review on {london_date(measure.review_due_at)}"))
        blocks.extend(text(f"• {instruction}") for instruction in measure.instructions)
    if customer.standing is CustomerStanding.NO_RESTRICTIONS:
        blocks.append(text("Deal with them as you would any customer."))
    return blocks


def check_result_card(result: CheckResult) -> Card:
    if not result.matches:
        return envelope(
            [
                heading(f"No customer found for “{result.query}”"),
                text("Check the spelling, or report an incident to add them."),
            ],
            [submit("Report an incident", Verb.MENU_REPORT)],
        )
    if len(result.matches) == 1:
        match = result.matches[0]
        return envelope(
            standing_block(match), [submit("Report an incident", Verb.MENU_REPORT, customer_id=match.customer_id)]
        )
    body: list[CardElement] = [heading(f"{len(result.matches)} customers match “{result.query}”")]
    for match in result.matches:
        body += standing_block(match)
    return envelope(body, [submit("Report an incident", Verb.MENU_REPORT)])
