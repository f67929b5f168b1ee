"""Letters: every version kept, one of each kind and version, issued, delivered and collected (s11.3, s11.4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from casework.errors import AlreadyRecorded
from casework.vocabulary import DeliveryMethod, LetterKind
from tests.contract import records
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW


def test_versions_are_kept_oldest_first_and_each_kind_and_version_is_stored_once(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        _, other_measure_id = records.customer_with_measure(uow, "Peter Brown")
        first = uow.letters.add(records.letter(measure_id, 1, docx=b"PK\x03\x04 first"))
        second = uow.letters.add(records.letter(measure_id, 2))
        lifting = uow.letters.add(records.letter(measure_id, 1, LetterKind.LIFTING))
        uow.commit()

    with new_uow() as uow:
        with pytest.raises(AlreadyRecorded):
            uow.letters.add(records.letter(measure_id, 2))
        uow.letters.add(records.letter(other_measure_id, 2))  # the unit of work goes on
        uow.commit()

    with new_uow() as uow:
        assert uow.letters.get(first.id) == first
        assert uow.letters.get(first.id + 100) is None
        assert uow.letters.versions(measure_id) == [first, second, lifting]
        assert uow.letters.versions(measure_id, LetterKind.FORMAL_WARNING.value) == [first, second]
        assert uow.letters.versions(measure_id, LetterKind.LIFTING.value) == [lifting]
        assert [letter.version for letter in uow.letters.versions(other_measure_id)] == [2]


def test_a_letter_is_issued_delivered_and_collected_and_reception_lists_what_waits(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        _, measure_id = records.customer_with_measure(uow)
        posted, held_later, held_earlier, collected = (
            uow.letters.add(records.letter(measure_id, version)) for version in (1, 2, 3, 4)
        )
        issued_at = NOW + timedelta(hours=1)
        for letter in (posted, held_later, held_earlier, collected):
            uow.letters.mark_issued(letter.id, issued_at, "officer", b"docx")
        uow.letters.record_delivery(posted.id, DeliveryMethod.EMAIL, date(2026, 11, 28), "jane@example.org")
        uow.letters.record_delivery(held_later.id, DeliveryMethod.HELD_AT_RECEPTION, date(2026, 11, 30), None)
        uow.letters.record_delivery(held_earlier.id, DeliveryMethod.HELD_AT_RECEPTION, date(2026, 11, 29), None)
        uow.letters.record_delivery(collected.id, DeliveryMethod.HELD_AT_RECEPTION, date(2026, 11, 28), None)
        uow.letters.mark_collected(collected.id, date(2026, 12, 1), "Jane Smith")
        uow.commit()

    with new_uow() as uow:
        assert uow.letters.get(posted.id) == replace(
            posted,
            issued_at=issued_at,
            issued_by="officer",
            docx=b"docx",
            delivery_method=DeliveryMethod.EMAIL,
            delivered_on=date(2026, 11, 28),
            delivered_to="jane@example.org",
        )
        assert [letter.id for letter in uow.letters.held_at_reception()] == [held_earlier.id, held_later.id]
        picked_up = uow.letters.get(collected.id)
        assert picked_up is not None and picked_up.collected_on == date(2026, 12, 1)
        assert picked_up.collected_by == "Jane Smith"
