"""The Bot Framework adapter, built from settings, and its last-resort error handler."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ResourceResponse

from bot.connector_cache import CachingBotFrameworkAuthentication
from bot.connector_transport import SharedHttpSession
from bot.logs import correlation_id as current_correlation_id
from bot.logs import describe_failure
from bot.notifier import ReplyNotDelivered, within_turn
from casework.errors import RecordsUnavailable
from settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _AuthConfiguration:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


INCOMING_TURN_STARTED = "uca.incoming_turn_started"
"""turn_state key: when a person's turn began (monotonic). Its replies are retried within the turn's budget;
proactive turns (the outbox's) have no such key and are sent once, the outbox keeping its own retries."""


@dataclass(frozen=True)
class ReplyRetries:
    budget_seconds: float
    """From the start of the turn: Teams waits about 15 s for the turn, then sends the activity again."""
    attempts: int
    base_delay: float


class RetryingCloudAdapter(CloudAdapter):
    """Retries each reply of a person's turn that Teams throttles or fails transiently (429, 412, 502-504),
    as the outbox does for proactive messages, so a recorded report is confirmed rather than apologised for."""

    def __init__(self, authentication: CachingBotFrameworkAuthentication, retries: ReplyRetries) -> None:
        super().__init__(authentication)
        self._retries = retries

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        started = context.turn_state.get(INCOMING_TURN_STARTED)
        send_now = super().send_activities
        if not isinstance(started, float):
            sent: list[ResourceResponse] = await send_now(context, activities)
            return sent
        deadline = started + self._retries.budget_seconds
        responses: list[ResourceResponse] = []
        # One at a time, so a retry never sends again a reply that was accepted.
        for activity in activities:

            async def send_one(activity: Activity = activity) -> list[ResourceResponse]:
                one: list[ResourceResponse] = await send_now(context, [activity])
                return one

            responses += await within_turn(send_one, deadline, self._retries.attempts, self._retries.base_delay)
        return responses


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
    adapter = RetryingCloudAdapter(
        CachingBotFrameworkAuthentication(
            ConfigurationBotFrameworkAuthentication(configuration), session=SharedHttpSession()
        ),
        ReplyRetries(
            settings.reply_budget_seconds, settings.outbound_max_attempts, settings.outbound_base_delay_seconds
        ),
    )

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        correlation_id = current_correlation_id.get()
        if isinstance(error, ReplyNotDelivered):
            # Whatever the turn recorded stays recorded; an apology claiming "nothing was saved" would be untrue,
            # and Teams would refuse it too. Submitted again, a form is answered "Already received".
            log.warning("reply not delivered (correlation id %s): %s", correlation_id, error)
            return
        if isinstance(error, RecordsUnavailable):
            log.error("turn failed: the case records cannot be reached (correlation id %s)", correlation_id)
            message = str(error)
        else:
            # The failure's types and where it happened, never its messages: a database error's message can hold
            # the values of the statement (a customer's name, phone, email).
            log.error("turn failed (correlation id %s): %s", correlation_id, describe_failure(error))
            message = (
                f"Sorry, something went wrong and nothing was saved from that step. "
                f"If it happens again, quote reference {correlation_id} to the IT service desk."
            )
        try:
            await turn_context.send_activity(message)
        except Exception:
            log.error("could not send the apology (correlation id %s)", correlation_id)

    adapter.on_turn_error = on_turn_error
    return adapter


async def close_adapter(adapter: CloudAdapter) -> None:
    """Closes the connector clients' shared HTTP session (on application shutdown)."""
    authentication = adapter.bot_framework_authentication
    if isinstance(authentication, CachingBotFrameworkAuthentication):
        await authentication.close()
