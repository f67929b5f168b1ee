"""Scheduled reviews of measures (s13), their decisions, and the durable state of each review's reminder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from casework.entities import DueReview, ScheduledReview
from casework.vocabulary import MeasureKind, ReviewOutcome
from storage.repositories.sql_repository import SqlRepository, stored_id
from storage.tables import CustomerRecord, MeasureRecord, Review


class SqlReviews(SqlRepository):
    def schedule(self, measure_id: int, due_at: datetime) -> None:
        self._insert(Review(measure_id=measure_id, due_at=due_at))

    def get(self, review_id: int) -> ScheduledReview | None:
        row = self._session.get(Review, review_id)
        return _review(row) if row else None

    def get_for_update(self, review_id: int) -> ScheduledReview | None:
        # populate_existing: the lock is worth nothing if the session hands back a copy it read before taking it.
        row = self._session.exec(
            select(Review).where(Review.id == review_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        return _review(row) if row else None

    def for_measure(self, measure_id: int) -> Sequence[ScheduledReview]:
        rows = self._session.exec(select(Review).where(Review.measure_id == measure_id).order_by(col(Review.due_at)))
        return [_review(row) for row in rows]

    def save_decision(self, review: ScheduledReview) -> None:
        self._set(
            Review,
            review.id,
            decided_at=review.decided_at,
            decided_by=review.decided_by,
            outcome=review.outcome.value if review.outcome else None,
            reason=review.reason,
            customer_advised=review.customer_advised,
            not_advised_reason=review.not_advised_reason,
        )

    def reassign(self, review_id: int, owner_id: str) -> None:
        # The new owner gets their own reminder.
        self._set(
            Review,
            review_id,
            owner_id=owner_id,
            reminder_sent_at=None,
            reminder_claimed_by=None,
            reminder_claimed_until=None,
        )

    def reschedule(self, review_id: int, due_at: datetime) -> None:
        # Its owner is reminded again, before the new date.
        self._set(
            Review,
            review_id,
            due_at=due_at,
            reminder_sent_at=None,
            reminder_claimed_by=None,
            reminder_claimed_until=None,
            last_escalated_at=None,
        )

    def open_reviews(self, due_before: datetime) -> Sequence[ScheduledReview]:
        rows = self._session.exec(_undecided_of_measures_not_ended(Review.due_at <= due_before))
        return [_review(row) for row in rows]

    def claim_overdue(self, now: datetime, not_since: datetime, limit: int) -> Sequence[ScheduledReview]:
        not_escalated_since = or_(col(Review.last_escalated_at).is_(None), col(Review.last_escalated_at) <= not_since)
        rows = self._session.exec(
            _undecided_of_measures_not_ended(Review.due_at < now, not_escalated_since)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Review)
        ).all()
        for row in rows:
            row.last_escalated_at = now
        self._session.flush()
        return [_review(row) for row in rows]

    def claim_reminders(
        self, remind_from: datetime, now: datetime, claim_until: datetime, claimant: str, limit: int
    ) -> Sequence[DueReview]:
        # SKIP LOCKED lets several PostgreSQL instances sweep at once without waiting on or taking each
        # other's rows; SQLite ignores it (its write lock already makes sweeps take turns).
        rows = self._session.exec(
            select(Review, MeasureRecord, CustomerRecord)
            .join(MeasureRecord, col(MeasureRecord.id) == Review.measure_id)
            .join(CustomerRecord, col(CustomerRecord.id) == MeasureRecord.customer_id)
            .where(
                col(Review.reminder_sent_at).is_(None),
                col(Review.decided_at).is_(None),
                Review.due_at <= remind_from,
                or_(col(Review.reminder_claimed_until).is_(None), col(Review.reminder_claimed_until) < now),
                or_(col(MeasureRecord.ended_at).is_(None), col(MeasureRecord.ended_at) > now),
            )
            .order_by(col(Review.due_at))
            .limit(limit)
            .with_for_update(skip_locked=True, of=Review)
        ).all()
        claimed: list[DueReview] = []
        for review, measure, customer in rows:
            review.reminder_claimed_by = claimant
            review.reminder_claimed_until = claim_until
            claimed.append(
                DueReview(
                    stored_id(review.id),
                    stored_id(measure.id),
                    customer.name,
                    MeasureKind(measure.kind),
                    review.due_at,
                    review.owner_id or measure.case_owner_id,
                )
            )
        self._session.flush()
        return claimed

    def mark_reminded(self, review_id: int, claimant: str, at: datetime) -> bool:
        return self._changed(
            update(Review)
            .where(*_reminder_still_held(review_id, claimant))
            .values(reminder_sent_at=at, reminder_claimed_until=None)
        )

    def release_claim(self, review_id: int, claimant: str) -> bool:
        return self._changed(
            update(Review)
            .where(*_reminder_still_held(review_id, claimant))
            .values(reminder_claimed_by=None, reminder_claimed_until=None)
        )


def _undecided_of_measures_not_ended(*where: Any) -> SelectOfScalar[Review]:
    """Undecided reviews of measures that have not ended, soonest due first."""
    return (
        select(Review)
        .join(MeasureRecord, col(MeasureRecord.id) == Review.measure_id)
        .where(col(Review.decided_at).is_(None), col(MeasureRecord.ended_at).is_(None), *where)
        .order_by(col(Review.due_at))
    )


def _reminder_still_held(review_id: int, claimant: str) -> tuple[ColumnElement[bool], ...]:
    """The review's reminder is still claimed by this claimant and not yet sent."""
    return (
        col(Review.id) == review_id,
        col(Review.reminder_claimed_by) == claimant,
        col(Review.reminder_sent_at).is_(None),
    )


def _review(row: Review) -> ScheduledReview:
    return ScheduledReview(
        measure_id=row.measure_id,
        due_at=row.due_at,
        owner_id=row.owner_id,
        decided_at=row.decided_at,
        outcome=ReviewOutcome(row.outcome) if row.outcome else None,
        decided_by=row.decided_by,
        reason=row.reason,
        customer_advised=row.customer_advised,
        not_advised_reason=row.not_advised_reason,
        last_escalated_at=row.last_escalated_at,
        reminder_sent_at=row.reminder_sent_at,
        id=stored_id(row.id),
    )
