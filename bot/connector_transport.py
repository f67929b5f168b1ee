"""Sends the Bot Connector's HTTP calls over one shared aiohttp session (issue 9).

botbuilder's ConnectorClient is an msrest client whose default pipeline sends every call with `requests` on a
worker thread: a thread hop, urllib3's connection pool and requests' per-call environment and proxy lookups cost
about 4 ms of CPU per message, against about 0.5 ms for the same POST with aiohttp. This module swaps only the
pipeline's last two steps, keeping everything else msrest and botbuilder do:

- msrest still builds each request (URL, serialized activity) and still turns the answer into a ResourceResponse
  or raises ErrorResponseException with the response's status and headers (bot/notifier.py retries on those).
- The bearer token still comes from the client's own credentials through `signed_session`, exactly as msrest's
  credentials policy does: the same MSAL token cache, the same rule for when no token is sent (development mode).
- HTTP(S)_PROXY and NO_PROXY are honoured as requests honours them, looked up once per host rather than per call.
- Adaptive Card contents (plain JSON from cards/) go into the body as they are, and the activity around them is
  copied into JSON by `plain_json` rather than walked by msrest (about 1 ms a message, then 7% of a check turn);
  whatever it does not know is still serialized by msrest.
"""

from __future__ import annotations

import asyncio
from typing import Any

import requests
from aiohttp import BasicAuth, ClientConnectorError, ClientSession, ClientTimeout, TCPConnector
from aiohttp.helpers import get_env_proxy_for_url
from msrest import Serializer
from msrest.pipeline import Request, Response
from msrest.pipeline.async_abc import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline
from msrest.pipeline.universal import RawDeserializer
from msrest.serialization import Model
from msrest.universal_http.aiohttp import AioHttpClientResponse
from yarl import URL

from bot.activity_json import NotPlain, plain_json

CONNECT_ATTEMPTS = 3
"""A refused connection never reached the connector, so it is safe to try again (urllib3 did the same)."""


class SharedHttpSession:
    """One aiohttp session for every connector client of the process, made on first use inside the event loop."""

    def __init__(self, timeout_seconds: float = 30.0) -> None:
        self._timeout = ClientTimeout(total=timeout_seconds)
        self._session: ClientSession | None = None
        self._proxies: dict[tuple[str, str], tuple[URL | None, BasicAuth | None]] = {}

    def get(self) -> ClientSession:
        if self._session is None or self._session.closed:
            self._session = ClientSession(connector=TCPConnector(limit=100, ttl_dns_cache=300), timeout=self._timeout)
        return self._session

    def proxy_for(self, url: URL) -> tuple[URL | None, BasicAuth | None]:
        """The proxy the environment names for this URL's host (None if none or NO_PROXY), remembered per host."""
        key = (url.scheme, url.host or "")
        if key not in self._proxies:
            if len(self._proxies) >= 256:  # Teams has a few service hosts; never grow without limit
                self._proxies.clear()
            try:
                self._proxies[key] = get_env_proxy_for_url(url)
            except LookupError:
                self._proxies[key] = (None, None)
        return self._proxies[key]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class AiohttpSender(AsyncHTTPSender[Any, Any]):
    """The pipeline's last step: sends msrest's prepared request with the shared session and loads the body."""

    def __init__(self, session: SharedHttpSession) -> None:
        self._session = session

    async def __aenter__(self) -> AiohttpSender:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """The session outlives any one client; SharedHttpSession.close() ends it."""

    async def send(self, request: Request[Any], **_config: Any) -> Response[Any, Any]:
        http_request = request.http_request
        url = URL(http_request.url)
        proxy, proxy_auth = self._session.proxy_for(url)
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                answer = await self._session.get().request(
                    http_request.method,
                    url,
                    headers=http_request.headers,
                    data=http_request.data,
                    proxy=proxy,
                    proxy_auth=proxy_auth,
                )
                break
            except ClientConnectorError:
                if attempt == CONNECT_ATTEMPTS:
                    raise
                await asyncio.sleep(0.1 * attempt)
        response = AioHttpClientResponse(http_request, answer)
        await response.load_body()
        return Response(request, response)


class SignedRequestPolicy(AsyncHTTPPolicy[Any, Any]):
    """Adds the client's bearer token, or none, by the credentials' own `signed_session` rule."""

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials
        # signed_session only reads and writes the headers of the session it is given; no request goes through it.
        self._headers_holder = requests.Session()

    async def send(self, request: Request[Any], **kwargs: Any) -> Response[Any, Any]:
        self._credentials.signed_session(self._headers_holder)
        authorization = self._headers_holder.headers.get("Authorization")
        if authorization:
            request.http_request.headers["Authorization"] = authorization
        else:
            request.http_request.headers.pop("Authorization", None)
        assert self.next is not None  # AsyncPipeline links every policy to the next step
        return await self.next.send(request, **kwargs)


class PlainJsonSerializer(Serializer):
    """msrest's serializer for the operations' request bodies, with plain_json first: card contents (plain JSON
    from cards/) go in untouched, and the rest is copied rather than walked twice. Whatever plain_json does not
    know goes through msrest as before."""

    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if isinstance(data, Model) and type(data).__name__ == data_type and not kwargs:
            try:
                return plain_json(data)
            except NotPlain:
                pass
        return super().body(data, data_type, **kwargs)


def send_with_shared_session(client: Any, session: SharedHttpSession) -> Any:
    """Points an msrest ConnectorClient's pipeline at the shared session; returns the same client."""
    client.conversations._serialize = PlainJsonSerializer(client._serialize.dependencies)
    config = client.config
    policies: list[Any] = [config.user_agent_policy, RawDeserializer(), config.http_logger_policy]
    if config.credentials is not None:
        policies.insert(1, SignedRequestPolicy(config.credentials))
    config.pipeline = AsyncPipeline(policies, AiohttpSender(session))
    return client
