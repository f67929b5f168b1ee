"""What the app binds once, at start-up, into every use case that asks for it by name (cosmicpython's bootstrap).

A use case declares `clock`, `rules`, `council`, `render`, `review_lead` or `correspondence_review_within` as ordinary required parameters; tests
pass them explicitly, and the app's gateway fills them from here, so no caller in the Teams layer threads
configuration through and no use case falls back to a default of its own."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import timedelta
from functools import cache
from typing import Any

from casework.configuration import Clock, CouncilDetails, DecisionRules
from casework.entities import LetterContent

Renderer = Callable[[LetterContent], bytes]
"""Turns a letter's content into the .docx the customer receives."""


@dataclass(frozen=True)
class Dependencies:
    clock: Clock
    rules: DecisionRules
    council: CouncilDetails
    render: Renderer
    review_lead: timedelta
    """How far ahead a review counts as due for the `reviews` list and the reminders (s13.1)."""
    correspondence_review_within: timedelta
    """How long an item of correspondence on file may wait for its review before the team is told (s16.1)."""
    oversight_minimum_group: int
    """The smallest group an equality monitoring figure is shown for (s4.3; OVERSIGHT_MINIMUM_GROUP)."""

    def for_use_case(self, use_case: Callable[..., Any]) -> dict[str, Any]:
        """The keyword arguments this use case takes from the bound dependencies."""
        return {name: getattr(self, name) for name in _wanted(use_case)}


@cache
def _wanted(use_case: Callable[..., Any]) -> tuple[str, ...]:
    bindable = {f.name for f in fields(Dependencies)}
    return tuple(name for name in inspect.signature(use_case).parameters if name in bindable)
