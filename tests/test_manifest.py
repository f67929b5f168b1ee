"""The Teams app package: the manifest tools/package_app.py fills validates, offline, against Microsoft's official JSON
schema for its manifestVersion (vendored in tests/schemas/, see the README there), and the zip holds exactly the
manifest and two icons Teams accepts.

The schema is draft-04, but Microsoft validates it with Ajv, whose patterns are ECMA-262 regular expressions with the
`u` flag, and which also enforces `const` and `if`/`then`. Python's jsonschema differs in three ways that matter here,
so the validator below is Draft4Validator extended to match:
- Since 1.23 the schema has `^[\\p{L}][\\p{L}0-9._]*$` (extensionFunction.name); Python's `re` cannot compile `\\p{L}`,
  so `check_schema` fails ("is not a 'regex'") and any instance reaching that pattern raises re.error. Patterns run
  on the `regex` module instead, which has Unicode properties.
- ECMA's `$` is the end of the input; Python's also matches before a final newline, so `"<guid>\\n"` would pass as
  an id. `$` outside a character class becomes `\\Z`.
- Draft4Validator ignores `const` (manifestVersion) and `if`/`then` (used by agentConnectors); they are added.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import io
import json
import re
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import regex
from jsonschema import Draft4Validator, Draft7Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path) -> Any:
    """A script that is not in a package (tools/, manifest/), imported from its file."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


package_app = _load("package_app", ROOT / "tools" / "package_app.py")
DEV_VALUES: dict[str, str] = package_app.DEV_VALUES
PackagingError: type[Exception] = package_app.PackagingError
build_package = package_app.build_package
filled_manifest = package_app.filled_manifest
TEMPLATE = json.loads((ROOT / "manifest" / "manifest.json").read_text(encoding="utf-8"))
VERSION = TEMPLATE["manifestVersion"]
SCHEMA_FILE = Path(__file__).parent / "schemas" / f"teams-manifest-{VERSION}.json"
COUNCIL_BLUE = (0x1F, 0x4E, 0x79)


def ecma_to_python(pattern: str) -> str:
    """An ECMA-262 pattern for the `regex` module: `$` outside a character class means the end of the input only."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return "".join(out)


@functools.cache
def compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(ecma_to_python(pattern))


def _pattern(validator: Any, pattern: str, instance: object, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: object, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if isinstance(instance, dict):
        for pattern, subschema in patterns.items():
            for key, value in instance.items():
                if compiled(pattern).search(key):
                    yield from validator.descend(value, subschema, path=key, schema_path=pattern)


# The formats Microsoft's validator checks (ajv-formats: uri, email, regex) that the schema or its metaschema uses.
FORMATS = FormatChecker(formats=())
URI = regex.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")  # RFC 3986's characters, scheme required


def _is_regex(instance: object) -> bool:
    return not isinstance(instance, str) or compiled(instance) is not None


def _is_uri(instance: object) -> bool:
    return not isinstance(instance, str) or URI.fullmatch(instance) is not None


FORMATS.checks("regex", raises=regex.error)(_is_regex)
FORMATS.checks("uri")(_is_uri)

ManifestValidator = validators.extend(
    Draft4Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "const": Draft7Validator.VALIDATORS["const"],
        "if": Draft7Validator.VALIDATORS["if"],  # reads "then" and "else" beside it
    },
)
# Keywords that assert nothing themselves: annotations, the definitions container, and then/else (read by "if").
NOT_ASSERTIONS = {"$schema", "id", "title", "description", "default", "examples", "definitions", "then", "else"}


@functools.cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8-sig"))
    return loaded


@functools.cache
def validator() -> Any:
    ManifestValidator.check_schema(schema(), format_checker=FORMATS)
    return ManifestValidator(schema(), format_checker=FORMATS)


def schema_problems(manifest: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(manifest)'}: {error.message[:200]}"
        for error in validator().iter_errors(manifest)
    ]


def app_problems(manifest: dict[str, Any]) -> list[str]:
    """What this app needs beyond the schema: its bot, in the scopes and with the commands the bot answers."""
    bots = manifest.get("bots") or []
    if len(bots) != 1:
        return [f"bots: the app needs its one bot, found {len(bots)}"]
    bot = bots[0]
    problems = []
    if set(bot.get("scopes", [])) != {"personal", "team", "groupChat"}:
        problems.append(f"bots/0/scopes: {bot.get('scopes')} should be personal, team and groupChat")
    titles = {
        scope: [c["title"] for c in lst["commands"]] for lst in bot.get("commandLists", []) for scope in lst["scopes"]
    }
    for scope, needed in {
        "personal": {"report", "check", "escalate", "pending", "case", "help"},
        "team": {"pending", "case", "help"},
    }.items():
        if missing := needed - set(titles.get(scope, [])):
            problems.append(f"bots/0/commandLists: {scope} lacks {sorted(missing)}")
    if len(manifest.get("validDomains", [])) != 1:
        problems.append(f"validDomains: {manifest.get('validDomains')} should be the bot's one domain")
    return problems


def manifest_problems(manifest: dict[str, Any]) -> list[str]:
    return schema_problems(manifest) + app_problems(manifest)


@pytest.fixture(scope="module")
def dev_manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = filled_manifest({}, dev=True)
    return manifest


def schema_keywords(node: Any) -> Iterator[str]:
    """Every keyword used in a draft-04 schema's (sub)schemas."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        yield key
        if key in ("properties", "definitions", "patternProperties"):
            for subschema in value.values():
                yield from schema_keywords(subschema)
        elif key in ("items", "anyOf", "allOf", "oneOf"):
            for subschema in value if isinstance(value, list) else [value]:
                yield from schema_keywords(subschema)
        elif key in ("not", "if", "then", "else", "additionalProperties", "additionalItems"):
            yield from schema_keywords(value)
        elif key == "dependencies":
            for dependency in value.values():
                yield from schema_keywords(dependency)


def test_the_vendored_schema_is_the_one_the_manifest_declares() -> None:
    assert SCHEMA_FILE.exists(), f"vendor the schema for {VERSION}: see tests/schemas/README.md"
    assert (
        TEMPLATE["$schema"]
        == f"https://developer.microsoft.com/json-schemas/teams/v{VERSION}/MicrosoftTeams.schema.json"
    )
    assert schema()["properties"]["manifestVersion"]["const"] == VERSION
    assert schema()["$schema"] == "http://json-schema.org/draft-04/schema#"


def test_every_keyword_of_the_schema_is_enforced_and_every_pattern_compiles() -> None:
    validator()  # check_schema: every pattern is a valid (ECMA) regex, every format known
    unknown = set(schema_keywords(schema())) - set(ManifestValidator.VALIDATORS) - NOT_ASSERTIONS
    assert not unknown, f"keywords the validator would silently ignore: {sorted(unknown)}"
    formats = {value for key, value in _walk(schema()) if key == "format"}
    assert formats <= FORMATS.checkers.keys(), f"formats left unchecked: {formats - FORMATS.checkers.keys()}"


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_unicode_property_patterns_run_as_ecma_does() -> None:
    name_pattern = schema()["definitions"]["extensionFunction"]["properties"]["name"]["pattern"]
    assert name_pattern == r"^[\p{L}][\p{L}0-9._]*$"
    with pytest.raises(re.error):
        re.compile(name_pattern)  # why the stdlib engine cannot be used
    names = ManifestValidator({"pattern": name_pattern}, format_checker=FORMATS)
    assert names.is_valid("Émile_2") and names.is_valid("Straße")
    assert not names.is_valid("2fast") and not names.is_valid("no spaces")
    guid = ManifestValidator(schema()["definitions"]["guid"])
    assert guid.is_valid("00000000-0000-0000-0000-0000000000a0")
    assert not guid.is_valid("00000000-0000-0000-0000-0000000000a0\n")  # ECMA `$`; Python's `$` would accept it


def test_the_filled_manifest_is_valid(dev_manifest: dict[str, Any]) -> None:
    assert manifest_problems(dev_manifest) == []


def test_every_placeholder_is_filled_from_the_settings() -> None:
    settings = {
        "TEAMS_APP_ID": "11111111-2222-3333-4444-555555555555",
        "MicrosoftAppId": "66666666-7777-8888-9999-000000000000",
        "BOT_DOMAIN": "uca-bot.azurewebsites.net",
        "COUNCIL_NAME": "Borsetshire District Council",
        "COUNCIL_WEBSITE_URL": "https://www.borsetshire.gov.uk/",
        "COUNCIL_PRIVACY_URL": "https://www.borsetshire.gov.uk/privacy",
        "COUNCIL_TERMS_URL": "https://www.borsetshire.gov.uk/terms",
        "APP_VERSION": "1.4.0",
    }
    manifest = filled_manifest(settings)
    text = json.dumps(manifest)
    assert "${{" not in text and "}}" not in text
    assert manifest["id"] == settings["TEAMS_APP_ID"]
    assert manifest["bots"][0]["botId"] == settings["MicrosoftAppId"]
    assert manifest["validDomains"] == ["uca-bot.azurewebsites.net"]
    assert manifest["developer"]["name"] == "Borsetshire District Council"
    assert manifest["developer"]["privacyUrl"] == "https://www.borsetshire.gov.uk/privacy"
    assert manifest["version"] == "1.4.0"
    assert "Borsetshire District Council staff" in manifest["description"]["full"]
    assert manifest_problems(manifest) == []


def test_the_manifest_describes_this_bot(dev_manifest: dict[str, Any]) -> None:
    assert dev_manifest["name"]["short"] == "Customer actions"
    assert dev_manifest["accentColor"] == "#1F4E79"
    assert dev_manifest["version"] == package_app.project_version()
    lists = {tuple(lst["scopes"]): lst["commands"] for lst in dev_manifest["bots"][0]["commandLists"]}
    personal = [command["title"] for command in lists[("personal",)]]
    assert personal[:5] == ["report", "check", "escalate", "pending", "case"] and personal[-1] == "help"
    assert [command["title"] for command in lists[("team", "groupChat")]] == [
        "pending",
        "case",
        "reviews",
        "stats",
        "help",
    ]
    assert all(0 < len(c["description"]) <= 80 for commands in lists.values() for c in commands)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split("/")

    def change(manifest: dict[str, Any]) -> None:
        node: Any = manifest
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("bots", _DELETE), "bots: the app needs its one bot"),
        (_set("bots/0/scopes/1", "channel"), "bots/0/scopes/1: 'channel' is not one of"),
        (_set("bots/0/commandLists/0/scopes", ["personal", "meetings"]), "bots/0/commandLists/0/scopes/1"),
        (_set("developer", _DELETE), "(manifest): 'developer' is a required property"),
        (_set("manifestVersion", "1.29"), "manifestVersion: '1.30' was expected"),
        (_set("id", DEV_VALUES["TEAMS_APP_ID"] + "\n"), "id: "),
        (_set("bots/0/botId", "not-a-guid"), "bots/0/botId: 'not-a-guid' does not match"),
        (_set("accentColor", "1F4E79"), "accentColor: '1F4E79' does not match"),
        (_set("name/short", "Unacceptable customer actions bot"), "name/short: "),
        (_set("bots/0/supportsCalls", True), "bots/0: Additional properties are not allowed"),
        (_set("$schema", "not a uri"), "$schema: 'not a uri' is not a 'uri'"),
        (
            _set(
                "agentConnectors",
                [{"id": "c", "toolSource": {"remoteMcpServer": {"authorization": {"type": "OAuthPluginVault"}}}}],
            ),
            "agentConnectors/0/toolSource/remoteMcpServer/authorization: 'referenceId' is a required property",
        ),
    ],
)
def test_an_invalid_manifest_is_refused(
    dev_manifest: dict[str, Any], change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    manifest = copy.deepcopy(dev_manifest)
    change(manifest)
    problems = manifest_problems(manifest)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_missing_settings_are_all_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any) -> None:
    for name in package_app.HELP:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / ".env"
    empty.write_text("MicrosoftAppId=66666666-7777-8888-9999-000000000000\n", encoding="utf-8")
    output = tmp_path / "app.zip"
    assert package_app.main(["--env-file", str(empty), "--output", str(output)]) == 1
    message = capsys.readouterr().err
    for name in ("TEAMS_APP_ID", "BOT_DOMAIN", "COUNCIL_NAME", "COUNCIL_WEBSITE_URL", "COUNCIL_PRIVACY_URL"):
        assert f"  {name}: " in message
    assert "MicrosoftAppId" not in message and "APP_VERSION" not in message  # set in the file; defaulted
    assert "--dev" in message and not output.exists()


def test_malformed_settings_are_refused_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("BOT_DOMAIN=good.example.org\nTEAMS_APP_ID=nope\n", encoding="utf-8")
    monkeypatch.setenv("BOT_DOMAIN", "https://uca-bot.azurewebsites.net/api/messages")
    settings = package_app.read_settings(env_file)
    assert settings["BOT_DOMAIN"] == "https://uca-bot.azurewebsites.net/api/messages"
    with pytest.raises(PackagingError) as refused:
        filled_manifest(settings, dev=True)
    assert "BOT_DOMAIN='https://uca-bot.azurewebsites.net/api/messages' is not a host name" in str(refused.value)
    assert "TEAMS_APP_ID='nope' is not a GUID" in str(refused.value)


def test_the_package_holds_exactly_the_manifest_and_two_teams_icons(tmp_path: Path) -> None:
    path = build_package({}, tmp_path / "build" / "uca-bot-teams-app.zip", dev=True)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["manifest.json", "color.png", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    assert manifest == filled_manifest({}, dev=True)
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert color.format == outline.format == "PNG"
    assert color.size == (192, 192) and outline.size == (32, 32)
    assert COUNCIL_BLUE in {rgb for _count, rgb in color.convert("RGB").getcolors(192 * 192) or []}
    assert outline.mode == "RGBA"
    data = outline.tobytes()
    pixels = [data[i : i + 4] for i in range(0, len(data), 4)]
    assert all(pixel[:3] == b"\xff\xff\xff" for pixel in pixels if pixel[3]), "outline: white or transparent only"
    alphas = [pixel[3] for pixel in pixels]
    assert alphas.count(0) > 100 and alphas.count(255) > 100  # a transparent background and a solid white shape
    assert build_package({}, tmp_path / "again.zip", dev=True).read_bytes() == path.read_bytes()  # reproducible


def test_the_committed_icons_are_what_the_generator_draws() -> None:
    icons = _load("manifest_icons", ROOT / "manifest" / "icons.py")
    for name, drawn in (("color.png", icons.color_icon()), ("outline.png", icons.outline_icon())):
        committed = Image.open(ROOT / "manifest" / name)
        assert committed.mode == drawn.mode and committed.size == drawn.size
        worst = max(abs(a - b) for a, b in zip(committed.tobytes(), drawn.tobytes(), strict=True))
        assert worst <= 2, f"{name} differs from manifest/icons.py's drawing; rerun python manifest/icons.py"
