"""Teams-shaped activities, as the Bot Connector delivers them to /api/messages."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

TENANT = "00000000-0000-0000-0000-0000000000ad"
TEAM_CHANNEL = "19:determination-team@thread.tacv2"
GROUP_CHAT = "19:front-desk-group@thread.v2"
"""A group chat of staff with the bot added: everyone in it reads what the bot says there."""
BOT_MENTION = "<at>UCA bot</at>"
_ids = itertools.count(1)


@dataclass(frozen=True)
class User:
    aad_object_id: str
    name: str

    @property
    def personal_conversation(self) -> str:
        return f"a:personal-{self.aad_object_id}"


SAM = User("00000000-0000-0000-0000-0000000000a1", "Sam Staff")
MORGAN = User("00000000-0000-0000-0000-0000000000a2", "Morgan Manager")
HARPER = User("00000000-0000-0000-0000-0000000000b1", "Harper Safety")
CASEY = User("00000000-0000-0000-0000-0000000000b2", "Casey Experience")
CAST = (SAM, MORGAN, HARPER, CASEY)
"""The tests' usual staff: a running bot has them on the administrator's list (tests/conftest.start_bot)."""
UMA = User("00000000-0000-0000-0000-0000000000f1", "Uma Unlisted")
"""Someone in the tenant whom no administrator has listed and no configured roster holds: not staff."""


def _base(
    user: User, service_url: str, conversation_id: str, conversation_type: str, tenant: str = TENANT
) -> dict[str, Any]:
    return {
        "id": f"incoming-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-11-28T10:00:00.000Z",
        "from": {"id": f"29:{user.aad_object_id}", "aadObjectId": user.aad_object_id, "name": user.name},
        "recipient": {"id": "28:bot-id", "name": "UCA bot"},
        "conversation": {"id": conversation_id, "conversationType": conversation_type, "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
    }


def message(user: User, text: str, service_url: str, *, channel: bool = False, tenant: str = TENANT) -> dict[str, Any]:
    conversation = TEAM_CHANNEL if channel else user.personal_conversation
    activity = _base(user, service_url, conversation, "channel" if channel else "personal", tenant)
    activity.update(type="message", text=text)
    return activity


def group_message(user: User, text: str, service_url: str) -> dict[str, Any]:
    """A message in the group chat: there the bot hears only messages that @mention it, as Teams marks them."""
    activity = _base(user, service_url, GROUP_CHAT, "groupChat")
    activity.update(
        type="message",
        text=f"{BOT_MENTION} {text}",
        entities=[{"type": "mention", "mentioned": {"id": "28:bot-id", "name": "UCA bot"}, "text": BOT_MENTION}],
    )
    return activity


def group_submit(user: User, value: dict[str, Any], service_url: str) -> dict[str, Any]:
    """An Action.Submit click on a card in the group chat."""
    activity = _base(user, service_url, GROUP_CHAT, "groupChat")
    activity.update(type="message", value=value)
    return activity


def submit(user: User, value: dict[str, Any], service_url: str, *, channel: bool = False) -> dict[str, Any]:
    """An Action.Submit click: a message whose value holds the card's data and inputs."""
    conversation = TEAM_CHANNEL if channel else user.personal_conversation
    activity = _base(user, service_url, conversation, "channel" if channel else "personal")
    activity.update(type="message", value=value)
    return activity


def execute(
    user: User, verb: str, data: dict[str, Any], service_url: str, reply_to_id: str, *, channel: bool = True
) -> dict[str, Any]:
    """An Action.Execute click: an adaptiveCard/action invoke in the conversation that holds the card."""
    conversation = TEAM_CHANNEL if channel else user.personal_conversation
    activity = _base(user, service_url, conversation, "channel" if channel else "personal")
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        replyToId=reply_to_id,
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    )
    return activity


def inputs_of(card: dict[str, Any]) -> dict[str, str]:
    """What a Teams client submits untouched: every input's current value, including hidden containers'."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input.") and "id" in node:
                found[node["id"]] = str(node.get("value", ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body", []))
    return found


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def rendered(markdown: str) -> str:
    """The characters a markdown string shows once its backslash escapes are read (CommonMark: a backslash before
    ASCII punctuation stands for that character), as Teams renders a TextBlock or a Fact."""
    return _ESCAPED.sub(r"\1", markdown)


def all_text(card: dict[str, Any]) -> str:
    """Every string on a card, to assert on what a person would read: TextBlock text and facts as rendered (their
    escapes read), input labels, choice and button titles as they are (they are not markdown)."""
    found: list[str] = []

    def walk(node: Any, in_facts: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value", "label") and isinstance(value, str):
                    is_markdown = key == "text" or (in_facts and key in ("title", "value"))
                    found.append(rendered(value) if is_markdown else value)
                walk(value, key == "facts")
        elif isinstance(node, list):
            for item in node:
                walk(item, in_facts)

    walk(card)
    return "\n".join(found)
