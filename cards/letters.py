"""The letter cards: a case owner's letter (preview, what is missing and its fixes, Issue, then how it went out),
a customer's letters, and reception's list of letters held for collection (s11.3, s11.4, s12.4, s13)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from microsoft_teams.cards import Action as CardAction
from microsoft_teams.cards import (
    ActionSet,
    CardElement,
    Container,
    DateInput,
    OpenUrlAction,
    SubmitAction,
    TextInput,
    ToggleVisibilityAction,
)

from cards.common import (
    Card,
    choice_input,
    enum_choices,
    envelope,
    error_text,
    execute,
    facts,
    form_problem,
    heading,
    labelled_toggle,
    london,
    markdown,
    submit,
    text,
    text_input,
)
from cards.verbs import Verb
from casework.letters import (
    ADDRESS_MAX_LENGTH,
    CORRECTION_REASON_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    MONITORING_MAX_LENGTH,
    NEXT_STEPS_MAX_LENGTH,
    SIGNATORY_MAX_LENGTH,
)
from casework.views import CustomerLetters, LetterView, ReceptionLine
from casework.vocabulary import DeliveryMethod

_PREVIEW = "letter-text"
_CORRECT = "letter-correct"


def letter_card(
    view: LetterView,
    download_url: str,
    valid_minutes: float,
    errors: Mapping[str, str] | None = None,
    typed: Mapping[str, object] | None = None,
    notice: str = "",
    pdf_url: str | None = None,
) -> Card:
    """The letter as it stands, to download as .docx and, with `pdf_url` (where LibreOffice is installed), as PDF.
    A draft shows what is missing with the fields to fix it, and Issue once nothing is; an issued letter asks how it
    went out, and may be corrected as a new version with a reason. `errors` and `typed` come back from a rejected
    click, so what was typed stays on the card."""
    errs = dict(errors or {})
    values = {key: str(value) for key, value in (typed or {}).items() if value is not None}
    state = "Letter issued" if view.issued_at else "Draft letter"
    body: list[CardElement] = [heading(f"{state}: {view.label}"), *form_problem(errs)]
    if notice:
        body.append(text(notice))
    body.extend(text(line) for line in view.summary)
    body.append(facts(_facts(view)))
    if not view.newest:
        body.append(text("A newer version of this letter has been made: type work or letters for it.", subtle=True))
    elif view.issued_at is None and view.missing:
        body.append(text("It cannot be issued until it says: " + "; ".join(view.missing) + ".", color="Attention"))
    elif view.issued_at is None:
        body.append(text("It has every element the policy requires (s11.4, s13). Read it, then issue it."))
    body += [
        ActionSet(actions=[ToggleVisibilityAction(title="Show the letter's text", target_elements=[_PREVIEW])]),
        Container(id=_PREVIEW, is_visible=False, items=_preview(view)),
    ]
    actions: list[CardAction] = [OpenUrlAction(title="Download (.docx)", url=download_url)]
    if pdf_url is not None:
        actions.append(OpenUrlAction(title="Download PDF", url=pdf_url))
    if view.may_record_delivery:
        body += _delivery_form(view, values, errs)
        actions.insert(0, execute("Record delivery", Verb.LETTER_DELIVER, style="positive", letter_id=view.letter_id))
    if view.newest:
        correcting = view.issued_at is not None
        title = "Correct it (a new version)" if correcting else "Fix or change it"
        open_now = bool(view.missing) or any(field in errs for field in REVISION_FIELDS)
        body += [
            ActionSet(actions=[ToggleVisibilityAction(title=title, target_elements=[_CORRECT])]),
            Container(id=_CORRECT, is_visible=open_now, items=_revision_form(view, values, errs, correcting)),
        ]
    if view.may_issue:
        actions.insert(0, execute("Issue the letter", Verb.LETTER_ISSUE, style="positive", letter_id=view.letter_id))
    links = "links are for you only and each works" if pdf_url else "link is for you only and works"
    body.append(
        text(f"The download {links} once, for {valid_minutes:g} minutes; type work for a fresh one.", subtle=True)
    )
    what = "please record how it went out" if view.may_record_delivery else "please check and issue it"
    if view.issued_at is None and view.missing:
        what = "please complete it"
    elif view.issued_at is not None and not view.may_record_delivery:
        what = "issued"
    elif view.issued_at is None and not view.may_issue:
        what = "to read"
    summary = f"{state} {view.reference} for {view.customer_name}: {view.label or view.kind.value}, {what}"
    return envelope(body, actions, summary=summary)


REVISION_FIELDS = (
    "next_steps",
    "address",
    "no_fixed_address",
    "monitoring",
    "examples",
    "signatory_name",
    "signatory_title",
    "reason",
)
"""The inputs of the card's "Fix or change it" part."""
DELIVERY_FIELDS = ("delivery_method", "delivered_on", "email")
"""The inputs of its "How did it go out?" part."""


def _facts(view: LetterView) -> list[tuple[str, str]]:
    pairs = [("Reference", view.reference), ("Version", str(view.version)), ("Produced", london(view.created_at))]
    if view.reason:
        pairs.append(("Why this version", view.reason))
    if view.issued_at:
        pairs.append(("Issued", london(view.issued_at)))
    if view.delivery_method is not None and view.delivered_on is not None:
        sent = f"{view.delivery_method.label}, {_day(view.delivered_on)}"
        if view.delivered_to:
            sent += f", to {view.delivered_to}"
        pairs.append(("Sent", sent))
    if view.collected_on is not None:
        pairs.append(("Collected", f"{_day(view.collected_on)}, by {view.collected_by or 'the customer'}"))
    return pairs


def _preview(view: LetterView) -> list[CardElement]:
    items: list[CardElement] = [text(view.title, subtle=False), text(f"Dear {view.customer_name},")]
    for section in view.sections:
        items.append(text(markdown("**{}**", section.title)))
        items.extend(text(f"• {line}" if section.bulleted else line) for line in section.lines)
    items.append(text(f"Yours sincerely, {view.signatory_name}, {view.signatory_title}".rstrip(", ")))
    return items


def _revision_form(
    view: LetterView, values: Mapping[str, str], errs: dict[str, str], correcting: bool
) -> list[CardElement]:
    def value(field: str, current: str) -> str:
        return values.get(field, current)

    chosen = values.get("examples", ",".join(str(i) for i in view.chosen_examples))
    items: list[CardElement] = []
    if view.says_what_happens_next:
        # Written for the customer by the case owner: the request and the legal advice were written for the team.
        items += [
            text_input(
                "next_steps",
                "What the council will now do (for the customer: the legal step, the service and any alternative, "
                "the police)",
                value("next_steps", view.next_steps),
                False,
                NEXT_STEPS_MAX_LENGTH,
                True,
            ),
            *error_text(errs, "next_steps"),
        ]
    items += [
        text_input("address", "Customer's address", value("address", view.address), False, ADDRESS_MAX_LENGTH, True),
        *error_text(errs, "address"),
        labelled_toggle(
            "no_fixed_address",
            "No fixed address: the letter is held at reception for them to collect",
            "No fixed address",
            value("no_fixed_address", "true" if view.no_fixed_address else "false"),
        ),
        text_input(
            "monitoring",
            "Monitoring period: when, how and by whom",
            value("monitoring", view.monitoring),
            False,
            MONITORING_MAX_LENGTH,
            True,
        ),
        *error_text(errs, "monitoring"),
    ]
    if view.example_options:
        items += [
            choice_input(
                "examples",
                "Examples from the incidents (at most 5)",
                [(str(incident_id), said) for incident_id, said in view.example_options],
                chosen,
                False,
                multi=True,
                compact=False,
            ),
            *error_text(errs, "examples"),
        ]
    items += [
        text_input(
            "signatory_name", "Signed by", value("signatory_name", view.signatory_name), False, SIGNATORY_MAX_LENGTH
        ),
        *error_text(errs, "signatory_name"),
        text_input(
            "signatory_title",
            "Their title",
            value("signatory_title", view.signatory_title),
            False,
            SIGNATORY_MAX_LENGTH,
        ),
        *error_text(errs, "signatory_title"),
        # Never required on the card: a client checks every input of the card for any of its buttons, hidden ones
        # included, so a required field here would silently stop Record delivery (the server asks for it instead).
        text_input(
            "reason",
            "Why it is being corrected (needed)" if correcting else "Why (optional)",
            values.get("reason", ""),
            False,
            CORRECTION_REASON_MAX_LENGTH,
        ),
        *error_text(errs, "reason"),
        ActionSet(
            actions=[execute(f"Save as version {view.version + 1}", Verb.LETTER_REVISE, letter_id=view.letter_id)]
        ),
    ]
    return items


def _delivery_form(view: LetterView, values: Mapping[str, str], errs: dict[str, str]) -> list[CardElement]:
    held = view.no_fixed_address
    method = values.get("delivery_method") or (DeliveryMethod.HELD_AT_RECEPTION.value if held else "")
    return [
        heading("How did it go out?"),
        # Four choices, shown as such (no list to open on a phone); not required on the card, as for the reason
        # above: the server says "Choose how it went out."
        choice_input("delivery_method", "Sent", enum_choices(DeliveryMethod), method, False, compact=False),
        *error_text(errs, "delivery_method"),
        DateInput(id="delivered_on", label="On", value=values.get("delivered_on") or None),
        *error_text(errs, "delivered_on"),
        TextInput(
            id="email",
            label="Email address (if emailed)",
            value=values.get("email") or None,
            max_length=EMAIL_MAX_LENGTH,
            style="Email",
        ),
        *error_text(errs, "email"),
    ]


def customer_letters_card(view: CustomerLetters) -> Card:
    """A customer's letters, newest first, each with the button that opens its card."""
    if not view.letters:
        return envelope(
            [heading(f"No letters on record for {view.customer_name}")],
            summary=f"No letters on record for {view.customer_name}",
        )
    body: list[CardElement] = [heading(f"Letters for {view.customer_name}")]
    for letter in view.letters:
        state = (
            f"issued {london(letter.issued_at)}"
            if letter.issued_at
            else ("draft" if letter.newest else "draft, replaced by a later version")
        )
        body.append(text(f"{letter.label}, version {letter.version} ({letter.reference}): {state}"))
        body.append(
            ActionSet(actions=[submit(f"Open version {letter.version}", Verb.WORK_LETTER, letter_id=letter.letter_id)])
        )
    return envelope(body, summary=f"Letters for {view.customer_name}")


def reception_card(lines: Sequence[ReceptionLine]) -> Card:
    """Letters held at reception for customers with no fixed address (s11.3), to hand over when they call: each
    with the name of whoever collects it (the customer or their representative)."""
    if not lines:
        return envelope([heading("No letters are waiting at reception")], summary="No letters are waiting at reception")
    body: list[CardElement] = [heading(f"{len(lines)} letter{'s' if len(lines) != 1 else ''} held at reception")]
    for line in lines:
        body += [
            text(
                markdown(
                    "**{}**: {} letter {}, held since {}",
                    line.customer_name,
                    line.kind.value.replace("_", " "),
                    line.reference,
                    _day(line.held_since),
                )
            ),
            TextInput(id=f"collected_by_{line.letter_id}", label="Collected by", max_length=200),
            ActionSet(actions=[_collected(line)]),
        ]
    return envelope(body, summary=f"{len(lines)} letter(s) held at reception (s11.3)")


def _collected(line: ReceptionLine) -> SubmitAction:
    return submit(
        f"Collected: {line.customer_name} ({line.reference})", Verb.LETTER_COLLECTED, letter_id=line.letter_id
    )


def _day(on: date) -> str:
    return f"{on:%-d %b %Y}"
