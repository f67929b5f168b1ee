"""Every setting the app reads is named in .env.example, so IT can see what there is to set without reading code."""

from __future__ import annotations

import re
from pathlib import Path

from settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def test_every_setting_is_named_in_env_example() -> None:
    named = set(re.findall(r"^#?\s*([A-Za-z_][A-Za-z0-9_]*)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
    settings = {field.alias or name for name, field in Settings.model_fields.items()}
    assert settings - named == set(), "add these to .env.example (commented, with their default)"
