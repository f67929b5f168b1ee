"""Incident corrections (issue 16): the reporter, within 7 days of reporting (policy.INCIDENT_CORRECTION_WINDOW), or
their line manager at any time, amends an incident from its card with a required reason; the report as made is kept
as the earlier version, the change is audited with before and after, the incident's cards and the customer's
history say it was amended, and a decision already taken shows the version it relied on. Anyone else is refused
with the card that reveals nothing. Through /api/messages, on SQLite and PostgreSQL; every card the bot sends is
checked against the Adaptive Card 1.5 schema by the fake connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from cards.common import REFUSAL_HEADING
from storage.database import create_database_engine
from storage.tables import IncidentAmendmentRecord, IncidentRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import audited, last_card, morgan_escalates, register_team, report, restriction_request, rows, say
from tests.teams import CASEY, HARPER, MORGAN, SAM, User, all_text, execute, inputs_of, submit


@pytest.fixture
async def office(database_url: str, connector: FakeConnector, clock: MutableClock) -> AsyncIterator[RunningBot]:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    for user in (MORGAN, HARPER):
        await say(bot, user, "hello")  # so the bot can reach them in their 1:1 chats
    yield bot
    await bot.close()


def _incident(database_url: str) -> IncidentRecord:
    (incident,) = rows(database_url, IncidentRecord)
    assert isinstance(incident, IncidentRecord)
    return incident


def _button(card: dict[str, Any], verb: str) -> dict[str, Any]:
    return next(a for a in card.get("actions", []) if a.get("data", {}).get("verb") == verb)


async def _click(bot: RunningBot, user: User, value: dict[str, Any]) -> dict[str, Any]:
    status, _ = await bot.post(submit(user, value, bot.connector.url))
    assert status == 200
    return last_card(bot.connector, user.personal_conversation)


async def _amend(bot: RunningBot, user: User, card: dict[str, Any], **changes: str) -> dict[str, Any]:
    """Opens the amend form from the card's button and saves it with these changes."""
    form = await _click(bot, user, _button(card, "incident.amend")["data"])
    return await _click(bot, user, {**_button(form, "incident.save_amendment")["data"], **inputs_of(form), **changes})


async def test_the_reporter_amends_their_report_with_a_reason_and_the_original_is_kept(
    office: RunningBot, database_url: str, clock: MutableClock
) -> None:
    confirmation = await report(office, SAM, "Jane Smith")
    original = _incident(database_url)
    form = await _click(office, SAM, _button(confirmation, "incident.amend")["data"])
    assert f"Amend incident {original.reference}" in all_text(form)
    values = inputs_of(form)
    assert (values["channel"], values["actions"], values["description"]) == (
        "telephone",
        "abusive",
        "Shouted and swore at me.",
    )
    save = _button(form, "incident.save_amendment")["data"]

    # No reason: the same form, with what was typed, and nothing changed.
    again = await _click(office, SAM, {**save, **values, "channel": "email", "reason": ""})
    assert "Say why the report is being amended." in all_text(again)
    assert inputs_of(again)["channel"] == "email"
    assert _incident(database_url) == original and rows(database_url, IncidentAmendmentRecord) == []

    clock.advance(timedelta(days=6))
    amended = await _click(
        office,
        SAM,
        {**save, **values, "channel": "email", "description": "Swore at me by *email*.", "reason": "Wrong channel."},
    )

    shown = all_text(amended)
    assert f"Incident {original.reference} amended (version 2)" in shown
    assert "Changed: How they contacted us, What happened." in shown
    assert "Swore at me by *email*." in shown and "by Sam Staff: Wrong channel." in shown
    now = _incident(database_url)
    assert (now.channel, now.description, now.version) == ("email", "Swore at me by *email*.", 2)
    assert (now.occurred_at, now.submission_key, now.reported_at) == (
        original.occurred_at,
        original.submission_key,
        original.reported_at,
    )
    (kept,) = rows(database_url, IncidentAmendmentRecord)
    assert (kept.version, kept.amended_by, kept.reason) == (2, SAM.aad_object_id, "Wrong channel.")
    assert kept.before == {"channel": "telephone", "description": "Shouted and swore at me."}
    assert kept.after == {"channel": "email", "description": "Swore at me by *email*."}
    (event,) = audited(database_url, "incident.amended")
    assert (event.actor_id, event.record_type, event.record_id) == (SAM.aad_object_id, "incident", original.reference)
    assert event.detail == {
        "version": "2",
        "reason": "Wrong channel.",
        "channel_before": "telephone",
        "channel_after": "email",
        "description_before": "Shouted and swore at me.",
        "description_after": "Swore at me by *email*.",
    }


async def test_after_seven_days_only_the_line_manager_may_amend_and_others_are_refused(
    office: RunningBot, database_url: str, clock: MutableClock
) -> None:
    confirmation = await report(office, SAM, "Jane Smith")
    discussion = last_card(office.connector, MORGAN.personal_conversation)
    assert "please discuss with Sam Staff" in all_text(discussion)
    clock.advance(timedelta(days=7, minutes=1))

    late = await _click(office, SAM, _button(confirmation, "incident.amend")["data"])
    assert "Nothing was changed" in all_text(late) and "for 7 days; ask your line manager" in all_text(late)
    for stranger in (HARPER, CASEY):  # the determination team is not the reporter's line manager
        refused = await _click(office, stranger, _button(confirmation, "incident.amend")["data"])
        assert all_text(refused).startswith(REFUSAL_HEADING) and "Jane Smith" not in all_text(refused)
        refused = await _click(
            office,
            stranger,
            {**_button(confirmation, "incident.amend")["data"], "verb": "incident.save_amendment", "reason": "x"},
        )
        assert all_text(refused).startswith(REFUSAL_HEADING)
    assert rows(database_url, IncidentAmendmentRecord) == []
    refusals = [e.detail["reason"] for e in audited(database_url, "incident.amendment_refused")]
    assert refusals == ["correction window passed"] + ["no need to know"] * 4

    amended = await _amend(office, MORGAN, discussion, actions="abusive,excessive_demands", reason="Also demanded.")
    assert "amended (version 2)" in all_text(amended)
    assert _incident(database_url).actions == ["abusive", "excessive_demands"]
    (event,) = audited(database_url, "incident.amended")
    assert event.actor_id == MORGAN.aad_object_id
    assert (event.detail["actions_before"], event.detail["actions_after"]) == ("abusive", "abusive,excessive_demands")

    # The customer's history says so, for those who may read it.
    await say(office, HARPER, "case Jane Smith")
    history = all_text(last_card(office.connector, HARPER.personal_conversation))
    assert "amended (version 2)" in history and "by Morgan Manager: Also demanded." in history


async def test_a_decision_taken_before_an_amendment_shows_the_version_it_relied_on(
    office: RunningBot, database_url: str, clock: MutableClock
) -> None:
    confirmation = await report(office, SAM, "Jane Smith")
    engine = create_database_engine(database_url)
    try:
        escalation_id = morgan_escalates(
            lambda: SqlUnitOfWork(engine), clock, restriction_request(), approved_by=(HARPER, CASEY)
        )
    finally:
        engine.dispose()
    clock.advance(timedelta(days=1))
    await _amend(office, SAM, confirmation, channel="in_person", reason="It was at reception.")

    status, body = await office.post(
        execute(HARPER, "escalation.refresh", {"escalation_id": escalation_id}, office.connector.url, "x")
    )
    assert status == 200
    card = all_text(body["value"])
    reference = _incident(database_url).reference
    assert f"{reference} – 28 Nov 2026, 10:00 – Telephone: " in card, "the evidence as the decision saw it"
    assert "after this decision (now version 2); shown as the decision relied on it, version 1." in card
