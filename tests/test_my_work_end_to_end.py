""" "My work" through real HTTP to /api/messages: `work` lists each kind of waiting item for the person it waits
for, each item's button shows its card again (and that card's own buttons work), letter links come fresh, and
someone not entitled gets nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientSession

from casework import escalations
from casework.commands import EscalationRequest
from casework.vocabulary import EscalationKind
from storage.database import create_database_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import Call, FakeConnector
from tests.scenarios import (
    NO_WARNING_REASON,
    RULES,
    as_actor,
    morgan_escalates,
    register_team,
    restriction_request,
    sam_reports,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, User, all_text, execute, message, submit

REVIEW_DUE = datetime(2027, 2, 28, 10, 0, tzinfo=UTC)
NOT_YOURS = "You can't open this item."


def waiting_work(database_url: str, clock: MutableClock) -> dict[str, int]:
    """Sam reports Jane Smith and Peter Brown (Morgan, his line manager, never got the s8.6 cards); Jane is restricted
    at Morgan's request (so Morgan owns its review and draft letter); Morgan asks for a restriction of Peter, still
    pending, and a formal warning of Peter, on which Harper asks a question. Returns the escalations' ids."""
    register_team(database_url, clock)
    engine = create_database_engine(database_url)
    sam_reports(SqlUnitOfWork(engine), clock, "Jane Smith", key="k1")
    sam_reports(SqlUnitOfWork(engine), clock, "Peter Brown", key="k2")
    morgan_escalates(lambda: SqlUnitOfWork(engine), clock, restriction_request("Jane Smith"), (HARPER, CASEY))
    pending = morgan_escalates(lambda: SqlUnitOfWork(engine), clock, restriction_request("Peter Brown"))
    warning = EscalationRequest(
        "Peter Brown", EscalationKind.FORMAL_WARNING.value, "Three abusive calls.", no_warning_reason=NO_WARNING_REASON
    )
    asked = morgan_escalates(lambda: SqlUnitOfWork(engine), clock, warning)
    escalations.ask_for_information(
        SqlUnitOfWork(engine), as_actor(HARPER), asked, "Which dates were the calls?", clock, RULES
    )
    engine.dispose()
    return {"pending": pending, "asked": asked}


async def replies(bot: RunningBot, user: User, activity: dict[str, Any]) -> list[Call]:
    before = len(bot.connector.sent_to(user.personal_conversation))
    status, _ = await bot.post(activity)
    assert status == 200
    return bot.connector.sent_to(user.personal_conversation)[before:]


async def work_card(bot: RunningBot, user: User, command: str = "work") -> dict[str, Any]:
    (call,) = await replies(bot, user, message(user, command, bot.connector.url))
    (card,) = call.cards
    return card


def buttons(card: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each item's button data on a `work` card, by verb."""
    found: dict[str, list[dict[str, Any]]] = {}
    for element in card["body"]:
        if element["type"] == "ActionSet":
            for action in element["actions"]:
                found.setdefault(action["data"]["verb"], []).append(action["data"])
    return found


async def click(bot: RunningBot, user: User, data: dict[str, Any]) -> dict[str, Any] | str:
    """An item's button: the one card it shows, or the one message said instead."""
    (call,) = await replies(bot, user, submit(user, data, bot.connector.url))
    return call.cards[0] if call.cards else call.text


def card_of(answer: dict[str, Any] | str) -> dict[str, Any]:
    assert isinstance(answer, dict), answer
    return answer


def verbs(card: dict[str, Any]) -> set[str]:
    return {str(action.get("verb") or action.get("data", {}).get("verb")) for action in card.get("actions", [])}


async def download(bot: RunningBot, url: str) -> int:
    """Follows a letter link as the browser would, on the test server (the link's own host is the configured one)."""
    parts = urlsplit(url)
    async with ClientSession() as session, session.get(bot.server.make_url(f"{parts.path}?{parts.query}")) as response:
        return response.status


async def test_work_lists_each_kind_and_each_items_button_works(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    ids = waiting_work(database_url, clock)
    clock.now = REVIEW_DUE - timedelta(days=6)  # the review is due within the lead time
    bot = await start_bot(make_settings(database_url, LETTER_LINK_MINUTES=60), connector, clock)
    try:
        card = await work_card(bot, MORGAN)
        text = all_text(card)
        for section in (
            "Discussions to record (s8.6) (2)",
            "Reviews due (s13) (1)",
            "Draft letters to check and issue (1)",
            "Questions from the determination team (1)",
            "Which dates were the calls?",
        ):
            assert section in text
        assert "Decisions waiting" not in text
        # Morgan had never opened the bot when the setup's cards were sent: each is listed as undelivered, and the
        # item it was about has its button above.
        assert "Messages that could not be delivered to you" in text
        assert "Draft letters to check and issue, 28 Nov 2026" in text
        found = buttons(card)
        assert set(found) == {"work.discussion", "work.review", "work.letter", "work.question"}

        # The s8.6 discussion card again, and its own buttons record the outcome.
        discussion = card_of(await click(bot, MORGAN, found["work.discussion"][0]))
        assert "please discuss with Sam Staff" in all_text(discussion)
        outcome = next(a for a in discussion["actions"] if a["verb"] == "incident.no_further_action")
        status, body = await bot.post(
            execute(MORGAN, outcome["verb"], outcome["data"], connector.url, "activity-1", channel=False)
        )
        assert status == 200 and "No further action: recorded by Morgan Manager" in all_text(body["value"])
        assert "Discussions to record (s8.6) (1)" in all_text(await work_card(bot, MORGAN))

        review = card_of(await click(bot, MORGAN, found["work.review"][0]))
        assert "Review due: Jane Smith" in all_text(review)
        assert verbs(review) == {"review.lift", "review.extend", "review.reassign"}

        # The letter with a link made now; once that expires, the same button gives a new one that works.
        letter = card_of(await click(bot, MORGAN, found["work.letter"][0]))
        assert "Draft letter: Restriction of contact letter" in all_text(letter)
        first_link = letter["actions"][0]["url"]
        assert await download(bot, first_link) == 200
        clock.advance(timedelta(hours=2))
        assert await download(bot, first_link) == 403
        again = card_of(await click(bot, MORGAN, buttons(await work_card(bot, MORGAN, "letters"))["work.letter"][0]))
        assert again["actions"][0]["url"] != first_link
        assert await download(bot, again["actions"][0]["url"]) == 200

        # The team's question, answered on its card.
        question = card_of(await click(bot, MORGAN, found["work.question"][0]))
        assert "Which dates were the calls?" in all_text(question)
        answer = {**question["actions"][0]["data"], "answer": "The 3rd and the 9th."}
        (thanks,) = await replies(bot, MORGAN, submit(MORGAN, answer, connector.url))
        assert "your answer is with the determination team" in thanks.text
        assert "Questions from the determination team" not in all_text(await work_card(bot, MORGAN))

        # For the determination team, the pending decisions, each opening its decision card.
        team_work = await work_card(bot, HARPER)
        assert "Decisions waiting for the determination team (2)" in all_text(team_work)
        decisions = buttons(team_work)["work.decision"]
        assert [d["escalation_id"] for d in decisions] == [ids["pending"], ids["asked"]]
        decision = card_of(await click(bot, HARPER, decisions[1]))
        assert "Formal warning: Peter Brown" in all_text(decision)
        assert "The 3rd and the 9th." in all_text(decision)
        assert {"escalation.approve", "escalation.decline"} <= verbs(decision)
    finally:
        await bot.close()


async def test_someone_not_entitled_gets_nothing(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    waiting_work(database_url, clock)
    clock.now = REVIEW_DUE - timedelta(days=6)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        morgans = buttons(await work_card(bot, MORGAN))
        harpers = buttons(await work_card(bot, HARPER))
        # Sam reported the incidents but waits for nothing, and none of Morgan's or Harper's items opens for him.
        assert "Nothing is waiting for you." in all_text(await work_card(bot, SAM))
        for data in [*(d for items in morgans.values() for d in items), *harpers["work.decision"]]:
            assert await click(bot, SAM, data) == NOT_YOURS
        # Nor for a made-up or malformed id: the same words, so a refusal tells nothing about the record.
        for data in ({"verb": "work.letter", "letter_id": 99999}, {"verb": "work.review", "review_id": "1"}):
            assert await click(bot, SAM, data) == NOT_YOURS
        # Harper (on the team, not the requester) cannot take Morgan's question either.
        assert await click(bot, HARPER, morgans["work.question"][0]) == NOT_YOURS
    finally:
        await bot.close()
