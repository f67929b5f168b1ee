"""Typed values kept on every refusal and validation error, on every card with inputs (issue 20): Harper types
decision notes and presses Approve without ticking the s11.2 box, and the card comes back with her notes. Each form
card the bot sends is submitted refused or invalid, with typed values, through real HTTP to /api/messages, and the
card that comes back holds them (cards.common.keep_typed).

`FORM_VERBS` names the test for every verb that sends a card's inputs; `NO_TYPED_INPUTS` says why every other verb
needs none. A new verb in cards/verbs.py that is in neither fails `test_every_verb_is_accounted_for`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cards.common import keep_typed
from cards.verbs import Verb
from casework import policy
from storage.tables import AppealRecord, CorrespondenceItemRecord, IncidentRecord, Review
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    correspondence_on_file,
    escalate_restriction,
    fill,
    last_card,
    log_filed_item,
    register,
    register_team,
    report,
    rows,
    say,
)
from tests.teams import HARPER, MORGAN, SAM, User, all_text, execute, inputs_of, submit

DANA = User("00000000-0000-0000-0000-0000000000b3", "Dana Decider")
"""On the determination team and uninvolved in the case: may decide its appeal (s2.6)."""

FORM_VERBS = {
    Verb.INCIDENT_SUBMIT: "test_the_report_form",
    Verb.ESCALATION_SUBMIT: "test_the_escalation_form",
    Verb.ESCALATION_APPROVE: "test_the_decision_card",
    Verb.ESCALATION_DECLINE: "test_the_decision_card",
    Verb.ESCALATION_ASK: "test_the_decision_card",
    Verb.REVIEW_LIFT: "test_the_review_card",
    Verb.REVIEW_EXTEND: "test_the_review_card",
    Verb.REVIEW_REASSIGN: "test_the_review_card",
    Verb.CUSTOMER_SAVE: "test_the_customer_record_form",
    Verb.CUSTOMER_SAVE_NEED: "test_the_need_form",
    Verb.INCIDENT_SAVE_AMENDMENT: "test_the_amendment_form",
    Verb.CORRESPONDENCE_SAVE: "test_the_correspondence_forms",
    Verb.CORRESPONDENCE_REVIEW: "test_the_correspondence_forms",
    Verb.APPEAL_RECORD: "test_the_appeal_forms",
    Verb.APPEAL_DECIDE: "test_the_appeal_forms",
    Verb.OMBUDSMAN_RECORD: "test_the_ombudsman_form",
    Verb.LETTER_REVISE: "test_the_letter_card",
    Verb.LETTER_ISSUE: "test_the_letter_card",
    Verb.LETTER_DELIVER: "test_the_letter_card",
}
"""Every verb whose button sends what was typed on its card, and the test here that refuses it."""

NO_TYPED_INPUTS = {
    Verb.MENU_REPORT: "opens a form",
    Verb.MENU_CHECK: "opens a prompt",
    Verb.MENU_ESCALATE: "opens a form",
    Verb.CUSTOMER_SHOW: "a pick list's button, no inputs",
    Verb.CUSTOMER_HISTORY: "a status card's button, no inputs",
    Verb.CUSTOMER_EDIT: "opens a form",
    Verb.CUSTOMER_NOTE_NEED: "opens a form",
    Verb.INCIDENT_NO_FURTHER_ACTION: "the s8.6 card has no inputs",
    Verb.INCIDENT_INFORMAL_WARNING_NOTED: "the s8.6 card has no inputs",
    Verb.INCIDENT_ESCALATE: "the s8.6 card has no inputs",
    Verb.INCIDENT_AMEND: "opens a form",
    Verb.ESCALATION_REFRESH: "Teams' refresh of the decision card, nothing typed",
    Verb.ESCALATION_ANSWER: "Action.Submit answered with a line of text: the card stays as typed",
    Verb.LETTER_COLLECTED: "Action.Submit answered with a line of text: the card stays as typed",
    Verb.WORK_DISCUSSION: "a work list's button, no inputs",
    Verb.WORK_REVIEW: "a work list's button, no inputs",
    Verb.WORK_LETTER: "a work list's button, no inputs",
    Verb.WORK_QUESTION: "a work list's button, no inputs",
    Verb.WORK_DECISION: "a work list's button, no inputs",
    Verb.WORK_CORRESPONDENCE: "a work list's button, no inputs",
    Verb.CORRESPONDENCE_LOG: "opens a form",
    Verb.APPEAL_FORM: "opens a form",
    Verb.APPEAL_OPEN: "a work list's button, no inputs",
    Verb.OVERSIGHT_REPORT: "the figures card's button for the report's links, no inputs",
    Verb.OMBUDSMAN_FORM: "opens a form",
}


def test_every_verb_is_accounted_for() -> None:
    assert set(FORM_VERBS).isdisjoint(NO_TYPED_INPUTS)
    assert set(FORM_VERBS) | set(NO_TYPED_INPUTS) == set(Verb), "a new verb: add its form card's test here"
    assert all(callable(globals().get(name)) for name in FORM_VERBS.values())


def test_keep_typed_trusts_the_payload_only_as_input_values() -> None:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "body": [
            {"type": "TextBlock", "id": "notes", "text": "Heading"},
            {"type": "Input.Text", "id": "notes", "maxLength": 5},
            {"type": "Input.Toggle", "id": "ok", "title": "OK", "valueOn": "true", "valueOff": "false"},
            {"type": "Input.ChoiceSet", "id": "pick", "choices": [{"title": "A", "value": "a"}], "value": "a"},
            {"type": "Input.Date", "id": "on"},
            {"type": "Container", "items": [{"type": "Input.Text", "id": "inner"}]},
        ],
        "actions": [{"type": "Action.Execute", "verb": "x", "data": {"notes": "kept as it was"}}],
    }
    keep_typed(card, {"notes": "**bold** and long", "ok": "yes", "pick": "z", "on": "tomorrow", "inner": "in"})
    assert card["body"][0]["text"] == "Heading", "a TextBlock never takes what was sent"
    assert card["body"][1]["value"] == "**bol", "no longer than the input allows"
    assert "value" not in card["body"][2] and card["body"][3]["value"] == "a" and "value" not in card["body"][4]
    assert card["body"][5]["items"][0]["value"] == "in"
    assert card["actions"][0]["data"] == {"notes": "kept as it was"}
    keep_typed(card, {"ok": "true", "pick": "", "on": "2026-11-28", "notes": 7})
    assert (card["body"][2]["value"], card["body"][4]["value"], card["body"][1]["value"]) == (
        "true",
        "2026-11-28",
        "**bol",
    )


@pytest.fixture
async def office(sqlite_url: str, connector: FakeConnector, clock: MutableClock) -> AsyncIterator[RunningBot]:
    """Sam reported Jane Smith; Morgan's restriction, approved by Harper and Casey, puts her correspondence on file
    and makes Morgan her case owner, with a review and a draft letter waiting. Everyone has used the bot."""
    register_team(sqlite_url, clock)
    register(sqlite_url, DANA, clock, is_determination_team=True)
    correspondence_on_file(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    await say(bot, HARPER, "hello", channel=True)
    for user in (SAM, MORGAN, DANA):
        await say(bot, user, "hello")
    yield bot
    await bot.close()


def kept(card: dict[str, Any], typed: dict[str, str]) -> None:
    """Each typed value is the value of its input on the card that came back."""
    shown = inputs_of(card)
    assert {name: shown.get(name) for name in typed} == typed


async def clicked(bot: RunningBot, user: User, verb: Verb, data: dict[str, Any], *, channel: bool = False) -> Any:
    """An Action.Execute click: the card that replaces the clicked one."""
    status, body = await bot.post(execute(user, verb.value, data, bot.connector.url, "card-1", channel=channel))
    assert status == 200 and body["statusCode"] == 200
    return body["value"]


async def submitted(bot: RunningBot, user: User, value: dict[str, Any]) -> dict[str, Any]:
    """An Action.Submit click: the card the bot answers with in the person's chat."""
    before = len(bot.connector.sent_to(user.personal_conversation))
    status, _ = await bot.post(submit(user, value, bot.connector.url))
    assert status == 200
    assert len(bot.connector.sent_to(user.personal_conversation)) > before, "answered with a card"
    return last_card(bot.connector, user.personal_conversation)


def button(card: dict[str, Any], verb: Verb) -> dict[str, Any]:
    """The data of the card's button for `verb` (Action.Submit or Action.Execute)."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("verb") == verb.value:
                return node.get("data", {})
            if isinstance(node.get("data"), dict) and node["data"].get("verb") == verb.value:
                return node["data"]
            return next((found for value in node.values() if (found := walk(value)) is not None), None)
        if isinstance(node, list):
            return next((found for value in node if (found := walk(value)) is not None), None)
        return None

    found = walk(card)
    assert found is not None, f"no {verb} button"
    return dict(found)


async def test_the_decision_card(office: RunningBot) -> None:
    """Harper's notes survive Approve without the s11.2 box; a ticked box survives Decline and Ask without notes."""
    await report(office, SAM, "John Brown")
    card = await escalate_restriction(office, MORGAN, "John Brown")
    escalation = button(card, Verb.ESCALATION_APPROVE)

    notes = {"notes": "Three abusive calls; a meeting was offered and refused.", "alternatives_considered": "false"}
    again = await clicked(office, HARPER, Verb.ESCALATION_APPROVE, {**escalation, **notes}, channel=True)
    assert "Confirm that reasonable adjustments" in all_text(again) and "Approved on" not in all_text(again)
    kept(again, notes)

    ticked = {"notes": "", "alternatives_considered": "true"}
    for verb in (Verb.ESCALATION_DECLINE, Verb.ESCALATION_ASK):
        kept(await clicked(office, HARPER, verb, {**escalation, **ticked}, channel=True), ticked)


async def test_the_review_card(office: RunningBot, sqlite_url: str) -> None:
    (review,) = rows(sqlite_url, Review)
    ids = {"review_id": review.id}
    advised = {"reason": "", "customer_advised": "true", "not_advised_reason": ""}
    kept(await clicked(office, MORGAN, Verb.REVIEW_EXTEND, {**ids, **advised}), advised)  # an extension says why
    reason = {"reason": "Quiet since the letter.", "customer_advised": "false", "not_advised_reason": ""}
    kept(await clicked(office, MORGAN, Verb.REVIEW_LIFT, {**ids, **reason}), reason)  # advised, or why not
    kept(await clicked(office, MORGAN, Verb.REVIEW_REASSIGN, {**ids, **reason, "owner_id": ""}), reason)
    assert rows(sqlite_url, Review)[0].decided_at is None


async def test_the_report_form(office: RunningBot) -> None:
    await say(office, SAM, "report")
    form = last_card(office.connector, SAM.personal_conversation)
    typed = {"customer_name": "John Brown", "description": "Banged on the counter.", "informal_warning_given": "true"}
    kept(await submitted(office, SAM, fill(form, channel="", **typed)), typed)


async def test_the_escalation_form(office: RunningBot) -> None:
    await say(office, MORGAN, "escalate Jane Smith")
    form = last_card(office.connector, MORGAN.personal_conversation)
    typed = {"customer_name": "Jane Smith", "reason": "Abuse continues by email.", "kind": "restriction"}
    value = {**inputs_of(form), **button(form, Verb.ESCALATION_SUBMIT), **typed, "investigation_reference": ""}
    kept(await submitted(office, MORGAN, value), typed)

    # Further action without the legal advice taken first (s14.3): the serious step's fields are kept too.
    await say(office, MORGAN, "escalate Jane Smith")
    form = last_card(office.connector, MORGAN.personal_conversation)
    serious = {"kind": "further_action", "reason": "Threats continued.", "legal_advice_summary": "An injunction."}
    value = {**inputs_of(form), **button(form, Verb.ESCALATION_SUBMIT), "customer_name": "Jane Smith", **serious}
    kept(await submitted(office, MORGAN, value), serious)


async def test_the_customer_record_form(office: RunningBot) -> None:
    await say(office, MORGAN, "check Jane Smith")
    form = await submitted(
        office, MORGAN, button(last_card(office.connector, MORGAN.personal_conversation), Verb.CUSTOMER_EDIT)
    )
    typed = {"address": "2 Low Road", "postcode": "not a postcode", "no_fixed_address": "true"}
    kept(await submitted(office, MORGAN, {**button(form, Verb.CUSTOMER_SAVE), **inputs_of(form), **typed}), typed)


async def test_the_need_form(office: RunningBot, sqlite_url: str) -> None:
    """The note would make the record's adjustments too long: the form keeps both fields as typed."""
    await say(office, MORGAN, "check Jane Smith")
    status = last_card(office.connector, MORGAN.personal_conversation)
    record = await submitted(office, MORGAN, button(status, Verb.CUSTOMER_EDIT))
    full = {"reasonable_adjustments": "x" * (policy.NEEDS_MAX_LENGTH - 10)}
    await submitted(office, MORGAN, {**button(record, Verb.CUSTOMER_SAVE), **inputs_of(record), **full})
    (incident,) = rows(sqlite_url, IncidentRecord)
    form = await submitted(office, SAM, {"verb": Verb.CUSTOMER_NOTE_NEED.value, "incident_id": incident.id})
    typed = {"reasonable_adjustments": "Large print, please.", "communication_needs": "Prefers email."}
    kept(await submitted(office, SAM, {**button(form, Verb.CUSTOMER_SAVE_NEED), **typed}), typed)


async def test_the_amendment_form(office: RunningBot, sqlite_url: str) -> None:
    (incident,) = rows(sqlite_url, IncidentRecord)
    form = await submitted(office, SAM, {"verb": Verb.INCIDENT_AMEND.value, "incident_id": incident.id})
    typed = {"reason": "", "description": "Shouted, then left the building.", "informal_warning_given": "true"}
    value = {**button(form, Verb.INCIDENT_SAVE_AMENDMENT), **inputs_of(form), **typed}
    kept(await submitted(office, SAM, value), typed)


async def test_the_correspondence_forms(office: RunningBot, sqlite_url: str, clock: MutableClock) -> None:
    await say(office, SAM, "log Jane Smith")
    form = last_card(office.connector, SAM.personal_conversation)
    typed = {"summary": "Asks again about the bins.", "channel": "", "attachment_reference": "DOC-77"}
    value = {**button(form, Verb.CORRESPONDENCE_SAVE), **inputs_of(form), **typed, "received_on": "2030-01-01"}
    kept(await submitted(office, SAM, value), typed)

    (customer_id,) = {item.customer_id for item in rows(sqlite_url, IncidentRecord)}
    item_id = log_filed_item(sqlite_url, clock, customer_id)
    assert item_id in {item.id for item in rows(sqlite_url, CorrespondenceItemRecord)}
    notes = {"notes": "Mentions a new carer.", "outcome": "", "service_area": "housing"}
    kept(await clicked(office, MORGAN, Verb.CORRESPONDENCE_REVIEW, {"correspondence_id": item_id, **notes}), notes)


async def test_the_appeal_forms(office: RunningBot, sqlite_url: str) -> None:
    await say(office, MORGAN, "check Jane Smith")
    form = await submitted(
        office, MORGAN, button(last_card(office.connector, MORGAN.personal_conversation), Verb.APPEAL_FORM)
    )
    typed = {"grounds": "I was never abusive.", "kind": "", "received_on": "2026-11-27"}
    kept(await submitted(office, MORGAN, {**button(form, Verb.APPEAL_RECORD), **inputs_of(form), **typed}), typed)

    valid = {**inputs_of(form), "grounds": "I was never abusive.", "kind": "appeal", "channel": "letter"}
    await submitted(office, MORGAN, {**button(form, Verb.APPEAL_RECORD), **valid, "received_on": "2026-11-27"})
    (appeal,) = rows(sqlite_url, AppealRecord)
    reasons = {"reasons": "The calls were abusive; the restriction stands.", "outcome": ""}
    kept(await clicked(office, DANA, Verb.APPEAL_DECIDE, {"appeal_id": appeal.id, **reasons}, channel=True), reasons)


async def test_the_ombudsman_form(office: RunningBot) -> None:
    await say(office, MORGAN, "check Jane Smith")
    status = last_card(office.connector, MORGAN.personal_conversation)
    form = await submitted(office, MORGAN, button(status, Verb.OMBUDSMAN_FORM))
    typed = {"matter": "", "signposted_on": "2026-11-27"}
    kept(await submitted(office, MORGAN, {**button(form, Verb.OMBUDSMAN_RECORD), **inputs_of(form), **typed}), typed)


async def test_the_letter_card(office: RunningBot) -> None:
    """Issue refused while the letter lacks an address; a correction without a reason; a bad email address."""
    await say(office, MORGAN, "work")
    work = last_card(office.connector, MORGAN.personal_conversation)
    card = await submitted(office, MORGAN, button(work, Verb.WORK_LETTER))
    letter = button(card, Verb.LETTER_REVISE)
    typed = {"signatory_name": "Dana Director", "monitoring": "Calls are logged."}
    refused = await clicked(office, MORGAN, Verb.LETTER_ISSUE, {**letter, **inputs_of(card), **typed})
    assert "cannot be issued" in str(refused) or "It cannot" in str(refused)
    kept(refused, typed)

    fixed = await clicked(office, MORGAN, Verb.LETTER_REVISE, {**letter, **inputs_of(card), "address": "1 High St"})
    issued = await clicked(office, MORGAN, Verb.LETTER_ISSUE, {**button(fixed, Verb.LETTER_ISSUE), **inputs_of(fixed)})
    unexplained = {"signatory_name": "Dana Director", "reason": ""}
    again = await clicked(
        office, MORGAN, Verb.LETTER_REVISE, {**button(issued, Verb.LETTER_REVISE), **inputs_of(issued), **unexplained}
    )
    kept(again, unexplained)
    wrong = {"delivery_method": "email", "delivered_on": "2026-11-28", "email": "jane at example"}
    data = {**button(issued, Verb.LETTER_DELIVER), **inputs_of(issued), **wrong}
    kept(await clicked(office, MORGAN, Verb.LETTER_DELIVER, data), wrong)
