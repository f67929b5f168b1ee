"""Letters to customers about their measures (s11.4, s13): every version kept, each issued and delivered once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import col, select

from casework.entities import Letter, LetterContent, NewLetter, with_id
from casework.vocabulary import DeliveryMethod, LetterKind
from storage.repositories.sql_repository import SqlRepository, stored_id
from storage.tables import LetterRecord


class SqlLetters(SqlRepository):
    def add(self, letter: NewLetter) -> Letter:
        row = LetterRecord(
            measure_id=letter.measure_id,
            escalation_id=letter.escalation_id,
            kind=letter.kind.value,
            version=letter.version,
            content=letter.content.to_json(),
            docx=letter.docx,
            created_at=letter.created_at,
            created_by=letter.created_by,
            issued_at=letter.issued_at,
            issued_by=letter.issued_by,
            delivery_method=letter.delivery_method.value if letter.delivery_method else None,
            delivered_on=letter.delivered_on,
            collected_on=letter.collected_on,
            reason=letter.reason,
            delivered_to=letter.delivered_to,
            collected_by=letter.collected_by,
        )
        self._insert_once(row, "that version of the letter already exists")
        return with_id(Letter, letter, stored_id(row.id))

    def get(self, letter_id: int) -> Letter | None:
        row = self._session.get(LetterRecord, letter_id)
        return _letter(row) if row else None

    def versions(self, measure_id: int, kind: str | None = None) -> Sequence[Letter]:
        query = select(LetterRecord).where(LetterRecord.measure_id == measure_id)
        if kind is not None:
            query = query.where(LetterRecord.kind == kind)
        return [_letter(row) for row in self._session.exec(query.order_by(col(LetterRecord.id)))]

    def escalation_versions(self, escalation_id: int, kind: str | None = None) -> Sequence[Letter]:
        query = select(LetterRecord).where(LetterRecord.escalation_id == escalation_id)
        if kind is not None:
            query = query.where(LetterRecord.kind == kind)
        return [_letter(row) for row in self._session.exec(query.order_by(col(LetterRecord.id)))]

    def mark_issued(self, letter_id: int, at: datetime, by: str, docx: bytes | None) -> None:
        self._set(LetterRecord, letter_id, issued_at=at, issued_by=by, docx=docx)

    def record_delivery(self, letter_id: int, method: DeliveryMethod, on: date, to: str | None) -> None:
        self._set(LetterRecord, letter_id, delivery_method=method.value, delivered_on=on, delivered_to=to)

    def mark_collected(self, letter_id: int, on: date, by: str) -> None:
        self._set(LetterRecord, letter_id, collected_on=on, collected_by=by)

    def held_at_reception(self) -> Sequence[Letter]:
        query = (
            select(LetterRecord)
            .where(LetterRecord.delivery_method == DeliveryMethod.HELD_AT_RECEPTION.value)
            .where(col(LetterRecord.collected_on).is_(None))
            .order_by(col(LetterRecord.delivered_on), col(LetterRecord.id))
        )
        return [_letter(row) for row in self._session.exec(query)]


def _letter(row: LetterRecord) -> Letter:
    return Letter(
        measure_id=row.measure_id,
        kind=LetterKind(row.kind),
        version=row.version,
        content=LetterContent.from_json(row.content),
        created_at=row.created_at,
        created_by=row.created_by,
        docx=row.docx,
        issued_at=row.issued_at,
        issued_by=row.issued_by,
        delivery_method=DeliveryMethod(row.delivery_method) if row.delivery_method else None,
        delivered_on=row.delivered_on,
        collected_on=row.collected_on,
        reason=row.reason,
        delivered_to=row.delivered_to,
        collected_by=row.collected_by,
        escalation_id=row.escalation_id,
        id=stored_id(row.id),
    )
