"""Authenticate, then authorise, then write (issue 14): the HTTP edge refuses before any database access.

Only Microsoft's cloud is faked: the Bot Framework channel's OpenID metadata (a local server publishing a test RSA
key), tokens signed with that key, and Entra ID's token endpoint at the MSAL boundary.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from botframework.connector.auth import AuthenticationConstants, ChannelValidation, microsoft_app_credentials
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from bot.http import MAX_BODY_BYTES
from cards.verbs import Verb
from storage.database import create_database_engine
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.teams import SAM, TENANT, execute, message, submit
from tests.test_connector_cache import APP_ID, APP_SECRET, APP_TENANT, TokenService

KEY_ID = "security-test-key"


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows every table holds, in one query."""
    tables = sorted(SQLModel.metadata.tables.items())
    query = select(*(select(func.count()).select_from(table).scalar_subquery().label(name) for name, table in tables))
    with engine.connect() as connection:
        return dict(connection.execute(query).one()._mapping)


# ---------------------------------------------------------------- the Bot Framework channel's keys and tokens


@dataclass
class Issuer:
    private_key: rsa.RSAPrivateKey
    public_pem: bytes

    def pem(self, key: rsa.RSAPrivateKey | None = None) -> bytes:
        return (key or self.private_key).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def token(
        self,
        service_url: str,
        *,
        audience: str = APP_ID,
        issuer: str = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        lifetime: int = 3600,
        kid: str = KEY_ID,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 60, "exp": now + lifetime}
        return "Bearer " + jwt.encode(claims, self.pem(key), algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Issuer]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    # Endorsed for webchat too, so a validly signed token for another channel reaches the bot's own channel check.
    jwk.update(kid=KEY_ID, endorsements=["msteams", "webchat"])

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
    monkeypatch.setattr(
        ChannelValidation, "open_id_metadata_endpoint", f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    yield Issuer(key, public_pem)
    server.shutdown()
    server.server_close()


@pytest.fixture
def token_service(monkeypatch: pytest.MonkeyPatch) -> TokenService:
    service = TokenService()
    monkeypatch.setattr(microsoft_app_credentials, "ConfidentialClientApplication", service.application())
    return service


def production_settings(database_url: str) -> Any:
    return make_settings(
        database_url,
        DEVELOPMENT_MODE=False,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword=APP_SECRET,
        MicrosoftAppType="SingleTenant",
        MicrosoftAppTenantId=APP_TENANT,
        ALLOWED_TENANT_IDS=TENANT,
        LETTER_LINK_SECRET="x" * 32,
    )


def _unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return jwt.utils.base64url_encode(json.dumps(value).encode()).decode()

    return f"Bearer {part(header)}.{part(claims)}."


def _token_shapes(issuer: Issuer, url: str) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        "aud": APP_ID,
        "serviceurl": url,
        "nbf": now - 60,
        "exp": now + 3600,
    }
    forged = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # PyJWT refuses to sign HS256 with a PEM key, which is the point; the attacker signs by hand.
    signing_input = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KEY_ID}).encode())
    signing_input += b"." + jwt.utils.base64url_encode(json.dumps(claims).encode())
    hs256 = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(signing_input, issuer.public_pem)
    return {
        "no header": "",
        "not a bearer token": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer a.b.c",
        "alg none": _unsigned(claims, {"alg": "none", "typ": "JWT", "kid": KEY_ID}),
        "HS256 signed with the public key": f"Bearer {signing_input.decode()}.{jwt.utils.base64url_encode(hs256).decode()}",
        "unknown kid": issuer.token(url, kid="no-such-key"),
        "no kid": "Bearer " + jwt.encode(claims, issuer.pem(), algorithm="RS256"),
        "signed by another key": issuer.token(url, key=forged),
        "expired": issuer.token(url, lifetime=-3600),
        "wrong audience": issuer.token(url, audience="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        "Emulator issuer": issuer.token(url, issuer="https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"),
        "another service URL": issuer.token("https://smba.trafficmanager.net/evil/"),
    }


# ---------------------------------------------------------------- each token shape refused with 401


async def test_each_malformed_token_is_refused_with_401_and_a_valid_one_is_answered(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock, issuer: Issuer, token_service: TokenService
) -> None:
    bot = await start_bot(production_settings(sqlite_url), connector, clock)
    try:
        for shape, header in _token_shapes(issuer, connector.url).items():
            status, _ = await bot.post(message(SAM, "help", connector.url), headers={"Authorization": header})
            assert status == 401, shape
        assert connector.calls == []
        # A token for the right bot, channel and service URL: the setup is real, not refusing everything.
        valid = {"Authorization": issuer.token(connector.url)}
        status, _ = await bot.post(message(SAM, "help", connector.url), headers=valid)
        assert status == 200
        assert connector.sent_to(SAM.personal_conversation)
        async with bot.session.get(bot.server.make_url("/healthz")) as response:
            assert (await response.json())["rejected"]["unauthenticated"] == len(_token_shapes(issuer, connector.url))
    finally:
        await bot.close()


async def test_a_valid_token_for_another_channel_or_tenant_is_refused_with_403(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock, issuer: Issuer, token_service: TokenService
) -> None:
    bot = await start_bot(production_settings(sqlite_url), connector, clock)
    try:
        valid = {"Authorization": issuer.token(connector.url)}
        webchat = {**message(SAM, "help", connector.url), "channelId": "webchat"}
        assert (await bot.post(webchat, headers=valid))[0] == 403
        assert (await bot.post(message(SAM, "help", connector.url, tenant="evil-tenant"), headers=valid))[0] == 403
        mixed = message(SAM, "help", connector.url)
        mixed["conversation"]["tenantId"] = "evil-tenant"
        assert (await bot.post(mixed, headers=valid))[0] == 403
        assert connector.calls == []
    finally:
        await bot.close()


# ---------------------------------------------------------------- unauthenticated requests write nothing


async def test_unauthenticated_requests_write_nothing(
    database_url: str, connector: FakeConnector, clock: MutableClock, issuer: Issuer, token_service: TokenService
) -> None:
    engine = create_database_engine(database_url)
    bot = await start_bot(production_settings(database_url), connector, clock)
    try:
        before = row_counts(engine)
        forged_id = {**message(SAM, "help", connector.url)}
        forged_id["from"] = {"id": "29:x", "aadObjectId": "a" * 900_000, "name": "n"}
        huge_nul = message(SAM, "help", connector.url)
        huge_nul["from"] = {"id": "29:x", "aadObjectId": "a" * 70 + "\x00", "name": "n"}
        attempts = [
            message(SAM, "help", connector.url),
            message(SAM, "help", connector.url, tenant="evil-tenant"),
            forged_id,
            huge_nul,
            submit(SAM, {"verb": Verb.MENU_REPORT.value}, connector.url),
            execute(SAM, Verb.ESCALATION_REFRESH.value, {"escalation_id": 1}, connector.url, "card-1"),
        ]
        for shape, header in _token_shapes(issuer, connector.url).items():
            for attempt in attempts:
                async with bot.session.post(
                    bot.server.make_url("/api/messages"), json=attempt, headers={"Authorization": header}
                ) as response:
                    assert response.status in (400, 401, 403, 413), shape
        assert row_counts(engine) == before
        assert connector.calls == []
    finally:
        await bot.close()
        engine.dispose()


async def test_another_tenant_is_refused_and_counted_not_audited(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    engine = create_database_engine(sqlite_url)
    bot = await start_bot(make_settings(sqlite_url, ALLOWED_TENANT_IDS=TENANT), connector, clock)
    try:
        before = row_counts(engine)
        for _ in range(20):
            assert (await bot.post(message(SAM, "help", connector.url, tenant="evil-tenant")))[0] == 403
        assert row_counts(engine) == before
        assert connector.calls == []
        async with bot.session.get(bot.server.make_url("/healthz")) as response:
            assert (await response.json())["rejected"] == {"tenant_not_allowed": 20}
        assert (await bot.post(message(SAM, "help", connector.url)))[0] == 200
    finally:
        await bot.close()
        engine.dispose()


# ---------------------------------------------------------------- bounded at the edge, 4xx never 5xx


def _raw(bot: RunningBot, data: bytes) -> Any:
    return bot.session.post(
        bot.server.make_url("/api/messages"), data=data, headers={"Content-Type": "application/json"}
    )


async def test_a_body_over_the_limit_is_413_before_it_is_read_in_full(bot: RunningBot) -> None:
    activity = message(SAM, "x" * MAX_BODY_BYTES, bot.connector.url)
    async with _raw(bot, json.dumps(activity).encode()) as response:
        assert response.status == 413

    async def chunks() -> Any:  # no Content-Length: the limit holds as the body streams in
        for _ in range(40):
            yield b" " * 10_000

    async with bot.session.post(
        bot.server.make_url("/api/messages"), data=chunks(), headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 413
    assert bot.connector.calls == []


async def test_json_nested_5000_deep_is_400_not_500(bot: RunningBot) -> None:
    for deep in ("[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000, "[" * 200_000):
        async with _raw(bot, deep.encode()) as response:
            assert response.status == 400
    # Brackets inside strings are text, not nesting.
    activity = message(SAM, "[" * 5000, bot.connector.url)
    async with _raw(bot, json.dumps(activity).encode()) as response:
        assert response.status == 200


def _with(activity: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    changed: dict[str, Any] = json.loads(json.dumps(activity))
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("id",), "i" * 257),
        (("from", "id"), "29:" + "f" * 254),
        (("from", "aadObjectId"), "a" * 65),
        (("from", "aadObjectId"), 10**30),
        (("from", "name"), "n" * 257),
        (("conversation", "id"), "c" * 401),
        (("conversation", "tenantId"), ["list"]),
        (("channelData", "tenant", "id"), "t" * 257),
        (("serviceUrl",), 12),
        (("from",), "not an object"),
        (("type",), ["message"]),
        (("text",), "\ud800 lone surrogate"),
        (("text",), "NUL \x00"),
    ],
)
async def test_ids_and_names_too_long_or_of_the_wrong_type_are_400(
    bot: RunningBot, path: tuple[str, ...], value: object
) -> None:
    body = json.dumps(_with(message(SAM, "help", bot.connector.url), path, value)).encode()
    async with _raw(bot, body) as response:
        assert response.status == 400
    assert bot.connector.calls == []


async def test_malformed_invokes_and_card_payloads_are_4xx_or_a_clear_card(bot: RunningBot) -> None:
    url = bot.connector.url
    card = execute(SAM, Verb.ESCALATION_REFRESH.value, {"escalation_id": 1}, url, "card-1")
    refused = [
        _with(card, ("value",), "not an object"),
        _with(card, ("value",), [1, 2]),
        _with(card, ("value", "action"), "x"),
        _with(card, ("value", "action", "data"), [1]),
        _with(card, ("value", "action", "data", "escalation_id"), 10**30),
        _with(card, ("value", "action", "data", "escalation_id"), str(10**30)),
        _with(card, ("name",), "composeExtension/query"),
        _with(card, ("name",), ["adaptiveCard/action"]),
        _with(submit(SAM, {"verb": Verb.ESCALATION_APPROVE.value}, url), ("value", "escalation_id"), str(10**30)),
        _with(card, ("value", "action", "data", "n"), float("nan")),
    ]
    for activity in refused:
        async with _raw(bot, json.dumps(activity).encode()) as response:
            assert 400 <= response.status < 500, activity
    # A verb sent as a list is no verb the bot knows: a clear card, not an error.
    status, body = await bot.post(_with(card, ("value", "action", "verb"), [Verb.ESCALATION_REFRESH.value]))
    assert status == 200
    assert "no longer in use" in json.dumps(body)


# ---------------------------------------------------------------- a property: no 5xx, nothing written when refused

_text = st.text(max_size=40)
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    st.sampled_from(["\ud800", "a\x00b", "x" * 300, "1" * 31, "**bold** [link](https://example.org)"]),
)
_json = st.recursive(
    _scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=8,
)
_verb = st.one_of(st.sampled_from([v.value for v in Verb]), _json)
_id_value = st.one_of(
    st.integers(min_value=-2, max_value=5), st.integers(), st.sampled_from(["1", "x", str(10**30), ""]), _json
)
_card_data = st.dictionaries(
    st.sampled_from(
        ["escalation_id", "incident_id", "review_id", "customer_id", "notes", "answer", "reason", "owner_id", "verb"]
    ),
    st.one_of(_id_value, _text),
    max_size=5,
)


@st.composite
def _activities(draw: st.DrawFn, service_url: str) -> tuple[str, Any]:
    """(kind, activity): well-formed messages, submits and Action.Execute clicks, then any field replaced by
    anything, or the whole body replaced by arbitrary JSON."""
    kind = draw(st.sampled_from(["message", "submit", "execute", "mutated", "mutated", "arbitrary"]))
    if kind == "arbitrary":
        return kind, draw(_json)
    base_kind = draw(st.sampled_from(["message", "submit", "execute"])) if kind == "mutated" else kind
    if base_kind == "message":
        activity = message(
            SAM, draw(st.one_of(st.sampled_from(["help", "report", "check", "cancel"]), _text)), service_url
        )
    elif base_kind == "submit":
        activity = submit(SAM, {"verb": draw(_verb), **draw(_card_data)}, service_url)
    else:
        activity = execute(SAM, "x", draw(_card_data), service_url, draw(_text))
        activity["value"]["action"]["verb"] = draw(_verb)
    if kind == "mutated":
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            path = draw(
                st.sampled_from(
                    [
                        ("type",),
                        ("id",),
                        ("name",),
                        ("channelId",),
                        ("text",),
                        ("value",),
                        ("replyToId",),
                        ("from",),
                        ("from", "id"),
                        ("from", "aadObjectId"),
                        ("from", "name"),
                        ("conversation",),
                        ("conversation", "id"),
                        ("conversation", "conversationType"),
                        ("conversation", "tenantId"),
                        ("channelData",),
                        ("recipient",),
                        ("entities",),
                    ]
                )
            )
            node = activity
            for key in path[:-1]:
                node = node.setdefault(key, {}) if isinstance(node.get(key, {}), dict) else {}
            node[path[-1]] = draw(st.one_of(_json, st.sampled_from(["invoke", "message", "conversationUpdate"])))
    return kind, activity


EXAMPLES = 2000


def test_generated_activities_and_card_payloads_never_get_a_5xx_and_refusals_change_nothing(
    database_url: str, clock: MutableClock
) -> None:
    """One app instance for every example (development mode), on each database: each activity is posted as JSON and
    must be answered below 500; a refused one (4xx) must leave every table's row count as it was."""
    loop = asyncio.new_event_loop()
    connector = FakeConnector()
    loop.run_until_complete(connector.start())
    bot = loop.run_until_complete(start_bot(make_settings(database_url), connector, clock))
    bot.deliver_after_each_post = False
    # Every card's schema is checked elsewhere (the connector fixture); here it would cost ~0.1 s a reply.
    connector.check_cards = False
    engine = create_database_engine(database_url)
    statuses: dict[int, int] = {}
    counts = [row_counts(engine)]
    """The row counts after the last example: nothing else writes (no sweep, no outbox worker)."""

    async def post(body: bytes) -> int:
        async with bot.session.post(
            bot.server.make_url("/api/messages"), data=body, headers={"Content-Type": "application/json"}
        ) as response:
            await response.read()
            return response.status

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=_activities(connector.url))
    def property_(case: tuple[str, Any]) -> None:
        _kind, activity = case
        body = json.dumps(activity, allow_nan=True, ensure_ascii=True).encode()
        status = loop.run_until_complete(post(body))
        statuses[status] = statuses.get(status, 0) + 1
        before, after = counts[-1], row_counts(engine)
        counts.append(after)
        assert status < 500, body[:2000]
        if status >= 400:
            assert after == before, body[:2000]

    try:
        property_()
    finally:
        loop.run_until_complete(bot.close())
        loop.run_until_complete(connector.close())
        loop.close()
        engine.dispose()
    print(f"\n{sum(statuses.values())} generated activities: statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= EXAMPLES
    assert sum(n for status, n in statuses.items() if status >= 500) == 0
