"""A known month of casework for the oversight figures (issue 19): November 2026, with rows just outside it on each
side, written straight into the tables so every date is exact. `EXPECTED` below is what the figures must say, worked
out by hand from these rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from storage.tables import (
    AppealRecord,
    CorrespondenceItemRecord,
    CustomerRecord,
    DecisionRecord,
    EscalationIncident,
    EscalationRecord,
    IncidentRecord,
    LetterRecord,
    MeasureRecord,
    Review,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
"""The clock when the figures are asked for: November is the last complete month."""


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    """A moment in 2026, UTC (November is GMT in the UK, so UTC is local time)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class _Builder:
    session: Session
    incidents: int = 0

    def customer(self, name: str, adjustments: str = "", communication: str = "") -> int:
        row = CustomerRecord(
            name=name,
            name_key=name.lower(),
            reasonable_adjustments=adjustments,
            communication_needs=communication,
            created_at=at(1, 1),
        )
        return self._add(row)

    def incident(
        self,
        customer_id: int,
        occurred: datetime,
        channel: str,
        service: str,
        actions: list[str],
        *,
        safeguarding: bool = False,
        support_need: bool = False,
    ) -> int:
        self.incidents += 1
        row = IncidentRecord(
            customer_id=customer_id,
            reported_by="u-reporter",
            occurred_at=occurred,
            channel=channel,
            actions=actions,
            description="What happened.",
            submission_key=f"oversight-{self.incidents}",
            service_area=service,
            safeguarding_concern=safeguarding,
            support_need=support_need,
            reported_at=occurred,
            created_at=occurred,
        )
        return self._add(row)

    def decided(
        self,
        customer_id: int,
        kind: str,
        evidence: list[int],
        requested: datetime,
        decided: datetime,
        outcome: str = "approve",
        *,
        measure_kind: str | None = None,
        restrictions: list[str] | None = None,
        scope: str = "",
    ) -> tuple[int, int | None]:
        """An escalation, its decision and (approved) its measure starting when decided; (escalation, measure)."""
        terms: dict[str, Any] = {"scope": scope} if scope else {}
        escalation = self._add(
            EscalationRecord(
                customer_id=customer_id,
                kind=kind,
                reason="Reason.",
                requested_by="u-requester",
                requested_at=requested,
                restrictions=restrictions or [],
                terms=terms,
                state="approved" if outcome == "approve" else "declined",
            )
        )
        for incident_id in evidence:
            self.session.add(EscalationIncident(escalation_id=escalation, incident_id=incident_id))
        self._add(
            DecisionRecord(
                escalation_id=escalation, outcome=outcome, decided_by="u-decider", decided_at=decided, notes=""
            )
        )
        if outcome != "approve":
            return escalation, None
        measure = self._add(
            MeasureRecord(
                customer_id=customer_id,
                kind=measure_kind or kind,
                escalation_id=escalation,
                starts_at=decided,
                review_due_at=at(12, 31),
                case_owner_id="u-owner",
                restrictions=restrictions or [],
                terms=terms,
            )
        )
        return escalation, measure

    def letter(self, measure_id: int, kind: str, issued: datetime | None, version: int = 1) -> None:
        self._add(
            LetterRecord(
                measure_id=measure_id,
                kind=kind,
                version=version,
                content={},
                created_at=at(11, 1),
                created_by="u-owner",
                issued_at=issued,
                issued_by="u-owner" if issued else None,
            )
        )

    def review(
        self, measure_id: int, due: datetime, decided: datetime | None = None, outcome: str | None = None
    ) -> None:
        self._add(Review(measure_id=measure_id, due_at=due, decided_at=decided, outcome=outcome, decided_by="u-owner"))

    def appeal(
        self,
        customer_id: int,
        measure_id: int,
        kind: str,
        received: date,
        decided: datetime | None,
        outcome: str | None,
    ) -> None:
        self._add(
            AppealRecord(
                customer_id=customer_id,
                measure_id=measure_id,
                kind=kind,
                decision="restriction",
                received_on=received,
                channel="email",
                grounds="Grounds.",
                recorded_by="u-staff",
                recorded_at=at(11, 1),
                outcome=outcome,
                decided_at=decided,
            )
        )

    def filed(self, measure_id: int, reviewed: datetime, outcome: str) -> None:
        self.incidents += 1
        self._add(
            CorrespondenceItemRecord(
                measure_id=measure_id,
                received_on=reviewed.date(),
                channel="letter",
                summary="A letter.",
                logged_by="u-staff",
                logged_at=reviewed,
                reviewer_id="u-owner",
                submission_key=f"filed-{self.incidents}",
                reviewed_at=reviewed,
                reviewed_by="u-owner",
                outcome=outcome,
            )
        )

    def _add(self, row: Any) -> int:
        self.session.add(row)
        self.session.flush()
        return int(row.id)


def build_november(engine: Engine) -> None:
    """The known month. Comments give each row's part in EXPECTED."""
    with Session(engine) as session:
        b = _Builder(session)
        ann = b.customer("Ann Adjusted", adjustments="Large print letters")
        bob = b.customer("Bob Interpreter", communication="Needs a Polish interpreter")
        cat = b.customer("Cat Flagged")
        dan = b.customer("Dan Plain")
        eve = b.customer("Eve Outside")
        fay = b.customer("Fay Declined")

        # Five incidents in November; one either side of it.
        i1 = b.incident(ann, at(11, 2), "telephone", "housing", ["abusive", "repeat_contacts"])
        i2 = b.incident(ann, at(11, 3), "email", "housing", ["abusive"])
        i3 = b.incident(bob, at(11, 5), "in_person", "benefits", ["excessive_demands"], safeguarding=True)
        i4 = b.incident(cat, at(11, 10), "telephone", "council_tax", ["abusive"], support_need=True)
        b.incident(dan, at(11, 30, 23, 59, 59), "telephone", "waste", ["other"])
        b.incident(eve, at(10, 31, 23, 59, 59), "telephone", "housing", ["abusive"], safeguarding=True)
        b.incident(eve, at(12, 1, 0, 0), "letter", "planning", ["abusive"], support_need=True)

        # Decisions in November: report to decision 3, 5, 1 and 4 days (median 3.5).
        _, m1 = b.decided(
            ann, "restriction", [i1, i2], at(11, 4), at(11, 6), restrictions=["written_only", "no_physical_access"]
        )
        _, m2 = b.decided(bob, "formal_warning", [i3], at(11, 6), at(11, 10))
        _, m3 = b.decided(
            cat, "restriction", [i4], at(11, 10, 12), at(11, 11), restrictions=["limited_calls"], scope="housing"
        )
        b.decided(fay, "formal_warning", [], at(11, 20), at(11, 24), "decline")  # from the request: no incident
        # Decided in October: counted nowhere in November but its reviews and appeal.
        _, m5 = b.decided(eve, "restriction", [], at(10, 1), at(10, 20), restrictions=["named_contact"])
        assert m1 and m2 and m3 and m5

        # Decision to letter: 2 days (m1's restriction letter; its earlier lifting letter is not it) and half a day.
        b.letter(m1, "lifting", at(11, 7))
        b.letter(m1, "restriction", at(11, 8))
        b.letter(m1, "restriction", at(11, 9), version=2)
        b.letter(m2, "formal_warning", at(11, 10, 22))
        b.letter(m3, "restriction", None)  # drafted, not issued

        # Reviews due in November: on time, late, undecided; one due in October decided in November.
        b.review(m5, at(11, 5), at(11, 4), "lift")
        b.review(m5, at(11, 12), at(11, 15), "extend")
        b.review(m5, at(11, 20))
        b.review(m5, at(10, 25), at(11, 2), "extend")
        b.review(m5, at(12, 5), at(12, 1), "lift")  # December's

        # Appeals: received in November an appeal (decided, upheld) and a complaint (open); one from October decided.
        b.appeal(ann, m1, "appeal", date(2026, 11, 7), at(11, 20), "upheld")
        b.appeal(bob, m2, "complaint", date(2026, 11, 12), None, None)
        b.appeal(eve, m5, "appeal", date(2026, 10, 30), at(11, 3), "lifted")
        b.appeal(eve, m5, "complaint", date(2026, 12, 1), None, None)

        # Correspondence on file: one safeguarding concern found in November.
        b.filed(m1, at(11, 9), "safeguarding_concern")
        b.filed(m1, at(11, 9), "no_new_information")
        b.filed(m1, at(12, 1, 9), "safeguarding_concern")
        session.commit()


EXPECTED: dict[str, Any] = {
    "incidents": 5,
    "by_action": {"abusive": 3, "repeat_contacts": 1, "excessive_demands": 1, "other": 1},
    "by_channel": {"telephone": 3, "email": 1, "in_person": 1},
    "by_service": {"housing": 2, "benefits": 1, "council_tax": 1, "waste": 1},
    "measures_by_kind": {"restriction": 2, "formal_warning": 1},
    "restrictions_by_type": {"written_only": 1, "no_physical_access": 1, "limited_calls": 1},
    "restrictions_by_scope": {"all": 1, "housing": 1},
    "reviews": (1, 2, 0),
    "lifted": 1,
    "extended": 2,
    "appeals_received": {"appeal": 1, "complaint": 1},
    "appeal_outcomes": {"upheld": 1, "lifted": 1},
    "appeals_open": 1,
    "report_to_decision": (3.5, 4),
    "decision_to_letter": (1.25, 2),
    "safeguarding_incidents": 1,
    "safeguarding_correspondence": 1,
    # Ann's restriction (adjustments on record) and Cat's (a need flagged on its incident); Bob's warning (his
    # communication needs on record).
    "restrictions_with_adjustments": 2,
    "support_need_warnings": 1,
    "support_need_restrictions": 2,
}
