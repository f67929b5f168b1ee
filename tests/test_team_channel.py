"""Conversations the bot can always reach (issue 15): the configured team channel from the first card, references
refreshed when Teams moves a conversation to another service URL, and /healthz saying when the channel is unknown.
Through /api/messages with the fake Bot Connector, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botbuilder.schema import Activity

from bot.teams_bot import RecentConversations, _parties_of, _Remembered
from storage.tables import StoredConversationReference, TenantServiceUrl
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import escalate_restriction, register_team, report, rows, say
from tests.teams import HARPER, MORGAN, SAM, TEAM_CHANNEL, TENANT, all_text, message


async def health(bot: RunningBot) -> tuple[int, dict[str, Any]]:
    async with bot.session.get(bot.server.make_url("/healthz")) as response:
        return response.status, await response.json()


def stored_reference(database_url: str, conversation_id: str) -> dict[str, Any] | None:
    found = [
        r.reference for r in rows(database_url, StoredConversationReference) if r.conversation_id == conversation_id
    ]
    return found[0] if found else None


@pytest.fixture
async def other_connector() -> AsyncIterator[FakeConnector]:
    """A second Bot Connector at another address: where Teams moves a conversation to."""
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()
    assert fake.card_errors == [], "\n".join(fake.card_errors)
    assert fake.summary_errors == [], "\n".join(fake.summary_errors)


async def test_a_configured_channel_nobody_has_spoken_in_gets_the_first_urgent_and_decision_cards(
    database_url: str, connector: FakeConnector, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    register_team(database_url, clock)
    with caplog.at_level(logging.INFO, logger="app"):
        bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        # A fresh database: nobody has spoken to the bot at all, so the channel cannot be reached yet, and says so.
        assert f"determination team channel {TEAM_CHANNEL!r} cannot be reached" in caplog.text
        status, body = await health(bot)
        assert status == 200, "a channel that cannot be reached must not take the bot out of the load balancer"
        assert body["database"] == "ok" and body["status"] == "warning"
        assert body["team_channel"].startswith("unreachable: no tenant is configured")

        # Sam, in the same tenant, reports a serious threat in his personal chat: the team hears at once.
        await report(bot, SAM, "Jane Smith", serious_threats="credible_threat_to_harm")
        urgent = connector.sent_to(TEAM_CHANNEL)
        assert len(urgent) == 1 and "URGENT: incident INC-2026-0001" in all_text(urgent[0].cards[0])

        decision_card = await escalate_restriction(bot, MORGAN, "Jane Smith")
        assert len(connector.sent_to(TEAM_CHANNEL)) == 2
        assert "INC-2026-0001" in all_text(decision_card)
        assert "Sent to the determination team" in all_text(
            connector.sent_to(MORGAN.personal_conversation)[-1].cards[0]
        )
        sent = connector.sent_to(TEAM_CHANNEL)[-1].activity
        assert sent["conversation"]["id"] == TEAM_CHANNEL and sent["conversation"]["tenantID"] == TENANT
        assert stored_reference(database_url, TEAM_CHANNEL) is None, "built from the tenant's service URL"
        assert await health(bot) == (
            200,
            {"status": "ok", "database": "ok", "team_channel": "reachable", "rejected": {}},
        )
    finally:
        await bot.close()


async def test_the_apps_installation_in_the_team_is_enough_to_reach_the_channel(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await start_bot(make_settings(database_url, MicrosoftAppTenantId=TENANT), connector, clock)
    try:
        assert (await health(bot))[1]["team_channel"].startswith("unreachable: no service URL known for its tenant")
        installed = message(HARPER, "", connector.url, channel=True)
        installed.update(
            type="installationUpdate",
            action="add",
            text=None,
            conversation={"id": "19:general@thread.tacv2", "conversationType": "channel", "tenantId": TENANT},
            channelData={"tenant": {"id": TENANT}, "team": {"id": "19:general@thread.tacv2"}},
        )
        status, _ = await bot.post(installed)
        assert status == 200
        assert (await health(bot))[1]["team_channel"] == "reachable"
        assert [(r.tenant_id, r.service_url) for r in rows(database_url, TenantServiceUrl)] == [(TENANT, connector.url)]
    finally:
        await bot.close()


async def test_another_tenants_service_url_does_not_make_the_channel_reachable(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await start_bot(make_settings(sqlite_url, MicrosoftAppTenantId=TENANT), connector, clock)
    try:
        await say_in_tenant(bot, "other-tenant")
        assert (await health(bot))[1]["team_channel"].startswith("unreachable:")
        await report(bot, SAM, "Jane Smith", serious_threats="credible_threat_to_harm")
        assert connector.sent_to(TEAM_CHANNEL) == []
    finally:
        await bot.close()


async def say_in_tenant(bot: RunningBot, tenant: str) -> None:
    status, _ = await bot.post(message(MORGAN, "hello", bot.connector.url, tenant=tenant))
    assert status == 200


async def test_a_reference_whose_service_url_changed_is_saved_again_and_used_next(
    database_url: str, connector: FakeConnector, other_connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, MORGAN, "hello")
        await say(bot, HARPER, "hello", channel=True)
        # Teams moves Morgan's chat and the channel to another service URL; this process has saved both already.
        for user, channel in ((MORGAN, False), (HARPER, True)):
            status, _ = await bot.post(message(user, "hello again", other_connector.url, channel=channel))
            assert status == 200
        morgan = stored_reference(database_url, MORGAN.personal_conversation)
        assert morgan is not None and morgan["serviceUrl"] == other_connector.url
        team = stored_reference(database_url, TEAM_CHANNEL)
        assert team is not None and team["serviceUrl"] == other_connector.url

        connector.clear()
        other_connector.clear()
        await report(bot, SAM, "Jane Smith", serious_threats="credible_threat_to_harm")
        # Sam's own reply goes where his message came from; the proactive cards go to the new address.
        assert connector.sent_to(MORGAN.personal_conversation) == [] and connector.sent_to(TEAM_CHANNEL) == []
        assert len(other_connector.sent_to(MORGAN.personal_conversation)) == 1, "the s8.6 card to the manager"
        assert len(other_connector.sent_to(TEAM_CHANNEL)) == 1, "the urgent card to the team"
    finally:
        await bot.close()


async def test_an_unchanged_reference_is_saved_once_per_process(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(bot, MORGAN, "hello")
        first = [r.updated_at for r in rows(sqlite_url, StoredConversationReference)]
        await say(bot, MORGAN, "hello again")  # a new activity id, the same address
        assert [r.updated_at for r in rows(sqlite_url, StoredConversationReference)] == first
    finally:
        await bot.close()


async def test_ids_longer_than_the_store_allows_are_refused_before_the_database(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        huge = message(SAM, "help", connector.url)
        huge["conversation"]["id"] = "a:" + "x" * 5000
        status, _ = await bot.post(huge)
        assert status == 400, "no Teams conversation id is this long: refused at the HTTP edge (issue 14)"
        assert rows(database_url, StoredConversationReference) == []
        await say(bot, SAM, "help")
        assert [r.conversation_id for r in rows(database_url, StoredConversationReference)] == [
            SAM.personal_conversation
        ]
    finally:
        await bot.close()


def test_the_memo_of_saved_conversations_keeps_only_the_most_recently_used() -> None:
    memo = RecentConversations(max_size=2)
    memo.remember(("a", "u"), _Remembered("1", "p"))
    memo.remember(("b", "u"), _Remembered("1", "p"))
    assert memo.get(("a", "u")) is not None  # used: now the most recent
    memo.remember(("c", "u"), _Remembered("1", "p"))
    assert len(memo) == 2
    assert memo.get(("b", "u")) is None
    assert memo.get(("a", "u")) is not None and memo.get(("c", "u")) is not None


def test_a_reference_is_serialised_again_only_when_something_it_is_made_of_changes() -> None:
    """The memo compares `_parties_of` before serialising the reference: equal must mean an equal reference, so any
    party's attribute (or one msrest kept as unknown), the locale and the service URL all count; the activity id,
    which changes every message, does not."""
    first = message(SAM, "help", "https://smba.example/uk/")
    base = _parties_of(Activity().deserialize(first))
    assert _parties_of(Activity().deserialize({**first, "id": "another-activity"})) == base
    changed: list[dict[str, Any]] = [
        {**first, "from": {**first["from"], "name": "Sam Renamed"}},
        {**first, "recipient": {**first["recipient"], "id": "28:another-bot"}},
        {**first, "conversation": {**first["conversation"], "tenantId": "another-tenant"}},
        {**first, "conversation": {**first["conversation"], "somethingNew": "x"}},
        {**first, "locale": "cy-GB"},
        {**first, "serviceUrl": "https://smba.example/other/"},
    ]
    for activity in changed:
        assert _parties_of(Activity().deserialize(activity)) != base, activity
