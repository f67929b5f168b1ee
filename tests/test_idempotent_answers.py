"""Idempotent answers (issue 14): a submit that was recorded is answered with its reference, never "nothing was
saved", whether it was clicked twice at once or Teams throttled the confirmation."""

from __future__ import annotations

import asyncio

from storage.tables import EscalationRecord, IncidentRecord
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import Call, FakeConnector
from tests.scenarios import NO_WARNING_REASON, fill, form_id_of, last_card, register_team, report, rows, say
from tests.teams import HARPER, MORGAN, SAM, all_text, submit

NOTHING_SAVED = "nothing was saved"


def answers_since(connector: FakeConnector, conversation: str, before: int) -> list[str]:
    """What the person read in the conversation since `before` calls: each message's text and cards."""
    return [_read(call) for call in connector.sent_to(conversation)[before:]]


def _read(call: Call) -> str:
    return "\n".join([call.text, *(all_text(card) for card in call.cards)])


async def _incident_form(bot: RunningBot) -> dict[str, str]:
    await say(bot, SAM, "report Jane Smith")
    form = last_card(bot.connector, SAM.personal_conversation)
    return fill(form, channel="email", actions="repeat_contacts", description="Twelve emails today.")


async def test_two_concurrent_submits_of_one_form_record_one_incident_and_both_answer_with_its_reference(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        value = await _incident_form(bot)
        before = len(connector.sent_to(SAM.personal_conversation))
        bot.deliver_after_each_post = False  # only the turns' own answers, not the line manager's card
        posted = await asyncio.gather(*(bot.post(submit(SAM, value, connector.url)) for _ in range(2)))

        assert [status for status, _ in posted] == [200, 200]
        answers = answers_since(connector, SAM.personal_conversation, before)
        assert len(answers) == 2, answers
        assert not [a for a in answers if NOTHING_SAVED in a]
        assert sum("Incident INC-2026-0001 recorded" in a for a in answers) == 1
        assert sum("Already received: INC-2026-0001" in a for a in answers) == 1
        assert [i.reference for i in rows(database_url, IncidentRecord)] == ["INC-2026-0001"]
    finally:
        await bot.close()


async def test_a_confirmation_answered_429_is_delivered_after_the_retry_and_recorded_once(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        value = await _incident_form(bot)
        before = len(connector.sent_to(SAM.personal_conversation))
        attempts_before = connector.attempts_to(SAM.personal_conversation)
        connector.retry_after = "0.2"
        connector.fail(SAM.personal_conversation, 429, 429)
        bot.deliver_after_each_post = False
        status, _ = await bot.post(submit(SAM, value, connector.url))

        assert status == 200
        assert connector.attempts_to(SAM.personal_conversation) - attempts_before == 3  # two 429s, then accepted
        answers = answers_since(connector, SAM.personal_conversation, before)
        assert len(answers) == 1 and "Incident INC-2026-0001 recorded" in answers[0], answers
        assert len(rows(database_url, IncidentRecord)) == 1
    finally:
        await bot.close()


async def test_a_reply_teams_keeps_refusing_gets_no_untrue_apology_and_a_resubmit_is_already_received(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url, OUTBOUND_MAX_ATTEMPTS=2), connector, clock)
    try:
        value = await _incident_form(bot)
        before = len(connector.sent_to(SAM.personal_conversation))
        connector.fail(SAM.personal_conversation, 503, 503, 503)
        bot.deliver_after_each_post = False
        status, _ = await bot.post(submit(SAM, value, connector.url))
        assert status == 200
        assert answers_since(connector, SAM.personal_conversation, before) == []  # nothing got through, no apology
        connector.conversation_faults.clear()

        await bot.post(submit(SAM, value, connector.url))  # the person tries again
        answers = answers_since(connector, SAM.personal_conversation, before)
        assert len(answers) == 1 and "Already received: INC-2026-0001" in answers[0], answers
        assert len(rows(sqlite_url, IncidentRecord)) == 1
    finally:
        await bot.close()


async def test_two_concurrent_submits_of_one_escalation_form_ask_the_team_once_and_both_answer_with_it(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await report(bot, SAM, "Jane Smith")
        await say(bot, MORGAN, "escalate Jane Smith")
        form = last_card(connector, MORGAN.personal_conversation)
        value = {
            "verb": "escalation.submit",
            "form_id": form_id_of(form),
            "customer_name": "Jane Smith",
            "kind": "formal_warning",
            "reason": "Abuse on three calls this month.",
            "no_warning_reason": NO_WARNING_REASON,
        }
        before = len(connector.sent_to(MORGAN.personal_conversation))
        bot.deliver_after_each_post = False
        posted = await asyncio.gather(*(bot.post(submit(MORGAN, value, connector.url)) for _ in range(2)))
        await bot.post(submit(MORGAN, value, connector.url))  # and once more, after both

        assert [status for status, _ in posted] == [200, 200]
        answers = answers_since(connector, MORGAN.personal_conversation, before)
        assert len(answers) == 3, answers
        assert not [a for a in answers if NOTHING_SAVED in a]
        assert sum("Sent to the determination team" in a for a in answers) == 1
        assert sum("Already received: your request is with the determination team" in a for a in answers) == 2
        assert all("Jane Smith" in a and "Formal warning" in a for a in answers)
        assert len(rows(database_url, EscalationRecord)) == 1
    finally:
        await bot.close()
