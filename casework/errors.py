"""Domain errors: each becomes a clear message for the person, never a stack trace."""

from __future__ import annotations


class CaseworkError(Exception):
    """A request the policy or the record does not allow; the message is shown to the user."""


class InvalidSubmission(CaseworkError):
    """A form came back with fields that fail validation; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Some fields need attention.")
        self.errors = errors


class NotFound(CaseworkError):
    pass


class DecisionRefused(CaseworkError):
    pass


class AlreadyRecorded(CaseworkError):
    """The same decision or reminder was already recorded by another click, retry or instance."""
