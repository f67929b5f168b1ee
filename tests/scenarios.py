"""Scenario builders and the configuration the casework tests share, so each test states only what it is about."""

from __future__ import annotations

from datetime import timedelta

from casework.configuration import Clock, CouncilDetails, DecisionRules
from casework.dependencies import Dependencies
from casework.entities import LetterContent

RULES = DecisionRules()
"""The policy's default decision rules (a formal warning needs one approval, a restriction two)."""

COUNCIL = CouncilDetails(
    name="Test District Council",
    address=("Council Offices", "High Street", "Testtown", "TT1 1AA"),
    complaints_url="https://www.example.gov.uk/complaints",
    complaints_process="Write to the Complaints Officer within 28 days.",
    signatory_name="Pat Signer",
    signatory_title="Customer Strategy and Services Lead",
)
"""The council's details for letters, as letters/council.toml gives them in the app."""


def placeholder_docx(content: LetterContent) -> bytes:
    """Stands in for the .docx renderer where a test is not about the letter's file."""
    return f"docx of {content.reference}".encode()


def dependencies(clock: Clock) -> Dependencies:
    """What create_app binds into the use cases, with the tests' clock."""
    return Dependencies(
        clock=clock, rules=RULES, council=COUNCIL, render=placeholder_docx, review_lead=timedelta(days=7)
    )
