"""Structured JSON logs, one object a line, each carrying the correlation id of the turn it belongs to."""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")


def new_correlation_id() -> str:
    value = uuid.uuid4().hex[:12]
    correlation_id.set(value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": correlation_id.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class PathOnlyAccessLogger(AbstractAccessLogger):
    """aiohttp's access log without query strings: a letter link's signature is a bearer token, and a log is read by
    more people than may open letters."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %d %.1f ms",
            request.remote or "-",
            request.method,
            request.rel_url.path,
            response.status,
            time * 1000,
        )


def describe_failure(error: BaseException) -> str:
    """An exception for the log without its messages: each type in the chain (cause or context) with the frames it
    passed through. Messages are left out because a database error's carries the statement's values, and a
    validation error's what a person typed."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        where = " <- ".join(
            f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}" for frame in frames[::-1]
        )
        parts.append(f"{type(current).__module__}.{type(current).__qualname__} at {where or 'unknown'}")
        current = current.__cause__ or current.__context__
    return "; caused by ".join(parts)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # msrest warns on every card click that Teams' `trigger` field is not in botbuilder's model: noise, not news.
    logging.getLogger("msrest.serialization").setLevel(logging.ERROR)
