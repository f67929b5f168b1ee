"""Column sizes and validation agree (issue 14), on SQLite and PostgreSQL: each limit is accepted at the boundary
and refused just over it with a clear message on the form, the typed values kept and nothing lost or truncated;
and an error's log line holds none of the personal data a person typed."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest

from casework import policy
from storage.tables import CustomerRecord, IncidentRecord, StaffMemberRecord, StoredConversationReference
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import answer_before_outbox, fill, last_card, register_team, rows, say
from tests.teams import SAM, User, all_text, inputs_of, message, submit


async def _bot(database_url: str, connector: FakeConnector, clock: MutableClock) -> RunningBot:
    register_team(database_url, clock)
    return await start_bot(make_settings(database_url), connector, clock)


async def _report_new_customer(bot: RunningBot, user: User, **fields: str) -> dict[str, Any]:
    await say(bot, user, "report")
    form = last_card(bot.connector, user.personal_conversation)
    value = fill(
        form,
        **{
            "customer_name": "Zebedee Quartermaine",
            "channel": "email",
            "actions": "repeat_contacts",
            "description": "Twelve emails today.",
            **fields,
        },
    )
    return await answer_before_outbox(bot, submit(user, value, bot.connector.url), user.personal_conversation)


@pytest.mark.parametrize("length", [256])
async def test_a_display_name_of_256_characters_reports_an_incident(
    database_url: str, connector: FakeConnector, clock: MutableClock, length: int
) -> None:
    bot = await _bot(database_url, connector, clock)
    try:
        long_named = replace(SAM, name="S" * length)
        answer = await _report_new_customer(bot, long_named)
        assert "Incident INC-2026-0001 recorded" in all_text(answer)
        assert [s.name for s in rows(database_url, StaffMemberRecord) if s.user_id == SAM.aad_object_id] == [
            "S" * length
        ]
        status, _ = await bot.post(message(replace(SAM, name="S" * (length + 1)), "help", connector.url))
        assert status == 400  # over Entra's limit: refused at the edge, before the database
    finally:
        await bot.close()


async def test_an_email_of_254_characters_is_stored_and_255_comes_back_on_the_form_with_the_values_kept(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await _bot(database_url, connector, clock)
    try:
        too_long = "a" * 64 + "@" + "b" * 186 + ".com"  # 255 characters
        assert len(too_long) == 255
        refused = await _report_new_customer(bot, SAM, email=too_long, description="Shouted at reception.")
        assert f"An email address has at most {policy.EMAIL_MAX_LENGTH} characters." in all_text(refused)
        kept = inputs_of(refused)
        assert kept["email"] == too_long and kept["description"] == "Shouted at reception."
        assert rows(database_url, IncidentRecord) == [] and rows(database_url, CustomerRecord) == []

        at_limit = too_long[1:]
        value = {
            **kept,
            "verb": "incident.submit",
            "email": at_limit,
            "form_id": refused["actions"][0]["data"]["form_id"],
        }
        answer = await answer_before_outbox(bot, submit(SAM, value, connector.url), SAM.personal_conversation)
        assert "recorded" in all_text(answer)
        assert [c.email for c in rows(database_url, CustomerRecord)] == [at_limit]
    finally:
        await bot.close()


async def test_a_customer_name_of_200_characters_is_stored_and_201_comes_back_on_the_form(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await _bot(database_url, connector, clock)
    try:
        refused = await _report_new_customer(bot, SAM, customer_name="Q" * 201)
        assert "Keep the name to 200 characters or fewer." in all_text(refused)
        assert inputs_of(refused)["customer_name"] == "Q" * 201
        assert rows(database_url, CustomerRecord) == []
        answer = await _report_new_customer(bot, SAM, customer_name="Q" * 200)
        assert "recorded" in all_text(answer)
        assert [c.name for c in rows(database_url, CustomerRecord)] == ["Q" * 200]
    finally:
        await bot.close()


async def test_a_conversation_id_of_400_characters_is_stored_and_401_is_refused_at_the_edge(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await _bot(database_url, connector, clock)
    try:
        for length, expected in ((400, 200), (401, 400)):
            activity = message(SAM, "help", connector.url)
            activity["conversation"]["id"] = "a:" + "c" * (length - 2)
            status, _ = await bot.post(activity)
            assert status == expected, length
        stored = [r.conversation_id for r in rows(database_url, StoredConversationReference)]
        assert "a:" + "c" * 398 in stored and not [c for c in stored if len(c) > 400]
    finally:
        await bot.close()


async def test_an_unexpected_database_error_logs_none_of_the_typed_personal_data(
    postgres_url: str,
    connector: FakeConnector,
    clock: MutableClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If the form's limits and the columns ever disagree again, PostgreSQL refuses the value: the person gets the
    apology with a reference, and the log line names the error's type and the reference, not what they typed."""
    monkeypatch.setattr(policy, "EMAIL_MAX_LENGTH", 10_000)
    bot = await _bot(postgres_url, connector, clock)
    typed = {
        "customer_name": "Philippa Quarrington-Smythe",
        "phone": "01427 676676",
        "email": "philippa." + "q" * 300 + "@example.org",
        "description": "Threatened Officer Blenkinsop at the Gainsborough counter.",
    }
    try:
        caplog.set_level(logging.DEBUG)
        await say(bot, SAM, "report")
        form = last_card(connector, SAM.personal_conversation)
        value = fill(form, channel="email", actions="repeat_contacts", **typed)
        await bot.post(submit(SAM, value, connector.url))
        apology = connector.sent_to(SAM.personal_conversation)[-1].text
        assert "Sorry, something went wrong" in apology
        failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert failures, "the failure was logged"
        logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
        for field, text in typed.items():
            for part in {text, text.split("@")[0], "+441427676676", "Quarrington", "Blenkinsop"}:
                assert part not in logged, f"{field}: {part!r} is in the log"
        reference = apology.split("quote reference ")[1].split(" ")[0]
        assert any(reference in r.getMessage() and "DataError" in r.getMessage() for r in failures)
        assert rows(postgres_url, IncidentRecord) == []
    finally:
        await bot.close()
