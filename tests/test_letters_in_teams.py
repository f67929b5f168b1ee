"""Letters out of the door from Teams (issue 16): approve, the letter card, fix what is missing on it, issue, record
how it went out, reception, collection; through real HTTP to /api/messages, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from docx import Document
from yarl import URL

from casework import customer_records
from storage.database import create_database_engine
from storage.tables import AuditEventRecord, CustomerRecord, LetterRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    ADMIN,
    approve_button,
    considered,
    escalate_restriction,
    last_card,
    register,
    register_team,
    report,
    rows,
    say,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, all_text, execute, inputs_of, submit

ADDRESS = "12 Mill Lane, Exampleton, EX2 2BB"


async def approved_letter(bot: RunningBot) -> dict[str, Any]:
    """Sam reports Jane Smith (a new customer: no address on record), Morgan asks for a restriction, Harper and
    Casey approve it; returns the letter card Morgan, the case owner, is sent."""
    await say(bot, HARPER, "hello", channel=True)
    await say(bot, MORGAN, "hello")
    await report(bot, SAM, "Jane Smith")
    decision = await escalate_restriction(bot, MORGAN, "Jane Smith")
    button = considered(approve_button(decision))
    for member in (HARPER, CASEY):
        status, _ = await bot.post(execute(member, "escalation.approve", button, bot.connector.url, "card-1"))
        assert status == 200
    card = last_card(bot.connector, MORGAN.personal_conversation)
    assert "Draft letter: Restriction of contact letter" in all_text(card)
    return card


async def click(bot: RunningBot, card: dict[str, Any], verb: str, **typed: str) -> dict[str, Any]:
    """Morgan clicks the card's button for `verb` with its inputs as they stand, changed by `typed`: the card that
    replaces it."""
    data = {**next(_actions(card, verb))["data"], **inputs_of(card), **typed}
    status, body = await bot.post(execute(MORGAN, verb, data, bot.connector.url, "letter-card", channel=False))
    assert status == 200 and body["statusCode"] == 200
    return dict(body["value"])


def _actions(node: Any, verb: str) -> Any:
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute" and node.get("verb") == verb:
            yield node
        for value in node.values():
            yield from _actions(value, verb)
    elif isinstance(node, list):
        for value in node:
            yield from _actions(value, verb)


def required_inputs(node: Any) -> list[str]:
    """Inputs marked required: a client checks every input of a card, hidden ones too, before any of its buttons
    sends, so one required field would silently stop the others (found walking the card in the Playground)."""
    if isinstance(node, dict):
        found = [str(node.get("id"))] if node.get("isRequired") else []
        return found + [i for value in node.values() for i in required_inputs(value)]
    if isinstance(node, list):
        return [i for value in node for i in required_inputs(value)]
    return []


def verbs(card: dict[str, Any]) -> set[str]:
    return {verb for verb in ("letter.issue", "letter.revise", "letter.deliver") if any(_actions(card, verb))}


def letter_rows(database_url: str) -> list[LetterRecord]:
    return sorted(rows(database_url, LetterRecord), key=lambda r: r.id or 0)


async def downloaded(bot: RunningBot, card: dict[str, Any]) -> str:
    """The .docx the card's download link gives, as text (fetched from the test server, wherever the link says the
    bot is served)."""
    url = URL(next(a["url"] for a in card["actions"] if a["type"] == "Action.OpenUrl"))
    async with bot.session.get(bot.server.make_url(url.path).with_query(url.query)) as response:
        assert response.status == 200
        body = await response.read()
    return "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)


@pytest.mark.parametrize("method", ["post", "email", "by_hand", "held_at_reception"])
async def test_a_letter_is_fixed_issued_and_sent_from_its_card(
    database_url: str, connector: FakeConnector, clock: MutableClock, method: str
) -> None:
    register_team(database_url, clock)
    register(database_url, SAM, clock, is_reception=True, line_manager_id=MORGAN.aad_object_id)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        card = await approved_letter(bot)
        # The customer was added through `report`: no address, so the card names it and offers no Issue.
        assert "It cannot be issued until it says: the customer's address" in all_text(card)
        assert verbs(card) == {"letter.revise"}

        # Issue clicked all the same (an old card): refused, naming what is missing; nothing issued.
        refused = await click(bot, card | {"actions": [*card["actions"], _issue_button(card)]}, "letter.issue")
        assert "This letter cannot be issued yet. It is missing: the customer's address" in all_text(refused)
        assert [r.issued_at for r in letter_rows(database_url)] == [None]

        # The address typed on the card: saved on Jane's record (audited before and after) and a version 2.
        fixed = await click(bot, card, "letter.revise", address=ADDRESS)
        assert "Saved as version 2." in all_text(fixed)
        assert "Address: 12 Mill Lane, Exampleton, EX2 2BB" in all_text(fixed)
        assert "cannot be issued" not in all_text(fixed)
        assert verbs(fixed) == {"letter.issue", "letter.revise"}
        (jane,) = rows(database_url, CustomerRecord)
        assert jane.address == ADDRESS
        (changed,) = [e for e in rows(database_url, AuditEventRecord) if e.action == "customer.address_changed"]
        assert changed.detail["before"] == "" and changed.detail["after"] == ADDRESS
        assert [r.version for r in letter_rows(database_url)] == [1, 2]

        issued = await click(bot, fixed, "letter.issue")
        assert "Letter issued: Restriction of contact letter" in all_text(issued)
        assert "Issued. This version is now fixed" in all_text(issued)
        assert verbs(issued) == {"letter.deliver", "letter.revise"}
        assert required_inputs(card) == required_inputs(fixed) == required_inputs(issued) == []
        text = await downloaded(bot, issued)
        assert "Restriction of your contact with the council" in text and "12 Mill Lane" in text
        assert re.findall(r"\(s\d[\d.]*\)", text) == []

        # A bad email address: the card says so, keeps what was typed, and records nothing.
        typed = {"delivery_method": method, "delivered_on": "2026-11-28"}
        if method == "email":
            wrong = await click(bot, issued, "letter.deliver", **typed, email="jane at example")
            assert "That does not look like an email address." in all_text(wrong)
            assert inputs_of(wrong)["email"] == "jane at example"
            assert letter_rows(database_url)[-1].delivery_method is None
            typed["email"] = "jane@example.org"
        sent = await click(bot, issued, "letter.deliver", **typed)
        stored = letter_rows(database_url)[-1]
        assert (stored.delivery_method, str(stored.delivered_on)) == (method, "2026-11-28")
        assert verbs(sent) == {"letter.revise"}, "recorded once: no second delivery"
        if method == "email":
            assert stored.delivered_to == "jane@example.org"
            assert "By email, 28 Nov 2026, to jane@example.org" in all_text(sent)

        await say(bot, SAM, "reception")
        reception = last_card(connector, SAM.personal_conversation)
        if method != "held_at_reception":
            assert "No letters are waiting at reception" in all_text(reception)
            return
        assert "1 letter held at reception" in all_text(reception)
        assert "Jane Smith" in all_text(reception)
        button = next(
            a
            for e in reception["body"]
            if e["type"] == "ActionSet"
            for a in e["actions"]
            if a["type"] == "Action.Submit"
        )
        named = {**button["data"], f"collected_by_{stored.id}": "Jane Smith"}
        status, _ = await bot.post(submit(SAM, named, connector.url))
        assert status == 200
        assert "No letters are waiting at reception" in all_text(last_card(connector, SAM.personal_conversation))
        collected = letter_rows(database_url)[-1]
        assert collected.collected_by == "Jane Smith" and collected.collected_on is not None
        await say(bot, MORGAN, "letters Jane Smith")
        listed = last_card(connector, MORGAN.personal_conversation)
        assert "Letters for Jane Smith" in all_text(listed)
        assert "version 2" in all_text(listed) and "version 1" in all_text(listed)
    finally:
        await bot.close()


def _issue_button(card: dict[str, Any]) -> dict[str, Any]:
    """The Issue button an earlier version of the card would have had."""
    letter_id = next(_actions(card, "letter.revise"))["data"]["letter_id"]
    return {
        "type": "Action.Execute",
        "title": "Issue the letter",
        "verb": "letter.issue",
        "data": {"letter_id": letter_id},
    }


async def test_an_issued_letter_is_corrected_only_as_a_new_version_with_a_reason(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        card = await approved_letter(bot)
        issued = await click(bot, await click(bot, card, "letter.revise", address=ADDRESS), "letter.issue")
        unexplained = await click(bot, issued, "letter.revise", signatory_name="Dana Director")
        assert "This letter has been issued: say why it is being corrected." in all_text(unexplained)
        assert inputs_of(unexplained)["signatory_name"] == "Dana Director", "what was typed stays"
        assert len(letter_rows(sqlite_url)) == 2

        corrected = await click(
            bot, issued, "letter.revise", signatory_name="Dana Director", reason="Signed by the wrong officer."
        )
        assert "Draft letter" in all_text(corrected) and "Signed by the wrong officer." in all_text(corrected)
        _first, second, third = letter_rows(sqlite_url)
        assert second.issued_at is not None and third.issued_at is None, "the issued version is kept as it was"
        assert third.reason == "Signed by the wrong officer."
        assert third.content["council"]["signatory_name"] == "Dana Director"
        assert second.content["council"]["signatory_name"] != "Dana Director"
        # The replaced version cannot be corrected again, but that it went out is still recorded.
        stale = await click(bot, issued, "letter.revise", reason="Again.")
        assert "There is a newer version of this letter" in all_text(stale)
        assert len(letter_rows(sqlite_url)) == 3
        posted = await click(bot, issued, "letter.deliver", delivery_method="post")
        assert "A newer version of this letter has been made" in all_text(posted)
        assert letter_rows(sqlite_url)[1].delivery_method == "post"
    finally:
        await bot.close()


async def test_a_warning_for_a_customer_with_no_incident_is_refused_when_asked_for(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    engine = create_database_engine(sqlite_url)
    try:
        customer_records.import_customers(SqlUnitOfWork(engine), ADMIN, [(2, {"name": "Kim Quiet"})], clock)
    finally:
        engine.dispose()
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await escalate_restriction(bot, MORGAN, "Kim Quiet", kind="formal_warning", restrictions="")
        answer = all_text(last_card(connector, MORGAN.personal_conversation))
        assert "No incident is recorded for Kim Quiet" in answer
        assert not [e for e in rows(sqlite_url, AuditEventRecord) if e.action == "escalation.requested"]
    finally:
        await bot.close()
