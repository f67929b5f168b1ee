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


class RequestAlreadyPending(CaseworkError):
    """The same kind of decision is already waiting for the determination team about this customer: one request
    each, so the team never decides the same thing twice (issue 18). Names the pending one to open instead."""

    def __init__(self, message: str, escalation_id: int, *, on_the_team: bool, awaits_your_answer: bool) -> None:
        super().__init__(message)
        self.escalation_id = escalation_id
        self.on_the_team = on_the_team
        """The requester may open its decision card (s2.6: the team's own)."""
        self.awaits_your_answer = awaits_your_answer
        """The team has asked this requester a question about it, not yet answered."""


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
