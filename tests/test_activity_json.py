"""Incoming activities read without msrest's walk (bot/activity_json.py, issue 13) must be the models msrest's own
`Activity().deserialize` makes: every attribute, nested model, list, date and unknown key alike."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity
from msrest.serialization import Model

from bot.activity_json import NotPlain, activity_from_json, model_from_json
from tests.teams import HARPER, SAM, execute, group_message, group_submit, message, submit

SERVICE = "https://smba.trafficmanager.net/uk/"

TEAMS_MESSAGE: dict[str, Any] = {
    **message(SAM, "check Jane Smith", SERVICE),
    "timestamp": "2026-12-01T22:00:00.1234567Z",
    "localTimestamp": "2026-12-01T22:00:00.123+00:00",
    "localTimezone": "Europe/London",
    "textFormat": "plain",
    "locale": "en-GB",
    "attachments": [{"contentType": "text/html", "content": "<div>check Jane Smith</div>"}],
    "entities": [{"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web"}],
    "channelData": {"tenant": {"id": "tenant-1"}, "settings": {"selectedChannel": {"id": "19:x"}}},
}
"""A message as Teams sends one, with what the test builders leave out."""


def _incoming() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("Teams message", TEAMS_MESSAGE),
        ("personal message", message(SAM, "help", SERVICE)),
        ("channel message", message(HARPER, "stats", SERVICE, channel=True)),
        ("group message with a mention", group_message(SAM, "check Jane", SERVICE)),
        ("Action.Submit", submit(SAM, {"verb": "incident.submit", "n": 3, "ok": True, "list": [1, None]}, SERVICE)),
        ("group Action.Submit", group_submit(SAM, {"verb": "x"}, SERVICE)),
        ("Action.Execute invoke", execute(HARPER, "escalation.approve", {"escalation_id": 7}, SERVICE, "a-1")),
        (
            "conversationUpdate",
            {
                **message(SAM, "", SERVICE),
                "type": "conversationUpdate",
                "membersAdded": [{"id": "28:bot", "name": "UCA"}, {"id": "29:sam", "aadObjectId": "aad-sam"}],
                "text": None,
            },
        ),
        (
            "unknown keys everywhere",
            {**message(SAM, "hi", SERVICE), "brandNew": {"a": 1}, "from": {"id": "29:s", "x": 2}},
        ),
        ("numbers where text is expected (left to msrest)", {**message(SAM, "hi", SERVICE), "id": 12345}),
        ("a dictionary type (left to msrest)", {**message(SAM, "hi", SERVICE), "semanticAction": {"entities": {}}}),
    ]


def _as_data(value: Any) -> Any:
    """A model as nested plain values, with its class and every attribute (additional_properties included)."""
    if isinstance(value, Model):
        return {"__class__": type(value).__name__, **{k: _as_data(v) for k, v in vars(value).items()}}
    if isinstance(value, list):
        return [_as_data(item) for item in value]
    if isinstance(value, dict):
        return {k: _as_data(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("shape", "body"), _incoming(), ids=[shape for shape, _ in _incoming()])
def test_an_incoming_activity_is_the_model_msrest_would_make(shape: str, body: dict[str, Any]) -> None:
    assert _as_data(activity_from_json(body)) == _as_data(Activity().deserialize(body)), shape


def test_what_the_plain_reader_does_not_know_it_leaves_to_msrest() -> None:
    with pytest.raises(NotPlain):
        model_from_json(Activity, {**message(SAM, "hi", SERVICE), "id": 12345})
    with pytest.raises(NotPlain):
        model_from_json(Activity, {"type": "message", "semanticAction": {"entities": {}}})
    read = model_from_json(Activity, TEAMS_MESSAGE)
    assert read.timestamp is not None and read.timestamp.year == 2026
    assert read.conversation.additional_properties == {"tenantId": TEAMS_MESSAGE["conversation"]["tenantId"]}
