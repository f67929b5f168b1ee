"""The answer to "is this customer restricted?": instructions, not codes (s15, s16; Equality Act 2010)."""

from __future__ import annotations

from microsoft_teams.cards import CardElement, Container

from cards.common import Card, envelope, heading, london, london_date, markdown, submit, text
from cards.verbs import Verb
from casework.views import CheckResult, CustomerHistoryView, CustomerOption, CustomerStatusView
from casework.vocabulary import CustomerStanding


def standing_block(customer: CustomerStatusView) -> list[CardElement]:
    """Green, amber or red, then what staff may do now, and what must still be offered."""
    blocks: list[CardElement] = []
    if customer.standing is CustomerStanding.RESTRICTED:
        blocks.append(heading(f"{customer.name}: Restricted", color="Attention"))
    elif customer.standing is CustomerStanding.WARNED:
        until = min(m.review_due_at for m in customer.measures)
        # Default colour: Teams' warning and good colours are too faint for a sentence (issue 20).
        blocks.append(heading(f"{customer.name}: Warning in force until {london_date(until)}"))
    else:
        blocks.append(heading(f"{customer.name}: No restrictions"))
        blocks.append(text("Deal with them as you would any customer."))
    for measure in customer.measures:
        blocks.append(text(markdown("**{}**, review due {}", measure.title, london_date(measure.review_due_at))))
        if measure.applies_to:
            blocks.append(text(measure.applies_to, subtle=True))
        if measure.scope:
            blocks.append(text(measure.scope, subtle=True))
        if measure.confirmation_overdue and measure.confirm_by:
            blocks.append(
                text(
                    f"OVERDUE: a second member of the determination team was to confirm this immediate restriction "
                    f"(s12.3) by {london(measure.confirm_by)}. It applies until they confirm or overturn it.",
                    color="Attention",
                )
            )
        elif measure.confirm_by:
            blocks.append(
                text(
                    f"Immediate restriction (s12.3): applies now, to be confirmed by a second member of the "
                    f"determination team by {london(measure.confirm_by)}.",
                    subtle=True,
                )
            )
        blocks.extend(text(f"• {instruction}") for instruction in measure.instructions)
        if measure.appeal_open:
            blocks.append(
                text(
                    "An appeal is open: the determination team will decide it (the measure applies meanwhile).",
                )
            )
    if customer.reasonable_adjustments:
        blocks.append(
            text(
                markdown("**Reasonable adjustments still apply:** {}", customer.reasonable_adjustments), color="Accent"
            )
        )
    if customer.communication_needs:
        blocks.append(text(markdown("**Communication needs:** {}", customer.communication_needs), color="Accent"))
    for representative in customer.representatives:
        blocks.append(text(f"Representative: {representative}", subtle=True))
    if customer.no_fixed_address:
        blocks.append(text("No fixed address: letters are held at reception for them (s11.3).", subtle=True))
    for signposted in customer.ombudsman:
        blocks.append(
            text(
                markdown(
                    "**Ombudsman (s17.2):** contact about “{}” now goes through the Ombudsman (signposted {}): "
                    "do not take it up yourself. Other matters are handled as usual.",
                    signposted.matter,
                    f"{signposted.signposted_on.day} {signposted.signposted_on:%b %Y}",
                ),
                color="Attention",
            )
        )
    return blocks


def status_card(customer: CustomerStatusView, notice: str = "", query: str = "") -> Card:
    """`query` is the search that found the customer: a complaint or appeal is recorded only for a customer that
    search finds (the button carries it), so a forged button cannot step through customers by id."""
    actions = [submit("Report an incident", Verb.MENU_REPORT, customer_id=customer.customer_id)]
    if customer.may_see_history:
        actions.append(submit("Full history", Verb.CUSTOMER_HISTORY, customer_id=customer.customer_id))
    if customer.may_edit_record:
        actions.append(submit("Edit record", Verb.CUSTOMER_EDIT, customer_id=customer.customer_id))
    if customer.correspondence_on_file:
        # Their name goes as the search: the server shows the form only for a customer it finds (s16).
        actions.append(
            submit("Log correspondence", Verb.CORRESPONDENCE_LOG, customer_id=customer.customer_id, query=customer.name)
        )
    unappealed = [m for m in customer.measures if not m.appeal_open]
    if unappealed and query:
        actions.append(
            submit(
                "Complaint or appeal",
                Verb.APPEAL_FORM,
                customer_id=customer.customer_id,
                measure_id=unappealed[0].measure_id,
                query=query,
            )
        )
    if customer.may_signpost:
        actions.append(submit("Ombudsman signposting", Verb.OMBUDSMAN_FORM, customer_id=customer.customer_id))
    # The standing is the title; what was just done follows it (a heading first, for a screen reader).
    body = standing_block(customer)
    if notice:
        body.insert(1, text(notice))
    return envelope(body, actions, summary=f"{notice + ' ' if notice else ''}How to deal with {customer.name}")


def check_result_card(result: CheckResult) -> Card:
    if result.status is not None:
        return status_card(result.status, query=result.query)
    if not result.options:
        return envelope(
            [
                heading(f"No customer found for “{result.query}”"),
                text(
                    "Check the spelling, or try their council reference, postcode, phone or email. "
                    "Reporting an incident adds them."
                ),
            ],
            [submit("Report an incident", Verb.MENU_REPORT)],
            summary=f"No customer found for “{result.query}”",
        )
    # One wrapped block per customer, the whole block the button (selectAction), so on a phone nothing that tells
    # them apart is cut off, as a button's one-line title would be (issue 20). The search goes with the choice: the
    # server shows only a customer that search finds.
    return envelope(
        [
            heading(f"{len(result.options)} customers match “{result.query}”"),
            text("Which one? Tap the one you mean: when they were born and their postcode come first.", subtle=True),
            *(
                Container(
                    style="emphasis",
                    separator=True,
                    select_action=submit(
                        pick_label(option), Verb.CUSTOMER_SHOW, customer_id=option.customer_id, query=result.query
                    ),
                    items=[text(markdown("**{}**", pick_label(option)))],
                )
                for option in result.options
            ),
        ],
        summary=f"{len(result.options)} customers match “{result.query}”: which one?",
    )


def pick_label(option: CustomerOption) -> str:
    """A customer in a pick list, what tells two people of one name apart first: a phone (about 320 px) cuts a
    button's title at its end, so the name, which they share, goes last (issue 20)."""
    details = [
        d for d in (f"Born {option.born}" if option.born else "", option.postcode, option.council_reference) if d
    ]
    return f"{', '.join(details)}: {option.name}" if details else option.name


def history_card(history: CustomerHistoryView) -> Card:
    body: list[CardElement] = [heading(f"{history.name}: full history")]
    if not history.lines:
        body.append(text("Nothing on record."))
    for line in history.lines:
        body.append(text(markdown("**{}** {}", london(line.when), line.what)))
        body.append(text(line.detail, subtle=True))
    actions = (
        [submit("Edit record", Verb.CUSTOMER_EDIT, customer_id=history.customer_id)] if history.may_edit_record else []
    )
    return envelope(body, actions, summary=f"Full history of {history.name} (need to know)")
