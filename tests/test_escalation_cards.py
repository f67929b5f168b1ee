"""The decision card's wording, built from a view alone (the flows that post it are tested end to end)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cards.escalation import decision_card
from casework.views import EscalationView, EvidenceLine
from casework.vocabulary import EscalationState
from tests.card_schema import card_problems
from tests.teams import all_text

WHEN = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def view_with(evidence: int) -> EscalationView:
    lines = tuple(EvidenceLine(f"INC-2026-{n:04d}", WHEN, "Telephone", ("Abusive",)) for n in range(1, evidence + 1))
    return EscalationView(
        escalation_id=1,
        customer_name="Jane Smith",
        kind_label="Formal warning",
        reason="Third abusive call.",
        requested_by_id="morgan",
        requested_by_name="Morgan Manager",
        requested_at=WHEN,
        state=EscalationState.PENDING,
        evidence=lines,
        basis=(),
    )


@pytest.mark.parametrize(("evidence", "says"), [(1, "(1 incident)"), (2, "(2 incidents)"), (0, "(0 incidents)")])
def test_the_evidence_line_counts_incidents_in_words(evidence: int, says: str) -> None:
    card = decision_card(view_with(evidence))
    assert says in all_text(card)
    assert card_problems(card) == []
