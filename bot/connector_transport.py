"""Sends the Bot Connector's HTTP calls over one shared aiohttp session (issue 9).

botbuilder's ConnectorClient is an msrest client whose default pipeline sends every call with `requests` on a
worker thread: a thread hop, urllib3's connection pool and requests' per-call environment and proxy lookups cost
about 4 ms of CPU per message, against about 0.5 ms for the same POST with aiohttp. This module swaps only the
pipeline's last two steps, keeping everything else msrest and botbuilder do:

- msrest still builds each request (URL, serialized activity) and still turns the answer into a ResourceResponse
  or raises ErrorResponseException with the response's status and headers (bot/notifier.py retries on those).
- The bearer token still comes from the client's own credentials through `signed_session`, exactly as msrest's
  credentials policy does: the same MSAL token cache, the same rule for when no token is sent (development mode).
- aiohttp honours HTTP(S)_PROXY like requests (trust_env), so a council's proxy keeps working.
"""

from __future__ import annotations

import asyncio
from typing import Any

import requests
from aiohttp import ClientConnectorError, ClientSession, ClientTimeout, TCPConnector
from msrest.pipeline import Request, Response
from msrest.pipeline.async_abc import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http.aiohttp import AioHttpClientResponse

CONNECT_ATTEMPTS = 3
"""A refused connection never reached the connector, so it is safe to try again (urllib3 did the same)."""


class SharedHttpSession:
    """One aiohttp session for every connector client of the process, made on first use inside the event loop."""

    def __init__(self, timeout_seconds: float = 30.0) -> None:
        self._timeout = ClientTimeout(total=timeout_seconds)
        self._session: ClientSession | None = None

    def get(self) -> ClientSession:
        if self._session is None or self._session.closed:
            self._session = ClientSession(
                connector=TCPConnector(limit=100, ttl_dns_cache=300), timeout=self._timeout, trust_env=True
            )
        return self._session

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
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                answer = await self._session.get().request(
                    http_request.method, http_request.url, headers=http_request.headers, data=http_request.data
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


def send_with_shared_session(client: Any, session: SharedHttpSession) -> Any:
    """Points an msrest ConnectorClient's pipeline at the shared session; returns the same client."""
    config = client.config
    policies: list[Any] = [config.user_agent_policy, RawDeserializer(), config.http_logger_policy]
    if config.credentials is not None:
        policies.insert(1, SignedRequestPolicy(config.credentials))
    config.pipeline = AsyncPipeline(policies, AiohttpSender(session))
    return client
