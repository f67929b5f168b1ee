"""Informal warnings before a formal one (issue 17: s10, s11.1, s12.1), through real HTTP to /api/messages: the
decision card shows the warnings given, and a request with none on record asks the requester why, then shows the
team that answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from casework import policy
from storage.tables import EscalationRecord
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import form_id_of, last_card, register, register_team, report, rows, say
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, execute, submit

WHY = "She threatened to follow the officer home; waiting for a second incident would put staff at risk."


async def ask_for_warning(bot: RunningBot, **typed: str) -> dict[str, Any]:
    """Morgan asks the team for a formal warning of Jane Smith; returns the card Morgan's turn answered with."""
    await say(bot, MORGAN, "escalate Jane Smith")
    form = last_card(bot.connector, MORGAN.personal_conversation)
    value = {
        "verb": "escalation.submit",
        "form_id": form_id_of(form),
        "customer_name": "Jane Smith",
        "kind": "formal_warning",
        "reason": "Abusive on three calls this month.",
        **typed,
    }
    status, _ = await bot.post(submit(MORGAN, value, bot.connector.url))
    assert status == 200
    return last_card(bot.connector, MORGAN.personal_conversation)


async def test_a_request_with_no_warning_on_record_asks_why_and_the_team_sees_the_answer(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await report(bot, SAM, "Jane Smith")
        sent_to_team = len(connector.sent_to(TEAM_CHANNEL))

        asked = await ask_for_warning(bot)
        # The form comes back with the question, what was typed kept; nothing is put to the team.
        assert policy.NO_PRIOR_WARNING.format(name="Jane Smith") in all_text(asked)
        fields = {i["id"]: i.get("value") for i in asked["body"] if i.get("type", "").startswith("Input.")}
        assert fields["no_warning_reason"] is None
        assert fields["reason"] == "Abusive on three calls this month."
        assert rows(database_url, EscalationRecord) == []
        assert len(connector.sent_to(TEAM_CHANNEL)) == sent_to_team

        sent = await ask_for_warning(bot, no_warning_reason=WHY)
        assert "Sent to the determination team" in all_text(sent)
        (escalation,) = rows(database_url, EscalationRecord)
        assert escalation.no_warning_reason == WHY
        decision = last_card(connector, TEAM_CHANNEL)
        assert "**Informal warnings before this:** none on record" in all_text(decision)
        assert f"**Why without a warning, says the requester:** {WHY}" in all_text(decision)
    finally:
        await bot.close()


@pytest.mark.parametrize("warned", ["at the time", "by the line manager"])
async def test_the_decision_card_shows_the_informal_warnings_given_before(
    database_url: str, connector: FakeConnector, clock: MutableClock, warned: str
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await say(bot, MORGAN, "hello")
        if warned == "at the time":
            await report(bot, SAM, "Jane Smith", informal_warning_given="true")
        else:
            await report(bot, SAM, "Jane Smith")
            discussion = last_card(connector, MORGAN.personal_conversation)
            noted = next(a for a in discussion["actions"] if a["verb"] == "incident.informal_warning_noted")
            status, _ = await bot.post(
                execute(MORGAN, noted["verb"], noted["data"], connector.url, "s86", channel=False)
            )
            assert status == 200

        sent = await ask_for_warning(bot)

        # A warning is on record, so the request goes straight to the team, and their card shows it.
        assert "Sent to the determination team" in all_text(sent)
        (escalation,) = rows(database_url, EscalationRecord)
        assert escalation.no_warning_reason == ""
        decision = all_text(last_card(connector, TEAM_CHANNEL))
        assert "**Informal warnings before this** (1)" in decision
        expected = (
            "Given at the time, incident INC-2026-0001 (s10)"
            if warned == "at the time"
            else "Noted by the line manager after incident INC-2026-0001 (s8.6)"
        )
        assert expected in decision
        assert "Why without a warning" not in decision
    finally:
        await bot.close()


async def test_acting_again_after_an_informal_warning_is_highlighted_to_the_line_manager(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, MORGAN, "hello")
        await report(bot, SAM, "Jane Smith", informal_warning_given="true")
        first = all_text(last_card(connector, MORGAN.personal_conversation))
        assert "A new incident after the informal warning" not in first  # the warning came with this one

        clock.now += timedelta(days=3)
        await report(bot, SAM, "Jane Smith")
        second = all_text(last_card(connector, MORGAN.personal_conversation))
        assert "Incident INC-2026-0002: please discuss with Sam Staff" in second
        assert (
            "**Suggestion:** A new incident after the informal warning of 28 Nov 2026: consider asking the "
            "determination team for a formal warning (s10.1, s11.1)."
        ) in second
    finally:
        await bot.close()


async def test_acting_again_during_a_formal_warning_is_sent_to_its_case_owner(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    register(database_url, SAM, clock, line_manager_id=CASEY.aad_object_id)  # Morgan is not Sam's manager here
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await say(bot, MORGAN, "hello")
        await say(bot, CASEY, "hello")
        await report(bot, SAM, "Jane Smith", informal_warning_given="true")
        await ask_for_warning(bot)  # Morgan asks, so owns the warning once approved
        decision = last_card(connector, TEAM_CHANNEL)
        approve = next(a for a in decision["actions"] if a["verb"] == "escalation.approve")
        data = {**approve["data"], "alternatives_considered": "true"}
        status, _ = await bot.post(execute(HARPER, "escalation.approve", data, connector.url, "card-1"))
        assert status == 200
        morgan_before = len(connector.sent_to(MORGAN.personal_conversation))

        clock.now += timedelta(days=3)
        await report(bot, SAM, "Jane Smith")

        (alert,) = [c for call in connector.sent_to(MORGAN.personal_conversation)[morgan_before:] for c in call.cards]
        text = all_text(alert)
        assert "New incident INC-2026-0002 about Jane Smith" in text
        assert "consider asking the determination team for a restriction (s11.4, s12.1)" in text
        assert "Ask the determination team" in text
        # The line manager's s8.6 card says the same.
        assert "during the formal warning's monitoring period" in all_text(
            last_card(connector, CASEY.personal_conversation)
        )
    finally:
        await bot.close()
