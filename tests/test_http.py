"""The HTTP edge: health, malformed input, tenant allow-list, authentication and unsafe settings."""

from __future__ import annotations

import json
import logging

import pytest
from botbuilder.schema import AdaptiveCardInvokeValue

from app import create_app
from bot.logs import configure_logging
from settings import UnsafeConfiguration
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.teams import SAM, TENANT, message


async def test_healthz_checks_the_database(bot: RunningBot) -> None:
    async with bot.session.get(bot.server.make_url("/healthz")) as response:
        assert response.status == 200
        assert (await response.json())["database"] == "ok"


async def test_a_body_that_is_not_an_activity_is_a_clear_400(bot: RunningBot) -> None:
    url = bot.server.make_url("/api/messages")
    async with bot.session.post(url, data="{not json", headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400
    async with bot.session.post(url, json={"text": "no type"}) as response:
        assert response.status == 400
    async with bot.session.post(url, data="hello", headers={"Content-Type": "text/plain"}) as response:
        assert response.status == 415
    assert bot.connector.calls == []


async def test_a_malformed_authorization_header_in_development_mode_is_not_a_500(bot: RunningBot) -> None:
    status, _ = await bot.post(message(SAM, "help", bot.connector.url), headers={"Authorization": "garbage"})
    assert status == 200
    assert bot.connector.sent_to(SAM.personal_conversation)


async def test_with_credentials_an_unsigned_request_is_refused(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    settings = make_settings(
        sqlite_url,
        DEVELOPMENT_MODE=False,
        MicrosoftAppId="11111111-2222-3333-4444-555555555555",
        MicrosoftAppPassword="not-a-real-secret",
        MicrosoftAppTenantId=TENANT,
        ALLOWED_TENANT_IDS=TENANT,
        LETTER_LINK_SECRET="x" * 32,
    )
    bot = await start_bot(settings, connector, clock)
    try:
        status, _ = await bot.post(message(SAM, "help", connector.url))
        assert status == 401
        for header in ("Bearer forged", "garbage", "Bearer a.b.c"):
            status, _ = await bot.post(message(SAM, "help", connector.url), headers={"Authorization": header})
            assert status == 401, header
        assert connector.calls == []
    finally:
        await bot.close()


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"DEVELOPMENT_MODE": False}, "MicrosoftAppId is empty"),
        (
            {"DEVELOPMENT_MODE": False, "MicrosoftAppId": "id", "MicrosoftAppTenantId": "t", "ALLOWED_TENANT_IDS": "t"},
            "MicrosoftAppPassword is empty",
        ),
        (
            {"DEVELOPMENT_MODE": False, "MicrosoftAppId": "id", "MicrosoftAppPassword": "p", "ALLOWED_TENANT_IDS": "t"},
            "MicrosoftAppTenantId is empty",
        ),
        (
            {
                "DEVELOPMENT_MODE": False,
                "MicrosoftAppId": "id",
                "MicrosoftAppPassword": "p",
                "MicrosoftAppTenantId": "t",
            },
            "ALLOWED_TENANT_IDS is empty",
        ),
    ],
)
def test_unsafe_configuration_refuses_to_start(sqlite_url: str, overrides: dict[str, object], complaint: str) -> None:
    with pytest.raises(UnsafeConfiguration, match=complaint):
        create_app(make_settings(sqlite_url, **overrides))


def test_tenant_list_is_read_from_a_comma_separated_variable(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, ALLOWED_TENANT_IDS=" a , b,,c ")
    assert settings.allowed_tenant_ids == ["a", "b", "c"]


def test_several_instances_on_sqlite_are_refused_even_in_development(sqlite_url: str) -> None:
    with pytest.raises(UnsafeConfiguration, match="INSTANCES=2 with a SQLite DATABASE_URL"):
        create_app(make_settings(sqlite_url, INSTANCES=2))


async def test_an_unexpected_error_apologises_with_the_turns_correlation_id(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import teams_bot

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database fell over")

    monkeypatch.setattr(teams_bot.CaseworkBot, "on_message_activity", broken)
    async with bot.session.post(
        bot.server.make_url("/api/messages"), json=message(SAM, "help", bot.connector.url)
    ) as response:
        turn_id = response.headers["X-Correlation-Id"]
    apology = bot.connector.sent_to(SAM.personal_conversation)[-1].text
    assert "nothing was saved" in apology
    assert turn_id in apology


def test_logs_keep_warnings_but_not_msrests_noise_about_teams_fields(capsys: pytest.CaptureFixture[str]) -> None:
    """Every card click made msrest warn that Teams' `trigger` field is unknown; that drowned real warnings."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        # What botbuilder's ActivityHandler does with every Action.Execute invoke Teams sends.
        AdaptiveCardInvokeValue(action={"verb": "x"}, trigger="manual")
        logging.getLogger("bot.notifier").warning("retrying outbound message")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    finally:
        root.handlers[:], root.level = handlers, level
    assert [line["message"] for line in lines] == ["retrying outbound message"]
