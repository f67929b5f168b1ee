"""Reads the council's letter settings (letters/council.toml by default) with tomllib."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casework.configuration import CouncilDetails

DEFAULT_FILE = Path(__file__).parent / "council.toml"


@dataclass(frozen=True)
class CouncilTemplate:
    details: CouncilDetails
    logo: Path | None
    """The logo to print at the top, if the file exists."""


def load_council(path: Path | str = DEFAULT_FILE) -> CouncilTemplate:
    file = Path(path)
    data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    ombudsman: dict[str, Any] = data.get("ombudsman", {})
    defaults = CouncilDetails()
    details = CouncilDetails(
        name=str(data.get("name", "")),
        address=tuple(str(line) for line in data.get("address", [])),
        complaints_url=str(data.get("complaints_url", "")),
        complaints_process=str(data.get("complaints_process", "")),
        signatory_name=str(data.get("signatory_name", "")),
        signatory_title=str(data.get("signatory_title", "")),
        ombudsman_name=str(ombudsman.get("name", defaults.ombudsman_name)),
        ombudsman_phone=str(ombudsman.get("phone", defaults.ombudsman_phone)),
        ombudsman_website=str(ombudsman.get("website", defaults.ombudsman_website)),
    )
    logo = None
    if data.get("logo"):
        candidate = Path(str(data["logo"]))
        candidate = candidate if candidate.is_absolute() else file.parent / candidate
        logo = candidate if candidate.is_file() else None
    return CouncilTemplate(details, logo)
