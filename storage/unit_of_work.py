"""The unit of work over SQLModel: one session, one transaction, every casework repository over it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlmodel import Session

from casework.errors import RecordsUnavailable
from casework.ports import (
    AppealRepository,
    AuditLog,
    CaseReads,
    CorrespondenceRepository,
    CustomerRepository,
    EscalationRepository,
    IncidentRepository,
    LetterRepository,
    MeasureRepository,
    OutboxRepository,
    OversightReads,
    RepresentativeRepository,
    RetentionStore,
    ReviewRepository,
    StaffRepository,
)
from storage.database import SINGLE_STATEMENT
from storage.oversight_reads import SqlOversightReads
from storage.reads import SqlReads
from storage.repositories.appeals import SqlAppeals
from storage.repositories.audit import SqlAuditLog
from storage.repositories.correspondence import SqlCorrespondence
from storage.repositories.customers import SqlCustomers, SqlRepresentatives
from storage.repositories.escalations import SqlEscalations
from storage.repositories.incidents import SqlIncidents
from storage.repositories.letters import SqlLetters
from storage.repositories.measures import SqlMeasures
from storage.repositories.outbox import SqlOutbox
from storage.repositories.retention import SqlRetention
from storage.repositories.reviews import SqlReviews
from storage.repositories.staff import SqlStaff
from storage.subject_access import SqlSubjectAccess


class SqlUnitOfWork:
    """One database transaction. Leaving the block without commit() rolls everything back."""

    customers: CustomerRepository
    representatives: RepresentativeRepository
    incidents: IncidentRepository
    escalations: EscalationRepository
    measures: MeasureRepository
    reviews: ReviewRepository
    staff: StaffRepository
    letters: LetterRepository
    appeals: AppealRepository
    outbox: OutboxRepository
    audit: AuditLog
    reads: CaseReads
    correspondence: CorrespondenceRepository
    subject_access: SqlSubjectAccess
    """The subject access read (casework/subject_access.py's own port, not every unit of work's)."""
    retention: RetentionStore
    oversight: OversightReads

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._session: Session | None = None
        self._abandoned = threading.Event()

    def abandon(self) -> None:
        """The caller stopped waiting (a timeout) and has told the person nothing was recorded: never commit."""
        self._abandoned.set()

    def __enter__(self) -> Self:
        session = Session(self._engine, expire_on_commit=False)
        self._session = session
        self.customers = SqlCustomers(session)
        self.representatives = SqlRepresentatives(session)
        self.incidents = SqlIncidents(session)
        self.escalations = SqlEscalations(session)
        self.measures = SqlMeasures(session)
        self.reviews = SqlReviews(session)
        self.staff = SqlStaff(session)
        self.letters = SqlLetters(session)
        self.appeals = SqlAppeals(session)
        self.outbox = SqlOutbox(session)
        self._audit = SqlAuditLog(session)
        self.audit = self._audit
        self.reads = SqlReads(session)
        self.correspondence = SqlCorrespondence(session)
        self.subject_access = SqlSubjectAccess(session)
        self.retention = SqlRetention(session)
        self.oversight = SqlOversightReads(session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._session is not None
        self._session.rollback()
        self._session.close()
        self._session = None

    def commit(self) -> None:
        assert self._session is not None
        if self._abandoned.is_set():
            raise RecordsUnavailable()
        self._audit.write_pending()
        self._session.commit()

    def rollback(self) -> None:
        assert self._session is not None
        self._audit.discard_pending()
        self._session.rollback()

    def statement_by_statement(self) -> None:
        assert self._session is not None and not self._session.in_transaction(), "call it before any statement"
        self._session.connection(execution_options=SINGLE_STATEMENT)


UnitOfWorkFactory = Callable[[], SqlUnitOfWork]
