"""The whole path through real HTTP: Teams-shaped activities in, what the bot sends recorded by the fake connector."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from storage.database import create_database_engine
from storage.tables import AuditEventRecord, DecisionRecord, EscalationRecord, IncidentRecord, VoteRecord
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    approve_button,
    considered,
    escalate_restriction,
    escalated_to_team,
    fill,
    last_card,
    register_team,
    report,
    say,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, execute, submit


async def test_help_answers_with_the_menu(bot: RunningBot) -> None:
    await say(bot, SAM, "help")
    card = last_card(bot.connector, SAM.personal_conversation)
    assert card["version"] == "1.5"
    assert "Report an incident" in all_text(card)


async def test_unknown_text_gets_the_menu_with_an_apology(bot: RunningBot) -> None:
    await say(bot, SAM, "what is the weather")
    assert "didn't understand" in all_text(last_card(bot.connector, SAM.personal_conversation))


async def test_report_check_escalate_approve_and_review_reminder(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    """The walking skeleton's whole story, on SQLite and on PostgreSQL."""
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)  # the bot learns the determination team's channel

        confirmation = await report(bot, SAM, "Jane Smith")
        assert "INC-2026-0001 recorded" in all_text(confirmation)

        await say(bot, SAM, "check Jane Smith")
        assert "Jane Smith: No restrictions" in all_text(last_card(connector, SAM.personal_conversation))

        decision_card = await escalate_restriction(bot, MORGAN, "Jane Smith")
        assert "Sent to the determination team" in all_text(last_card(connector, MORGAN.personal_conversation))
        assert "INC-2026-0001" in all_text(decision_card)
        posted = connector.sent_to(TEAM_CHANNEL)[-1]
        button = approve_button(decision_card)
        assert button["type"] == "Action.Execute" and button["fallback"]["type"] == "Action.Submit"

        # A restriction needs two members (s12.2): the first approval shows progress, the second decides.
        async with bot.session.post(
            bot.server.make_url("/api/messages"),
            json=execute(HARPER, "escalation.approve", considered(button), connector.url, reply_to_id="activity-x"),
        ) as response:
            assert response.status == 200
            body = await response.json()
        assert body["statusCode"] == 200
        assert body["type"] == "application/vnd.microsoft.card.adaptive"
        assert "1 of 2 approvals – approved by Harper Safety" in all_text(body["value"])
        await bot.outbox.deliver_until_idle()  # the channel's card is updated before the second vote
        status, body = await bot.post(execute(CASEY, "escalation.approve", considered(button), connector.url, "x"))
        assert status == 200
        assert "Approved on 28 Nov 2026, 10:00 by Harper Safety, Casey Experience" in all_text(body["value"])
        assert not [a for a in body["value"].get("actions", []) if a.get("verb")], "decided card keeps no buttons"

        updates = connector.sent_to(TEAM_CHANNEL, method="PUT")
        assert len(updates) == 2, "updated in place for everyone after each vote"
        assert {u.activity_id for u in updates} == {"activity-" + str(_number_of(posted, connector))}
        assert "Approved on" in all_text(updates[-1].cards[0])
        to_morgan = [card for call in connector.sent_to(MORGAN.personal_conversation) for card in call.cards]
        assert "approved" in all_text(to_morgan[-2])
        # Then the draft letter (s11.4), with a signed download link for Morgan as the case owner.
        assert "Draft letter: Restriction of contact letter" in all_text(to_morgan[-1])
        assert f"/letters/1?user={MORGAN.aad_object_id}" in to_morgan[-1]["actions"][0]["url"]

        await say(bot, SAM, "check Jane Smith")
        status_text = all_text(last_card(connector, SAM.personal_conversation))
        assert "Jane Smith: Restricted" in status_text
        assert "Written contact only" in status_text
        assert "review due 28 Feb 2027" in status_text  # 3 months from 28 Nov (s13.1)

        clock.advance(timedelta(days=30 + 31 + 31 - 7, hours=1))  # inside the 7-day lead before 28 Feb
        reminders_before = len(connector.sent_to(MORGAN.personal_conversation))
        assert await bot.sweep.run_once() == 1
        assert await bot.sweep.run_once() == 0
        await bot.outbox.deliver_until_idle()
        reminders = connector.sent_to(MORGAN.personal_conversation)[reminders_before:]
        assert len(reminders) == 1
        assert "Review due: Jane Smith" in all_text(reminders[0].cards[0])
    finally:
        await bot.close()


def _number_of(posted: Any, connector: FakeConnector) -> int:
    # The fake connector numbers the activities it accepts in order; find the decision card's number.
    return connector.calls.index(posted) + 1


async def test_a_non_member_click_changes_nothing_and_is_recorded(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        card = await escalated_to_team(bot)
        status, body = await bot.post(
            execute(SAM, "escalation.approve", approve_button(card)["data"], connector.url, "activity-x")
        )
        assert status == 200
        assert "Only the determination team can use this." in all_text(body["value"])
        assert connector.sent_to(TEAM_CHANNEL, method="PUT") == []
        engine = create_database_engine(sqlite_url)
        with Session(engine) as session:
            assert session.exec(select(DecisionRecord)).all() == []
            assert session.exec(select(EscalationRecord)).one().state == "pending"
            refused = session.exec(select(AuditEventRecord).where(AuditEventRecord.action == "route.refused")).all()
            # Refused at the door, before the escalation is read: the button is recorded, not the record.
            assert [(event.actor_id, event.record_id) for event in refused] == [
                (SAM.aad_object_id, "escalation.approve")
            ]
        engine.dispose()
    finally:
        await bot.close()


async def test_two_approve_clicks_record_one_decision(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        data = considered(approve_button(await escalated_to_team(bot)))
        first = await bot.post(execute(HARPER, "escalation.approve", data, connector.url, "activity-x"))
        double = await bot.post(execute(HARPER, "escalation.approve", data, connector.url, "activity-x"))
        second = await bot.post(execute(CASEY, "escalation.approve", data, connector.url, "activity-x"))
        retry = await bot.post(execute(CASEY, "escalation.approve", data, connector.url, "activity-x"))
        assert [r[0] for r in (first, double, second, retry)] == [200, 200, 200, 200]
        assert "You have already given your decision on this." in all_text(double[1]["value"])
        assert "by Harper Safety, Casey Experience" in all_text(retry[1]["value"])
        assert len(connector.sent_to(TEAM_CHANNEL, method="PUT")) == 2
        engine = create_database_engine(sqlite_url)
        with Session(engine) as session:
            decisions = session.exec(select(DecisionRecord)).all()
            assert [(d.decided_by, d.outcome) for d in decisions] == [(CASEY.aad_object_id, "approve")]
            assert len(session.exec(select(VoteRecord)).all()) == 2
        engine.dispose()
    finally:
        await bot.close()


async def test_a_dialog_started_before_a_restart_continues_after_it(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    first = await start_bot(make_settings(sqlite_url), connector, clock)
    await report(first, SAM, "Jane Smith")
    await say(first, SAM, "check")
    assert "Who should I check?" in connector.sent_to(SAM.personal_conversation)[-1].text
    await first.close()

    second = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(second, SAM, "Jane Smith")  # not a command: only the waiting dialog makes sense of it
        assert "Jane Smith: No restrictions" in all_text(last_card(connector, SAM.personal_conversation))
    finally:
        await second.close()


async def test_a_repeated_submit_records_one_incident(bot: RunningBot, sqlite_url: str, clock: MutableClock) -> None:
    register_team(sqlite_url, clock)
    await say(bot, SAM, "report Jane Smith")
    form = last_card(bot.connector, SAM.personal_conversation)
    value = fill(form, channel="email", actions="repeat_contacts", description="Twelve emails today.")
    await bot.post(submit(SAM, value, bot.connector.url))
    await bot.post(submit(SAM, value, bot.connector.url))
    assert "already been received" in all_text(last_card(bot.connector, SAM.personal_conversation))
    engine = create_database_engine(sqlite_url)
    with Session(engine) as session:
        assert len(session.exec(select(IncidentRecord)).all()) == 1
    engine.dispose()


async def test_an_invalid_report_comes_back_with_errors_and_the_values_kept(
    bot: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    await say(bot, SAM, "report")
    form = last_card(bot.connector, SAM.personal_conversation)
    value = fill(form, customer_name="Jane Smith", channel="carrier-pigeon", actions="", description="  ")
    status, _ = await bot.post(submit(SAM, value, bot.connector.url))
    assert status == 200
    again = last_card(bot.connector, SAM.personal_conversation)
    text = all_text(again)
    assert "Choose how they contacted us." in text
    assert "Choose at least one unreasonable action." in text
    assert "Say briefly what happened." in text
    assert next(e for e in again["body"] if e.get("id") == "customer_name")["value"] == "Jane Smith"
    engine = create_database_engine(sqlite_url)
    with Session(engine) as session:
        assert session.exec(select(IncidentRecord)).all() == []
    engine.dispose()


async def test_the_first_decision_card_shows_the_approvals_the_settings_require(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    """APPROVALS_REQUIRED is bound once at start-up, so even the card posted with the request counts against it
    (it used to show the built-in default of 2 for a restriction whatever was configured)."""
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url, APPROVALS_REQUIRED="restriction=3"), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await report(bot, SAM, "Jane Smith")
        first_card = await escalate_restriction(bot, MORGAN, "Jane Smith")
        assert "0 of 3 approvals" in all_text(first_card)
        assert "0 of 2 approvals" not in all_text(first_card)
    finally:
        await bot.close()
