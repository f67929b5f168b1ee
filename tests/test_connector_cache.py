"""The connector cache (issue 9): clients are reused per (service URL, app id, audience) and authentication stays as
strict as before.

With credentials configured (a single-tenant app id and password), every test runs botbuilder's own inbound
validation for real: tokens are RS256-signed by a key this test publishes as the Bot Framework's OpenID metadata
(on a local HTTP server), with the issuer, audience, service URL claim and channel endorsement Teams sends. The
only stand-in is Entra ID's token endpoint, replaced at the MSAL boundary (ConfidentialClientApplication): it
issues a token only for the configured app id and secret, and records every request. Replies go to local
recording connectors, one per service URL.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationReference
from botframework.connector.auth import (
    AuthenticationConstants,
    ChannelValidation,
    ClaimsIdentity,
    microsoft_app_credentials,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import app as product_app
from bot.adapter import close_adapter, create_adapter
from bot.connector_cache import CachingBotFrameworkAuthentication
from settings import Settings
from tests.conftest import MutableClock, list_as_staff, make_settings
from tests.fake_connector import FakeConnector
from tests.teams import SAM, TENANT, message

APP_ID = "11111111-2222-3333-4444-555555555555"
APP_SECRET = "the-bots-client-secret"
APP_TENANT = "99999999-8888-7777-6666-555555555555"
OTHER_APP_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
KEY_ID = "test-signing-key"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
AUTHORITY = f"https://login.microsoftonline.com/{APP_TENANT}"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# ---------------------------------------------------------------- Entra ID's token endpoint, at the MSAL boundary


@dataclass
class TokenService:
    """Stands in for Entra ID: issues client-credential tokens only for the configured app and secret."""

    requests: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    """(client id, authority, scopes) of every token request."""
    apps: int = 0
    """How many MSAL applications were built (each one did tenant discovery over the network before)."""
    issued: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)

    def application(self) -> type:
        service = self

        class FakeConfidentialClientApplication:
            def __init__(self, client_id: str, client_credential: str, authority: str, **_: Any) -> None:
                service.apps += 1
                self.client_id, self.secret, self.authority = client_id, client_credential, authority
                self.cached: str | None = None

            def acquire_token_silent(self, scopes: list[str], account: Any = None) -> dict[str, Any] | None:
                return {"access_token": self.cached, "token_type": "Bearer"} if self.cached else None

            def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
                service.requests.append((self.client_id, self.authority, tuple(scopes)))
                if (self.client_id, self.secret) != (APP_ID, APP_SECRET):
                    return {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."}
                token = f"entra-token-{len(service.requests)}"
                service.issued[token] = (self.client_id, self.authority, tuple(scopes))
                self.cached = token
                return {"access_token": token, "token_type": "Bearer", "expires_in": 3599}

        return FakeConfidentialClientApplication


@pytest.fixture
def token_service(monkeypatch: pytest.MonkeyPatch) -> TokenService:
    service = TokenService()
    monkeypatch.setattr(microsoft_app_credentials, "ConfidentialClientApplication", service.application())
    return service


# ---------------------------------------------------------------- the Bot Framework's signing keys and its tokens


@dataclass
class Issuer:
    """Signs tokens as the Bot Framework channel does, with a key published as its OpenID metadata."""

    private_key: rsa.RSAPrivateKey
    metadata_url: str

    def token(self, service_url: str, *, audience: str = APP_ID, key: rsa.RSAPrivateKey | None = None) -> str:
        now = int(time.time())
        claims = {
            "iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 3600,
        }
        pem = (key or self.private_key).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return "Bearer " + jwt.encode(claims, pem, algorithm="RS256", headers={"kid": KEY_ID})


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Issuer]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=KEY_ID, endorsements=["msteams"])

    class Metadata(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{port}"
            body = {"jwks_uri": f"{base}/keys"} if self.path.endswith("openid-configuration") else {"keys": [jwk]}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    # botbuilder fetches the metadata with blocking `requests`, so it is served from its own thread.
    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    port = int(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/openid-configuration"
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", url)
    yield Issuer(key, url)
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- connectors that record who called them


@dataclass
class RecordingConnector(FakeConnector):
    authorizations: list[str | None] = field(default_factory=list)

    def app(self) -> web.Application:
        app = super().app()

        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            self.authorizations.append(request.headers.get("Authorization"))
            return await handler(request)

        app.middlewares.append(record)
        return app


@pytest.fixture
async def connectors() -> AsyncIterator[tuple[RecordingConnector, RecordingConnector, RecordingConnector]]:
    """Three service URLs, as Teams gives per region (e.g. .../uk/, .../emea/)."""
    started = [RecordingConnector() for _ in range(3)]
    for connector in started:
        await connector.start()
    yield started[0], started[1], started[2]
    for connector in started:
        await connector.close()
        assert connector.card_errors == []


def credentials_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": APP_SECRET,
        "MicrosoftAppType": "SingleTenant",
        "MicrosoftAppTenantId": APP_TENANT,
        "ALLOWED_TENANT_IDS": TENANT,
        "DEVELOPMENT_MODE": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)


AdapterFactory = Callable[..., CloudAdapter]


@pytest.fixture
async def make_adapter() -> AsyncIterator[AdapterFactory]:
    """The product's adapter (with the connector cache), optionally with a smaller cache; closed after the test."""
    made: list[CloudAdapter] = []

    def make(settings: Settings, max_clients: int | None = None) -> CloudAdapter:
        adapter = create_adapter(settings)
        authentication = adapter.bot_framework_authentication
        assert isinstance(authentication, CachingBotFrameworkAuthentication)
        if max_clients is not None:
            adapter.bot_framework_authentication = CachingBotFrameworkAuthentication(
                authentication.inner, max_clients, authentication.session
            )
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        await close_adapter(adapter)


@dataclass
class Turns:
    """Runs turns through adapter.process_activity (what bot/http.py calls) and keeps each turn's clients."""

    adapter: CloudAdapter
    clients: list[Any] = field(default_factory=list)
    token_clients: list[Any] = field(default_factory=list)

    async def logic(self, turn_context: TurnContext) -> None:
        self.clients.append(turn_context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY])
        self.token_clients.append(turn_context.turn_state[CloudAdapterBase.USER_TOKEN_CLIENT_KEY])
        await turn_context.send_activity(f"echo from {turn_context.activity.service_url}")

    async def turn(self, auth_header: str, service_url: str) -> None:
        activity = Activity().deserialize(message(SAM, "hello", service_url))
        await self.adapter.process_activity(auth_header, activity, self.logic)


# ---------------------------------------------------------------- the tests


async def test_cached_clients_send_with_the_apps_token_to_their_own_service_url(
    issuer: Issuer,
    token_service: TokenService,
    connectors: tuple[RecordingConnector, ...],
    make_adapter: AdapterFactory,
) -> None:
    uk, emea, _ = connectors
    turns = Turns(make_adapter(credentials_settings()))
    order = [uk, emea, uk, emea, uk, uk]
    for connector in order:
        await turns.turn(issuer.token(connector.url), connector.url)

    # Each reply reached the connector of its own turn's service URL, and no other.
    assert len(uk.calls) == 4 and len(emea.calls) == 2
    assert all(call.text == f"echo from {uk.url}" for call in uk.calls)
    assert all(call.text == f"echo from {emea.url}" for call in emea.calls)

    # Every outgoing call carried a token Entra ID issued to this app (its id and secret, its tenant's authority)
    # for the Bot Framework's scope.
    for authorization in uk.authorizations + emea.authorizations:
        assert authorization is not None and authorization.startswith("Bearer ")
        assert token_service.issued[authorization.removeprefix("Bearer ")] == (
            APP_ID,
            AUTHORITY,
            (BOT_FRAMEWORK_SCOPE,),
        )

    # One client per service URL, reused by every later turn for it; never another URL's.
    by_url: dict[str, set[int]] = {}
    for connector, client in zip(order, turns.clients, strict=True):
        assert client.config.base_url == connector.url
        by_url.setdefault(connector.url, set()).add(id(client))
    assert [len(ids) for ids in by_url.values()] == [1, 1]
    assert by_url[uk.url] != by_url[emea.url]

    # The user-token client is built once for the app, with the app's credentials.
    assert len({id(c) for c in turns.token_clients}) == 1
    assert turns.token_clients[0]._client.config.credentials.microsoft_app_id == APP_ID

    # A token per client for the life of the process (MSAL refreshes it), not one per turn.
    assert len(token_service.requests) == 2
    assert token_service.apps == 2  # MSAL (and its tenant discovery) once per client; the user-token one is unused


async def test_cached_clients_send_over_one_aiohttp_session_never_requests(
    issuer: Issuer,
    token_service: TokenService,
    connectors: tuple[RecordingConnector, ...],
    monkeypatch: pytest.MonkeyPatch,
    make_adapter: AdapterFactory,
) -> None:
    """botbuilder's default pipeline sends with `requests` on a worker thread; the product's must not."""

    uk, emea, _ = connectors
    send_with_requests = requests.Session.send

    def refuse_connector_calls(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        # botbuilder itself still fetches the OpenID metadata with requests (inbound validation, cached by it).
        if str(request.url).startswith((uk.url, emea.url)):
            raise AssertionError("a connector call went through requests")
        return send_with_requests(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", refuse_connector_calls)
    adapter = make_adapter(credentials_settings())
    turns = Turns(adapter)
    for connector in (uk, emea):
        await turns.turn(issuer.token(connector.url), connector.url)
    authentication = adapter.bot_framework_authentication
    assert isinstance(authentication, CachingBotFrameworkAuthentication) and authentication.session is not None
    shared = authentication.session.get()
    assert [len(uk.calls), len(emea.calls)] == [1, 1]
    for client in turns.clients:
        assert client.config.pipeline._sender._session.get() is shared
    for authorization in uk.authorizations + emea.authorizations:
        assert authorization is not None
        assert token_service.issued[authorization.removeprefix("Bearer ")][0] == APP_ID


async def test_in_development_mode_no_token_is_sent(
    connectors: tuple[RecordingConnector, ...], make_adapter: AdapterFactory
) -> None:
    """With no app id (development only) botbuilder's credentials add no Authorization header; nor does the cache."""
    uk, _, _ = connectors
    turns = Turns(make_adapter(make_settings("sqlite://")))
    await turns.turn("", uk.url)
    await turns.turn("", uk.url)
    assert len(uk.calls) == 2
    assert uk.authorizations == [None, None]
    assert turns.clients[0] is turns.clients[1]


async def test_without_the_cache_every_turn_builds_clients_and_asks_for_a_token(
    issuer: Issuer,
    token_service: TokenService,
    connectors: tuple[RecordingConnector, ...],
    make_adapter: AdapterFactory,
) -> None:
    """What botbuilder does on its own, for comparison: the cost the cache removes."""
    uk, _, _ = connectors
    adapter = make_adapter(credentials_settings())
    authentication = adapter.bot_framework_authentication
    assert isinstance(authentication, CachingBotFrameworkAuthentication)
    adapter.bot_framework_authentication = authentication.inner
    turns = Turns(adapter)
    for _ in range(3):
        await turns.turn(issuer.token(uk.url), uk.url)
    assert len({id(c) for c in turns.clients}) == 3
    assert len(token_service.requests) == 3
    assert len(uk.calls) == 3


async def test_inbound_validation_is_unchanged_with_clients_cached(
    issuer: Issuer,
    token_service: TokenService,
    connectors: tuple[RecordingConnector, ...],
    make_adapter: AdapterFactory,
) -> None:
    uk, emea, _ = connectors
    adapter = make_adapter(credentials_settings())
    turns = Turns(adapter)
    await turns.turn(issuer.token(uk.url), uk.url)  # a client for uk is now cached
    authentication = adapter.bot_framework_authentication
    assert isinstance(authentication, CachingBotFrameworkAuthentication)
    cached_before = authentication.clients.keys()

    forged = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = [
        ("no token", ""),
        ("a token for uk used on an activity for emea", issuer.token(uk.url)),
        ("a token for another bot", issuer.token(emea.url, audience=OTHER_APP_ID)),
        ("a token signed by someone else", issuer.token(emea.url, key=forged)),
    ]
    for reason, header in refused:
        with pytest.raises((PermissionError, jwt.PyJWTError)):
            await turns.turn(header, emea.url)
        assert emea.calls == [], reason
    assert len(uk.calls) == 1
    assert authentication.clients.keys() == cached_before


async def test_a_proactive_message_goes_to_its_references_service_url_with_the_apps_token(
    issuer: Issuer,
    token_service: TokenService,
    connectors: tuple[RecordingConnector, ...],
    make_adapter: AdapterFactory,
) -> None:
    uk, emea, _ = connectors
    adapter = make_adapter(credentials_settings())
    turns = Turns(adapter)
    await turns.turn(issuer.token(uk.url), uk.url)
    for connector in (emea, uk, emea):
        reference = TurnContext.get_conversation_reference(Activity().deserialize(message(SAM, "hi", connector.url)))

        async def send(turn_context: TurnContext) -> None:
            turns.clients.append(turn_context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY])
            await turn_context.send_activity("a reminder")

        await adapter.continue_conversation(ConversationReference().deserialize(reference.serialize()), send, APP_ID)
    assert [c.config.base_url for c in turns.clients] == [uk.url, emea.url, uk.url, emea.url]
    assert turns.clients[1] is turns.clients[3] and turns.clients[1] is not turns.clients[2]
    assert [call.text for call in emea.calls] == ["a reminder", "a reminder"]
    for authorization in uk.authorizations + emea.authorizations:
        assert authorization is not None
        assert token_service.issued[authorization.removeprefix("Bearer ")][0] == APP_ID


async def test_an_app_id_other_than_the_configured_one_never_gets_the_cached_client(
    issuer: Issuer,
    token_service: TokenService,
    connectors: tuple[RecordingConnector, ...],
    make_adapter: AdapterFactory,
) -> None:
    uk, _, _ = connectors
    turns = Turns(make_adapter(credentials_settings()))
    await turns.turn(issuer.token(uk.url), uk.url)  # uk's client, for this app and the channel's audience
    authentication = turns.adapter.bot_framework_authentication
    assert isinstance(authentication, CachingBotFrameworkAuthentication)
    cached = authentication.clients.keys()
    audience = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    for app_id in (OTHER_APP_ID, ""):
        claims = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: app_id}, True)
        with pytest.raises(Exception, match="Invalid app_id"):
            await authentication.create_connector_factory(claims).create(uk.url, audience)
        with pytest.raises(Exception, match="Invalid app_id"):
            await authentication.create_user_token_client(claims)
    assert authentication.clients.keys() == cached
    assert len(uk.calls) == 1


async def test_the_cache_is_bounded_and_an_evicted_service_url_gets_a_new_client(
    issuer: Issuer,
    token_service: TokenService,
    connectors: tuple[RecordingConnector, ...],
    make_adapter: AdapterFactory,
) -> None:
    uk, emea, amer = connectors
    turns = Turns(make_adapter(credentials_settings(), max_clients=2))
    order = [uk, emea, amer, uk, amer]
    for connector in order:
        await turns.turn(issuer.token(connector.url), connector.url)
    assert [c.config.base_url for c in turns.clients] == [c.url for c in order]
    assert turns.clients[0] is not turns.clients[3]  # uk was dropped to keep the cache at two clients
    assert turns.clients[2] is not turns.clients[4]  # the user-token client shares the two places
    assert [len(c.calls) for c in (uk, emea, amer)] == [2, 1, 2]
    authentication = turns.adapter.bot_framework_authentication
    assert isinstance(authentication, CachingBotFrameworkAuthentication)
    assert len(authentication.clients) == 2


async def test_the_product_answers_teams_on_two_service_urls_with_credentials(
    issuer: Issuer,
    token_service: TokenService,
    connectors: tuple[RecordingConnector, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole product path (bot/http.py, tenant check, the bot) with the cache and real credentials."""
    uk, emea, _ = connectors
    settings = make_settings(
        f"sqlite:///{tmp_path / 'uca.db'}",
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword=APP_SECRET,
        MicrosoftAppType="SingleTenant",
        MicrosoftAppTenantId=APP_TENANT,
        ALLOWED_TENANT_IDS=TENANT,
        DEVELOPMENT_MODE=False,
        LETTER_LINK_SECRET="a-production-like-secret-of-40-characters",
    )
    server = TestServer(product_app.create_app(settings, run_sweep=False), host="127.0.0.1")
    list_as_staff(settings.database_url, (SAM,), MutableClock())
    await server.start_server()
    try:
        async with ClientSession() as session:

            async def post(connector: RecordingConnector, header: str) -> int:
                headers = {"Authorization": header} if header else {}
                activity = message(SAM, "help", connector.url)
                async with session.post(server.make_url("/api/messages"), json=activity, headers=headers) as answer:
                    return answer.status

            assert [await post(c, issuer.token(c.url)) for c in (uk, emea, uk)] == [200, 200, 200]
            assert await post(emea, issuer.token(uk.url)) == 401
            assert await post(emea, "") == 401
    finally:
        await server.close()
    assert [len(uk.calls), len(emea.calls)] == [2, 1]
    assert all("Report an incident" in json.dumps(call.cards) for call in uk.calls + emea.calls)
    for authorization in uk.authorizations + emea.authorizations:
        assert authorization is not None
        assert token_service.issued[authorization.removeprefix("Bearer ")] == (
            APP_ID,
            AUTHORITY,
            (BOT_FRAMEWORK_SCOPE,),
        )
    assert len(token_service.requests) == 2


def _outgoing_activities() -> list[tuple[str, Activity]]:
    """Activities shaped as the bot sends them: replies (conversation and parties from an incoming activity), cards,
    summaries, mentions, suggested actions, channel data, typing, and one with a timestamp (which msrest itself
    serializes)."""
    from botbuilder.core import CardFactory, MessageFactory
    from botbuilder.schema import (
        ActivityTypes,
        CardAction,
        ChannelAccount,
        Entity,
        Mention,
        SuggestedActions,
    )

    from bot.routes import menu
    from dialogs.activities import card_activity

    def reply_to(incoming: dict[str, Any], activity: Activity) -> Activity:
        reference = TurnContext.get_conversation_reference(Activity().deserialize(incoming))
        return TurnContext.apply_conversation_reference(activity, reference)

    card = card_activity(menu("A notice with “quotes”, £ and an emoji 🙂"))
    card.text = "Menu"
    card.summary = "Menu: what you can do"
    mention = Mention(
        mentioned=ChannelAccount(id="29:sam", name="Sam Staff"), text="<at>Sam Staff</at>", type="mention"
    )
    mentioned = MessageFactory.text("<at>Sam Staff</at> please look")
    mentioned.entities = [mention, Entity(type="clientInfo")]
    suggested = MessageFactory.text("Which one?")
    suggested.suggested_actions = SuggestedActions(
        actions=[CardAction(type="imBack", title="Jane", value="Jane"), CardAction(type="imBack", title="", value=1)],
        to=["29:sam"],
    )
    notified = MessageFactory.attachment(CardFactory.adaptive_card({"type": "AdaptiveCard", "version": "1.5"}))
    notified.channel_data = {"notification": {"alert": True}, "empty": {}, "list": []}
    notified.summary = ""
    timed = MessageFactory.text("timed")
    timed.timestamp = datetime.now(UTC)
    incoming = message(SAM, "hi", "http://x/")
    return [
        ("a card in reply", reply_to(incoming, card)),
        ("a card on its own", card_activity(menu(""))),
        ("mentions and an unknown entity", reply_to(incoming, mentioned)),
        ("suggested actions", reply_to(incoming, suggested)),
        ("channel data and an empty summary", reply_to(incoming, notified)),
        ("typing", reply_to(incoming, Activity(type=ActivityTypes.typing))),
        ("a timestamp (left to msrest)", reply_to(incoming, timed)),
    ]


@pytest.mark.parametrize(("shape", "activity"), _outgoing_activities(), ids=lambda v: v if isinstance(v, str) else "")
def test_outgoing_activities_are_sent_exactly_as_msrest_would_serialize_them(shape: str, activity: Activity) -> None:
    """plain_json copies the activity instead of letting msrest walk it: the JSON sent must be the same."""
    from botframework.connector import models
    from msrest import Serializer

    from bot.connector_transport import PlainJsonSerializer

    classes = {name: value for name, value in models.__dict__.items() if isinstance(value, type)}
    before = json.dumps(Serializer(classes).body(activity, "Activity"), sort_keys=True)
    ours = PlainJsonSerializer(classes).body(activity, "Activity")
    theirs = Serializer(classes).body(activity, "Activity")
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True), shape
    assert json.dumps(Serializer(classes).body(activity, "Activity"), sort_keys=True) == before  # left as it was


def test_values_plain_json_does_not_know_are_left_to_msrest() -> None:
    from botbuilder.schema import Attachment

    from bot.activity_json import NotPlain, plain_json

    with pytest.raises(NotPlain):
        plain_json(Activity(type="message", timestamp=datetime.now(UTC)))
    with pytest.raises(NotPlain):
        plain_json(Activity(type="message", attachments=[Attachment(content_type="x", content=b"bytes")]))
    assert plain_json(Activity(type="message", text="hi", attachments=[])) == {
        "type": "message",
        "text": "hi",
        "attachments": [],
    }
