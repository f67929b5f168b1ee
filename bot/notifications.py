"""The notifications table's second half: for each kind of message the outbox holds, the card it shows and where
it goes in Teams (casework/outbox.py decides who is told). Cards are rendered when the message is sent, from the
records as they are then, so a late delivery is never stale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from botbuilder.schema import Activity

from bot.letter_links import LetterCards
from cards.appeals import appeal_card, appeal_decided_card
from cards.common import Card, envelope, heading, summary_of, text
from cards.correspondence import new_information_card, safeguarding_card
from cards.correspondence import review_card as correspondence_review_card
from cards.escalation import chase_card, confirmation_chase_card, decision_card, information_request_card
from cards.incident import case_owner_alert_card, manager_discussion_card, urgent_incident_card
from cards.oversight import oversight_card
from cards.review import review_card, unreachable_owner_card
from casework.appeals import appeal_view, decided_notice
from casework.correspondence import CorrespondenceItemView, correspondence_message
from casework.entities import OutboxMessage, user_of
from casework.errors import NotFound
from casework.gateway import CaseworkGateway
from casework.outbox import message_content
from casework.oversight import digest_figures
from casework.reviews import review_view
from casework.views import MessageContent, UndeliveredNotice
from casework.vocabulary import EscalationState, MessagePurpose
from dialogs.activities import card_activity, cards_activity, with_summary


@dataclass(frozen=True)
class Outgoing:
    """One activity to send (or, with `activity.id` set, to update) in one conversation."""

    activity: Activity
    user_id: str | None = None
    """A person's personal chat, or None for `conversation_id`."""
    conversation_id: str | None = None

    def __post_init__(self) -> None:
        with_summary(self.activity)  # no message leaves the outbox without its line for the notification

    @property
    def is_update(self) -> bool:
        return bool(self.activity.id)


class NothingToSend(Exception):
    """The message has nothing left to say (a card update before the card was posted, letters since replaced)."""


Renderer = Callable[[OutboxMessage], Awaitable[Outgoing]]


class Notifications:
    def __init__(self, casework: CaseworkGateway, letters: LetterCards, team_conversation_id: str) -> None:
        self._casework = casework
        self._letters = letters
        self._team = team_conversation_id
        self._renderers: Mapping[MessagePurpose, Renderer] = {
            MessagePurpose.MANAGER_DISCUSSION: self._manager_discussion,
            MessagePurpose.CASE_OWNER_ALERT: self._case_owner_alert,
            MessagePurpose.URGENT_ALERT: self._urgent_alert,
            MessagePurpose.DECISION_CARD: self._decision_card,
            MessagePurpose.DECISION_CARD_UPDATE: self._decision_card_update,
            MessagePurpose.DECISION_TOLD: self._decision_told,
            MessagePurpose.QUESTION: self._question,
            MessagePurpose.DRAFT_LETTERS: self._draft_letters,
            MessagePurpose.REVIEW_REMINDER: self._review,
            MessagePurpose.OVERDUE_REVIEW: self._review,
            MessagePurpose.OWNER_UNREACHABLE: self._owner_unreachable,
            MessagePurpose.CHASE: self._chase,
            MessagePurpose.CONFIRMATION_CHASE: self._confirmation_chase,
            MessagePurpose.NOT_DELIVERED: self._not_delivered,
            MessagePurpose.CORRESPONDENCE_TO_REVIEW: self._correspondence_to_review,
            MessagePurpose.CORRESPONDENCE_OVERDUE: self._correspondence_to_review,
            MessagePurpose.CORRESPONDENCE_NEW_INFORMATION: self._correspondence_new_information,
            MessagePurpose.CORRESPONDENCE_SAFEGUARDING: self._correspondence_safeguarding,
            MessagePurpose.APPEAL_CARD: self._appeal_card,
            MessagePurpose.APPEAL_CARD_UPDATE: self._appeal_card_update,
            MessagePurpose.APPEAL_DECIDED: self._appeal_decided,
            MessagePurpose.OVERSIGHT_DIGEST: self._oversight_digest,
        }

    async def _oversight_digest(self, message: OutboxMessage) -> Outgoing:
        figures = await self._casework.call(digest_figures, str(message.subject["period"]))
        return self._to_addressee(message, oversight_card(figures, digest=True))

    @property
    def team_conversation_id(self) -> str:
        return self._team

    async def outgoing(self, message: OutboxMessage) -> Outgoing:
        """The activity for a message. Raises NotFound if its records are gone, NothingToSend if it is moot."""
        return await self._renderers[message.purpose](message)

    async def _content(self, message: OutboxMessage) -> MessageContent:
        return await self._casework.call(message_content, message)

    def _to_addressee(self, message: OutboxMessage, card: Card) -> Outgoing:
        user_id = user_of(message.addressee)
        if user_id is not None:
            return Outgoing(card_activity(card), user_id=user_id)
        return Outgoing(card_activity(card), conversation_id=self._team)

    async def _manager_discussion(self, message: OutboxMessage) -> Outgoing:
        content = await self._content(message)
        assert content.incident is not None
        return self._to_addressee(message, manager_discussion_card(content.incident))

    async def _case_owner_alert(self, message: OutboxMessage) -> Outgoing:
        content = await self._content(message)
        assert content.incident is not None
        return self._to_addressee(message, case_owner_alert_card(content.incident))

    async def _urgent_alert(self, message: OutboxMessage) -> Outgoing:
        content = await self._content(message)
        assert content.incident is not None
        return self._to_addressee(message, urgent_incident_card(content.incident))

    async def _decision_card(self, message: OutboxMessage) -> Outgoing:
        content = await self._content(message)
        assert content.escalation is not None
        return self._to_addressee(message, decision_card(content.escalation))

    async def _decision_card_update(self, message: OutboxMessage) -> Outgoing:
        view = (await self._content(message)).escalation
        assert view is not None
        if not (view.card_conversation_id and view.card_activity_id):
            # The card was never posted; when it is, it shows the escalation as it is then.
            raise NothingToSend("the decision card has not been posted")
        activity = card_activity(decision_card(view))
        activity.id = view.card_activity_id
        return Outgoing(activity, conversation_id=view.card_conversation_id)

    async def _decision_told(self, message: OutboxMessage) -> Outgoing:
        view = (await self._content(message)).escalation
        assert view is not None
        outcome = {
            EscalationState.APPROVED: "approved",
            EscalationState.LAPSED: "not confirmed in time, so it lapsed",
        }.get(view.state, "declined")
        decided = f"Decision: {view.kind_label} for {view.customer_name} was {outcome}"
        card = envelope([heading(decided)], summary=decided)
        return self._to_addressee(message, card)

    async def _question(self, message: OutboxMessage) -> Outgoing:
        view = (await self._content(message)).escalation
        assert view is not None
        if view.state is not EscalationState.MORE_INFORMATION:
            raise NothingToSend("the question has been answered or withdrawn")
        return self._to_addressee(message, information_request_card(view))

    async def _draft_letters(self, message: OutboxMessage) -> Outgoing:
        escalation_id = message.subject.get("escalation_id")
        review_id = message.subject.get("review_id")
        cards = await self._letters.drafted(
            int(escalation_id) if escalation_id is not None else None,
            int(review_id) if review_id is not None else None,
        )
        if not cards:
            raise NothingToSend("no draft letters")
        summary = summary_of(cards[0])
        if len(cards) > 1:
            summary = f"{len(cards)} draft letters to check and issue; the first: {summary}"
        return Outgoing(cards_activity(cards, summary), user_id=user_of(message.addressee))

    async def _review(self, message: OutboxMessage) -> Outgoing:
        view = await self._casework.call(review_view, int(message.subject["review_id"]))
        if view.decided_at is not None:
            raise NothingToSend("the review has been decided")
        return self._to_addressee(message, review_card(view))

    async def _owner_unreachable(self, message: OutboxMessage) -> Outgoing:
        view = await self._casework.call(review_view, int(message.subject["review_id"]))
        return self._to_addressee(message, unreachable_owner_card(view))

    async def _chase(self, message: OutboxMessage) -> Outgoing:
        view = (await self._content(message)).escalation
        assert view is not None
        if view.state is not EscalationState.PENDING:
            raise NothingToSend("the escalation has been decided")
        return self._to_addressee(message, chase_card(view))

    async def _confirmation_chase(self, message: OutboxMessage) -> Outgoing:
        view = (await self._content(message)).escalation
        assert view is not None
        if not view.awaiting_confirmation:
            raise NothingToSend("the immediate restriction has been confirmed, overturned or has lapsed")
        return self._to_addressee(message, confirmation_chase_card(view))

    async def _correspondence(self, message: OutboxMessage) -> CorrespondenceItemView:
        item = await self._casework.call(correspondence_message, int(message.subject["correspondence_id"]))
        if item is None:
            raise NotFound("the correspondence is no longer on record")
        return item

    async def _correspondence_to_review(self, message: OutboxMessage) -> Outgoing:
        """The reviewer's card when an item is logged; the determination team's when it was not reviewed in time."""
        item = await self._correspondence(message)
        if item.outcome is not None:
            raise NothingToSend("the correspondence has been reviewed")
        return self._to_addressee(message, correspondence_review_card(item))

    async def _correspondence_new_information(self, message: OutboxMessage) -> Outgoing:
        return self._to_addressee(message, new_information_card(await self._correspondence(message)))

    async def _correspondence_safeguarding(self, message: OutboxMessage) -> Outgoing:
        return self._to_addressee(message, safeguarding_card(await self._correspondence(message)))

    async def _appeal_card(self, message: OutboxMessage) -> Outgoing:
        view = await self._casework.call(appeal_view, int(message.subject["appeal_id"]))
        return self._to_addressee(message, appeal_card(view))

    async def _appeal_card_update(self, message: OutboxMessage) -> Outgoing:
        view = await self._casework.call(appeal_view, int(message.subject["appeal_id"]))
        if not (view.card_conversation_id and view.card_activity_id):
            raise NothingToSend("the appeal card has not been posted")
        activity = card_activity(appeal_card(view))
        activity.id = view.card_activity_id
        return Outgoing(activity, conversation_id=view.card_conversation_id)

    async def _appeal_decided(self, message: OutboxMessage) -> Outgoing:
        """The outcome and its draft letter, to the case owner, who checks and issues it like any other letter."""
        notice = await self._casework.call(decided_notice, int(message.subject["appeal_id"]))
        owner = user_of(message.addressee) or ""
        cards = [appeal_decided_card(notice), *(self._letters.card_for(view, owner) for view in notice.letters)]
        return Outgoing(cards_activity(cards, summary_of(cards[0])), user_id=owner)

    async def _not_delivered(self, message: OutboxMessage) -> Outgoing:
        notice = (await self._content(message)).undelivered
        assert notice is not None
        card = envelope(
            [heading("Not delivered", color="Attention"), text(_told(notice))],
            summary=f"Not delivered: {_not_delivered_summary(notice)}",
        )
        return self._to_addressee(message, card)


def _not_delivered_summary(notice: UndeliveredNotice) -> str:
    """The notification's line: who was not reached, about which record, and for an alert the step to take now
    (cards.common.summary_line: no customer beside a threat or a safeguarding concern)."""
    match notice.purpose:
        case MessagePurpose.URGENT_ALERT:
            return (
                f"the determination team was not alerted about incident {notice.reference}: phone Health and Safety now"
            )
        case MessagePurpose.CORRESPONDENCE_SAFEGUARDING:
            return "the determination team was not alerted about a safeguarding concern: phone Health and Safety now"
        case MessagePurpose.CORRESPONDENCE_TO_REVIEW:
            return f"{notice.addressee_name} was not told about the correspondence you logged (s16.1)"
    return f"{notice.addressee_name} could not be reached in Teams about {notice.reference}"


def _told(notice: UndeliveredNotice) -> str:
    """What the person is told to do instead: the truth, and the step that does not depend on Teams."""
    match notice.purpose:
        case MessagePurpose.MANAGER_DISCUSSION:
            return (
                f"{notice.addressee_name} could not be reached in Teams about incident {notice.reference}; "
                "please tell them about it yourself (s8.6)."
            )
        case MessagePurpose.URGENT_ALERT:
            return (
                f"The determination team could not be alerted in Teams about incident {notice.reference}: "
                "phone the Health and Safety officer now."
            )
        case MessagePurpose.DECISION_CARD:
            return (
                f"Your request ({notice.reference}) is saved, but the determination team's channel could not be "
                "reached in Teams; please tell an administrator."
            )
        case MessagePurpose.CORRESPONDENCE_SAFEGUARDING:
            return (
                "The determination team could not be alerted in Teams about the safeguarding concern you found in "
                "correspondence on file: follow the safeguarding procedure and phone the Health and Safety officer "
                "now."
            )
        case MessagePurpose.CORRESPONDENCE_TO_REVIEW:
            return (
                f"{notice.addressee_name} could not be reached in Teams about the correspondence you logged; please "
                "tell them it is waiting for their review (s16.1)."
            )
    return f"{notice.addressee_name} could not be reached in Teams about {notice.reference}."
