"""A burst of outbox rows on a real database, and how to count what the fake connector received of it (issue 15).

Each row is a line manager's s8.6 card for an incident of its own, so every POST names exactly one row (the
incident's reference is in the card's heading); the managers are registered staff whose personal conversations are
stored, pointing at the fake connector, so every row is deliverable.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from casework.entities import Actor, NewOutboxMessage, StaffMember, personal_chat
from casework.outbox import waiting_messages
from casework.staff import register_staff
from casework.vocabulary import MessagePurpose
from storage.conversation_references import ConversationReferenceStore
from storage.database import create_database_engine
from storage.tables import CustomerRecord, IncidentRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.fake_connector import FakeConnector
from tests.teams import TENANT, all_text

ADMIN = Actor("burst-admin", "Burst administrator")
REFERENCE = re.compile(r"Incident (BURST-\d{5})")
RATE_WINDOWS = ((7, 1.0), (60, 30.0))
"""Teams' per-conversation limits, as the fake connector must see them kept."""


@dataclass(frozen=True)
class Burst:
    rows: dict[str, str]
    """Each row's incident reference, and the Teams conversation it must reach."""

    @property
    def per_conversation(self) -> Counter[str]:
        return Counter(self.rows.values())


def manager_id(n: int) -> str:
    return f"00000000-0000-0000-0015-{n:012d}"


def conversation_of(n: int) -> str:
    return f"a:personal-{manager_id(n)}"


def seed_burst(database_url: str, service_url: str, rows_per_conversation: Sequence[int]) -> Burst:
    """Registers a manager per conversation with their personal conversation stored, and writes the rows to the
    outbox through its repository, all due now, in one transaction."""
    engine = create_database_engine(database_url)
    now = datetime.now(UTC)
    references = ConversationReferenceStore(engine)
    for n in range(len(rows_per_conversation)):
        user = manager_id(n)
        register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(user, f"Manager {n}"), lambda: now)
        references.save(
            conversation_of(n),
            "personal",
            user,
            TENANT,
            {
                "activityId": f"burst-{n}",
                "user": {"id": f"29:{user}", "aadObjectId": user, "name": f"Manager {n}"},
                "bot": {"id": "28:bot-id", "name": "UCA bot"},
                "conversation": {"id": conversation_of(n), "conversationType": "personal", "tenantId": TENANT},
                "channelId": "msteams",
                "locale": "en-GB",
                "serviceUrl": service_url,
            },
        )
    owners = [n for n, count in enumerate(rows_per_conversation) for _ in range(count)]
    planned = [(n, f"BURST-{i:05d}") for i, n in enumerate(owners)]
    # A customer per incident: the card's escalation suggestion reads the customer's other incidents.
    with engine.begin() as connection:
        connection.execute(
            insert(CustomerRecord),
            [{"name": f"Customer {ref}", "name_key": ref.lower(), "created_at": now} for _, ref in planned],
        )
    with Session(engine) as session:
        customers = dict(session.exec(select(CustomerRecord.name_key, CustomerRecord.id)).all())
    with engine.begin() as connection:
        connection.execute(
            insert(IncidentRecord),
            [
                {
                    "reference": reference,
                    "customer_id": customers[reference.lower()],
                    "reported_by": "burst-reporter",
                    "occurred_at": now,
                    "channel": "telephone",
                    "actions": ["abusive"],
                    "description": "Shouted.",
                    "submission_key": reference,
                    "service_area": "other",
                    "acting_party": "customer",
                    "immediate_steps": [],
                    "serious_threats": [],
                    "created_at": now,
                }
                for _, reference in planned
            ],
        )
    ids: dict[str, int] = {}
    with Session(engine) as session:
        for row in session.exec(select(IncidentRecord).where(col(IncidentRecord.reference).like("BURST-%"))):
            assert row.reference is not None and row.id is not None
            ids[row.reference] = row.id
    uow = SqlUnitOfWork(engine)
    with uow:
        # Interleaved, as a burst from many turns would be: conversation by conversation would be the easy case.
        ordered = sorted(planned, key=lambda row: (int(row[1][6:]) % 37, row[1]))
        uow.outbox.add(
            [
                NewOutboxMessage(
                    personal_chat(manager_id(n)), MessagePurpose.MANAGER_DISCUSSION, {"incident_id": ids[ref]}, now
                )
                for n, ref in ordered
            ]
        )
        uow.commit()
    engine.dispose()
    return Burst({reference: conversation_of(n) for n, reference in planned})


def waiting(database_url: str) -> int:
    engine = create_database_engine(database_url)
    try:
        return waiting_messages(SqlUnitOfWork(engine))
    finally:
        engine.dispose()


def delivered(connector: FakeConnector) -> Counter[str]:
    """How many times each row reached its conversation (a POST whose card names it)."""
    found: Counter[str] = Counter()
    for call in connector.calls:
        if call.method != "POST":
            continue
        for card in call.cards:
            for reference in REFERENCE.findall(all_text(card)):
                found[reference] += 1
                assert reference.startswith("BURST-")
    return found


def misdelivered(connector: FakeConnector, burst: Burst) -> list[str]:
    """Rows that reached a conversation other than their own."""
    wrong = []
    for call in connector.calls:
        for card in call.cards:
            for reference in REFERENCE.findall(all_text(card)):
                if burst.rows.get(reference) != call.conversation_id:
                    wrong.append(reference)
    return wrong


def busiest_windows(connector: FakeConnector) -> dict[float, int]:
    """For each of Teams' windows (1 s, 30 s), the most calls any one conversation received within it, counted by
    the fake connector on arrival (every attempt, answered or not)."""
    times: dict[str, list[float]] = defaultdict(list)
    for conversation, at in connector.attempts:
        times[conversation].append(at)
    busiest: dict[float, int] = {}
    for _, window in RATE_WINDOWS:
        most = 0
        for arrivals in times.values():
            arrivals.sort()
            start = 0
            for end, at in enumerate(arrivals):
                while at - arrivals[start] >= window:
                    start += 1
                most = max(most, end - start + 1)
        busiest[window] = most
    return busiest
