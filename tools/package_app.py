"""Builds the Teams app package: `make package`, or `python tools/package_app.py [--dev]`.

Fills the `${{NAME}}` placeholders of manifest/manifest.json from the environment and .env (the environment wins, as
for the app's own settings), writes the bot's command lists from its routes table (bot/routes.py), and writes build/uca-bot-teams-app.zip holding exactly manifest.json, color.png and
outline.png, ready to upload in the Teams admin centre or the Developer Portal. Missing or malformed values stop it
with a message naming each one. `--dev` fills whatever is missing with the Agents Playground's fake values (for a try-out
and for the tests; never upload that package to a real tenant). `--print-manifest` prints the filled manifest instead,
e.g. for Microsoft's own validator: `... --print-manifest | node tools/manifest-schema/validate.mjs -`.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.routes import manifest_command_lists

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_DIR = ROOT / "manifest"
OUTPUT = ROOT / "build" / "uca-bot-teams-app.zip"
PACKAGE_FILES = ("manifest.json", "color.png", "outline.png")
ICON_SIZES = {"color.png": 192, "outline.png": 32}
PLACEHOLDER = re.compile(r"\$\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")

GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")

# What each placeholder means, as told to whoever has to set it.
HELP = {
    "TEAMS_APP_ID": "the Teams app's own id, a GUID: make one once (python -c 'import uuid; print(uuid.uuid4())') "
    "and keep it, since Teams knows the app by it",
    "MicrosoftAppId": "the Azure Bot's app registration (client) id, a GUID",
    "BOT_DOMAIN": "the host name the bot is served on, e.g. uca-bot.azurewebsites.net (no https://, no path)",
    "COUNCIL_NAME": "the council's name as the app's developer, at most 32 characters",
    "COUNCIL_WEBSITE_URL": "the council's website, https://…",
    "COUNCIL_PRIVACY_URL": "the privacy notice covering this app, https://…",
    "COUNCIL_TERMS_URL": "the terms of use for this app, https://…",
    "APP_VERSION": "the app package's version x.y.z (defaults to pyproject.toml's); raise it for every upload",
}

# The Agents Playground's fake values (.m365agentsplayground.yml's bot id), for --dev only.
DEV_VALUES = {
    "TEAMS_APP_ID": "00000000-0000-0000-0000-0000000000a0",
    "MicrosoftAppId": "00000000-0000-0000-0000-0000000000b0",
    "BOT_DOMAIN": "localhost",
    "COUNCIL_NAME": "Example District Council",
    "COUNCIL_WEBSITE_URL": "https://www.example.gov.uk/",
    "COUNCIL_PRIVACY_URL": "https://www.example.gov.uk/privacy",
    "COUNCIL_TERMS_URL": "https://www.example.gov.uk/terms",
}


class PackagingError(Exception):
    """The package cannot be built; the message says why and what to do."""


class PackageSettings(BaseSettings):
    """The values the manifest needs, from the environment or .env (field aliases are the placeholder names)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    teams_app_id: str = Field("", alias="TEAMS_APP_ID")
    app_id: str = Field("", alias="MicrosoftAppId")
    bot_domain: str = Field("", alias="BOT_DOMAIN")
    council_name: str = Field("", alias="COUNCIL_NAME")
    council_website_url: str = Field("", alias="COUNCIL_WEBSITE_URL")
    council_privacy_url: str = Field("", alias="COUNCIL_PRIVACY_URL")
    council_terms_url: str = Field("", alias="COUNCIL_TERMS_URL")
    app_version: str = Field("", alias="APP_VERSION")


def read_settings(env_file: Path | None = ROOT / ".env") -> dict[str, str]:
    """Placeholder name -> value, from the environment, then `env_file` (if it exists)."""
    settings = PackageSettings(_env_file=env_file if env_file and env_file.exists() else None)
    return {
        str(field.alias): str(getattr(settings, name)).strip() for name, field in PackageSettings.model_fields.items()
    }


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def placeholders(node: Any) -> set[str]:
    """Every placeholder name used in a JSON document's strings."""
    if isinstance(node, str):
        return set(PLACEHOLDER.findall(node))
    if isinstance(node, dict):
        return set().union(*(placeholders(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(placeholders(value) for value in node))
    return set()


def _problem(name: str, value: str) -> str | None:
    if name in ("TEAMS_APP_ID", "MicrosoftAppId") and not GUID.fullmatch(value):
        return f"{name}={value!r} is not a GUID"
    if name == "BOT_DOMAIN" and not HOST.fullmatch(value):
        return f"BOT_DOMAIN={value!r} is not a host name (no https://, port or path), e.g. uca-bot.azurewebsites.net"
    if name.endswith("_URL") and not re.fullmatch(r"https://[^\s/]+(/\S*)?", value):
        return f"{name}={value!r} is not an https:// address"
    if name == "COUNCIL_NAME" and len(value) > 32:
        return f"COUNCIL_NAME={value!r} is {len(value)} characters; Teams allows 32"
    if name == "APP_VERSION" and not SEMVER.fullmatch(value):
        return f"APP_VERSION={value!r} is not a version like 1.2.3"
    return None


def resolve(needed: set[str], settings: Mapping[str, str], dev: bool = False) -> dict[str, str]:
    """The value for each needed placeholder; raises PackagingError naming every missing or malformed one."""
    unknown = sorted(needed - HELP.keys())
    if unknown:
        raise PackagingError(f"manifest.json uses placeholders package_app.py does not know: {', '.join(unknown)}")
    values = {name: settings.get(name, "").strip() for name in sorted(needed)}
    if "APP_VERSION" in values and not values["APP_VERSION"]:
        values["APP_VERSION"] = project_version()
    if dev:
        values = {name: value or DEV_VALUES.get(name, "") for name, value in values.items()}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise PackagingError(
            "Cannot build the Teams app package: these settings are empty (set them in the environment or .env, "
            "or use --dev for a try-out package with fake values):\n"
            + "\n".join(f"  {name}: {HELP[name]}" for name in missing)
        )
    problems = [problem for name, value in values.items() if (problem := _problem(name, value))]
    if problems:
        raise PackagingError("Cannot build the Teams app package:\n" + "\n".join(f"  {p}" for p in problems))
    return values


def fill(node: Any, values: Mapping[str, str]) -> Any:
    """The JSON document with each placeholder in its strings replaced (values land in strings, never in JSON)."""
    if isinstance(node, str):
        return PLACEHOLDER.sub(lambda match: values[match.group(1)], node)
    if isinstance(node, dict):
        return {key: fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [fill(value, values) for value in node]
    return node


def filled_manifest(
    settings: Mapping[str, str], dev: bool = False, manifest_dir: Path = MANIFEST_DIR
) -> dict[str, Any]:
    template = json.loads((manifest_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest: dict[str, Any] = fill(template, resolve(placeholders(template), settings, dev))
    # The commands Teams suggests are the ones the bot answers, whatever the committed copy says.
    manifest["bots"][0]["commandLists"] = manifest_command_lists()
    return manifest


def png_size(data: bytes) -> tuple[int, int, int]:
    """Width, height and colour type from a PNG's header (6 is RGBA)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PackagingError("not a PNG file")
    width, height, _depth, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, colour_type


def build_package(
    settings: Mapping[str, str], output: Path = OUTPUT, dev: bool = False, manifest_dir: Path = MANIFEST_DIR
) -> Path:
    """Writes the zip (atomically) and returns its path."""
    manifest = filled_manifest(settings, dev, manifest_dir)
    icons = {name: (manifest_dir / name).read_bytes() for name in ICON_SIZES}
    for name, side in ICON_SIZES.items():
        width, height, colour_type = png_size(icons[name])
        if (width, height) != (side, side):
            raise PackagingError(f"manifest/{name} is {width}x{height}; Teams needs {side}x{side}")
        if name == "outline.png" and colour_type not in (4, 6):
            raise PackagingError("manifest/outline.png has no alpha channel; Teams needs white on transparent")
    output.parent.mkdir(parents=True, exist_ok=True)
    contents = {"manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n", **icons}
    with (
        tempfile.NamedTemporaryFile(dir=output.parent, suffix=".zip", delete=False) as temporary,
        zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name in PACKAGE_FILES:  # fixed order and timestamps: the same input gives the same bytes
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[name])
    Path(temporary.name).replace(output)
    return output


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dev", action="store_true", help="fill missing values with the Playground's fake ones")
    parser.add_argument("--env-file", type=Path, default=ROOT / ".env", help="settings file (default: .env)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"zip to write (default: {OUTPUT})")
    parser.add_argument("--print-manifest", action="store_true", help="print the filled manifest.json, write nothing")
    args = parser.parse_args(argv)
    settings = read_settings(args.env_file)
    try:
        if args.print_manifest:
            print(json.dumps(filled_manifest(settings, args.dev), indent=2, ensure_ascii=False))
            return 0
        output = build_package(settings, args.output, args.dev)
    except PackagingError as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"Wrote {output} ({', '.join(PACKAGE_FILES)})" + (" with fake --dev values: not for a real tenant" * args.dev)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
