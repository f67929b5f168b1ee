"""The Bot Framework adapter, built from settings, and its last-resort error handler."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.connector_cache import CachingBotFrameworkAuthentication
from bot.connector_transport import SharedHttpSession
from bot.logs import correlation_id as current_correlation_id
from settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _AuthConfiguration:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def create_adapter(settings: Settings) -> CloudAdapter:
    configuration = _AuthConfiguration(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        # botbuilder only lets an empty app id (authentication off, development mode) through as MultiTenant.
        APP_TYPE=settings.app_type if settings.app_id else "MultiTenant",
        APP_TENANTID=settings.app_tenant_id,
    )
    # Connector and token clients are reused per service URL and app id instead of built every turn, and send over
    # one aiohttp session (issue 9); validation is still done in full by botbuilder's own authentication.
    adapter = CloudAdapter(
        CachingBotFrameworkAuthentication(
            ConfigurationBotFrameworkAuthentication(configuration), session=SharedHttpSession()
        )
    )

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        correlation_id = current_correlation_id.get()
        log.exception("turn failed (correlation id %s)", correlation_id, exc_info=error)
        try:
            await turn_context.send_activity(
                f"Sorry, something went wrong and nothing was saved from that step. "
                f"If it happens again, quote reference {correlation_id} to the IT service desk."
            )
        except Exception:
            log.exception("could not send the apology (correlation id %s)", correlation_id)

    adapter.on_turn_error = on_turn_error
    return adapter


async def close_adapter(adapter: CloudAdapter) -> None:
    """Closes the connector clients' shared HTTP session (on application shutdown)."""
    authentication = adapter.bot_framework_authentication
    if isinstance(authentication, CachingBotFrameworkAuthentication):
        await authentication.close()
