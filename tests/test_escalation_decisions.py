"""Decisions under load and over time: concurrent clicks on a real database, questions, and chasing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, func, select

from casework import escalations, staff
from casework.configuration import DecisionRules
from casework.entities import Actor, StaffMember
from casework.vocabulary import DecisionOutcome
from storage.database import create_database_engine
from storage.tables import DecisionRecord, EscalationRecord, LetterRecord, MeasureRecord, Review, VoteRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    ADMIN,
    approve_button,
    audited,
    considered,
    escalate_restriction,
    escalated_to_team,
    last_card,
    morgan_escalates,
    register_team,
    report,
    restriction_request,
    rows,
    sam_reports,
    say,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, execute, submit


def test_fifty_members_clicking_at_once_and_repeating_give_one_outcome(database_url: str) -> None:
    """50 different members approve concurrently, each twice; the rule needs 3: exactly one outcome."""
    clock = MutableClock(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    register_team(database_url, clock)
    engine = create_database_engine(database_url)
    members = [Actor(f"member-{n:02d}", f"Member {n}") for n in range(50)]
    for member in members:
        staff.register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(member.user_id, member.name, True), clock)
    sam_reports(SqlUnitOfWork(engine), clock, "Jane Smith", description="Threatened staff.")
    escalation_id = morgan_escalates(lambda: SqlUnitOfWork(engine), clock, restriction_request())
    rules = DecisionRules(restriction=3)

    def click(member: Actor) -> bool:
        result = escalations.decide_escalation(
            SqlUnitOfWork(engine),
            member,
            escalation_id,
            DecisionOutcome.APPROVE,
            "",
            clock,
            alternatives_considered=True,
            rules=rules,
        )
        return result.recorded_now

    with ThreadPoolExecutor(max_workers=25) as pool:
        recorded = list(pool.map(click, members + members))

    with Session(engine) as session:
        votes = session.exec(select(func.count()).select_from(VoteRecord)).one()
        decisions = session.exec(select(DecisionRecord)).all()
        escalation = session.get(EscalationRecord, escalation_id)
        measures = session.exec(select(func.count()).select_from(MeasureRecord)).one()
        reviews = session.exec(select(func.count()).select_from(Review)).one()
    engine.dispose()
    assert votes == 3, "votes stop once the outcome is reached"
    assert sum(recorded) == 3
    assert len(decisions) == 1 and decisions[0].outcome == "approve"
    assert escalation is not None and escalation.state == "approved"
    assert (measures, reviews) == (1, 1)


async def test_asking_for_more_information_goes_to_the_requester_and_back(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(bot, MORGAN, "hello")
        card = await escalated_to_team(bot)
        data = {**approve_button(card)["data"], "notes": "Was mediation offered?"}
        status, body = await bot.post(execute(HARPER, "escalation.ask", data, connector.url, "x"))
        assert status == 200
        assert "Waiting for the requester's answer" in all_text(body["value"])
        question = last_card(connector, MORGAN.personal_conversation)
        assert "Was mediation offered?" in all_text(question)

        updates_before = len(connector.sent_to(TEAM_CHANNEL, method="PUT"))
        answer = {**question["actions"][0]["data"], "answer": "Yes, declined by the customer."}
        await bot.post(submit(MORGAN, answer, connector.url))
        assert "your answer is with the determination team" in connector.sent_to(MORGAN.personal_conversation)[-1].text
        refreshed = connector.sent_to(TEAM_CHANNEL, method="PUT")[updates_before:]
        assert len(refreshed) == 1
        assert "**Answer:** Yes, declined by the customer." in all_text(refreshed[0].cards[0])
        assert "Approve" in all_text(refreshed[0].cards[0])
    finally:
        await bot.close()


async def test_an_escalation_nobody_decides_is_chased_and_shown_overdue(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url, ESCALATION_CHASE_HOURS=48), connector, clock)
    try:
        await escalated_to_team(bot)
        assert await bot.sweep.chase_escalations() == 0
        clock.advance(timedelta(hours=49))
        before = len(connector.sent_to(TEAM_CHANNEL))
        assert await bot.sweep.chase_escalations() == 1
        assert await bot.sweep.chase_escalations() == 0, "chased once per interval, whichever instance sweeps"
        await bot.outbox.deliver_until_idle()
        reminder = connector.sent_to(TEAM_CHANNEL)[before:]
        assert len(reminder) == 1 and "Overdue: Restriction of contact for Jane Smith" in all_text(reminder[0].cards[0])
        assert "OVERDUE" in all_text(connector.sent_to(TEAM_CHANNEL, method="PUT")[-1].cards[0])
        await say(bot, HARPER, "pending")
        assert "OVERDUE" in all_text(last_card(connector, HARPER.personal_conversation))
    finally:
        await bot.close()


async def test_the_card_refreshes_for_the_team_and_pending_is_theirs_alone(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        for member in (HARPER, CASEY):
            await say(bot, member, "hello")  # the bot learns their Teams ids
        card = await escalated_to_team(bot)
        assert sorted(card["refresh"]["userIds"]) == sorted(f"29:{m.aad_object_id}" for m in (HARPER, CASEY))
        await bot.post(execute(HARPER, "escalation.approve", considered(approve_button(card)), connector.url, "x"))
        status, body = await bot.post(
            execute(CASEY, "escalation.refresh", card["refresh"]["action"]["data"], connector.url, "x")
        )
        assert status == 200
        assert "1 of 2 approvals – approved by Harper Safety" in all_text(body["value"])
        await say(bot, SAM, "pending")
        assert connector.sent_to(SAM.personal_conversation)[-1].text == "Only the determination team can use this."
    finally:
        await bot.close()


# --- immediate restrictions waiting for a second member (s12.3) -----------------------------------------------------


async def immediate_restriction_in_force(bot: RunningBot, clock: MutableClock) -> dict[str, Any]:
    """John Brown's restriction waits for the team (asked first); then Jane Smith's on a credible threat (s12.3) is
    approved by Harper alone, so it is in force unconfirmed. Returns Jane's decision card as Harper left it."""
    await say(bot, HARPER, "hello", channel=True)
    await report(bot, SAM, "John Brown")
    await escalate_restriction(bot, MORGAN, "John Brown")
    clock.advance(timedelta(minutes=5))
    await report(bot, SAM, "Jane Smith")
    card = await escalate_restriction(
        bot, MORGAN, "Jane Smith", investigation_reference="", serious_threat="credible_threat_to_harm"
    )
    status, body = await bot.post(
        execute(HARPER, "escalation.approve", considered(approve_button(card)), bot.connector.url, "x")
    )
    assert status == 200
    return dict(body["value"])


async def status_text(bot: RunningBot, customer: str = "Jane Smith") -> str:
    await say(bot, SAM, f"check {customer}")
    return all_text(last_card(bot.connector, SAM.personal_conversation))


async def test_an_unconfirmed_immediate_restriction_is_chased_and_marked_overdue(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    settings = make_settings(
        database_url,
        IMMEDIATE_CONFIRMATION_HOURS=24,
        IMMEDIATE_CONFIRMATION_REMIND_HOURS=4,
        IMMEDIATE_UNCONFIRMED_CHASE_HOURS=4,
    )
    bot = await start_bot(settings, connector, clock)
    try:
        approved = await immediate_restriction_in_force(bot, clock)
        assert "confirm or overturn it by" in all_text(approved)
        approved_at = clock.now
        assert "Restricted" in (status := await status_text(bot)) and "to be confirmed by" in status
        assert "OVERDUE" not in status

        # `pending` lists the unconfirmed restriction first, before the older request waiting for a decision.
        await say(bot, CASEY, "pending")
        listed = all_text(last_card(connector, CASEY.personal_conversation))
        assert listed.index("Immediate restriction (s12.3): Jane Smith") < listed.index("John Brown")
        assert "(in force, to be confirmed by" in listed

        # Not yet near the end of the window: nothing to chase.
        clock.now = approved_at + timedelta(hours=19)
        assert await bot.sweep.chase_unconfirmed_restrictions() == 0
        # Nearing its end: the team's channel is reminded once, whichever instance sweeps.
        clock.now = approved_at + timedelta(hours=21)
        before = len(connector.sent_to(TEAM_CHANNEL))
        assert await bot.sweep.chase_unconfirmed_restrictions() == 1
        assert await bot.sweep.chase_unconfirmed_restrictions() == 0
        clock.now = approved_at + timedelta(hours=23)
        assert await bot.sweep.chase_unconfirmed_restrictions() == 0, "once before the end"
        await bot.outbox.deliver_until_idle()
        (reminder,) = connector.sent_to(TEAM_CHANNEL)[before:]
        assert "To confirm: immediate restriction for Jane Smith" in all_text(reminder.cards[0])
        assert "OVERDUE" not in all_text(connector.sent_to(TEAM_CHANNEL, method="PUT")[-1].cards[0])

        # The window has passed: chased at once, then every 4 hours, and both cards show it OVERDUE.
        clock.now = approved_at + timedelta(hours=24, minutes=1)
        assert "OVERDUE" in await status_text(bot), "the status card goes by the clock"
        before = len(connector.sent_to(TEAM_CHANNEL))
        assert await bot.sweep.chase_unconfirmed_restrictions() == 1
        assert await bot.sweep.chase_unconfirmed_restrictions() == 0
        await bot.outbox.deliver_until_idle()
        (overdue,) = connector.sent_to(TEAM_CHANNEL)[before:]
        assert "Overdue: immediate restriction for Jane Smith" in all_text(overdue.cards[0])
        updated = all_text(connector.sent_to(TEAM_CHANNEL, method="PUT")[-1].cards[0])
        assert "OVERDUE – Immediate restriction (s12.3): Jane Smith" in updated
        clock.now = approved_at + timedelta(hours=27)
        assert await bot.sweep.chase_unconfirmed_restrictions() == 0
        clock.now = approved_at + timedelta(hours=28, minutes=2)
        assert await bot.sweep.chase_unconfirmed_restrictions() == 1
        assert "Restricted" in (status := await status_text(bot)) and "OVERDUE" in status, "still in force"
        assert [m.ended_at for m in rows(database_url, MeasureRecord)] == [None]

        # Casey confirms: nothing chases it again, and neither card shows it overdue.
        await bot.post(execute(CASEY, "escalation.approve", considered(approve_button(approved)), connector.url, "x"))
        clock.now = approved_at + timedelta(hours=40)
        assert await bot.sweep.chase_unconfirmed_restrictions() == 0
        assert "OVERDUE" not in (status := await status_text(bot)) and "to be confirmed" not in status
        assert "OVERDUE" not in all_text(connector.sent_to(TEAM_CHANNEL, method="PUT")[-1].cards[0])
        assert len(audited(database_url, "escalation.confirmation_chased")) == 3
    finally:
        await bot.close()


async def test_an_unconfirmed_immediate_restriction_lapses_with_a_withdrawal_letter_where_the_council_chose_that(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    settings = make_settings(database_url, IMMEDIATE_CONFIRMATION_HOURS=12, IMMEDIATE_UNCONFIRMED="lapse")
    bot = await start_bot(settings, connector, clock)
    try:
        await say(bot, MORGAN, "hello")
        approved = await immediate_restriction_in_force(bot, clock)
        approved_at = clock.now
        clock.now = approved_at + timedelta(hours=11, minutes=59)
        assert await bot.sweep.chase_unconfirmed_restrictions() == 1, "reminded before the end, as by default"
        assert [m.ended_at for m in rows(database_url, MeasureRecord)] == [None]
        clock.now = approved_at + timedelta(hours=12)
        before = len(connector.sent_to(MORGAN.personal_conversation))
        assert await bot.sweep.chase_unconfirmed_restrictions() == 1
        assert await bot.sweep.chase_unconfirmed_restrictions() == 0, "lapsed once"
        await bot.outbox.deliver_until_idle()
        (measure,) = rows(database_url, MeasureRecord)
        assert measure.ended_at == clock.now
        assert "No restrictions" in await status_text(bot)
        told = [
            all_text(card) for call in connector.sent_to(MORGAN.personal_conversation)[before:] for card in call.cards
        ]
        assert any("was not confirmed in time, so it lapsed" in t for t in told)
        assert any("Withdrawal of immediate restriction letter" in t for t in told), told
        (letter,) = [r for r in rows(database_url, LetterRecord) if r.kind == "withdrawal"]
        assert "not confirmed by a second member" in str(letter.content)
        card = all_text(connector.sent_to(TEAM_CHANNEL, method="PUT")[-1].cards[0])
        assert "Lapsed: no second member confirmed it in time" in card
        # A confirmation clicked afterwards changes nothing.
        _, late = await bot.post(
            execute(CASEY, "escalation.approve", considered(approve_button(approved)), connector.url, "x")
        )
        assert "Lapsed" in all_text(late["value"])
        assert [m.ended_at for m in rows(database_url, MeasureRecord)] == [measure.ended_at]
        assert [e.action for e in audited(database_url, "escalation.lapsed")] == ["escalation.lapsed"]
    finally:
        await bot.close()
