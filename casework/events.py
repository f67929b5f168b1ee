"""What a use case tells the rest of the council about: events, returned with its result and written to the outbox
in its transaction (casework/outbox.py says who is told; bot/notifications.py with which card). Past tense."""

from __future__ import annotations

from dataclasses import dataclass

from casework.views import EscalationView, IncidentSummary
from casework.vocabulary import CorrespondenceOutcome


@dataclass(frozen=True)
class IncidentReported:
    """A new incident: the line manager discusses it (s8.6); an urgent one goes to the team at once (s12.3, s8.4)."""

    incident: IncidentSummary
    line_manager_id: str | None
    line_manager_name: str | None
    case_owner_id: str | None = None
    """The owner of a warning or restriction in force for the customer, when someone else: they hear of it too, as
    a new incident during a measure bears on its review and on escalating (s11.4, s13)."""


@dataclass(frozen=True)
class EscalationRequested:
    """A decision put to the determination team (s2.6): their channel gets the decision card."""

    escalation: EscalationView


@dataclass(frozen=True)
class EscalationDecided:
    """Approved or declined (or an immediate restriction overturned): the requester is told."""

    escalation: EscalationView


@dataclass(frozen=True)
class InformationRequested:
    """The team asked the requester a question before deciding."""

    escalation: EscalationView


@dataclass(frozen=True)
class InformationGiven:
    """The requester answered; the team's card shows the answer."""

    escalation: EscalationView


@dataclass(frozen=True)
class VoteRecorded:
    """A member's vote that did not yet decide: the card shows the progress to everyone in the channel."""

    escalation_id: int


@dataclass(frozen=True)
class LettersDrafted:
    """Draft letters to the customer were produced by a decision or a review (s11.3, s11.4, s13): their case owner
    checks and issues them. One of the two ids is set."""

    case_owner_id: str
    escalation_id: int | None = None
    review_id: int | None = None


@dataclass(frozen=True)
class ReviewDue:
    """A review falls due within the reminder lead (s13.1): its owner is reminded, once."""

    review_id: int
    owner_id: str


@dataclass(frozen=True)
class ReviewOverdue:
    """A review is past due and undecided: the determination team makes sure it happens."""

    review_id: int


@dataclass(frozen=True)
class EscalationOverdue:
    """Nobody has decided an escalation in time: the team is reminded and the card shows it overdue."""

    escalation_id: int


@dataclass(frozen=True)
class ConfirmationChased:
    """An immediate restriction (s12.3) still unconfirmed as its window nears its end, or after it: the team is
    reminded, and its decision card shows it OVERDUE once the window has passed."""

    escalation_id: int


@dataclass(frozen=True)
class CorrespondenceLogged:
    """An item of correspondence was placed on file: its reviewer gets the review card (s16.1)."""

    item_id: int
    reviewer_id: str


@dataclass(frozen=True)
class CorrespondenceReviewed:
    """An item on file was reviewed: new information goes to the case owner to pass to the service named, a
    safeguarding concern to the determination team's channel at once; nothing else is said to anyone (s16.2)."""

    item_id: int
    outcome: CorrespondenceOutcome
    case_owner_id: str


@dataclass(frozen=True)
class CorrespondenceOverdue:
    """An item on file not reviewed in time: the determination team makes sure it is read."""

    item_id: int


@dataclass(frozen=True)
class AppealRecorded:
    """A complaint or appeal about a decision: the determination team's channel gets its card, for a member who
    took no part in the decision or its incidents to decide (s2.6, s11.4)."""

    appeal_id: int


@dataclass(frozen=True)
class AppealDecided:
    """An appeal's outcome, applied to the measure: the case owner is sent it with its draft letter."""

    appeal_id: int
    case_owner_id: str


@dataclass(frozen=True)
class DigestDue:
    """A month or quarter has ended: its oversight figures go to the determination team's channel (s3)."""

    period_code: str


Event = (
    IncidentReported
    | EscalationRequested
    | EscalationDecided
    | InformationRequested
    | InformationGiven
    | VoteRecorded
    | LettersDrafted
    | ReviewDue
    | ReviewOverdue
    | EscalationOverdue
    | ConfirmationChased
    | CorrespondenceLogged
    | CorrespondenceReviewed
    | CorrespondenceOverdue
    | AppealRecorded
    | AppealDecided
    | DigestDue
)
