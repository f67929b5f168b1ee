"""The outbox: claims lease whole conversations to one worker at a time, return their messages oldest first, keep
only the newest card update, and remember what was sent, retried and could not be delivered."""

from __future__ import annotations

from datetime import timedelta

from casework.entities import TEAM_CHANNEL, NewOutboxMessage, personal_chat
from casework.vocabulary import MessagePurpose, MessageState
from tests.contract.conftest import NewUnitOfWork
from tests.contract.records import NOW

LEASE = timedelta(seconds=60)
RECENT = NOW - timedelta(seconds=30)
SAM, MORGAN = personal_chat("sam"), personal_chat("morgan")


def _message(
    addressee: str, purpose: MessagePurpose = MessagePurpose.DECISION_TOLD, **subject: int
) -> NewOutboxMessage:
    about: dict[str, int | str] = {**subject} if subject else {"escalation_id": 1}
    return NewOutboxMessage(addressee, purpose, about, NOW)


def _update(escalation_id: int) -> NewOutboxMessage:
    return NewOutboxMessage(
        TEAM_CHANNEL,
        MessagePurpose.DECISION_CARD_UPDATE,
        {"escalation_id": escalation_id},
        NOW,
        coalesce_key=f"decision-card:{escalation_id}",
    )


def test_a_claim_leases_each_conversation_to_one_worker_and_returns_its_messages_oldest_first(
    new_uow: NewUnitOfWork,
) -> None:
    with new_uow() as uow:
        uow.outbox.add(
            [_message(SAM, escalation_id=1), _message(MORGAN, escalation_id=2), _message(SAM, escalation_id=3)]
        )
        uow.commit()

    with new_uow() as uow:
        first = uow.outbox.claim("a", NOW, NOW + LEASE, 1, RECENT)
        uow.commit()
    with new_uow() as uow:
        second = uow.outbox.claim("b", NOW, NOW + LEASE, 10, RECENT)
        uow.commit()
    with new_uow() as uow:
        third = uow.outbox.claim("c", NOW, NOW + LEASE, 10, RECENT)
        uow.commit()
        assert uow.outbox.waiting() == 3

    leased = {m.addressee for m in first.messages}
    assert len(leased) == 1
    assert leased.isdisjoint({m.addressee for m in second.messages})
    assert {m.addressee for m in first.messages + second.messages} == {SAM, MORGAN}
    to_sam = [m.subject["escalation_id"] for m in first.messages + second.messages if m.addressee == SAM]
    assert to_sam == [1, 3]
    assert third.messages == ()  # both conversations are held


def test_an_expired_lease_passes_on_and_a_lost_lease_cannot_be_renewed(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        uow.outbox.add([_message(SAM)])
        uow.commit()
    with new_uow() as uow:
        assert len(uow.outbox.claim("a", NOW, NOW + LEASE, 10, RECENT).messages) == 1
        assert uow.outbox.renew("a", SAM, NOW + timedelta(seconds=30), NOW + timedelta(seconds=90))
        uow.commit()
    later = NOW + timedelta(seconds=91)
    with new_uow() as uow:
        assert len(uow.outbox.claim("b", later, later + LEASE, 10, RECENT).messages) == 1
        uow.commit()
    with new_uow() as uow:
        assert not uow.outbox.renew("a", SAM, later, later + LEASE)
        assert uow.outbox.renew("b", SAM, later, later + LEASE)
        uow.outbox.release("b", [SAM])
        uow.commit()
    with new_uow() as uow:
        assert len(uow.outbox.claim("c", later, later + LEASE, 10, RECENT).messages) == 1


def test_only_the_newest_waiting_update_of_a_card_is_claimed(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        uow.outbox.add([_update(7), _update(8), _update(7), _update(7)])
        uow.commit()
    with new_uow() as uow:
        claim = uow.outbox.claim("a", NOW, NOW + LEASE, 10, RECENT)
        uow.commit()
        assert uow.outbox.waiting() == 2  # the two older updates of card 7 are superseded
    ids = [m.id for m in claim.messages]
    assert [m.subject["escalation_id"] for m in claim.messages] == [8, 7]
    assert ids == sorted(ids)


def test_sent_retried_and_failed_messages(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        uow.outbox.add([_message(SAM, escalation_id=1), _message(SAM, escalation_id=2), _message(MORGAN)])
        uow.commit()
    with new_uow() as uow:
        claim = uow.outbox.claim("a", NOW, NOW + LEASE, 10, RECENT)
        by_subject = {(m.addressee, m.subject["escalation_id"]): m for m in claim.messages}
        assert uow.outbox.mark_sent(by_subject[(SAM, 1)].id, NOW, "activity-1")
        assert not uow.outbox.mark_sent(by_subject[(SAM, 1)].id, NOW, "again")
        uow.outbox.retry_later(by_subject[(SAM, 2)].id, NOW + timedelta(seconds=10), "Teams answered 429")
        assert uow.outbox.mark_failed(by_subject[(MORGAN, 1)].id, NOW, "Teams refused the message with status 404")
        uow.outbox.release("a", [SAM, MORGAN])
        uow.commit()

    with new_uow() as uow:
        assert uow.outbox.claim("b", NOW + timedelta(seconds=5), NOW + LEASE, 10, RECENT).messages == ()
        uow.commit()
    soon = NOW + timedelta(seconds=11)
    with new_uow() as uow:
        again = uow.outbox.claim("b", soon, soon + LEASE, 10, RECENT)
        uow.commit()
        (failed,) = uow.outbox.failed_for(MORGAN)
        assert uow.outbox.failed_for(SAM) == []
    (retried,) = again.messages
    assert (retried.subject["escalation_id"], retried.attempts, retried.last_error) == (2, 1, "Teams answered 429")
    assert again.recent_sends[SAM] == (NOW,)
    assert (failed.state, failed.last_error) == (MessageState.FAILED, "Teams refused the message with status 404")


def test_a_worker_stopping_gives_back_every_conversation_it_holds(new_uow: NewUnitOfWork) -> None:
    with new_uow() as uow:
        uow.outbox.add([_message(SAM), _message(MORGAN)])
        uow.commit()
    with new_uow() as uow:
        assert len(uow.outbox.claim("a", NOW, NOW + LEASE, 10, RECENT).messages) == 2
        uow.outbox.release_all("a")
        uow.commit()
    with new_uow() as uow:
        assert len(uow.outbox.claim("b", NOW, NOW + LEASE, 10, RECENT).messages) == 2
