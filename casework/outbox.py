"""The outbox flow (issue 15): who is told of each event, written in the same transaction as the fact, and what
happens when a message is sent or cannot be. The Teams edge's worker claims the messages and sends them; the
person whose turn caused them never waits for anyone else's delivery."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from casework.audit import AuditAction, record_audit
from casework.configuration import Clock, DecisionRules
from casework.entities import (
    TEAM_CHANNEL,
    Actor,
    NewOutboxMessage,
    OutboxClaim,
    OutboxMessage,
    personal_chat,
    user_of,
)
from casework.errors import NotFound
from casework.events import (
    AppealDecided,
    AppealRecorded,
    ConfirmationChased,
    CorrespondenceLogged,
    CorrespondenceOverdue,
    CorrespondenceReviewed,
    DigestDue,
    EscalationDecided,
    EscalationOverdue,
    EscalationRequested,
    Event,
    IncidentReported,
    InformationGiven,
    InformationRequested,
    LettersDrafted,
    ReviewDue,
    ReviewOverdue,
    VoteRecorded,
)
from casework.ports import UnitOfWork
from casework.views import MessageContent, UndeliveredNotice, escalation_view, incident_summary
from casework.vocabulary import CorrespondenceOutcome, MessagePurpose

SYSTEM = Actor("system", "Bot")
RECENT = timedelta(seconds=30)
"""How far back a worker looks at a conversation's sends: Teams' longest short window is 60 messages in 30 s."""


def _card_update(escalation_id: int, now: datetime) -> NewOutboxMessage:
    # Every update renders the card as it is when sent, so only the newest waiting one needs sending.
    return NewOutboxMessage(
        TEAM_CHANNEL,
        MessagePurpose.DECISION_CARD_UPDATE,
        {"escalation_id": escalation_id},
        now,
        coalesce_key=f"decision-card:{escalation_id}",
    )


def messages_for(event: Event, clock: Clock) -> list[NewOutboxMessage]:
    """Who is told of an event (the notifications table's first half: the second, in bot/, says with which card)."""
    now = clock()
    match event:
        case IncidentReported(incident=incident, line_manager_id=manager, case_owner_id=owner):
            subject: dict[str, int | str] = {"incident_id": incident.incident_id}
            told = []
            if manager:
                # s8.6: the reporter's line manager discusses every incident with them.
                told.append(NewOutboxMessage(personal_chat(manager), MessagePurpose.MANAGER_DISCUSSION, subject, now))
            if owner:
                # s11.4, s13: acting again during a warning or restriction is for its case owner to weigh.
                told.append(NewOutboxMessage(personal_chat(owner), MessagePurpose.CASE_OWNER_ALERT, subject, now))
            if incident.is_urgent:
                # s12.3, s8.4: a serious threat goes to the determination team at once.
                told.append(NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.URGENT_ALERT, subject, now))
            return told
        case EscalationRequested(escalation=view):
            return [NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.DECISION_CARD, _escalation(view.escalation_id), now)]
        case EscalationDecided(escalation=view):
            return [
                _card_update(view.escalation_id, now),
                NewOutboxMessage(
                    personal_chat(view.requested_by_id),
                    MessagePurpose.DECISION_TOLD,
                    _escalation(view.escalation_id),
                    now,
                ),
            ]
        case InformationRequested(escalation=view):
            return [
                _card_update(view.escalation_id, now),
                NewOutboxMessage(
                    personal_chat(view.requested_by_id), MessagePurpose.QUESTION, _escalation(view.escalation_id), now
                ),
            ]
        case InformationGiven(escalation=view):
            return [_card_update(view.escalation_id, now)]
        case VoteRecorded(escalation_id=escalation_id):
            return [_card_update(escalation_id, now)]
        case LettersDrafted(case_owner_id=owner, escalation_id=escalation_id, review_id=review_id):
            about: dict[str, int | str] = (
                {"escalation_id": escalation_id} if escalation_id is not None else {"review_id": review_id or 0}
            )
            return [NewOutboxMessage(personal_chat(owner), MessagePurpose.DRAFT_LETTERS, about, now)]
        case ReviewDue(review_id=review_id, owner_id=owner):
            return [NewOutboxMessage(personal_chat(owner), MessagePurpose.REVIEW_REMINDER, _review(review_id), now)]
        case ReviewOverdue(review_id=review_id):
            return [NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.OVERDUE_REVIEW, _review(review_id), now)]
        case EscalationOverdue(escalation_id=escalation_id):
            return [
                NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.CHASE, _escalation(escalation_id), now),
                _card_update(escalation_id, now),
            ]
        case ConfirmationChased(escalation_id=escalation_id):
            return [
                NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.CONFIRMATION_CHASE, _escalation(escalation_id), now),
                _card_update(escalation_id, now),
            ]
        case CorrespondenceLogged(item_id=item_id, reviewer_id=reviewer):
            return [
                NewOutboxMessage(
                    personal_chat(reviewer), MessagePurpose.CORRESPONDENCE_TO_REVIEW, _correspondence(item_id), now
                )
            ]
        case CorrespondenceReviewed(item_id=item_id, outcome=outcome, case_owner_id=owner):
            if outcome is CorrespondenceOutcome.NEW_INFORMATION:
                return [
                    NewOutboxMessage(
                        personal_chat(owner),
                        MessagePurpose.CORRESPONDENCE_NEW_INFORMATION,
                        _correspondence(item_id),
                        now,
                    )
                ]
            if outcome is CorrespondenceOutcome.SAFEGUARDING_CONCERN:
                return [
                    NewOutboxMessage(
                        TEAM_CHANNEL, MessagePurpose.CORRESPONDENCE_SAFEGUARDING, _correspondence(item_id), now
                    )
                ]
            # No significant new information: nobody is told anything, the customer least of all (s16.2).
            return []
        case CorrespondenceOverdue(item_id=item_id):
            return [
                NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.CORRESPONDENCE_OVERDUE, _correspondence(item_id), now)
            ]
        case AppealRecorded(appeal_id=appeal_id):
            return [NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.APPEAL_CARD, {"appeal_id": appeal_id}, now)]
        case AppealDecided(appeal_id=appeal_id, case_owner_id=owner):
            return [
                NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.APPEAL_CARD_UPDATE, {"appeal_id": appeal_id}, now),
                NewOutboxMessage(personal_chat(owner), MessagePurpose.APPEAL_DECIDED, {"appeal_id": appeal_id}, now),
            ]
        case DigestDue(period_code=code):
            return [NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.OVERSIGHT_DIGEST, {"period": code}, now)]
    raise TypeError(f"no messages are defined for {type(event).__name__}")


def _escalation(escalation_id: int) -> dict[str, int | str]:
    return {"escalation_id": escalation_id}


def _review(review_id: int) -> dict[str, int | str]:
    return {"review_id": review_id}


def _correspondence(item_id: int) -> dict[str, int | str]:
    return {"correspondence_id": item_id}


def publish(uow: UnitOfWork, events: Iterable[Event], clock: Clock) -> None:
    """Writes the messages for these events into the unit of work: they commit with the change or not at all."""
    messages = [message for event in events for message in messages_for(event, clock)]
    if messages:
        uow.outbox.add(messages)


def claim_messages(
    uow: UnitOfWork, claimant: str, clock: Clock, *, lease_for: timedelta, conversations: int
) -> OutboxClaim:
    with uow:
        now = clock()
        claim = uow.outbox.claim(claimant, now, now + lease_for, conversations, now - RECENT)
        uow.commit()
    return claim


def renew_lease(uow: UnitOfWork, claimant: str, addressee: str, clock: Clock, *, lease_for: timedelta) -> bool:
    """Before each message: the worker still holds the conversation, for another `lease_for`."""
    with uow:
        now = clock()
        renewed = uow.outbox.renew(claimant, addressee, now, now + lease_for)
        uow.commit()
    return renewed


def release_conversations(uow: UnitOfWork, claimant: str, addressees: Collection[str]) -> None:
    with uow:
        uow.outbox.release(claimant, addressees)
        uow.commit()


def release_all_conversations(uow: UnitOfWork, claimant: str) -> None:
    with uow:
        uow.outbox.release_all(claimant)
        uow.commit()


def message_sent(uow: UnitOfWork, message: OutboxMessage, conversation_id: str, activity_id: str, clock: Clock) -> None:
    """Marks the message sent, with what its delivery means for the casework, in one transaction."""
    with uow:
        if not uow.outbox.mark_sent(message.id, clock(), activity_id):
            return
        match message.purpose:
            case MessagePurpose.DECISION_CARD:
                # Remembered so the card can be updated in place for everyone.
                uow.escalations.record_card(int(message.subject["escalation_id"]), conversation_id, activity_id)
            case MessagePurpose.MANAGER_DISCUSSION | MessagePurpose.URGENT_ALERT:
                incident = uow.incidents.get(int(message.subject["incident_id"]))
                if incident is not None:
                    notified = (
                        AuditAction.INCIDENT_MANAGER_NOTIFIED
                        if message.purpose is MessagePurpose.MANAGER_DISCUSSION
                        else AuditAction.INCIDENT_URGENT_NOTIFIED
                    )
                    record_audit(uow, SYSTEM, notified, incident.reference, clock, recipient=message.addressee)
            case MessagePurpose.APPEAL_CARD:
                # Remembered so the outcome can replace the card for everyone in the channel.
                uow.appeals.record_card(int(message.subject["appeal_id"]), conversation_id, activity_id)
            case MessagePurpose.REVIEW_REMINDER:
                record_audit(
                    uow,
                    SYSTEM,
                    AuditAction.REVIEW_REMINDER_SENT,
                    message.subject["review_id"],
                    clock,
                    recipient=message.addressee,
                )
        uow.commit()


def message_retry(uow: UnitOfWork, message: OutboxMessage, wait: timedelta, error: str, clock: Clock) -> None:
    with uow:
        uow.outbox.retry_later(message.id, clock() + wait, error[:500])
        uow.commit()


def message_undeliverable(uow: UnitOfWork, message: OutboxMessage, reason: str, clock: Clock) -> None:
    """A message Teams refused for good, or after every retry: marked so and audited; whoever needs to know is told
    what to do instead (the reporter, for their line manager or the team), and the addressee finds it in `work`."""
    with uow:
        if not uow.outbox.mark_failed(message.id, clock(), reason[:500]):
            return
        record_audit(
            uow,
            SYSTEM,
            AuditAction.MESSAGE_NOT_DELIVERED,
            message.id,
            clock,
            purpose=message.purpose.value,
            addressee=message.addressee,
            reason=reason[:500],
        )
        told = _who_else_is_told(uow, message, clock)
        if told is not None:
            uow.outbox.add([told])
        uow.commit()


def _who_else_is_told(uow: UnitOfWork, message: OutboxMessage, clock: Clock) -> NewOutboxMessage | None:
    notice: dict[str, int | str] = {"message_id": message.id}
    match message.purpose:
        case MessagePurpose.MANAGER_DISCUSSION | MessagePurpose.URGENT_ALERT:
            incident = uow.incidents.get(int(message.subject["incident_id"]))
            if incident is None:
                return None
            not_notified = (
                AuditAction.INCIDENT_MANAGER_NOT_NOTIFIED
                if message.purpose is MessagePurpose.MANAGER_DISCUSSION
                else AuditAction.INCIDENT_URGENT_NOT_NOTIFIED
            )
            record_audit(uow, SYSTEM, not_notified, incident.reference, clock, recipient=message.addressee)
            return NewOutboxMessage(personal_chat(incident.reported_by), MessagePurpose.NOT_DELIVERED, notice, clock())
        case MessagePurpose.DECISION_CARD:
            escalation = uow.escalations.get(int(message.subject["escalation_id"]))
            if escalation is None:
                return None
            return NewOutboxMessage(
                personal_chat(escalation.requested_by), MessagePurpose.NOT_DELIVERED, notice, clock()
            )
        case MessagePurpose.APPEAL_CARD:
            # Whoever recorded the appeal is told it has not reached the team, so it is not left undecided.
            appeal = uow.appeals.get(int(message.subject["appeal_id"]))
            if appeal is None:
                return None
            return NewOutboxMessage(personal_chat(appeal.recorded_by), MessagePurpose.NOT_DELIVERED, notice, clock())
        case MessagePurpose.REVIEW_REMINDER:
            # The owner is not silently dropped: the determination team makes sure the review happens (s13.1).
            review_id = message.subject["review_id"]
            record_audit(uow, SYSTEM, AuditAction.REVIEW_OWNER_UNREACHABLE, review_id, clock, owner=message.addressee)
            return NewOutboxMessage(TEAM_CHANNEL, MessagePurpose.OWNER_UNREACHABLE, {"review_id": review_id}, clock())
        case MessagePurpose.CORRESPONDENCE_TO_REVIEW | MessagePurpose.CORRESPONDENCE_SAFEGUARDING:
            # An item on file must still be read, and a safeguarding concern reach the team (s16.1): whoever logged
            # it (its reviewer unreachable) or reviewed it (the team's channel unreachable) is told to act instead.
            filed = uow.correspondence.get(int(message.subject["correspondence_id"]))
            if filed is None:
                return None
            to_review = message.purpose is MessagePurpose.CORRESPONDENCE_TO_REVIEW
            told = filed.logged_by if to_review else filed.reviewed_by
            if told is None:
                return None
            return NewOutboxMessage(personal_chat(told), MessagePurpose.NOT_DELIVERED, notice, clock())
    # The others are the addressee's own work, listed in `work`; a notice that fails is not noticed again.
    return None


def message_content(uow: UnitOfWork, message: OutboxMessage, rules: DecisionRules) -> MessageContent:
    """The records a message shows, as they are now. Raises NotFound if they are gone (a merged customer, say)."""
    with uow:
        if "incident_id" in message.subject:
            incident = uow.incidents.get(int(message.subject["incident_id"]))
            if incident is None:
                raise NotFound("the incident is no longer on record")
            return MessageContent(incident=incident_summary(uow, incident))
        if "escalation_id" in message.subject:
            escalation = uow.escalations.get(int(message.subject["escalation_id"]))
            if escalation is None:
                raise NotFound("the escalation is no longer on record")
            return MessageContent(escalation=escalation_view(uow, escalation, rules))
        if "message_id" in message.subject:
            failed = uow.outbox.get(int(message.subject["message_id"]))
            if failed is None:
                raise NotFound("the undelivered message is no longer on record")
            return MessageContent(undelivered=_notice(uow, failed, rules))
    raise NotFound(f"a {message.purpose.value} message names no record")


def _notice(uow: UnitOfWork, failed: OutboxMessage, rules: DecisionRules) -> UndeliveredNotice:
    person = user_of(failed.addressee)
    member = uow.staff.get(person) if person else None
    name = member.name if member else ("the determination team's channel" if person is None else "A colleague")
    if "incident_id" in failed.subject:
        incident = uow.incidents.get(int(failed.subject["incident_id"]))
        reference = incident.reference if incident else "an incident"
    elif "escalation_id" in failed.subject:
        escalation = uow.escalations.get(int(failed.subject["escalation_id"]))
        view = escalation_view(uow, escalation, rules) if escalation else None
        reference = f"{view.kind_label} for {view.customer_name}" if view else "an escalation"
    else:
        reference = failed.purpose.label
    return UndeliveredNotice(failed.purpose, name, reference)


def undelivered_for(uow: UnitOfWork, user_id: str) -> tuple[OutboxMessage, ...]:
    """What could not be delivered to this person, newest first, for their `work` list."""
    with uow:
        return tuple(uow.outbox.failed_for(personal_chat(user_id)))


def failed_message(uow: UnitOfWork, message_id: int) -> OutboxMessage | None:
    with uow:
        return uow.outbox.get(message_id)


def waiting_messages(uow: UnitOfWork) -> int:
    with uow:
        return uow.outbox.waiting()
