"""Everything a person typed is shown as text on every card (issue 14): Teams renders markdown in TextBlock text and
in facts, so a customer's name or a description with `[a form](https://…)` must not become a live link, nor
`**this**` bold. Each card is built twice, once with plain words and once with markdown in every field a person
fills in (staff names from Teams included); the second must render those values exactly as typed and carry no more
markup than the first, and both must be valid Adaptive Cards 1.5."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from microsoft_teams.cards import TextBlock

from cards.appeals import (
    appeal_card,
    appeal_decided_card,
    appeal_form_card,
    appeal_recorded_card,
    signposting_form_card,
)
from cards.common import Markdown, error_text, escape_markdown, form_problem, markdown
from cards.customer_edits import customer_record_form, need_note_form, need_noted_card, record_saved_card
from cards.escalation import (
    chase_card,
    decision_card,
    escalation_form,
    escalation_requested,
    information_request_card,
    pending_card,
)
from cards.incident import incident_confirmation, incident_form, manager_discussion_card, urgent_incident_card
from cards.incident_amendments import amendment_form_card, incident_amended_card
from cards.letters import letter_card, reception_card
from cards.menu import MenuEntry, menu_card
from cards.my_work import my_work_card
from cards.review import review_card, reviews_list_card, unreachable_owner_card
from cards.status import check_result_card, history_card, status_card
from casework.appeals import AppealDecidedNotice, AppealForm, AppealView, SignpostingForm
from casework.configuration import StaffGuidance
from casework.customer_edits import CustomerNeedNoted, NeedNoteForm
from casework.entities import RestrictionTerms
from casework.incident_amendments import AmendmentForm, IncidentAmended
from casework.views import (
    AmendmentLine,
    CheckResult,
    CustomerHistoryView,
    CustomerOption,
    CustomerStatusView,
    EscalationView,
    EvidenceLine,
    HistoryLine,
    IncidentConfirmation,
    IncidentSummary,
    LetterView,
    MeasureView,
    MyWorkView,
    PastReview,
    ReceptionLine,
    ReviewView,
    SignpostedMatter,
    UndeliveredMessage,
    VoteLine,
    WorkItem,
)
from casework.vocabulary import (
    AppealedDecision,
    AppealKind,
    AppealOutcome,
    ContactChannel,
    ContactRestriction,
    CustomerStanding,
    EscalationState,
    LetterKind,
    ReviewOutcome,
)
from tests.card_schema import card_problems
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import register_team, report, say
from tests.teams import HARPER, MORGAN, SAM, TEAM_CHANNEL, rendered

WHEN = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
Card = dict[str, Any]
Value = Callable[[str], str]
"""What a person typed into the named field: plain words, or markdown."""

HOSTILE = (
    "[the safeguarding form](https://evil.example/{field}) **bold** __strong__ _it_ *em* ~~struck~~ `code` "
    "<b>x</b> <https://evil.example> ![img](https://evil.example/i.png) &amp; &#64; a | b | c {{{{DATE(2026-11-30T10:00:00Z)}}}}"
    "\n- item\n+ item\n* item\n1. one\n2) two\n  # heading\n> quote\n===\nC:\\path\\ end\\"
)


def plain(field: str) -> str:
    return f"Plain {field.replace('_', ' ')}"


def hostile(field: str) -> str:
    return HOSTILE.format(field=field)


# --- the escaping itself --------------------------------------------------------------------------------------------

_SPECIAL = set("\\`*_[]()#~<>|")
_BLOCK = re.compile(r"^[ \t]*([-+=]|\d+[.)])", re.MULTILINE)
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def active(markdown_text: str) -> str:
    """The text with every backslash escape taken out (each pair stands for a literal character): what is left is
    what a markdown renderer could still act on."""
    return re.sub(r"\\[!-/:-@\[-`{-~]", "\x00", markdown_text)


def markup_in(markdown_text: str) -> list[str]:
    """The markdown constructs a renderer would act on: unescaped special characters, list markers and setext
    underlines at the start of a line, and character references."""
    left = active(markdown_text)
    return (
        [c for c in left if c in _SPECIAL]
        + [m.group(1) for m in _BLOCK.finditer(left)]
        + [m.group(0) for m in _ENTITY.finditer(left)]
    )


def fuzzed() -> Iterator[str]:
    alphabet = "ab 1.)\n\t\\`*_[]()#~<>|&;-+=!:{}xX#é\u200b"
    chance = random.Random(14)
    for _ in range(2000):
        yield "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 24)))


@pytest.mark.parametrize(
    "typed",
    [
        hostile("description"),
        "[click](https://evil.example) **bold** _it_ <b>x</b>",
        "Mrs O'Brien-Smith & Sons (flat 2)",
        "1. first\n2. second",
        "- a\n  - b",
        "12) twelve",
        "trailing backslash \\",
        "&amp; &#x41; &copy; & plain",
        "",
    ],
)
def test_escaped_text_renders_as_typed_and_holds_no_markup(typed: str) -> None:
    escaped = escape_markdown(typed)
    assert rendered(escaped) == typed
    assert markup_in(escaped) == []
    assert escaped.count("\n") == typed.count("\n"), "line breaks are kept"


def test_any_string_round_trips_and_holds_no_markup() -> None:
    for typed in fuzzed():
        escaped = escape_markdown(typed)
        assert rendered(escaped) == typed, repr(typed)
        assert markup_in(escaped) == [], repr(typed)


def test_ordinary_text_is_left_readable() -> None:
    assert escape_markdown("Jane Smith, 12 High St. – called 3 times.") == "Jane Smith, 12 High St. – called 3 times."
    assert escape_markdown("Smith & Sons") == "Smith & Sons"


def test_our_own_markdown_keeps_its_markup_and_escapes_its_values() -> None:
    line = markdown("**{}**: {}", "[x](https://evil.example)", "**loud**")
    assert isinstance(line, Markdown)
    assert line == "**\\[x\\]\\(https://evil.example\\)**: \\*\\*loud\\*\\*"
    assert escape_markdown(line) == line, "Markdown is trusted as it is"
    assert escape_markdown(line + "!") != line + "!", "anything made from it is plain text again, and escaped"
    assert markdown("{} and {}", markdown("*{}*", "a_b"), 3) == "*a\\_b* and 3"


def test_the_helpers_escape_by_default() -> None:
    errors = {"form": "[x](https://evil.example)", "reason": "**no**"}
    shown = [block for block in [*form_problem(errors), *error_text(errors, "reason")] if isinstance(block, TextBlock)]
    assert [block.text for block in shown] == ["\\[x\\]\\(https://evil.example\\)", "\\*\\*no\\*\\*"]


# --- every card the bot sends ---------------------------------------------------------------------------------------


def _customer(v: Value, standing: CustomerStanding) -> CustomerStatusView:
    measures: tuple[MeasureView, ...] = ()
    if standing is not CustomerStanding.NO_RESTRICTIONS:
        measures = (
            MeasureView(
                title="Restricted" if standing is CustomerStanding.RESTRICTED else "Formal warning",
                review_due_at=WHEN,
                instructions=("Written contact only.", v("named_contact")),
                scope=v("scope"),
                applies_to=v("representative_name"),
            ),
        )
    return CustomerStatusView(
        customer_id=7,
        name=v("customer_name"),
        standing=standing,
        measures=measures,
        reasonable_adjustments=v("reasonable_adjustments"),
        communication_needs=v("communication_needs"),
        no_fixed_address=True,
        may_see_history=True,
        representatives=(v("representative_name"),),
    )


def _incident(v: Value, outcome: bool = False) -> IncidentSummary:
    return IncidentSummary(
        incident_id=3,
        reference="INC-2026-0003",
        customer_id=7,
        customer_name=v("customer_name"),
        reporter_name=v("reporter_display_name"),
        occurred_at=WHEN,
        channel="Telephone",
        service_area="Housing",
        actions=("Abusive", f"Other: {v('other_action')}"),
        immediate_steps=("Ended the call",),
        description=v("description"),
        representative_name=v("representative_name"),
        informal_warning_given=True,
        safeguarding_concern=True,
        support_need=True,
        serious_threats=("Credible threat to harm staff or customers",),
        is_urgent=True,
        manager_outcome="No further action" if outcome else None,
        manager_outcome_by=v("manager_display_name") if outcome else None,
        manager_outcome_at=WHEN if outcome else None,
        suggestion=v("suggestion"),
        version=2,
        amendments=(AmendmentLine(2, WHEN, v("amender_display_name"), v("amendment_reason"), ("What happened",)),),
        customer_recording=True,
        recording_reason=v("recording_reason"),
        involves_recording=True,
        matter_reference=v("matter_reference"),
    )


def _escalation(v: Value, state: EscalationState, immediate: bool = False, votes: int = 1) -> EscalationView:
    decided = state in (EscalationState.APPROVED, EscalationState.DECLINED)
    return EscalationView(
        escalation_id=5,
        customer_name=v("customer_name"),
        kind_label="Restriction",
        reason=v("reason"),
        requested_by_id="u-morgan",
        requested_by_name=v("requester_display_name"),
        requested_at=WHEN,
        state=state,
        evidence=(EvidenceLine("INC-2026-0003", WHEN, "Telephone", ("Abusive",), amended=v("evidence_amended")),),
        basis=(v("investigation_reference"),),
        decided_by_name=v("decider_display_name") if decided else None,
        decided_at=WHEN if decided else None,
        decision_notes=v("decision_notes") if decided else "",
        review_due_at=WHEN if decided else None,
        approvals_needed=2,
        votes=tuple(VoteLine(v(f"member_{n}_display_name"), True, WHEN, v("vote_notes")) for n in range(votes)),
        question=v("question"),
        answer=v("answer"),
        overdue=True,
        immediate=immediate,
        adjustments_on_record=v("reasonable_adjustments"),
        no_warning_reason=v("no_warning_reason"),
        refresh_user_ids=("29:1",),
    )


def _review(v: Value, decided: bool = False, since: bool = True) -> ReviewView:
    return ReviewView(
        review_id=9,
        customer_name=v("customer_name"),
        title="Restriction review",
        instructions=(v("named_contact"),),
        started_at=WHEN,
        due_at=WHEN,
        owner_id="u-owner",
        owner_name=v("owner_display_name"),
        history=(PastReview(WHEN, "Extended", v("past_decider_display_name"), v("past_reason")),),
        incidents_since=(EvidenceLine("INC-2026-0004", WHEN, "Email", ("Abusive",)),) if since else (),
        proposed=ReviewOutcome.EXTEND if since else ReviewOutcome.LIFT,
        overdue=True,
        staff_options=(("u-owner", v("owner_display_name")),),
        decided_outcome=ReviewOutcome.EXTEND if decided else None,
        decided_by_name=v("review_decider_display_name") if decided else None,
        decided_at=WHEN if decided else None,
        customer_advised=False,
        not_advised_reason=v("not_advised_reason"),
        next_review_at=WHEN if decided else None,
    )


def _letter(v: Value) -> LetterView:
    return LetterView(
        letter_id=4,
        measure_id=2,
        kind=LetterKind.RESTRICTION,
        version=1,
        customer_name=v("customer_name"),
        case_owner_id="u-owner",
        reference="LTR-2026-0004",
        created_at=WHEN,
        missing=(v("missing_address"),),
        summary=(v("letter_summary"), v("customer_address")),
    )


def _work(v: Value) -> MyWorkView:
    def item(kind: str) -> WorkItem:
        return WorkItem(1, v("customer_name"), v(f"{kind}_what"), WHEN, overdue=True, note=v(f"{kind}_note"))

    return MyWorkView(
        discussions=(item("discussion"),),
        reviews=(item("review"),),
        letters=(item("letter"),),
        questions=(item("question"),),
        decisions=(item("decision"),),
        undelivered=(UndeliveredMessage(1, v("undelivered_what"), WHEN),),
        appeals=(item("appeal"),),
    )


def _appeal(v: Value, outcome: AppealOutcome | None = None) -> AppealView:
    return AppealView(
        appeal_id=6,
        customer_name=v("customer_name"),
        kind=AppealKind.APPEAL,
        decision=AppealedDecision.RESTRICTION,
        measure_title="Restriction",
        instructions=(v("named_contact"),),
        review_due_at=WHEN,
        in_force=outcome is not AppealOutcome.LIFTED,
        received_on=date(2026, 11, 30),
        channel=ContactChannel.LETTER,
        grounds=v("grounds"),
        recorded_by_name=v("recorder_display_name"),
        recorded_at=WHEN,
        restricts=True,
        restrictions=(ContactRestriction.NAMED_CONTACT,),
        terms=RestrictionTerms(named_contact=v("named_contact")),
        outcome=outcome,
        reasons=v("appeal_reasons") if outcome else "",
        decided_by_name=v("appeal_decider_display_name") if outcome else "",
        decided_at=WHEN if outcome else None,
        new_review_due_at=WHEN if outcome is AppealOutcome.VARIED else None,
    )


def _appealed_customer(v: Value) -> CustomerStatusView:
    customer = _customer(v, CustomerStanding.RESTRICTED)
    return replace(
        customer,
        measures=tuple(replace(m, appeal_open=True) for m in customer.measures),
        ombudsman=(SignpostedMatter(v("ombudsman_matter"), date(2026, 11, 30)),),
        may_signpost=True,
    )


def _form_values(v: Value, fields: tuple[str, ...]) -> dict[str, str]:
    return {field: v(field) for field in fields}


def every_card(v: Value) -> dict[str, Card]:
    """Every card builder in cards/, in each of its shapes, from views whose typed fields come from `v`."""
    option = CustomerOption(7, v("customer_name"), v("postcode"), v("council_reference"), born="03/1961")
    errors = {"form": v("form_error"), "description": v("description_error"), "reason": v("reason_error")}
    incident_fields = ("customer_name", "description", "representative_name", "postcode", "phone", "email")
    escalation_fields = ("customer_name", "reason", "investigation_reference", "named_contact", "representative_name")
    record_fields = ("address", "postcode", "phone", "email", "other_names", "reasonable_adjustments")
    need_fields = ("reasonable_adjustments", "communication_needs")
    confirmation = IncidentConfirmation(
        "INC-2026-0003",
        _customer(v, CustomerStanding.RESTRICTED),
        False,
        _incident(v),
        "u-manager",
        v("manager_display_name"),
    )
    return {
        "incident form": incident_form(
            "f1", _form_values(v, incident_fields), errors, (option,), (("u-m", v("manager_display_name")),)
        ),
        "incident confirmation": incident_confirmation(
            confirmation, StaffGuidance(v("safety_guidance"), v("recording_guidance"))
        ),
        "manager discussion": manager_discussion_card(_incident(v), notice=v("notice")),
        "manager discussion recorded": manager_discussion_card(_incident(v, outcome=True)),
        "urgent incident": urgent_incident_card(_incident(v)),
        "escalation form": escalation_form("f2", _form_values(v, escalation_fields), errors),
        "escalation requested": escalation_requested(_escalation(v, EscalationState.PENDING)),
        "decision pending": decision_card(_escalation(v, EscalationState.PENDING), notice=v("notice")),
        "decision more information": decision_card(_escalation(v, EscalationState.MORE_INFORMATION)),
        "decision approved": decision_card(_escalation(v, EscalationState.APPROVED, votes=2)),
        "decision declined": decision_card(_escalation(v, EscalationState.DECLINED, votes=0)),
        "decision to confirm": decision_card(_escalation(v, EscalationState.APPROVED, immediate=True)),
        "information request": information_request_card(_escalation(v, EscalationState.MORE_INFORMATION)),
        "pending": pending_card((_escalation(v, EscalationState.MORE_INFORMATION),)),
        "chase": chase_card(_escalation(v, EscalationState.PENDING)),
        "letter": letter_card(_letter(v), "https://bot.example/letters/4?sig=x", 24),
        "reception": reception_card(
            (ReceptionLine(4, v("customer_name"), LetterKind.RESTRICTION, "LTR-1", date(2026, 11, 30)),)
        ),
        "menu": menu_card((MenuEntry("report", "Report an incident.", "customer", "staff"),), notice=v("notice")),
        "my work": my_work_card(_work(v)),
        "review": review_card(_review(v), notice=v("notice")),
        "review nothing since": review_card(_review(v, since=False)),
        "review decided": review_card(_review(v, decided=True)),
        "reviews list": reviews_list_card((_review(v),)),
        "unreachable owner": unreachable_owner_card(_review(v)),
        "status restricted": status_card(_customer(v, CustomerStanding.RESTRICTED)),
        "status warned": status_card(_customer(v, CustomerStanding.WARNED)),
        "status clear": status_card(_customer(v, CustomerStanding.NO_RESTRICTIONS)),
        "check one": check_result_card(CheckResult(v("query"), _customer(v, CustomerStanding.WARNED))),
        "check none": check_result_card(CheckResult(v("query"), None)),
        "check several": check_result_card(CheckResult(v("query"), None, (option, option))),
        "history": history_card(
            CustomerHistoryView(7, v("customer_name"), (HistoryLine(WHEN, v("history_what"), v("history_detail")),))
        ),
        "history editable": history_card(CustomerHistoryView(7, v("customer_name"), (), may_edit_record=True)),
        "customer record form": customer_record_form(7, v("customer_name"), _form_values(v, record_fields), errors),
        "record saved": record_saved_card(_customer(v, CustomerStanding.RESTRICTED), ("Address",)),
        "need note form": need_note_form(
            NeedNoteForm(3, "INC-2026-0003", v("customer_name")), _form_values(v, need_fields), errors
        ),
        "need noted": need_noted_card(CustomerNeedNoted(v("customer_name"), "INC-2026-0003", ("Communication needs",))),
        "amendment form": amendment_form_card(
            AmendmentForm(3, "INC-2026-0003", v("customer_name"), 1, _form_values(v, ("description", "reason"))),
            errors=errors,
        ),
        "incident amended": incident_amended_card(IncidentAmended(_incident(v), ("What happened",))),
        "status appealed and signposted": status_card(_appealed_customer(v), query=v("query")),
        "appeal form": appeal_form_card(
            AppealForm(7, v("customer_name"), v("query"), (("2:restriction", "Restriction"),), "2:restriction"),
            _form_values(v, ("grounds",)),
            errors,
        ),
        "appeal recorded": appeal_recorded_card(_appeal(v)),
        "appeal to decide": appeal_card(_appeal(v), notice=v("notice"), errors=errors),
        "appeal varied": appeal_card(_appeal(v, AppealOutcome.VARIED)),
        "appeal decided notice": appeal_decided_card(AppealDecidedNotice(_appeal(v, AppealOutcome.LIFTED), ())),
        "signposting form": signposting_form_card(
            SignpostingForm(7, v("customer_name")), _form_values(v, ("matter",)), errors
        ),
    }


def markdown_strings(card: Card) -> list[str]:
    """Every string Teams renders as markdown: TextBlock text and each Fact's title and value."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node["text"])
            for fact in node.get("facts", []) if node.get("type") == "FactSet" else []:
                found.extend([fact["title"], fact["value"]])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


PLAIN_CARDS = every_card(plain)
HOSTILE_CARDS = every_card(hostile)


@pytest.mark.parametrize("name", list(HOSTILE_CARDS))
def test_typed_markdown_shows_as_typed_on_every_card(name: str) -> None:
    card, control = HOSTILE_CARDS[name], PLAIN_CARDS[name]
    assert card_problems(card) == []
    texts, control_texts = markdown_strings(card), markdown_strings(control)
    assert len(texts) == len(control_texts)
    shown = "\n".join(rendered(t) for t in texts)
    fields = re.findall(r"evil\.example/(\w+)\)", shown)
    assert fields, "the card shows something typed"
    assert all(hostile(field) in shown for field in fields), "the typed values are on the card, character for character"
    for text, control_text in zip(texts, control_texts, strict=True):
        # The typed values add no markup at all: only our own (the same as with plain words) is left.
        assert markup_in(text) == markup_in(control_text), text
        assert "](" not in active(text)


def test_every_typed_value_appears_literally_somewhere() -> None:
    """Each field the hostile builder filled that a card shows is shown as typed (none is cut or mangled)."""
    shown = "\n".join(rendered(t) for card in HOSTILE_CARDS.values() for t in markdown_strings(card))
    fields = set(re.findall(r"evil\.example/(\w+)\)", shown))
    assert {
        "customer_name",
        "description",
        "reason",
        "question",
        "answer",
        "decision_notes",
        "letter_summary",
    } <= fields
    for field in fields:
        assert hostile(field) in shown, field


# --- through /api/messages ------------------------------------------------------------------------------------------


async def test_a_reported_markdown_description_reaches_the_team_channel_as_text(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await say(bot, MORGAN, "hello")
        description = "See [the safeguarding form](https://evil.example/form) **now** _please_"
        await report(bot, SAM, "Jane Smith", description=description, serious_threats="credible_threat_to_harm")
        urgent = connector.sent_to(TEAM_CHANNEL)[-1].cards[0]
        texts = markdown_strings(urgent)
        assert "URGENT: incident INC-2026-0001" in "\n".join(rendered(t) for t in texts)
        shown = [t for t in texts if "evil.example" in t]
        assert shown == [escape_markdown(description)]
        assert rendered(shown[0]) == description
        assert markup_in(shown[0]) == []
        assert card_problems(urgent) == []
        manager = connector.sent_to(MORGAN.personal_conversation)[-1].cards[0]
        assert escape_markdown(description) in markdown_strings(manager)
    finally:
        await bot.close()


async def test_lines_the_bot_writes_as_messages_are_sent_as_plain_text_not_markdown(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    """A message's text is markdown to Teams unless it says otherwise; a line the bot writes may quote a person."""
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(bot, SAM, "hello")
        await say(bot, SAM, "check")  # asks "Who should I check?" as a line, not a card
        await say(bot, SAM, "**not bold** [nor](https://evil.example) a link")  # no form open: the dialog answers
        lines = [c.activity for c in connector.sent_to(SAM.personal_conversation) if c.activity.get("text")]
        assert any("Who should I check?" in line["text"] for line in lines)
        assert {line.get("textFormat") for line in lines} == {"plain"}
    finally:
        await bot.close()
