"""Correspondence on file (s16, issue 17) from Teams: staff log each item received for a customer whose restriction
places correspondence on file, from the status card or `log <name>`; the case owner reviews it, and the review is
routed by what it found; an item not reviewed in time goes to the determination team, once; no card offers a reply
to the customer and no letter says an item held nothing new. Through real HTTP to /api/messages, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from casework.entities import RestrictionTerms
from casework.letters import customer_restriction_lines
from casework.vocabulary import ContactRestriction
from storage.tables import CorrespondenceItemRecord, LetterRecord
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    audited,
    correspondence_on_file,
    last_card,
    log_filed_item,
    register,
    register_team,
    rows,
    say,
)
from tests.teams import (
    CASEY,
    HARPER,
    MORGAN,
    SAM,
    TEAM_CHANNEL,
    UMA,
    User,
    all_text,
    execute,
    inputs_of,
    message,
    submit,
)

ALEX = User("00000000-0000-0000-0000-0000000000c1", "Alex Colleague")
"""Listed staff who line-manages Dana, so the door lets them press a review's buttons: reviews nothing, on no team."""
DANA = User("00000000-0000-0000-0000-0000000000c3", "Dana Desk")
SUMMARY = "Letter repeating the housing repair complaint; mentions feeling unsafe at home."
REPLY_WORDS = re.compile(r"\b(reply|respond|acknowledg\w*|answer the customer)\b", re.IGNORECASE)


async def _bot(database_url: str, connector: FakeConnector, clock: MutableClock) -> tuple[RunningBot, int]:
    register_team(database_url, clock)
    register(database_url, ALEX, clock)
    register(database_url, DANA, clock, line_manager_id=ALEX.aad_object_id)
    customer_id = correspondence_on_file(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock, staff=(SAM, MORGAN, HARPER, CASEY, ALEX))
    await say(bot, HARPER, "hello", channel=True)  # the team's channel is known to the bot
    for user in (SAM, MORGAN, CASEY, ALEX):
        await say(bot, user, "hello")
    return bot, customer_id


def _button(card: dict[str, Any], verb: str) -> dict[str, Any]:
    return next(a for a in _actions(card) if (a.get("verb") or a.get("data", {}).get("verb")) == verb)


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if str(node.get("type", "")).startswith("Action.") else []
        return found + [a for value in node.values() for a in _actions(value)]
    if isinstance(node, list):
        return [a for value in node for a in _actions(value)]
    return []


def _offered_replies(connector: FakeConnector) -> list[str]:
    """Every button on every card the bot sent anyone whose title offers to reply to or acknowledge the customer."""
    titles = [str(a.get("title", "")) for call in connector.calls for card in call.cards for a in _actions(card)]
    return [title for title in titles if REPLY_WORDS.search(title)]


async def _log_from_status_card(bot: RunningBot, user: User, **typed: str) -> dict[str, Any]:
    """`check Jane Smith`, the status card's Log button, the form filled in and Log pressed: the answer."""
    await say(bot, user, "check Jane Smith")
    status = last_card(bot.connector, user.personal_conversation)
    await bot.post(submit(user, _button(status, "correspondence.log")["data"], bot.connector.url))
    form = last_card(bot.connector, user.personal_conversation)
    assert "Log correspondence from Jane Smith" in all_text(form)
    value = {**inputs_of(form), **_button(form, "correspondence.save")["data"], **typed}
    await bot.post(submit(user, value, bot.connector.url))
    return last_card(bot.connector, user.personal_conversation)


async def _record_review(
    bot: RunningBot, user: User, card: dict[str, Any], typed: dict[str, str], *, channel: bool = False
) -> dict[str, Any]:
    data = {**_button(card, "correspondence.review")["data"], **inputs_of(card), **typed}
    status, body = await bot.post(
        execute(user, "correspondence.review", data, bot.connector.url, "card-1", channel=channel)
    )
    assert status == 200 and body["statusCode"] == 200
    return dict(body["value"])


@pytest.mark.parametrize("outcome", ["no_new_information", "new_information", "safeguarding_concern"])
async def test_an_item_is_logged_from_the_status_card_and_its_review_routed_by_what_it_found(
    database_url: str, connector: FakeConnector, clock: MutableClock, outcome: str
) -> None:
    bot, _ = await _bot(database_url, connector, clock)
    try:
        letters_before = len(rows(database_url, LetterRecord))
        logged = await _log_from_status_card(
            bot, SAM, channel="letter", summary=SUMMARY, attachment_reference="DMS-4471"
        )
        assert "Logged: correspondence from Jane Smith" in all_text(logged)
        assert "Morgan Manager will review it by 03 Dec 2026" in all_text(logged)
        (item,) = rows(database_url, CorrespondenceItemRecord)
        assert (item.summary, item.channel, item.attachment_reference, item.logged_by, item.reviewer_id) == (
            SUMMARY,
            "letter",
            "DMS-4471",
            SAM.aad_object_id,
            MORGAN.aad_object_id,
        )

        # The reviewer, the case owner, is sent the review card; `work` lists it too.
        card = last_card(connector, MORGAN.personal_conversation)
        assert "Correspondence on file to review: Jane Smith" in all_text(card) and SUMMARY in all_text(card)
        await say(bot, MORGAN, "work")
        work = last_card(connector, MORGAN.personal_conversation)
        assert "Correspondence on file to review (s16) (1)" in all_text(work)

        team_before = len(connector.sent_to(TEAM_CHANNEL))
        morgan_before = len(connector.sent_to(MORGAN.personal_conversation))
        typed = {"outcome": outcome}
        if outcome != "no_new_information":
            typed |= {"notes": "Says she has no heating and is frightened.", "service_area": "housing"}
        reviewed = await _record_review(bot, MORGAN, card, typed)
        assert f"Reviewed by {MORGAN.name}" in all_text(reviewed)
        assert not [a for a in _actions(reviewed) if a.get("verb") == "correspondence.review"]

        (item,) = rows(database_url, CorrespondenceItemRecord)
        assert (item.outcome, item.reviewed_by) == (outcome, MORGAN.aad_object_id)
        to_team = [c for call in connector.sent_to(TEAM_CHANNEL)[team_before:] for c in call.cards]
        to_morgan = [c for call in connector.sent_to(MORGAN.personal_conversation)[morgan_before:] for c in call.cards]
        if outcome == "safeguarding_concern":
            (alert,) = to_team
            assert "Safeguarding concern in correspondence from Jane Smith" in all_text(alert)
            assert "frightened" in all_text(alert) and SUMMARY in all_text(alert)
            assert to_morgan == [] and item.service_area is None
        elif outcome == "new_information":
            (told,) = to_morgan
            assert "New information in correspondence from Jane Smith: Housing must act" in all_text(told)
            assert "Pass it to Housing" in all_text(told)
            assert to_team == [] and item.service_area == "housing"
        else:
            assert to_team == [] and to_morgan == []  # s16.2: nobody is told it held nothing new
        (review_audit,) = audited(database_url, "correspondence.reviewed")
        assert review_audit.actor_id == MORGAN.aad_object_id and review_audit.detail["outcome"] == outcome
        assert len(audited(database_url, "correspondence.logged")) == 1

        # Nothing went to the customer: no letter was made, and no card offered a reply or an acknowledgement.
        assert len(rows(database_url, LetterRecord)) == letters_before
        assert _offered_replies(connector) == []
        await say(bot, MORGAN, "work")
        assert "Correspondence on file" not in all_text(last_card(connector, MORGAN.personal_conversation))
        # The case's history shows what was received, and that it was read.
        await say(bot, MORGAN, "case Jane Smith")
        history = all_text(last_card(connector, MORGAN.personal_conversation))
        assert "Correspondence on file (Letter)" in history and f"{SUMMARY} Reviewed: " in history
    finally:
        await bot.close()


async def test_an_item_not_reviewed_in_time_goes_to_the_team_once_and_they_can_review_it(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot, _ = await _bot(database_url, connector, clock)
    try:
        await say(bot, SAM, "log Jane Smith")
        form = last_card(connector, SAM.personal_conversation)
        value = {
            **inputs_of(form),
            **_button(form, "correspondence.save")["data"],
            "channel": "email",
            "summary": SUMMARY,
        }
        await bot.post(submit(SAM, value, connector.url))
        assert "Logged: correspondence from Jane Smith" in all_text(last_card(connector, SAM.personal_conversation))

        # Not yet due: nothing goes to the team.
        clock.advance(timedelta(days=4))
        assert await bot.sweep.escalate_overdue_correspondence() == 0
        team_before = len(connector.sent_to(TEAM_CHANNEL))
        clock.advance(timedelta(days=1, minutes=1))
        # Two sweeps (two instances, or the next run): the item is claimed once.
        assert await bot.sweep.escalate_overdue_correspondence() == 1
        assert await bot.sweep.escalate_overdue_correspondence() == 0
        await bot.outbox.deliver_until_idle()
        (overdue,) = [c for call in connector.sent_to(TEAM_CHANNEL)[team_before:] for c in call.cards]
        assert "OVERDUE: Correspondence on file to review: Jane Smith" in all_text(overdue)
        assert len(audited(database_url, "correspondence.escalated_overdue")) == 1

        # The reviewer sees it overdue in `work`; the team's members see it in theirs too.
        await say(bot, MORGAN, "work")
        assert "OVERDUE – Jane Smith: Correspondence received" in all_text(
            last_card(connector, MORGAN.personal_conversation)
        )
        await say(bot, CASEY, "work")
        assert "Correspondence on file to review (s16) (1)" in all_text(
            last_card(connector, CASEY.personal_conversation)
        )

        # A member of the team records the review from the channel's card.
        reviewed = await _record_review(bot, HARPER, overdue, {"outcome": "no_new_information"}, channel=True)
        assert f"Reviewed by {HARPER.name}" in all_text(reviewed)
        (item,) = rows(database_url, CorrespondenceItemRecord)
        assert item.reviewed_by == HARPER.aad_object_id and item.escalated_at is not None
        clock.advance(timedelta(days=2))
        assert await bot.sweep.escalate_overdue_correspondence() == 0
        assert _offered_replies(connector) == []
    finally:
        await bot.close()


async def test_logging_and_reviewing_are_refused_without_need_to_know_and_bad_input_keeps_what_was_typed(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot, customer_id = await _bot(database_url, connector, clock)
    other_id = correspondence_on_file(database_url, clock, customer="John Brown")
    item_id = log_filed_item(database_url, clock, customer_id, summary=SUMMARY)
    try:
        url = connector.url
        # A forged Log button (another customer's id, or no search): nothing logged, and no customer named.
        for data in ({"customer_id": other_id, "query": "Jane Smith"}, {"customer_id": customer_id}):
            await bot.post(submit(ALEX, {"verb": "correspondence.log", **data}, url))
            shown = all_text(last_card(connector, ALEX.personal_conversation))
            assert "Nothing was logged" in shown and "Jane" not in shown and "John" not in shown
        # Someone who is not the reviewer opens or reviews the item: refused alike whether it exists, nothing shown.
        answers = []
        for forged in (item_id, item_id + 1000):
            await bot.post(submit(ALEX, {"verb": "work.correspondence", "correspondence_id": forged}, url))
            answers.append(json.dumps(last_card(connector, ALEX.personal_conversation)))
            data = {"correspondence_id": forged, "outcome": "no_new_information"}
            _, body = await bot.post(execute(ALEX, "correspondence.review", data, url, "card-1", channel=False))
            answers.append(json.dumps(body["value"]))
        assert answers[0] == answers[2] and answers[1] == answers[3]
        # Sam, who logged it, is no reviewer either: the door refuses them the review's button.
        _, body = await bot.post(
            execute(SAM, "correspondence.review", data | {"correspondence_id": item_id}, url, "c", channel=False)
        )
        answers.append(json.dumps(body["value"]))
        assert not any(secret in answer for answer in answers for secret in ("Jane", SUMMARY, MORGAN.name))
        # Someone not registered is refused at the door.
        await bot.post(message(UMA, "log Jane Smith", url))
        assert "not registered" in connector.sent_to(UMA.personal_conversation)[-1].text
        (item,) = rows(database_url, CorrespondenceItemRecord)
        assert item.reviewed_at is None
        assert len(audited(database_url, "correspondence.log_refused")) == 2
        assert len(audited(database_url, "correspondence.review_refused")) == 4

        # Bad input on the log form: refused field by field, what was typed kept, nothing logged.
        await say(bot, SAM, "log Jane Smith")
        form = last_card(connector, SAM.personal_conversation)
        typed = {
            "received_on": "2026-12-25",
            "channel": "telephone",
            "summary": "x" * 501,
            "attachment_reference": "R-1",
        }
        await bot.post(submit(SAM, {**inputs_of(form), **_button(form, "correspondence.save")["data"], **typed}, url))
        refused = last_card(connector, SAM.personal_conversation)
        assert "The date received cannot be in the future." in all_text(refused)
        assert "Choose how it arrived from the list." in all_text(refused)
        assert "Keep the summary to 500 characters or fewer." in all_text(refused)
        assert {k: inputs_of(refused)[k] for k in typed} == typed
        assert len(rows(database_url, CorrespondenceItemRecord)) == 1

        # Bad input on the review: new information with no service and no notes; typed kept, nothing recorded.
        await bot.post(submit(MORGAN, {"verb": "work.correspondence", "correspondence_id": item_id}, url))
        card = last_card(connector, MORGAN.personal_conversation)
        answer = await _record_review(bot, MORGAN, card, {"outcome": "new_information", "notes": ""})
        assert "Choose the service that must act on the new information." in all_text(answer)
        assert "Say what the new information is." in all_text(answer)
        assert inputs_of(answer)["outcome"] == "new_information"
        (item,) = rows(database_url, CorrespondenceItemRecord)
        assert item.reviewed_at is None
    finally:
        await bot.close()


async def test_a_safeguarding_concern_the_team_cannot_be_told_of_goes_back_to_its_reviewer(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot, customer_id = await _bot(sqlite_url, connector, clock)
    item_id = log_filed_item(sqlite_url, clock, customer_id, summary=SUMMARY)
    try:
        await bot.post(submit(MORGAN, {"verb": "work.correspondence", "correspondence_id": item_id}, connector.url))
        card = last_card(connector, MORGAN.personal_conversation)
        typed = {"outcome": "safeguarding_concern", "notes": "Says she is frightened."}
        connector.broken_conversations[TEAM_CHANNEL] = 403  # Teams refuses the channel for good
        await _record_review(bot, MORGAN, card, typed)
        told = all_text(last_card(connector, MORGAN.personal_conversation))
        assert "could not be alerted in Teams about the safeguarding concern" in told
        assert "phone the Health and Safety officer now" in told
    finally:
        await bot.close()


def test_no_letter_tells_the_customer_that_filed_correspondence_held_nothing_new() -> None:
    """s16.2: a restriction letter says correspondence is read and filed without reply; it promises no reply that
    would, by its absence, say an item held nothing new."""
    (line,) = customer_restriction_lines([ContactRestriction.CORRESPONDENCE_ON_FILE], RestrictionTerms())[:1]
    assert "without acknowledgement or reply" in line
    assert not re.search(r"nothing new|no new information|something new|only where", line, re.IGNORECASE)
