"""Domain errors: each becomes a clear message for the person, never a stack trace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.views import CustomerOption


class CaseworkError(Exception):
    """A request the policy or the record does not allow; the message is shown to the user."""


WHOLE_FORM = "form"
"""The errors key for a problem with a form as a whole rather than one field (cards show it at the top)."""


class InvalidSubmission(CaseworkError):
    """A form came back with fields that fail validation; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Some fields need attention.")
        self.errors = errors


class CustomerChoiceNeeded(InvalidSubmission):
    """Several customers could be the one meant, or a new one looks like an existing one: a person must choose."""

    def __init__(self, options: Sequence[CustomerOption]) -> None:
        super().__init__({"customer_id": "Choose the customer, or confirm that this is someone new."})
        self.options = tuple(options)


class AccessRefused(CaseworkError):
    """The person may not see or do this (need to know, or not their decision)."""


class NotFound(CaseworkError):
    pass


class DecisionRefused(CaseworkError):
    pass


class RecordsUnavailable(CaseworkError):
    """The database could not be reached (or did not answer) in time: nothing was recorded."""

    def __init__(self) -> None:
        super().__init__(RECORDS_UNAVAILABLE)


RECORDS_UNAVAILABLE = (
    "The case records cannot be reached right now; nothing was recorded. Please try again in a few minutes."
)


class AlreadyRecorded(CaseworkError):
    """The same decision or reminder was already recorded by another click, retry or instance."""


class CorrectionWindowPassed(AccessRefused):
    """The reporter's own window for correcting their report has passed (policy.INCIDENT_CORRECTION_WINDOW): told
    to them, who know the incident, unlike a refusal to anyone else."""
