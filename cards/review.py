"""The reminder a case owner gets when a review falls due (s13)."""

from __future__ import annotations

from cards.common import Card, envelope, facts, heading, london_date, text
from casework.types import DueReview, MeasureKind


def review_reminder(review: DueReview) -> Card:
    what = "restriction" if review.measure_kind is MeasureKind.RESTRICTION else "formal warning"
    return envelope(
        [
            heading(f"Review due: {review.customer_name}", color="Warning"),
            facts(
                [
                    ("What", f"The {what} on {review.customer_name}"),
                    ("Review due", london_date(review.due_at)),
                ]
            ),
            text(
                "If there have been no further unacceptable actions the restriction is lifted and the customer "
                "told (s13.1); otherwise it may be extended by 3 months (s13.2)."
            ),
        ]
    )
