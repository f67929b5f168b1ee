"""Complaints and appeals about a decision, and Ombudsman signposting (issue 17), through real HTTP to /api/messages
on SQLite and PostgreSQL: recorded from the status card, refused on bad input, decided only by a member of the
determination team who took no part (s2.6), each outcome applied to the measure with its letter (s11.4), open
appeals on the status card and in `work`, and signposting shown for its matter (s17.2)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from casework import incidents
from casework.commands import IncidentSubmission
from casework.policy import APPEAL_INVOLVED
from storage.database import create_database_engine
from storage.tables import AppealRecord, LetterRecord, MeasureRecord, OmbudsmanSignpostingRecord, Review
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    as_actor,
    audited,
    last_card,
    morgan_escalates,
    register,
    register_team,
    restriction_request,
    rows,
    sam_reports,
    say,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, User, all_text, execute, inputs_of, submit

DREW = User("00000000-0000-0000-0000-0000000000d1", "Drew Uninvolved")
"""On the determination team, and took no part in the restriction or its incidents."""
EVAN = User("00000000-0000-0000-0000-0000000000d2", "Evan Officer")
"""On the determination team, and reported one of the incidents the restriction rests on."""
GROUNDS = "I was not abusive; the officer misheard me."
REASONS = "The recordings show the abuse; the restriction is proportionate."


def restricted_jane(database_url: str, clock: MutableClock) -> None:
    """Sam and Evan report Jane Smith; Morgan (on the team here, so the requester is refused on the server, not at
    the door) asks for a restriction, which Harper and Casey approve. Drew took no part."""
    register_team(database_url, clock)
    register(database_url, MORGAN, clock, is_determination_team=True)
    register(database_url, DREW, clock, is_determination_team=True)
    register(database_url, EVAN, clock, is_determination_team=True, line_manager_id=CASEY.aad_object_id)
    engine = create_database_engine(database_url)
    try:
        sam_reports(SqlUnitOfWork(engine), clock, "Jane Smith")
        by_evan = IncidentSubmission("k2", "Jane Smith", "in_person", ("abusive",), "Threatened me.", customer_id=1)
        incidents.report_incident(SqlUnitOfWork(engine), as_actor(EVAN), by_evan, clock)
        morgan_escalates(lambda: SqlUnitOfWork(engine), clock, restriction_request(), approved_by=(HARPER, CASEY))
    finally:
        engine.dispose()


async def started(database_url: str, connector: FakeConnector, clock: MutableClock) -> RunningBot:
    bot = await start_bot(make_settings(database_url), connector, clock, staff=(SAM, MORGAN, HARPER, CASEY, DREW, EVAN))
    await say(bot, HARPER, "hello", channel=True)  # the team's channel, known to the bot
    for user in (SAM, MORGAN, DREW):
        await say(bot, user, "hello")
    return bot


def button(card: dict[str, Any], verb: str) -> dict[str, Any]:
    return next(a for a in card.get("actions", []) if a.get("data", {}).get("verb", a.get("verb")) == verb)


async def status_of(bot: RunningBot, user: User, name: str = "Jane Smith") -> dict[str, Any]:
    await say(bot, user, f"check {name}")
    return last_card(bot.connector, user.personal_conversation)


async def submitted(bot: RunningBot, user: User, card: dict[str, Any], verb: str, **typed: str) -> dict[str, Any]:
    """The user presses the card's Action.Submit button for `verb` with its inputs as they stand, changed by
    `typed`; returns the card the bot answers with in their chat."""
    data = {**inputs_of(card), **button(card, verb)["data"], **typed}
    status, _ = await bot.post(submit(user, data, bot.connector.url))
    assert status == 200
    return last_card(bot.connector, user.personal_conversation)


async def decided(bot: RunningBot, user: User, card: dict[str, Any], **typed: str) -> dict[str, Any]:
    """The user records the outcome on the team's appeal card (Action.Execute): the card that replaces it."""
    action = next(a for a in card["actions"] if a.get("verb") == "appeal.decide")
    data = {**action["data"], **inputs_of(card), **typed}
    status, body = await bot.post(execute(user, "appeal.decide", data, bot.connector.url, "appeal-card"))
    assert status == 200
    return dict(body["value"])


async def appealed(bot: RunningBot, clock: MutableClock) -> dict[str, Any]:
    """Sam, at the counter, records Jane's appeal from her status card; returns the card the team is sent."""
    form = await submitted(bot, SAM, await status_of(bot, SAM), "appeal.form")
    today = clock().date().isoformat()
    recorded = await submitted(
        bot, SAM, form, "appeal.record", kind="appeal", received_on=today, channel="letter", grounds=GROUNDS
    )
    assert "Appeal recorded for Jane Smith" in all_text(recorded)
    card = last_card(bot.connector, TEAM_CHANNEL)
    assert "Appeal about the restriction: Jane Smith" in all_text(card) and GROUNDS in all_text(card)
    return card


def measure(database_url: str) -> MeasureRecord:
    (found,) = rows(database_url, MeasureRecord)
    assert isinstance(found, MeasureRecord)
    return found


async def test_an_appeal_is_recorded_and_decided_only_by_a_member_who_took_no_part(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restricted_jane(database_url, clock)
    bot = await started(database_url, connector, clock)
    try:
        # Bad input is refused with a clear message and records nothing.
        form = await submitted(bot, SAM, await status_of(bot, SAM), "appeal.form")
        tomorrow = (clock() + timedelta(days=1)).date().isoformat()
        refused = await submitted(bot, SAM, form, "appeal.record", kind="appeal", received_on=tomorrow, grounds="")
        text = all_text(refused)
        assert "The date it was received cannot be in the future." in text
        assert "Say what the customer's grounds are" in text and "Choose how it reached us." in text
        assert rows(database_url, AppealRecord) == []

        card = await appealed(bot, clock)
        # Open: on the status card, and in the work of the case owner and of the uninvolved member, not Harper's.
        assert "An appeal is open" in all_text(await status_of(bot, SAM))
        for user, listed in ((MORGAN, True), (DREW, True), (HARPER, False)):
            await say(bot, user, "work")
            assert ("Appeal about the restriction" in all_text(last_card(connector, user.personal_conversation))) is (
                listed
            ), user.name

        # The deciders, the requester and the officer who reported an incident are refused in the same words.
        before = (measure(database_url), rows(database_url, AppealRecord))
        for involved in (HARPER, CASEY, MORGAN, EVAN):
            answer = await decided(bot, involved, card, outcome="upheld", reasons=REASONS)
            assert APPEAL_INVOLVED in all_text(answer), involved.name
        # Sam, who reported the other incident, is not on the team: refused at the door.
        answer = await decided(bot, SAM, card, outcome="upheld", reasons=REASONS)
        assert "Only the determination team can use this." in all_text(answer)
        assert (measure(database_url), rows(database_url, AppealRecord)) == before
        assert len(audited(database_url, "appeal.decision_refused")) == 4

        # Drew, uninvolved, without reasons: refused, nothing recorded; then with them, upheld.
        answer = await decided(bot, DREW, card, outcome="upheld", reasons="")
        assert "Give the reasons for the outcome" in all_text(answer)
        assert rows(database_url, AppealRecord)[0].outcome is None
        answer = await decided(bot, DREW, card, outcome="upheld", reasons=REASONS)
        assert f"Upheld: the decision stands – {clock().strftime('%d %b %Y')}" in all_text(answer)
        assert "by Drew Uninvolved" in all_text(answer)
        (appeal,) = rows(database_url, AppealRecord)
        assert (appeal.outcome, appeal.decided_by, appeal.reasons) == ("upheld", DREW.aad_object_id, REASONS)
        assert [e.actor_id for e in audited(database_url, "appeal.upheld")] == [DREW.aad_object_id]
        # The card in the team's channel is replaced by the outcome for everyone, in place.
        (updated,) = connector.sent_to(TEAM_CHANNEL, method="PUT")
        assert updated.activity_id is not None and updated.activity_id == appeal.card_activity_id
        assert "Upheld: the decision stands" in all_text(updated.cards[0])
        assert "appeal.decide" not in str(updated.cards[0])
        # Decided once: clicked again, by anyone on the team, the outcome is shown and nothing changes.
        again = await decided(bot, CASEY, card, outcome="lifted", reasons="No.")
        assert "Upheld: the decision stands" in all_text(again)
        assert measure(database_url).ended_at is None
        assert "An appeal is open" not in all_text(await status_of(bot, SAM))
    finally:
        await bot.close()


@pytest.mark.parametrize("outcome", ["upheld", "varied", "lifted"])
async def test_each_outcome_is_applied_to_the_measure_and_its_letter_drafted_for_the_case_owner(
    database_url: str, connector: FakeConnector, clock: MutableClock, outcome: str
) -> None:
    restricted_jane(database_url, clock)
    bot = await started(database_url, connector, clock)
    try:
        card = await appealed(bot, clock)
        before = measure(database_url)
        new_review = (clock() + timedelta(days=30)).date()
        varied = {
            "new_review_on": new_review.isoformat(),
            "restrictions": "named_contact",
            "named_contact": "Jo Bloggs, Housing Officer",
        }
        answer = await decided(
            bot, DREW, card, outcome=outcome, reasons=REASONS, **(varied if outcome == "varied" else {})
        )
        assert REASONS in all_text(answer)

        after = measure(database_url)
        if outcome == "upheld":
            assert (after.restrictions, after.review_due_at, after.ended_at) == (
                before.restrictions,
                before.review_due_at,
                None,
            )
        elif outcome == "varied":
            assert (
                after.restrictions == ["named_contact"] and after.terms["named_contact"] == "Jo Bloggs, Housing Officer"
            )
            assert after.review_due_at.date() == new_review and after.ended_at is None
            (review,) = [r for r in rows(database_url, Review) if r.decided_at is None]
            assert review.due_at == after.review_due_at  # the waiting review moved to the new date
            assert "Contact only through Jo Bloggs, Housing Officer" in all_text(await status_of(bot, SAM))
        else:
            assert after.ended_at == clock()
            assert "Jane Smith: No restrictions" in all_text(await status_of(bot, SAM))
        assert len(audited(database_url, f"appeal.{outcome}")) == 1

        # Morgan, the case owner, is sent the outcome and the draft letter to check and issue like any other.
        cards = [c for call in connector.sent_to(MORGAN.personal_conversation) for c in call.cards]
        letter = next(c for c in cards if "Draft letter: Appeal outcome letter" in all_text(c))
        text = all_text(letter)
        assert REASONS in text and "complaint or appeal" in text
        if outcome == "lifted":
            assert "We have decided to lift it" in text
        elif outcome == "varied":
            assert f"review it on or before {new_review.day} {new_review:%B %Y}" in text
        else:
            assert "it stands as it is" in text
        kinds = [r.kind for r in rows(database_url, LetterRecord)]
        assert kinds.count("appeal_outcome") == 1
    finally:
        await bot.close()


async def test_ombudsman_signposting_is_shown_on_the_status_card_for_that_matter_only(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    restricted_jane(database_url, clock)
    engine = create_database_engine(database_url)
    try:
        sam_reports(SqlUnitOfWork(engine), clock, "John Doe", key="k3")
    finally:
        engine.dispose()
    bot = await started(database_url, connector, clock)
    try:
        # Sam, front-line staff, is not offered it, and a forged click is refused at the door.
        status = await status_of(bot, SAM)
        assert not any(a.get("data", {}).get("verb") == "ombudsman.form" for a in status["actions"])
        posted, _ = await bot.post(submit(SAM, {"verb": "ombudsman.form", "customer_id": 1}, connector.url))
        assert posted == 200
        assert "Only case owners, line managers and the determination team" in all_text(
            last_card(connector, SAM.personal_conversation)
        )

        # Morgan, the case owner, records it; bad input first, which saves nothing.
        form = await submitted(bot, MORGAN, await status_of(bot, MORGAN), "ombudsman.form")
        refused = await submitted(bot, MORGAN, form, "ombudsman.record", matter=" ", signposted_on="")
        assert "Say which matter" in all_text(refused) and "Give the date" in all_text(refused)
        assert rows(database_url, OmbudsmanSignpostingRecord) == []
        today = clock().date()
        shown = await submitted(
            bot, MORGAN, form, "ombudsman.record", matter="Council tax bill 2025", signposted_on=today.isoformat()
        )
        assert "Signposting to the Ombudsman recorded." in all_text(shown)
        assert len(audited(database_url, "ombudsman.signposted")) == 1

        # Any member of staff checking Jane is told contact about that matter goes through the Ombudsman, and that
        # other matters are handled as usual; John Doe's card says nothing of it.
        text = all_text(await status_of(bot, SAM))
        assert "contact about “Council tax bill 2025” now goes through the Ombudsman" in text
        assert "Other matters are handled as usual." in text
        assert "Ombudsman" not in all_text(await status_of(bot, SAM, "John Doe"))
    finally:
        await bot.close()
