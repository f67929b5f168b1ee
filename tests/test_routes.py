"""The routes table (bot/routes.py) is the one list of what the bot answers: the commands it acts on are the ones its
menu and the Teams manifest offer, every button's verb has one handler, and each click is answered whichever way
Teams sends it. Checked on the table, on the committed manifest and cards' source, and on the running app."""

from __future__ import annotations

import ast
import inspect
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.routes import COMMANDS, VERB_ROUTES, Arrival, CommandList, command_named, manifest_command_lists
from bot.teams_bot import ADAPTIVE_CARD_CONTENT_TYPE, CaseworkBot
from cards.verbs import Verb
from tests.conftest import MutableClock, RunningBot
from tests.fake_connector import Call
from tests.scenarios import register
from tests.teams import SAM, User, all_text, execute, message, submit
from tests.test_layering import imported_modules
from tests.test_manifest import filled_manifest

ROOT = Path(__file__).resolve().parent.parent
NOT_UNDERSTOOD = "Sorry, I didn't understand that."
NO_LONGER_IN_USE = "That button is no longer in use."
FORM_HINT = "Fill in the form above and press its button, or type help."
PERSONAL = ("personal",)
TEAM_AND_GROUP_CHAT = ("team", "groupChat")


def committed_manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((ROOT / "manifest" / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def manifest_commands(manifest: dict[str, Any]) -> dict[tuple[str, ...], list[str]]:
    """Scopes -> command titles, as Teams reads bots[0].commandLists."""
    lists = manifest["bots"][0]["commandLists"]
    return {tuple(entry["scopes"]): [command["title"] for command in entry["commands"]] for entry in lists}


def menu_commands(card: dict[str, Any]) -> list[str]:
    """The commands a menu card lists, as a person reads it: each line that starts with a word in bold."""
    return re.findall(r"^\*\*(\w+)\*\*", all_text(card), flags=re.MULTILINE)


async def replies_to(bot: RunningBot, user: User, activity: dict[str, Any]) -> list[Call]:
    """What the bot sent into the user's 1:1 chat while handling this one activity."""
    before = len(bot.connector.sent_to(user.personal_conversation))
    status, _ = await bot.post(activity)
    assert status == 200
    return bot.connector.sent_to(user.personal_conversation)[before:]


def read(calls: list[Call]) -> str:
    return "\n".join([call.text for call in calls] + [all_text(card) for call in calls for card in call.cards])


def only_card(calls: list[Call]) -> dict[str, Any]:
    (card,) = [card for call in calls for card in call.cards]
    return card


async def menu_the_bot_sends(bot: RunningBot) -> dict[str, Any]:
    return only_card(await replies_to(bot, SAM, message(SAM, "help", bot.connector.url)))


def offered_in(command_list: CommandList) -> list[str]:
    return [command.name for command in COMMANDS if command_list in command.offered_in]


# (a) The commands the bot answers are the ones the menu and the manifest list, scope by scope.


async def test_the_bot_answers_exactly_the_commands_its_menu_and_manifest_list(bot: RunningBot) -> None:
    menu = menu_commands(await menu_the_bot_sends(bot))
    manifest = manifest_commands(committed_manifest())
    assert set(manifest) == {PERSONAL, TEAM_AND_GROUP_CHAT}
    # The menu lists every command; Teams suggests at most 10 a scope, so `stats` is only in the team list.
    assert manifest[PERSONAL] == offered_in(CommandList.PERSONAL)
    assert menu == [command.name for command in COMMANDS]
    assert manifest[TEAM_AND_GROUP_CHAT] == offered_in(CommandList.TEAM_AND_GROUP_CHAT)
    names = [command.name for command in COMMANDS]
    assert sorted(names) == sorted(menu), "every command is in the menu, which is the help people read"

    # Every word the table routes, the menu lists or the manifest offers is one the bot acts on...
    words = {*names, *(alias for command in COMMANDS for alias in command.aliases), *menu}
    words |= {title for titles in manifest.values() for title in titles}
    for word in sorted(words):
        answer = read(await replies_to(bot, SAM, message(SAM, word, bot.connector.url)))
        assert answer and NOT_UNDERSTOOD not in answer, f"{word!r} was not understood"
    # ...and a word that is in none of them is not (so the check above can fail).
    assert NOT_UNDERSTOOD in read(await replies_to(bot, SAM, message(SAM, "weather", bot.connector.url)))


def test_the_committed_and_packaged_manifests_offer_the_tables_commands() -> None:
    assert committed_manifest()["bots"][0]["commandLists"] == manifest_command_lists(), (
        "manifest/manifest.json's commandLists differ from bot/routes.py; copy manifest_command_lists() into it"
    )
    assert filled_manifest({}, dev=True)["bots"][0]["commandLists"] == manifest_command_lists()


def test_each_command_list_fits_what_teams_allows() -> None:
    for entry in manifest_command_lists():
        titles = [command["title"] for command in entry["commands"]]
        assert 0 < len(titles) <= 10 and len(set(titles)) == len(titles), entry["scopes"]
        assert all(0 < len(command["description"]) <= 80 for command in entry["commands"]), entry["scopes"]
        assert all(0 < len(title) <= 32 for title in titles)


def test_each_word_names_one_command_and_every_command_is_offered() -> None:
    words = [word for command in COMMANDS for word in (command.name, *command.aliases)]
    assert [word for word, count in Counter(words).items() if count > 1] == []
    assert all(word == word.lower() and command_named(word.upper()) is command_named(word) for word in words)
    assert all(command.offered_in for command in COMMANDS)


def test_only_the_routes_table_names_commands_and_verbs_in_the_teams_edge() -> None:
    """An if/elif over command words or verb strings elsewhere in bot/ would be a second table that can drift."""
    routed = {word for command in COMMANDS for word in (command.name, *command.aliases)} | {verb.value for verb in Verb}
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
        for path in sorted((ROOT / "bot").glob("*.py"))
        if path.name != "routes.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in routed
    ]
    assert found == []


# (b) Every verb has one handler, and reaches it the way its buttons send it.


def test_every_verb_has_exactly_one_route_and_every_route_is_a_verb() -> None:
    assert all(isinstance(route.verb, Verb) for route in VERB_ROUTES)
    assert Counter(route.verb for route in VERB_ROUTES) == Counter(Verb)


def test_every_handler_the_table_names_is_a_coroutine_method_of_the_bot() -> None:
    handlers = {command.handler for command in COMMANDS} | {route.handler for route in VERB_ROUTES}
    missing = sorted(name for name in handlers if not inspect.iscoroutinefunction(getattr(CaseworkBot, name, None)))
    assert missing == []


def _verbs_named(node: ast.expr) -> list[Verb]:
    """`Verb.X` or `Verb.X.value` in a card builder's source."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Verb":
        return [Verb[node.attr]]
    return []


def verbs_sent_by_cards() -> dict[Verb, set[Arrival]]:
    """Each verb a card builder puts on a button, with how the button sends it: cards.common.execute makes an
    Action.Execute with an Action.Submit fallback, cards.common.submit an Action.Submit, and a literal action dict of
    type Action.Execute (a card's refresh) an invoke only."""
    sent: dict[Verb, set[Arrival]] = {}
    for path in sorted((ROOT / "cards").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("execute", "submit"):
                arrival = Arrival.EITHER if node.func.id == "execute" else Arrival.SUBMIT
                arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            elif isinstance(node, ast.Dict):
                fields = {
                    k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)
                }
                kind = fields.get("type")
                if not (isinstance(kind, ast.Constant) and kind.value == "Action.Execute" and "verb" in fields):
                    continue
                arrival, arguments = Arrival.EXECUTE, [fields["verb"]]
            else:
                continue
            for argument in arguments:
                for verb in _verbs_named(argument):
                    sent.setdefault(verb, set()).add(arrival)
    return sent


def test_every_verb_a_card_sends_is_routed_for_the_way_it_is_sent() -> None:
    sent = verbs_sent_by_cards()
    assert set(sent) == set(Verb), "a verb no card sends is retired: take it out of cards/verbs.py and the table"
    routes = {route.verb: route for route in VERB_ROUTES}
    unrouted = sorted(
        f"{verb.value} as {arrival.name}"
        for verb, arrivals in sent.items()
        for arrival in arrivals
        if arrival not in routes[verb].arrives_as
    )
    assert unrouted == []


def _click(verb: object, arrival: Arrival, url: str) -> dict[str, Any]:
    if arrival is Arrival.EXECUTE:
        return execute(SAM, verb, {}, url, "activity-1", channel=False)  # type: ignore[arg-type]
    return submit(SAM, {"verb": verb}, url)


async def _answer_to(bot: RunningBot, verb: object, arrival: Arrival) -> str:
    """What the clicker reads: the card that replaces the clicked one (Execute) or the messages sent back (Submit)."""
    if arrival is Arrival.EXECUTE:
        status, body = await bot.post(_click(verb, arrival, bot.connector.url))
        assert status == 200 and body["type"] == ADAPTIVE_CARD_CONTENT_TYPE and body["statusCode"] == 200
        return all_text(body["value"])
    return read(await replies_to(bot, SAM, _click(verb, arrival, bot.connector.url)))


async def test_each_click_reaches_its_handler_only_the_ways_its_route_allows(bot: RunningBot) -> None:
    for route in VERB_ROUTES:
        for arrival in (Arrival.EXECUTE, Arrival.SUBMIT):
            answer = await _answer_to(bot, route.verb.value, arrival)
            assert answer, f"{route.verb.value} by {arrival.name} got no answer"
            assert (NO_LONGER_IN_USE in answer) is (arrival not in route.arrives_as), f"{route.verb} by {arrival.name}"


@pytest.mark.parametrize(
    "verb", ["escalation.retired", 5, True, ["escalation.approve"], {"verb": "escalation.approve"}]
)
@pytest.mark.parametrize("arrival", [Arrival.EXECUTE, Arrival.SUBMIT])
async def test_an_unknown_or_malformed_verb_gets_the_menu(bot: RunningBot, verb: object, arrival: Arrival) -> None:
    answer = await _answer_to(bot, verb, arrival)
    assert NO_LONGER_IN_USE in answer and "Report an incident" in answer


# (c) Every word that shows the menu closes an open form, as help always has.


@pytest.mark.parametrize("word", ["help", "hi", "hello", "menu", "Hi", "cancel"])
async def test_a_menu_word_cancels_an_open_form(bot: RunningBot, word: str) -> None:
    url = bot.connector.url
    assert "Submit report" in all_text(only_card(await replies_to(bot, SAM, message(SAM, "report", url))))
    assert FORM_HINT in read(await replies_to(bot, SAM, message(SAM, "He swore at me", url)))  # the form is open

    menu = only_card(await replies_to(bot, SAM, message(SAM, word, url)))
    assert menu_commands(menu) == [command.name for command in COMMANDS]
    after = read(await replies_to(bot, SAM, message(SAM, "He swore at me", url)))
    assert NOT_UNDERSTOOD in after and FORM_HINT not in after, f"{word!r} left the form open"


# (d) Reception, once answered but never offered, is in the menu and the manifest.


async def test_reception_is_offered_in_the_menu_and_the_manifest(bot: RunningBot, clock: MutableClock) -> None:
    assert "reception" in menu_commands(await menu_the_bot_sends(bot))
    assert "reception" in manifest_commands(committed_manifest())[PERSONAL]
    register(bot.database_url, SAM, clock, is_reception=True)
    answer = read(await replies_to(bot, SAM, message(SAM, "reception", bot.connector.url)))
    assert "No letters are waiting at reception" in answer


def test_cards_do_not_import_the_teams_edge() -> None:
    """The menu is rendered from entries bot/routes.py passes in; the arrows run bot -> cards, never back."""
    for path in (ROOT / "cards").rglob("*.py"):
        assert not {m.split(".")[0] for m in imported_modules(path)} & {"bot", "dialogs"}, path
