"""The oversight figures in SQL (issue 19): every count a GROUP BY, every median a window over the period's rows, so
the database does the work and only a few dozen numbers come back. Each statement reads one period's rows through an
index on its date column (migration 0024), so a quarter costs the same over a thousand incidents or a million.

The same statements run on SQLite and PostgreSQL; only three pieces differ by dialect: how a JSON array is taken
apart into rows (json_each, json_array_elements_text), how a JSON object's member is read, and days between two
moments (julianday, EXTRACT(EPOCH ...)).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session, col

from casework.policy import LOCAL_TIME
from casework.ports import OversightFacts
from casework.vocabulary import (
    CorrespondenceOutcome,
    DecisionOutcome,
    EscalationKind,
    LetterKind,
    MeasureKind,
    ReviewOutcome,
)
from storage.tables import OversightDigestRecord, UTCDateTime
from storage.upserts import dialect_insert

_LETTER_OF_DECISION = {
    EscalationKind.FORMAL_WARNING: LetterKind.FORMAL_WARNING,
    EscalationKind.RESTRICTION: LetterKind.RESTRICTION,
    EscalationKind.FURTHER_ACTION: LetterKind.FURTHER_ACTION,
    EscalationKind.MANDATORY_SERVICE_WITHDRAWAL: LetterKind.SERVICE_WITHDRAWAL,
}
"""The letter an approval of each kind sends (s11.3, s11.4, s14.3, s15.4); an extension's letter follows its review."""


class _Dialect:
    def __init__(self, name: str) -> None:
        self.postgres = name == "postgresql"

    def elements(self, column: str, alias: str) -> str:
        """A FROM item giving one row per element of a JSON array of strings, as `alias.value`."""
        if self.postgres:
            return f"CROSS JOIN LATERAL json_array_elements_text({column}) AS {alias}(value)"
        return f"CROSS JOIN json_each({column}) AS {alias}"

    def member(self, column: str, key: str) -> str:
        """A JSON object's member as text, '' when missing."""
        if self.postgres:
            return f"COALESCE({column} ->> '{key}', '')"
        return f"COALESCE(json_extract({column}, '$.{key}'), '')"

    def days(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
        return f"(julianday({later}) - julianday({earlier}))"


def _median(rows_sql: str) -> str:
    """The median of `rows_sql`'s column `days`, and how many rows it had: the middle row, or the mean of the middle
    two, by row_number over the rows in order (window functions: SQLite 3.25+, PostgreSQL alike)."""
    return f"""
        WITH measured AS ({rows_sql}),
        ranked AS (
            SELECT days, ROW_NUMBER() OVER (ORDER BY days) AS rn, COUNT(*) OVER () AS n FROM measured
        )
        SELECT AVG(days) AS median, MAX(n) AS n FROM ranked WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    """


class SqlOversightReads:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim_digest(self, period_code: str, kind: str, at: datetime, by: str) -> bool:
        statement = (
            dialect_insert(self._session, OversightDigestRecord)
            .values(period_code=period_code, kind=kind, posted_at=at, posted_by=by)
            .on_conflict_do_nothing()
            .returning(col(OversightDigestRecord.period_code))
        )
        return self._session.execute(statement).first() is not None

    def _all(self, sql: str, **parameters: Any) -> list[Any]:
        """Rows of `sql`; moments are bound through the tables' own type, so SQLite compares them in the UTC text
        form it stores and PostgreSQL as timestamptz."""
        statement = text(sql).bindparams(
            *(bindparam(name, type_=UTCDateTime()) for name, v in parameters.items() if isinstance(v, datetime))
        )
        return list(self._session.execute(statement, parameters).all())

    def oversight_facts(self, start: datetime, end: datetime, as_of: datetime) -> OversightFacts:
        sql = _Dialect(self._session.get_bind().dialect.name)
        if sql.postgres:
            # Each statement reads a few thousand rows through an index, but its estimated cost (a subquery per
            # row) passes jit_above_cost, and compiling it took 1.6 s of a 1.7 s statement over a million
            # incidents (make bench --only oversight). For this transaction only.
            self._session.execute(text("SET LOCAL jit = off"))
        period = {"start": start, "end": end}

        by_channel: dict[str, int] = defaultdict(int)
        by_service: dict[str, int] = defaultdict(int)
        incidents = safeguarding = 0
        for channel, service, count, flagged in self._all(
            """
            SELECT channel, service_area, COUNT(*), SUM(CASE WHEN safeguarding_concern THEN 1 ELSE 0 END)
            FROM incident WHERE occurred_at >= :start AND occurred_at < :end
            GROUP BY channel, service_area
            """,
            **period,
        ):
            by_channel[channel] += count
            by_service[service] += count
            incidents += count
            safeguarding += int(flagged or 0)

        by_action = dict(
            self._all(
                f"""
                SELECT action.value, COUNT(*) FROM incident {sql.elements("incident.actions", "action")}
                WHERE incident.occurred_at >= :start AND incident.occurred_at < :end
                GROUP BY action.value
                """,
                **period,
            )
        )

        measures_by_kind: dict[str, int] = defaultdict(int)
        by_scope: dict[str, int] = defaultdict(int)
        with_adjustments = support_warnings = support_restrictions = 0
        # A customer's recorded support need: adjustments or communication needs on record, or flagged on any of their
        # incidents (s4.3, s8.3); for a restriction's own figure, adjustments on record or flagged on its evidence.
        for kind, scope, count, adjusted, supported in self._all(
            f"""
            SELECT m.kind, {sql.member("m.terms", "scope")} AS scope, COUNT(*),
                SUM(CASE WHEN c.reasonable_adjustments <> '' OR EXISTS (
                    SELECT 1 FROM escalation_incident ei JOIN incident i ON i.id = ei.incident_id
                    WHERE ei.escalation_id = m.escalation_id AND i.support_need) THEN 1 ELSE 0 END),
                SUM(CASE WHEN c.reasonable_adjustments <> '' OR c.communication_needs <> '' OR EXISTS (
                    SELECT 1 FROM incident i WHERE i.customer_id = m.customer_id AND i.support_need)
                    THEN 1 ELSE 0 END)
            FROM measure m JOIN customer c ON c.id = m.customer_id
            WHERE m.starts_at >= :start AND m.starts_at < :end
            GROUP BY m.kind, scope
            """,
            **period,
        ):
            measures_by_kind[kind] += count
            if kind == MeasureKind.RESTRICTION.value:
                by_scope[scope] += count
                with_adjustments += int(adjusted or 0)
                support_restrictions += int(supported or 0)
            elif kind == MeasureKind.FORMAL_WARNING.value:
                support_warnings += int(supported or 0)

        by_type = dict(
            self._all(
                f"""
                SELECT restriction.value, COUNT(*) FROM measure m {sql.elements("m.restrictions", "restriction")}
                WHERE m.starts_at >= :start AND m.starts_at < :end AND m.kind = :restriction
                GROUP BY restriction.value
                """,
                restriction=MeasureKind.RESTRICTION.value,
                **period,
            )
        )

        # policy.review_timeliness, in SQL.
        [(on_time, overdue, not_yet_due)] = self._all(
            """
            SELECT
                SUM(CASE WHEN decided_at IS NOT NULL AND decided_at <= :as_of AND decided_at <= due_at
                    THEN 1 ELSE 0 END),
                SUM(CASE WHEN decided_at IS NOT NULL AND decided_at <= :as_of AND decided_at > due_at THEN 1
                    WHEN (decided_at IS NULL OR decided_at > :as_of) AND due_at < :as_of THEN 1 ELSE 0 END),
                SUM(CASE WHEN (decided_at IS NULL OR decided_at > :as_of) AND due_at >= :as_of THEN 1 ELSE 0 END)
            FROM review WHERE due_at >= :start AND due_at < :end
            """,
            as_of=as_of,
            **period,
        )
        review_outcomes = dict(
            self._all(
                """
                SELECT outcome, COUNT(*) FROM review
                WHERE decided_at >= :start AND decided_at < :end AND outcome IS NOT NULL GROUP BY outcome
                """,
                **period,
            )
        )

        # An appeal's date received is a calendar day, in UK time.
        days = {
            "first_day": start.astimezone(LOCAL_TIME).date(),
            "after_last_day": (end - timedelta(seconds=1)).astimezone(LOCAL_TIME).date() + timedelta(days=1),
        }
        appeals_by_kind: dict[str, int] = {}
        appeals_open = 0
        for kind, count, still_open in self._all(
            """
            SELECT kind, COUNT(*), SUM(CASE WHEN outcome IS NULL THEN 1 ELSE 0 END) FROM appeal
            WHERE received_on >= :first_day AND received_on < :after_last_day GROUP BY kind
            """,
            **days,
        ):
            appeals_by_kind[kind] = count
            appeals_open += int(still_open or 0)
        appeal_outcomes = dict(
            self._all(
                """
                SELECT outcome, COUNT(*) FROM appeal
                WHERE decided_at >= :start AND decided_at < :end AND outcome IS NOT NULL GROUP BY outcome
                """,
                **period,
            )
        )

        # The newest incident report the escalation rests on; the request itself when it rests on none.
        reported = """(SELECT MAX(COALESCE(i.reported_at, i.created_at)) FROM escalation_incident ei
            JOIN incident i ON i.id = ei.incident_id WHERE ei.escalation_id = e.id)"""
        [(to_decision, decisions)] = self._all(
            _median(
                f"""
                SELECT {sql.days("d.decided_at", f"COALESCE({reported}, e.requested_at)")} AS days
                FROM decision d JOIN escalation e ON e.id = d.escalation_id
                WHERE d.decided_at >= :start AND d.decided_at < :end
                """
            ),
            **period,
        )

        letter_kind = "CASE e.kind " + " ".join(
            f"WHEN '{kind.value}' THEN '{letter.value}'" for kind, letter in _LETTER_OF_DECISION.items()
        )
        # The first issue of the approval's letter: about its measure (a warning, a restriction, further action
        # in force) or about the escalation itself; two indexed look-ups, the earlier of the two taken.
        issued = f"l.issued_at <= :as_of AND l.kind = ({letter_kind} END)"
        by_measure = f"""(SELECT MIN(l.issued_at) FROM measure m JOIN letter l ON l.measure_id = m.id
            WHERE m.escalation_id = e.id AND {issued})"""
        by_escalation = f"(SELECT MIN(l.issued_at) FROM letter l WHERE l.escalation_id = e.id AND {issued})"
        [(to_letter, letters)] = self._all(
            _median(
                f"""
                SELECT {sql.days("first_issued", "decided_at")} AS days FROM (
                    SELECT d.decided_at, by_measure, by_escalation,
                        CASE WHEN by_escalation IS NULL OR by_measure < by_escalation THEN by_measure
                            ELSE by_escalation END AS first_issued
                    FROM (
                        SELECT d.decided_at, {by_measure} AS by_measure, {by_escalation} AS by_escalation
                        FROM decision d JOIN escalation e ON e.id = d.escalation_id
                        WHERE d.decided_at >= :start AND d.decided_at < :end AND d.outcome = :approve
                    ) AS d
                ) AS approvals WHERE first_issued IS NOT NULL
                """
            ),
            as_of=as_of,
            approve=DecisionOutcome.APPROVE.value,
            **period,
        )

        [(filed_safeguarding,)] = self._all(
            """
            SELECT COUNT(*) FROM correspondence_item
            WHERE reviewed_at >= :start AND reviewed_at < :end AND outcome = :safeguarding
            """,
            safeguarding=CorrespondenceOutcome.SAFEGUARDING_CONCERN.value,
            **period,
        )

        return OversightFacts(
            incidents=incidents,
            incidents_by_action={str(k): int(v) for k, v in by_action.items()},
            incidents_by_channel=dict(by_channel),
            incidents_by_service=dict(by_service),
            measures_by_kind=dict(measures_by_kind),
            restrictions_by_type={str(k): int(v) for k, v in by_type.items()},
            restrictions_by_scope=dict(by_scope),
            reviews_on_time=int(on_time or 0),
            reviews_overdue=int(overdue or 0),
            reviews_not_yet_due=int(not_yet_due or 0),
            lifted=int(review_outcomes.get(ReviewOutcome.LIFT.value, 0)),
            extended=int(review_outcomes.get(ReviewOutcome.EXTEND.value, 0)),
            appeals_by_kind=appeals_by_kind,
            appeal_outcomes={str(k): int(v) for k, v in appeal_outcomes.items()},
            appeals_open=appeals_open,
            report_to_decision_median_days=None if to_decision is None else float(to_decision),
            report_to_decision_count=int(decisions or 0),
            decision_to_letter_median_days=None if to_letter is None else float(to_letter),
            decision_to_letter_count=int(letters or 0),
            safeguarding_incidents=safeguarding,
            safeguarding_correspondence=int(filed_safeguarding or 0),
            restrictions_with_adjustments=with_adjustments,
            support_need_warnings=support_warnings,
            support_need_restrictions=support_restrictions,
        )
