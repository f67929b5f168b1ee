"""Delivery faults (issue 15), end to end through /api/messages: the fake connector answers 404, 403, 429 with
Retry-After, 5xx and timeouts for someone else's conversation (Morgan's, once he has talked to the bot), and the
reporter's turn, the outbox's retries, the undeliverable path and the card updates are checked, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest

from cards.my_work import UNDELIVERED
from casework.entities import TEAM_CHANNEL as TEAM_ADDRESSEE
from casework.entities import personal_chat
from casework.vocabulary import MessagePurpose, MessageState
from storage.tables import EscalationRecord, OutboxConversation, OutboxMessageRecord
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    approve_button,
    audited,
    considered,
    escalated_to_team,
    fill,
    last_card,
    register_team,
    report,
    rows,
    say,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, execute, submit

MORGANS = MORGAN.personal_conversation
MORGAN_ADDRESSEE = personal_chat(MORGAN.aad_object_id)
DISCUSSION = "please discuss with Sam Staff"
"""What only the s8.6 discussion card says."""
NOT_REACHED = "Morgan Manager could not be reached in Teams about incident INC-2026-0001"


@contextlib.asynccontextmanager
async def office(
    database_url: str, connector: FakeConnector, clock: MutableClock, **settings: Any
) -> AsyncIterator[RunningBot]:
    """The bot with staff set up, the team's channel known, and Morgan (Sam's line manager) having said hello, so
    the bot holds a reference to his personal conversation."""
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url, **settings), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await say(bot, MORGAN, "hello")
        yield bot
    finally:
        await bot.close()


def discussions(connector: FakeConnector) -> list[str]:
    """Every s8.6 discussion card Teams accepted for Morgan, as the text he would read."""
    return [
        all_text(card) for call in connector.sent_to(MORGANS) for card in call.cards if DISCUSSION in all_text(card)
    ]


def messages(database_url: str, purpose: MessagePurpose) -> list[OutboxMessageRecord]:
    return sorted(
        (m for m in rows(database_url, OutboxMessageRecord) if m.purpose == purpose.value), key=lambda m: m.id or 0
    )


def only_message(database_url: str, purpose: MessagePurpose) -> OutboxMessageRecord:
    (message,) = messages(database_url, purpose)
    return message


def conversation(database_url: str, addressee: str) -> OutboxConversation:
    found: list[OutboxConversation] = [c for c in rows(database_url, OutboxConversation) if c.addressee == addressee]
    (row,) = found
    return row


async def report_with_morgan_failing(bot: RunningBot, customer: str = "Jane Smith") -> dict[str, Any]:
    """Sam reports an incident; returns the confirmation his own turn answered with. The outbox then runs once."""
    confirmation = await report(bot, SAM, customer)
    assert "recorded" in all_text(confirmation)
    assert "Morgan Manager is being sent a card for it" in all_text(confirmation)
    return confirmation


async def eventually(what: str, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.02)


def work_buttons(card: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for element in card["body"]:
        if element["type"] == "ActionSet":
            for action in element["actions"]:
                found.setdefault(action["data"]["verb"], []).append(action["data"])
    return found


# --- 1. nobody's turn waits for another person's delivery -----------------------------------------------------------


async def test_the_reporters_turn_answers_at_once_while_teams_is_slow_and_failing_for_the_manager(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    async with office(database_url, connector, clock) as bot:
        # Teams takes 5 s to answer anything for Morgan, and then answers 503, until the outage ends.
        connector.conversation_latency[MORGANS] = 5.0
        connector.broken_conversations[MORGANS] = 503
        before = connector.attempts_to(MORGANS)
        delivered = bot.outbox.delivered
        await say(bot, SAM, "report Jane Smith")
        form = last_card(connector, SAM.personal_conversation)
        value = fill(form, channel="telephone", actions="abusive", description="Shouted and swore at me.")

        # The app's own background worker, as in production: woken by the turn, it sends while Sam is answered.
        bot.deliver_after_each_post = False
        worker = asyncio.create_task(bot.outbox.run_forever())
        try:
            started = time.monotonic()
            status, _ = await bot.post(submit(SAM, value, connector.url))
            took = time.monotonic() - started
            assert status == 200
            confirmation = all_text(last_card(connector, SAM.personal_conversation))
            assert "INC-2026-0001 recorded" in confirmation
            assert "Morgan Manager is being sent a card for it" in confirmation
            assert took < 2.0, f"the reporter's turn took {took:.1f} s: it waited for Morgan's delivery"

            # The worker is trying Morgan meanwhile, and Teams has not accepted anything for him yet.
            await eventually("the worker tries Morgan", lambda: connector.attempts_to(MORGANS) > before)
            assert discussions(connector) == []
            await eventually("the 503 is recorded for a retry", lambda: bot.outbox.retried == 1)

            # The outage ends: the worker delivers the card once its backoff has passed.
            await connector.settled()
            del connector.broken_conversations[MORGANS], connector.conversation_latency[MORGANS]
            clock.advance(timedelta(minutes=1))
            # Stopped only once the card is marked sent: a worker stopped between Teams accepting a message and
            # marking it sent re-sends it, which the outbox allows (at least once, at most once more after a crash).
            await eventually(
                "the discussion card is delivered and marked sent", lambda: bot.outbox.delivered == delivered + 1
            )
            assert len(discussions(connector)) == 1
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        await bot.outbox.deliver_until_idle()
        assert len(discussions(connector)) == 1
        assert NOT_REACHED not in all_text(last_card(connector, SAM.personal_conversation))


# --- 2. transient faults: retried durably, Retry-After honoured, delivered exactly once -----------------------------

TRANSIENT = ["429", "412", "502", "503", "504", "timeout"]


@pytest.mark.parametrize("fault", TRANSIENT)
async def test_a_transient_fault_is_retried_after_its_wait_and_delivered_exactly_once(
    database_url: str, connector: FakeConnector, clock: MutableClock, fault: str
) -> None:
    # Only the timeout case shortens the notifier's timeout (to 1 s): elsewhere a slow test machine must not time out.
    timeout = {"OUTBOUND_TIMEOUT_SECONDS": 1.0} if fault == "timeout" else {}
    async with office(database_url, connector, clock, **timeout) as bot:
        before = connector.attempts_to(MORGANS)
        retry_after = 30.0 if fault == "429" else 0.0
        if fault == "429":
            connector.retry_after = "30"
            connector.fail(MORGANS, 429)
        elif fault == "timeout":
            # Teams does not answer within the notifier's 1 s (and, when it does, refuses with a 503).
            connector.conversation_latency[MORGANS] = 2.5
            connector.broken_conversations[MORGANS] = 503
        else:
            connector.fail(MORGANS, int(fault))
        failed_at = clock()

        await report_with_morgan_failing(bot)

        assert connector.attempts_to(MORGANS) - before == 1
        assert discussions(connector) == []
        waiting = only_message(database_url, MessagePurpose.MANAGER_DISCUSSION)
        assert (waiting.state, waiting.attempts) == (MessageState.PENDING.value, 1)
        expected_error = "no answer from Teams within 1 s" if fault == "timeout" else f"Teams answered {fault}"
        assert waiting.last_error == expected_error
        wait = waiting.available_at - failed_at
        assert wait >= timedelta(seconds=retry_after) and wait > timedelta(0)
        assert conversation(database_url, MORGAN_ADDRESSEE).retry_at == waiting.available_at
        if fault == "timeout":
            await connector.settled()
            del connector.broken_conversations[MORGANS], connector.conversation_latency[MORGANS]

        # Nothing is tried again before its time, however often the worker looks.
        await bot.outbox.deliver_until_idle()
        if fault == "429":
            clock.advance(timedelta(seconds=29))
            await bot.outbox.deliver_until_idle()
        assert connector.attempts_to(MORGANS) - before == 1

        clock.advance(wait + timedelta(seconds=1) - (clock() - failed_at))
        await bot.outbox.deliver_until_idle()
        assert connector.attempts_to(MORGANS) - before == 2
        assert len(discussions(connector)) == 1
        sent = only_message(database_url, MessagePurpose.MANAGER_DISCUSSION)
        assert (sent.state, sent.attempts) == (MessageState.SENT.value, 2)

        # Sent is sent: later rounds send nothing more, and Sam is not told it failed.
        for _ in range(3):
            clock.advance(timedelta(minutes=15))
            await bot.outbox.deliver_until_idle()
        assert len(discussions(connector)) == 1
        assert connector.attempts_to(MORGANS) - before == 2
        assert len(audited(database_url, "incident.manager_notified")) == 1
        assert audited(database_url, "message.not_delivered") == []
        assert NOT_REACHED not in all_text(last_card(connector, SAM.personal_conversation))


# --- 3. permanent refusals: never retried, the reporter told, the addressee finds it in `work` -----------------------


@pytest.mark.parametrize("status", [404, 403])
async def test_a_permanent_refusal_is_never_retried_told_to_the_reporter_and_listed_in_work(
    database_url: str, connector: FakeConnector, clock: MutableClock, status: int
) -> None:
    async with office(database_url, connector, clock) as bot:
        before = connector.attempts_to(MORGANS)
        connector.broken_conversations[MORGANS] = status

        await report_with_morgan_failing(bot)
        for _ in range(3):
            clock.advance(timedelta(hours=1))
            await bot.outbox.deliver_until_idle()

        assert connector.attempts_to(MORGANS) - before == 1, "a refusal is never tried again"
        failed = only_message(database_url, MessagePurpose.MANAGER_DISCUSSION)
        assert failed.state == MessageState.FAILED.value
        assert failed.last_error == f"Teams refused the message with status {status}"
        (not_delivered,) = audited(database_url, "message.not_delivered")
        assert not_delivered.record_id == str(failed.id)
        assert not_delivered.detail["addressee"] == MORGAN_ADDRESSEE
        assert not_delivered.detail["purpose"] == MessagePurpose.MANAGER_DISCUSSION.value
        assert [e.detail["recipient"] for e in audited(database_url, "incident.manager_not_notified")] == [
            MORGAN_ADDRESSEE
        ]
        assert audited(database_url, "incident.manager_notified") == []
        told = [all_text(card) for call in connector.sent_to(SAM.personal_conversation) for card in call.cards]
        assert sum(NOT_REACHED in t for t in told) == 1, "Sam is told once"
        assert discussions(connector) == []

        # Morgan reachable again (say, the bot reinstalled): `work` lists what did not reach him, with its button.
        del connector.broken_conversations[MORGANS]
        await say(bot, MORGAN, "work")
        work = last_card(connector, MORGANS)
        assert f"{UNDELIVERED} (1)" in all_text(work)
        assert "An incident to discuss (s8.6)" in all_text(work)
        (discussion_button,) = work_buttons(work)["work.discussion"]
        await bot.post(submit(MORGAN, discussion_button, connector.url))
        discussion = last_card(connector, MORGANS)
        assert DISCUSSION in all_text(discussion)
        outcome = next(a for a in discussion["actions"] if a["verb"] == "incident.no_further_action")
        answered, body = await bot.post(
            execute(MORGAN, outcome["verb"], outcome["data"], connector.url, "x", channel=False)
        )
        assert answered == 200
        assert "No further action: recorded by Morgan Manager" in all_text(body["value"])
        # The failed card itself is still not re-sent by the outbox.
        assert only_message(database_url, MessagePurpose.MANAGER_DISCUSSION).state == MessageState.FAILED.value


# --- 4. retries run out ----------------------------------------------------------------------------------------------


async def test_a_fault_that_outlasts_every_retry_fails_the_message_and_tells_the_reporter(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    async with office(database_url, connector, clock, OUTBOUND_MAX_ATTEMPTS=3) as bot:
        before = connector.attempts_to(MORGANS)
        connector.broken_conversations[MORGANS] = 503

        await report_with_morgan_failing(bot)
        for _ in range(6):
            clock.advance(timedelta(minutes=11))  # past any backoff (capped at 10 minutes)
            await bot.outbox.deliver_until_idle()

        assert connector.attempts_to(MORGANS) - before == 3
        failed = only_message(database_url, MessagePurpose.MANAGER_DISCUSSION)
        assert (failed.state, failed.attempts) == (MessageState.FAILED.value, 3)
        assert failed.last_error == "gave up after 3 attempts: Teams answered 503"
        assert [e.record_id for e in audited(database_url, "message.not_delivered")] == [str(failed.id)]
        told = [all_text(card) for call in connector.sent_to(SAM.personal_conversation) for card in call.cards]
        assert sum(NOT_REACHED in t for t in told) == 1

        # Teams answering again changes nothing: a failed message is not picked up again.
        del connector.broken_conversations[MORGANS]
        clock.advance(timedelta(hours=1))
        await bot.outbox.deliver_until_idle()
        assert connector.attempts_to(MORGANS) - before == 3
        assert discussions(connector) == []


# --- 5. order within a conversation ---------------------------------------------------------------------------------


async def test_a_later_message_never_overtakes_one_waiting_to_be_retried(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    async with office(database_url, connector, clock) as bot:
        before = connector.attempts_to(MORGANS)
        connector.retry_after = "30"
        connector.fail(MORGANS, 429)

        await report_with_morgan_failing(bot, "Jane Smith")  # INC-2026-0001: throttled
        clock.advance(timedelta(seconds=5))
        await report_with_morgan_failing(bot, "Peter Brown")  # INC-2026-0002: due now, but behind the first
        await bot.outbox.deliver_until_idle()
        assert connector.attempts_to(MORGANS) - before == 1, "the second waits with the first"
        assert discussions(connector) == []

        clock.advance(timedelta(seconds=26))  # past the first's Retry-After
        await bot.outbox.deliver_until_idle()
        cards = discussions(connector)
        assert len(cards) == 2
        assert "INC-2026-0001" in cards[0] and "INC-2026-0002" in cards[1]
        assert connector.attempts_to(MORGANS) - before == 3
        assert [m.state for m in messages(database_url, MessagePurpose.MANAGER_DISCUSSION)] == ["sent", "sent"]


# --- 6. a storm of card updates -----------------------------------------------------------------------------------


async def test_a_storm_of_changes_to_a_decision_card_is_one_update(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    async with office(database_url, connector, clock) as bot:
        card = await escalated_to_team(bot)
        puts_before = len(connector.sent_to(TEAM_CHANNEL, method="PUT"))
        data = approve_button(card)["data"]
        bot.deliver_after_each_post = False  # the worker is busy elsewhere, or down, while they click

        asked = await bot.post(
            execute(HARPER, "escalation.ask", {**data, "notes": "Was mediation offered?"}, connector.url, "x")
        )
        answer = {"verb": "escalation.answer", "escalation_id": data["escalation_id"], "answer": "Yes, refused."}
        answered = await bot.post(submit(MORGAN, answer, connector.url))
        refreshed = [
            await bot.post(execute(member, "escalation.refresh", data, connector.url, "x"))
            for member in (HARPER, CASEY)
        ]
        first = await bot.post(
            execute(HARPER, "escalation.approve", considered(approve_button(card)), connector.url, "x")
        )
        second = await bot.post(
            execute(CASEY, "escalation.approve", considered(approve_button(card)), connector.url, "x")
        )
        assert [r[0] for r in (asked, answered, *refreshed, first, second)] == [200] * 6
        assert "Approved on" in all_text(second[1]["value"])

        waiting = messages(database_url, MessagePurpose.DECISION_CARD_UPDATE)
        assert len(waiting) >= 4 and {m.state for m in waiting} == {MessageState.PENDING.value}
        assert len(connector.sent_to(TEAM_CHANNEL, method="PUT")) == puts_before

        await bot.outbox.deliver_until_idle()

        updates = connector.sent_to(TEAM_CHANNEL, method="PUT")[puts_before:]
        assert len(updates) == 1, "one update, showing the card as it is now"
        (escalation,) = rows(database_url, EscalationRecord)
        assert (updates[0].conversation_id, updates[0].activity_id) == (TEAM_CHANNEL, escalation.card_activity_id)
        shown = all_text(updates[0].cards[0])
        assert "Approved on" in shown and "Yes, refused." in shown
        states = [m.state for m in messages(database_url, MessagePurpose.DECISION_CARD_UPDATE)]
        assert states.count(MessageState.SENT.value) == 1
        assert states.count(MessageState.SUPERSEDED.value) == len(states) - 1
        assert {m.addressee for m in waiting} == {TEAM_ADDRESSEE}
