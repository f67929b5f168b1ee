"""Reuses Bot Connector and user-token clients across turns instead of building them on every turn (issue 9).

botbuilder 4.17's CloudAdapter asks its BotFrameworkAuthentication for a new ConnectorFactory, ConnectorClient and
UserTokenClient on every incoming turn and every proactive send. Each client is an msrest client: building one
builds a RequestHTTPSenderConfiguration, whose ClientRetryPolicy computes its retry status list with a quadratic
list comprehension (about 3 ms), and a new requests.Session, so every turn opens a new connection to the
connector. With credentials configured it also builds new MicrosoftAppCredentials whose MSAL application starts
with an empty token cache, so every turn repeats MSAL's tenant discovery and asks Entra ID for a token, blocking
the event loop. The older BotFrameworkAdapter cached clients by (service URL, app id, OAuth scope); this wrapper
does the same for CloudAdapter.

Authentication is exactly as strict as before:

- Inbound: every request is still validated in full by the wrapped authentication (signature, issuer, audience,
  the service URL claim against the activity's service URL, channel endorsements) before any client is looked up.
  The cache is consulted only with what a validated request yields.
- Outbound: a client is keyed by (service URL, app id from the validated claims, audience), and is only ever
  built by the wrapped factory, which checks the app id against the configured credentials (an unknown app id
  raises there and nothing is cached). A turn for another service URL, app id or audience gets its own client.
  Cached credentials keep their MSAL token cache, which refreshes the token before it expires.

The cache is bounded (least recently used clients are dropped), so unauthenticated development traffic with
arbitrary service URLs cannot grow it without limit.

Wiring (bot/adapter.py): CloudAdapter(CachingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication(c),
session=SharedHttpSession())): the cached connector clients also send over one aiohttp session.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

from bot.connector_transport import SharedHttpSession, send_with_shared_session

DEFAULT_MAX_CLIENTS = 64
"""Teams uses a handful of regional service URLs; 64 leaves room for several clouds, audiences and skills."""

ClientKey = tuple[str, str, str, str]
"""(kind, service URL, app id, audience): kind is "connector" or "user_token"."""


class ClientCache:
    """A bounded least-recently-used map of built clients. Used from one event loop; no awaits inside."""

    def __init__(self, max_clients: int = DEFAULT_MAX_CLIENTS) -> None:
        if max_clients < 1:
            raise ValueError("max_clients must be at least 1")
        self._max = max_clients
        self._clients: OrderedDict[ClientKey, Any] = OrderedDict()

    def get(self, key: ClientKey) -> Any | None:
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
        return client

    def put(self, key: ClientKey, client: Any) -> Any:
        """Stores a freshly built client; if a concurrent turn stored one for the key first, that one wins."""
        existing = self._clients.get(key)
        if existing is not None:
            self._clients.move_to_end(key)
            return existing
        self._clients[key] = client
        while len(self._clients) > self._max:
            # Dropped, not closed: a turn still holding it finishes normally and the session is collected after.
            self._clients.popitem(last=False)
        return client

    def keys(self) -> list[ClientKey]:
        return list(self._clients)

    def __len__(self) -> int:
        return len(self._clients)


def app_id_of(claims_identity: ClaimsIdentity | None) -> str:
    """The bot's app id as botbuilder's own factories read it: the audience claim, else the appid claim."""
    if claims_identity is None:
        return ""
    app_id = claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    if app_id is None:
        app_id = claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return str(app_id or "")


class CachingConnectorFactory(ConnectorFactory):
    """Hands out one ConnectorClient per (service URL, app id, audience), built by the wrapped factory."""

    def __init__(
        self, inner: ConnectorFactory, app_id: str, cache: ClientCache, session: SharedHttpSession | None
    ) -> None:
        self._inner = inner
        self._app_id = app_id
        self._cache = cache
        self._session = session

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key: ClientKey = ("connector", service_url or "", self._app_id, audience or "")
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            if self._session is not None:
                client = send_with_shared_session(client, self._session)
            client = self._cache.put(key, client)
        return client


class CachingBotFrameworkAuthentication(BotFrameworkAuthentication):
    """Wraps any BotFrameworkAuthentication: validation is delegated untouched; built clients are reused."""

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        session: SharedHttpSession | None = None,
    ) -> None:
        self.inner = inner
        self.clients = ClientCache(max_clients)
        self.session = session
        """With a session, connector clients send over it (bot/connector_transport.py) instead of `requests`."""

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self.inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = CachingConnectorFactory(
                result.connector_factory, app_id_of(result.claims_identity), self.clients, self.session
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self.inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return CachingConnectorFactory(
            self.inner.create_connector_factory(claims_identity), app_id_of(claims_identity), self.clients, self.session
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        # botbuilder builds it from the app id alone (with this authentication's fixed scope and endpoints).
        key: ClientKey = ("user_token", "", app_id_of(claims_identity), "")
        client = self.clients.get(key)
        if client is None:
            client = self.clients.put(key, await self.inner.create_user_token_client(claims_identity))
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self.inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)
