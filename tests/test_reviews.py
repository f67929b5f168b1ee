"""Reviews every 3 months (s13) and reminders that arrive exactly once, through faults and several instances."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from casework import incidents
from casework.commands import IncidentSubmission
from storage.database import create_database_engine
from storage.tables import EscalationRecord, LetterRecord, MeasureRecord, Review
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    approve_button,
    as_actor,
    audited,
    considered,
    last_card,
    morgan_escalates,
    register,
    register_team,
    restriction_request,
    rows,
    sam_reports,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, User, all_text, execute, message

REVIEW_DUE = datetime(2027, 2, 28, 10, 0, tzinfo=UTC)


def restrict(database_url: str, clock: MutableClock, customers: int = 1) -> None:
    """Customers each with one incident and an approved restriction owned by Morgan, reviewed 28 Feb 2027."""
    register_team(database_url, clock)
    engine = create_database_engine(database_url)
    for n in range(customers):
        name = f"Customer {n:05d}"
        sam_reports(SqlUnitOfWork(engine), clock, name, key=f"k{n}")
        morgan_escalates(lambda: SqlUnitOfWork(engine), clock, restriction_request(name), approved_by=(HARPER, CASEY))
    engine.dispose()


def measure_of(database_url: str, customer_id: int) -> MeasureRecord:
    found: MeasureRecord = next(m for m in rows(database_url, MeasureRecord) if m.customer_id == customer_id)
    return found


async def owner_and_team_known(bot: RunningBot) -> None:
    await bot.post(message(MORGAN, "hello", bot.connector.url))
    await bot.post(message(HARPER, "hello", bot.connector.url, channel=True))


async def test_a_review_due_is_reminded_once_with_the_review_card(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await owner_and_team_known(bot)
        clock.now = REVIEW_DUE - timedelta(days=8)
        assert await bot.sweep.run_once() == 0
        clock.now = REVIEW_DUE - timedelta(days=6)
        before = len(connector.sent_to(MORGAN.personal_conversation))
        assert await bot.sweep.run_once() == 1
        assert await bot.sweep.run_once() == 0
        assert await bot.outbox.deliver_until_idle() == 1
        (reminder,) = connector.sent_to(MORGAN.personal_conversation)[before:]
        text = all_text(reminder.cards[0])
        assert "Review due: Customer 00000" in text and "proposed **lift** (s13.1)" in text
    finally:
        await bot.close()


async def test_lift_and_extend_with_the_next_review_date(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(sqlite_url, clock, customers=2)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await owner_and_team_known(bot)
        clock.now = REVIEW_DUE - timedelta(days=10)
        # A further incident for the second customer: the review proposes an extension (s13.2).
        engine = create_database_engine(sqlite_url)
        second = [m for m in rows(sqlite_url, MeasureRecord)][1]
        # Off the event loop, as the app runs its use cases: the app's own database thread may hold SQLite's write
        # lock, and a blocked loop would keep it from finishing.
        await asyncio.to_thread(
            incidents.report_incident,
            SqlUnitOfWork(engine),
            as_actor(SAM),
            IncidentSubmission(
                "k-later",
                "",
                "email",
                ("repeat_contacts",),
                "Emailed 20 times.",
                customer_id=second.customer_id,
                informal_warning_given=True,
            ),
            clock,
        )
        engine.dispose()
        clock.now = REVIEW_DUE - timedelta(days=1)
        await bot.outbox.deliver_until_idle()  # the new incident's s8.6 card for Morgan
        assert await bot.sweep.run_once() == 2
        await bot.outbox.deliver_until_idle()
        cards = [c.cards[0] for c in connector.sent_to(MORGAN.personal_conversation)[-2:]]
        lift_card = next(c for c in cards if "proposed **lift**" in all_text(c))
        extend_card = next(c for c in cards if "Proposed: **extend by 3 months**" in all_text(c))
        # The informal warning given with the new incident is on the review card (issue 17: s10).
        assert "**Informal warnings since the last review** (1)" in all_text(extend_card)
        assert "18 Feb 2027: Given at the time, incident INC-2027-0003 (s10)" in all_text(extend_card)
        assert "Informal warnings since" not in all_text(lift_card)
        lift_id = lift_card["actions"][0]["data"]["review_id"]
        extend_id = extend_card["actions"][0]["data"]["review_id"]

        # Extending needs a reason, and either the customer advised or why not.
        _, refused = await bot.post(
            execute(MORGAN, "review.extend", {"review_id": extend_id}, connector.url, "x", channel=False)
        )
        assert "Say why the restriction is extended" in all_text(refused["value"])
        _, extended = await bot.post(
            execute(
                MORGAN,
                "review.extend",
                {
                    "review_id": extend_id,
                    "reason": "Twenty emails since the last review.",
                    "customer_advised": "false",
                    "not_advised_reason": "No fixed address; letter held at reception.",
                },
                connector.url,
                "x",
                channel=False,
            )
        )
        # An extension is a new 3 months: a member of the determination team approves it (s13.2).
        assert "Extension asked of the determination team" in all_text(extended["value"])
        assert measure_of(sqlite_url, second.customer_id).review_due_at == REVIEW_DUE, "not extended yet"
        decision = last_card(connector, TEAM_CHANNEL)
        assert "Extension of a restriction by 3 months: Customer 00001" in all_text(decision)
        assert "next review 28 May 2027 (s13.2)" in all_text(decision)
        await bot.post(execute(HARPER, "escalation.approve", considered(approve_button(decision)), connector.url, "x"))
        told = [all_text(card) for call in connector.sent_to(MORGAN.personal_conversation)[-2:] for card in call.cards]
        assert any("Extension of a restriction by 3 months for Customer 00001 was approved" in t for t in told)
        extended_measure = measure_of(sqlite_url, second.customer_id)
        assert [
            letter.kind for letter in rows(sqlite_url, LetterRecord) if letter.measure_id == extended_measure.id
        ] == [
            "restriction",
            "extension",
        ], "the extension letter is drafted on approval"
        _, shown = await bot.post(
            execute(MORGAN, "review.extend", {"review_id": extend_id}, connector.url, "x", channel=False)
        )
        assert "Extended by 3 months by Morgan Manager" in all_text(shown["value"])
        assert "Next review due 28 May 2027." in all_text(shown["value"])

        _, lifted = await bot.post(
            execute(
                MORGAN,
                "review.lift",
                {"review_id": lift_id, "customer_advised": "true"},
                connector.url,
                "x",
                channel=False,
            )
        )
        assert "Lifted by Morgan Manager" in all_text(lifted["value"])
        _, again = await bot.post(
            execute(
                MORGAN,
                "review.extend",
                {"review_id": lift_id, "reason": "x", "customer_advised": "true"},
                connector.url,
                "x",
                channel=False,
            )
        )
        assert "Lifted by Morgan Manager" in all_text(again["value"]), "decided once"

        measures = {m.customer_id: m for m in rows(sqlite_url, MeasureRecord)}
        assert measures[second.customer_id].review_due_at == datetime(2027, 5, 28, 10, 0, tzinfo=UTC)
        assert measures[second.customer_id].ended_at is None
        lifted_measure = next(m for cid, m in measures.items() if cid != second.customer_id)
        assert lifted_measure.ended_at == clock.now
        assert sorted(r.due_at for r in rows(sqlite_url, Review)) == [
            REVIEW_DUE,
            REVIEW_DUE,
            datetime(2027, 5, 28, 10, 0, tzinfo=UTC),
        ]
        assert sorted(e.detail["letter"] for e in audited(sqlite_url, "letter.requested")) == ["extension", "lifting"]
    finally:
        await bot.close()


async def test_an_overdue_review_goes_to_the_team_and_again_each_interval(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url, REVIEW_OVERDUE_REPEAT_HOURS=24), connector, clock)
    try:
        await owner_and_team_known(bot)
        clock.now = REVIEW_DUE - timedelta(hours=1)
        assert await bot.sweep.escalate_overdue_reviews() == 0
        clock.now = REVIEW_DUE + timedelta(hours=1)
        before = len(connector.sent_to(TEAM_CHANNEL))
        assert await bot.sweep.escalate_overdue_reviews() == 1
        assert await bot.sweep.escalate_overdue_reviews() == 0
        await bot.outbox.deliver_until_idle()
        clock.advance(timedelta(hours=24))
        assert await bot.sweep.escalate_overdue_reviews() == 1
        await bot.outbox.deliver_until_idle()
        posted = connector.sent_to(TEAM_CHANNEL)[before:]
        assert len(posted) == 2 and "Review OVERDUE: Customer 00000" in all_text(posted[0].cards[0])
    finally:
        await bot.close()


async def test_an_owner_the_bot_cannot_reach_is_reported_to_the_team(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await bot.post(message(HARPER, "hello", connector.url, channel=True))  # Morgan never talked to the bot
        clock.now = REVIEW_DUE - timedelta(days=1)
        before = len(connector.sent_to(TEAM_CHANNEL))
        await bot.sweep.run_once()
        await bot.outbox.deliver_until_idle()
        (report,) = connector.sent_to(TEAM_CHANNEL)[before:]
        assert "Review reminder could not be delivered to Morgan Manager" in all_text(report.cards[0])
        assert len(audited(sqlite_url, "review.owner_unreachable")) == 1
        await bot.sweep.run_once()
        await bot.outbox.deliver_until_idle()
        assert len(connector.sent_to(TEAM_CHANNEL)) == before + 1, "reported once, not every sweep"
    finally:
        await bot.close()


async def test_faults_lose_nothing_duplicate_nothing_and_back_off(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(sqlite_url, clock, customers=6)
    bot = await start_bot(
        make_settings(sqlite_url, OUTBOUND_MAX_ATTEMPTS=10, OUTBOUND_BASE_DELAY_SECONDS=0.01), connector, clock
    )
    try:
        await owner_and_team_known(bot)
        clock.now = REVIEW_DUE - timedelta(days=1)
        before = len(connector.sent_to(MORGAN.personal_conversation))
        # Throttling and gateway faults for many of the calls, in a burst (the first reminder meets them all,
        # since the others wait behind it to keep their order: fewer than the 10 attempts allowed).
        connector.faults.extend([429, 502, 429, 504, 412, 429, 502, 429])
        assert await bot.sweep.run_once() == 6
        # Each fault puts the reminder (and Morgan's conversation, to keep the order) back in the outbox until its
        # backoff has passed: nothing lost, nothing sent twice.
        for _ in range(20):
            await bot.outbox.deliver_until_idle()
            clock.advance(timedelta(minutes=1))
        reminders = connector.sent_to(MORGAN.personal_conversation)[before:]
        assert sorted(all_text(c.cards[0]).split("\n")[0] for c in reminders) == [
            f"Review due: Customer {n:05d}" for n in range(6)
        ]
        assert connector.faults == [], "every fault was met and retried"
        assert bot.outbox.retried == 8
        assert len(audited(sqlite_url, "review.reminder_sent")) == 6
    finally:
        await bot.close()


async def test_a_reminder_teams_keeps_refusing_is_given_up_visibly_and_the_team_told(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url, OUTBOUND_MAX_ATTEMPTS=3), connector, clock)
    try:
        await owner_and_team_known(bot)
        clock.now = REVIEW_DUE - timedelta(days=1)
        connector.fail(MORGAN.personal_conversation, 429, 429, 429)
        assert await bot.sweep.run_once() == 1
        for _ in range(5):
            await bot.outbox.deliver_until_idle()
            clock.advance(timedelta(minutes=15))
        assert connector.attempts_to(MORGAN.personal_conversation) == 1 + 3  # the menu for hello, then three tries
        failed = [e for e in audited(sqlite_url, "message.not_delivered") if e.detail["purpose"] == "review_reminder"]
        assert len(failed) == 1 and "gave up after 3 attempts" in failed[0].detail["reason"]
        assert len(audited(sqlite_url, "review.owner_unreachable")) == 1
        told = all_text(connector.sent_to(TEAM_CHANNEL)[-1].cards[0])
        assert "Review reminder could not be delivered to Morgan Manager" in told
        assert await bot.sweep.run_once() == 0, "a reminder is queued once"
    finally:
        await bot.close()


async def test_two_instances_on_one_postgres_sweeping_together_send_each_reminder_once(
    postgres_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(postgres_url, clock, customers=12)
    first = await start_bot(make_settings(postgres_url, INSTANCES=2), connector, clock)
    second = await start_bot(make_settings(postgres_url, INSTANCES=2), connector, clock)
    try:
        await owner_and_team_known(first)
        clock.now = REVIEW_DUE - timedelta(days=1)
        connector.latency = 0.01  # let the sweeps overlap
        before = len(connector.sent_to(MORGAN.personal_conversation))
        counts = await asyncio.gather(
            first.sweep.run_once(), second.sweep.run_once(), first.sweep.run_once(), second.sweep.run_once()
        )
        await asyncio.gather(first.outbox.deliver_until_idle(), second.outbox.deliver_until_idle())
        reminders = connector.sent_to(MORGAN.personal_conversation)[before:]
        assert sum(counts) == 12
        names = [all_text(c.cards[0]).split("\n")[0] for c in reminders]
        assert sorted(names) == sorted(set(names)) and len(names) == 12
    finally:
        await first.close()
        await second.close()


async def test_reviews_shows_a_manager_theirs_and_the_team_all(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(sqlite_url, clock, customers=2)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        clock.now = REVIEW_DUE + timedelta(days=1)
        await bot.post(message(MORGAN, "reviews", connector.url))
        mine = all_text(connector.sent_to(MORGAN.personal_conversation)[-1].cards[0])
        assert "2 reviews due" in mine and "OVERDUE" in mine
        await bot.post(message(HARPER, "reviews", connector.url))
        assert "2 reviews due" in all_text(connector.sent_to(HARPER.personal_conversation)[-1].cards[0])
    finally:
        await bot.close()


# --- who decides a review, and an extension approved by the team (s2.6, s13) ----------------------------------------


async def further_incident(database_url: str, clock: MutableClock, reporter: User, key: str) -> None:
    """`reporter` (their line manager on record: Casey, or Morgan for Casey) reports Customer 00000 again."""
    manager = MORGAN if reporter is CASEY else CASEY
    register(
        database_url,
        reporter,
        clock,
        line_manager_id=manager.aad_object_id,
        is_determination_team=reporter in (HARPER, CASEY),
    )
    engine = create_database_engine(database_url)
    customer_id = rows(database_url, MeasureRecord)[0].customer_id
    try:
        # Off the event loop, as the app runs its use cases (see test_lift_and_extend_with_the_next_review_date).
        await asyncio.to_thread(
            incidents.report_incident,
            SqlUnitOfWork(engine),
            as_actor(reporter),
            IncidentSubmission(key, "", "email", ("repeat_contacts",), "Emailed 20 times.", customer_id=customer_id),
            clock,
        )
    finally:
        engine.dispose()


async def click(bot: RunningBot, user: User, verb: str, review_id: int, **fields: str) -> str:
    status, body = await bot.post(
        execute(user, verb, {"review_id": review_id, **fields}, bot.connector.url, "x", channel=False)
    )
    assert status == 200
    return all_text(body["value"])


ADVISED = {"customer_advised": "true"}


async def test_a_reviewer_who_reported_the_incidents_is_refused(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await owner_and_team_known(bot)
        clock.now = REVIEW_DUE - timedelta(days=20)
        await further_incident(database_url, clock, MORGAN, "by-the-owner")
        clock.now = REVIEW_DUE - timedelta(days=1)
        (review,) = rows(database_url, Review)
        escalations_before = len(rows(database_url, EscalationRecord))

        # Morgan owns the review but reported an incident it weighs: refused, lifting or extending, and nothing
        # is recorded; the refusal names nothing the card does not already show him.
        for verb in ("review.lift", "review.extend"):
            refused = await click(bot, MORGAN, verb, review.id, reason="Settled down.", **ADVISED)
            assert "You reported incidents this review weighs, so someone else must decide it" in refused
        (still,) = rows(database_url, Review)
        assert still.decided_at is None and rows(database_url, MeasureRecord)[0].ended_at is None
        assert len(rows(database_url, EscalationRecord)) == escalations_before, "no extension was asked for"
        assert [e.detail["reason"] for e in audited(database_url, "review.action_refused")] == ["reported them"] * 2

        # Sam reported the incidents the restriction rests on: reassigned to him, he is refused too.
        await click(bot, MORGAN, "review.reassign", review.id, owner_id=SAM.aad_object_id)
        refused = await click(bot, SAM, "review.lift", review.id, reason="Settled down.", **ADVISED)
        assert "You reported incidents this review weighs" in refused

        # Casey, on the team and uninvolved, may: and lifting despite an incident since needs a reason (s13.1).
        await click(bot, SAM, "review.reassign", review.id, owner_id=CASEY.aad_object_id)
        unexplained = await click(bot, CASEY, "review.lift", review.id, **ADVISED)
        assert "1 incident since the last review: say why it is lifted nonetheless" in unexplained
        assert rows(database_url, Review)[0].decided_at is None
        lifted = await click(bot, CASEY, "review.lift", review.id, reason="One email, since answered.", **ADVISED)
        assert "Lifted by Casey Experience" in lifted
    finally:
        await bot.close()


async def test_an_extension_needs_a_team_approval(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restrict(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await owner_and_team_known(bot)
        clock.now = REVIEW_DUE - timedelta(days=20)
        await further_incident(database_url, clock, HARPER, "by-harper")
        clock.now = REVIEW_DUE - timedelta(days=1)
        (review,) = rows(database_url, Review)

        asked = await click(bot, MORGAN, "review.extend", review.id, reason="Twenty emails.", **ADVISED)
        assert "Extension asked of the determination team: waiting for a member's approval (s13.2)" in asked
        assert "Ask the team to extend" not in asked and "Lift" not in asked, "no buttons while the team decides"
        (measure,) = rows(database_url, MeasureRecord)
        assert measure.review_due_at == REVIEW_DUE and rows(database_url, Review)[0].decided_at is None
        card = last_card(connector, TEAM_CHANNEL)
        assert "Extension of a restriction by 3 months: Customer 00000" in all_text(card)
        assert "Twenty emails." in all_text(card) and "Emailed 20 times" not in all_text(card)
        # The review waits: it cannot be lifted or extended again meanwhile.
        waiting = await click(bot, MORGAN, "review.lift", review.id, reason="Changed my mind.", **ADVISED)
        assert "An extension of this is waiting for the determination team's approval." in waiting

        # Harper reported the incident it rests on, so she may not approve it (s2.6); Casey declines.
        _, refused = await bot.post(
            execute(HARPER, "escalation.approve", considered(approve_button(card)), connector.url, "x")
        )
        assert "You were involved in the incidents" in all_text(refused["value"])
        decline = {**approve_button(card)["data"], "notes": "One email is not enough to extend."}
        await bot.post(execute(CASEY, "escalation.decline", decline, connector.url, "x"))
        assert rows(database_url, MeasureRecord)[0].review_due_at == REVIEW_DUE, "declined: not extended"
        again = await click(bot, MORGAN, "review.extend", review.id, **ADVISED)
        assert "The determination team declined the extension:** One email is not enough to extend." in again

        # Asked again, Casey approves: the review is decided, the date moves on 3 months, the next review is
        # scheduled and the extension letter drafted for Morgan.
        await click(bot, MORGAN, "review.extend", review.id, reason="Twenty emails and a threat.", **ADVISED)
        card = last_card(connector, TEAM_CHANNEL)
        await bot.post(execute(CASEY, "escalation.approve", considered(approve_button(card)), connector.url, "x"))
        (measure,) = rows(database_url, MeasureRecord)
        assert measure.review_due_at == datetime(2027, 5, 28, 10, 0, tzinfo=UTC) and measure.ended_at is None
        decided = {r.due_at: r for r in rows(database_url, Review)}
        assert decided[REVIEW_DUE].outcome == "extend" and decided[REVIEW_DUE].decided_by == MORGAN.aad_object_id
        assert decided[REVIEW_DUE].reason == "Twenty emails and a threat."
        assert decided[datetime(2027, 5, 28, 10, 0, tzinfo=UTC)].decided_at is None
        assert [r.kind for r in rows(database_url, LetterRecord)] == ["restriction", "extension"]
        assert [e.detail.get("approved_by") for e in audited(database_url, "review.extended")] == [CASEY.aad_object_id]
        shown = await click(bot, MORGAN, "review.lift", review.id, **ADVISED)
        assert "Extended by 3 months by Morgan Manager" in shown and "Next review due 28 May 2027." in shown
    finally:
        await bot.close()
