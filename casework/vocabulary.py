"""The policy's vocabulary: the enums the rules, use cases, views and cards share, each with its label."""

from __future__ import annotations

import enum


class ContactChannel(enum.StrEnum):
    """How the customer contacted us (DESIGN §2, incident)."""

    TELEPHONE = "telephone"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"
    SOCIAL_MEDIA = "social_media"
    ONLINE_FORM = "online_form"
    HOME_VISIT = "home_visit"

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    ContactChannel.TELEPHONE: "Telephone",
    ContactChannel.EMAIL: "Email",
    ContactChannel.LETTER: "Letter",
    ContactChannel.IN_PERSON: "In person / reception",
    ContactChannel.SOCIAL_MEDIA: "Social media",
    ContactChannel.ONLINE_FORM: "Online form",
    ContactChannel.HOME_VISIT: "Home visit",
}


class ServiceArea(enum.StrEnum):
    """Which council service the contact was about; contacts across several hint at 'scatter gun' (s6.1)."""

    HOUSING = "housing"
    COUNCIL_TAX = "council_tax"
    BENEFITS = "benefits"
    WASTE = "waste"
    PLANNING = "planning"
    ENVIRONMENTAL_HEALTH = "environmental_health"
    LICENSING = "licensing"
    CUSTOMER_SERVICES = "customer_services"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ImmediateStep(enum.StrEnum):
    """What staff did at the time (s8.5)."""

    WARNED = "warned"
    ENDED_CALL = "ended_call"
    ASKED_TO_LEAVE = "asked_to_leave"
    PAUSED_COMMUNICATIONS = "paused_communications"
    POLICE_CALLED = "police_called"

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]


_STEP_LABELS = {
    ImmediateStep.WARNED: "Warned them of the consequences",
    ImmediateStep.ENDED_CALL: "Ended the call",
    ImmediateStep.ASKED_TO_LEAVE: "Asked them to leave the building",
    ImmediateStep.PAUSED_COMMUNICATIONS: "Paused communications",
    ImmediateStep.POLICE_CALLED: "Called the police",
}


class ActingParty(enum.StrEnum):
    """Who acted unreasonably: the customer, or someone representing them (s5)."""

    CUSTOMER = "customer"
    REPRESENTATIVE = "representative"


class ManagerOutcome(enum.StrEnum):
    """The outcome of the line manager's discussion after an incident (s8.6, s10)."""

    NO_FURTHER_ACTION = "no_further_action"
    INFORMAL_WARNING_NOTED = "informal_warning_noted"
    ESCALATE = "escalate"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    ManagerOutcome.NO_FURTHER_ACTION: "No further action",
    ManagerOutcome.INFORMAL_WARNING_NOTED: "Informal warning noted",
    ManagerOutcome.ESCALATE: "Escalate to the determination team",
}


class UnreasonableAction(enum.StrEnum):
    """The policy's examples of unreasonable actions (s6.1) and misuse of recordings (s7.2)."""

    ABUSIVE_OR_THREATENING = "abusive"
    STAFF_INFO_ONLINE = "staff_info_online"
    EXCESSIVE_DEMANDS = "excessive_demands"
    REPEAT_CONTACTS = "repeat_contacts"
    REFUSES_TO_SPECIFY = "refuses_to_specify"
    REFUSES_TO_COOPERATE = "refuses_to_cooperate"
    INCOMPATIBLE_HANDLING = "incompatible_handling"
    UNJUSTIFIED_STAFF_COMPLAINTS = "unjustified_staff_complaints"
    CHANGING_COMPLAINT = "changing_complaint"
    MANY_TRIVIAL_QUESTIONS = "many_trivial_questions"
    FALSE_INFORMATION = "false_information"
    SCATTER_GUN = "scatter_gun"
    RECORDING_WITHOUT_REASON = "recording_without_reason"
    RECORDING_POSTED_ONLINE = "recording_posted_online"
    LIVE_BROADCAST = "live_broadcast"
    RECORDING_MANIPULATED = "recording_manipulated"
    OTHER = "other"
    """s6.1's list is not exhaustive: something else, which the reporter describes."""

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


RECORDING_ACTIONS = frozenset(
    {
        UnreasonableAction.RECORDING_WITHOUT_REASON,
        UnreasonableAction.RECORDING_POSTED_ONLINE,
        UnreasonableAction.LIVE_BROADCAST,
        UnreasonableAction.RECORDING_MANIPULATED,
    }
)
"""The s7.2 misuses of recording."""

_ACTION_LABELS = {
    UnreasonableAction.ABUSIVE_OR_THREATENING: "Abusive, threatening or intimidating (incl. discriminatory language)",
    UnreasonableAction.STAFF_INFO_ONLINE: "Posted or threatened to post staff details online, or defamed staff",
    UnreasonableAction.EXCESSIVE_DEMANDS: "Excessive demands on staff time (long calls, many emails)",
    UnreasonableAction.REPEAT_CONTACTS: "Repeat contacts or complaints with minor changes",
    UnreasonableAction.REFUSES_TO_SPECIFY: "Refuses to say what the enquiry or complaint is about",
    UnreasonableAction.REFUSES_TO_COOPERATE: "Refuses to cooperate with a complaint investigation",
    UnreasonableAction.INCOMPATIBLE_HANDLING: "Insists on handling outside the complaints procedure",
    UnreasonableAction.UNJUSTIFIED_STAFF_COMPLAINTS: "Unjustified complaints about staff, demanding replacement",
    UnreasonableAction.CHANGING_COMPLAINT: "Keeps changing the basis of the complaint",
    UnreasonableAction.MANY_TRIVIAL_QUESTIONS: "Many detailed but unimportant questions",
    UnreasonableAction.FALSE_INFORMATION: "False information or falsified documents",
    UnreasonableAction.SCATTER_GUN: "'Scatter gun': same issue raised with several services",
    UnreasonableAction.RECORDING_WITHOUT_REASON: "Recorded us without good reason",
    UnreasonableAction.RECORDING_POSTED_ONLINE: "Put recordings online without consent",
    UnreasonableAction.LIVE_BROADCAST: "Live broadcast an interaction without consent",
    UnreasonableAction.RECORDING_MANIPULATED: "Manipulated or edited recordings",
    UnreasonableAction.OTHER: "Something else (describe it)",
}


class EscalationKind(enum.StrEnum):
    """What the determination team is asked to decide (s11, s12, s13.2, s14, s15.4)."""

    FORMAL_WARNING = "formal_warning"
    RESTRICTION = "restriction"
    EXTENSION = "extension"
    FURTHER_ACTION = "further_action"
    MANDATORY_SERVICE_WITHDRAWAL = "mandatory_service_withdrawal"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EscalationKind.FORMAL_WARNING: "Formal warning",
    EscalationKind.RESTRICTION: "Restriction of contact",
    EscalationKind.EXTENSION: "Extension of a restriction by 3 months",
    EscalationKind.FURTHER_ACTION: "Further action (legal restrictions, declining service, police)",
    EscalationKind.MANDATORY_SERVICE_WITHDRAWAL: "Withdrawal of a mandatory service",
}


class RepresentativeOption(enum.StrEnum):
    """What the customer is offered when their representative is restricted, so they are not disadvantaged (s5.4)."""

    DEAL_DIRECTLY = "deal_directly"
    FIND_ANOTHER = "find_another"
    NOMINATE_ANOTHER = "nominate_another"

    @property
    def label(self) -> str:
        return _REPRESENTATIVE_OPTION_LABELS[self]


_REPRESENTATIVE_OPTION_LABELS = {
    RepresentativeOption.DEAL_DIRECTLY: "We deal with the customer directly, with any reasonable adjustments they need",
    RepresentativeOption.FIND_ANOTHER: "We help the customer find another representative (an advocacy service)",
    RepresentativeOption.NOMINATE_ANOTHER: "The customer is asked to nominate another representative",
}


class SeriousThreat(enum.StrEnum):
    """The s12.3 exceptions that allow a restriction without a prior investigation."""

    CREDIBLE_THREAT_TO_HARM = "credible_threat_to_harm"
    THREAT_TO_DAMAGE_PREMISES = "threat_to_damage_premises"
    POLICE_ADVICE = "police_advice"

    @property
    def label(self) -> str:
        return _THREAT_LABELS[self]


_THREAT_LABELS = {
    SeriousThreat.CREDIBLE_THREAT_TO_HARM: "Credible threat to harm staff or customers",
    SeriousThreat.THREAT_TO_DAMAGE_PREMISES: "Threat to damage council premises",
    SeriousThreat.POLICE_ADVICE: "Police advised restricting contact",
}


class ContactRestriction(enum.StrEnum):
    """The kinds of restriction on contact (s15.2)."""

    NAMED_CONTACT = "named_contact"
    CORRESPONDENCE_ON_FILE = "correspondence_on_file"
    NO_PHYSICAL_ACCESS = "no_physical_access"
    WRITTEN_ONLY = "written_only"
    LIMITED_CALLS = "limited_calls"
    DISCRETIONARY_SERVICES = "discretionary_services"

    @property
    def label(self) -> str:
        return _RESTRICTION_LABELS[self]


_RESTRICTION_LABELS = {
    ContactRestriction.NAMED_CONTACT: "Contact only through a named officer or inbox",
    ContactRestriction.CORRESPONDENCE_ON_FILE: "Correspondence placed on file without reply",
    ContactRestriction.NO_PHYSICAL_ACCESS: "No access to council offices",
    ContactRestriction.WRITTEN_ONLY: "Written contact only",
    ContactRestriction.LIMITED_CALLS: "Length and frequency of calls limited",
    ContactRestriction.DISCRETIONARY_SERVICES: "Discretionary services withdrawn",
}


class MeasureKind(enum.StrEnum):
    """What an approved escalation puts in force for a customer."""

    FORMAL_WARNING = "formal_warning"
    RESTRICTION = "restriction"
    FURTHER_ACTION = "further_action"
    """Legal restrictions, declining a service or involving the police, after legal advice (s14.3)."""
    SERVICE_WITHDRAWAL = "service_withdrawal"
    """A mandatory service withdrawn, as a last resort, with an alternative arrangement (s15.4). The value fits the
    measure table's kind column (20 characters)."""


class EscalationState(enum.StrEnum):
    PENDING = "pending"
    MORE_INFORMATION = "more_information"
    APPROVED = "approved"
    DECLINED = "declined"
    LAPSED = "lapsed"
    """An immediate restriction (s12.3) no second member confirmed within its window, ended by the sweep where the
    council chose that (IMMEDIATE_UNCONFIRMED=lapse)."""


class DecisionOutcome(enum.StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"


class CustomerStanding(enum.StrEnum):
    """The answer to "is this customer restricted?", most serious first."""

    RESTRICTED = "restricted"
    WARNED = "warned"
    NO_RESTRICTIONS = "no_restrictions"


class ReviewOutcome(enum.StrEnum):
    """A restriction's 3-monthly review: lift it (s13.1) or extend it by 3 months (s13.2)."""

    LIFT = "lift"
    EXTEND = "extend"


class LetterKind(enum.StrEnum):
    """The decisions given to the customer in writing (s11.3, s11.4, s12.4, s13)."""

    FORMAL_WARNING = "formal_warning"
    RESTRICTION = "restriction"
    EXTENSION = "extension"
    LIFTING = "lifting"
    WITHDRAWAL = "withdrawal"
    """An immediate restriction (s12.3) that a second member did not confirm: it is withdrawn."""
    FURTHER_ACTION = "further_action"
    """Further action approved after legal advice (s14.3): legal restrictions, declining a service, the police."""
    SERVICE_WITHDRAWAL = "service_withdrawal"
    """A mandatory service withdrawn, as a last resort (s15.4)."""
    APPEAL_OUTCOME = "appeal_outcome"
    """The outcome of a complaint or appeal about a warning, restriction or extension (s11.4): upheld, varied or
    lifted, and why."""

    @property
    def label(self) -> str:
        return _LETTER_LABELS[self]


_LETTER_LABELS = {
    LetterKind.FORMAL_WARNING: "Formal warning letter",
    LetterKind.RESTRICTION: "Restriction of contact letter",
    LetterKind.EXTENSION: "Extension of restriction letter",
    LetterKind.LIFTING: "Lifting of restriction letter",
    LetterKind.WITHDRAWAL: "Withdrawal of immediate restriction letter",
    LetterKind.FURTHER_ACTION: "Further action letter",
    LetterKind.SERVICE_WITHDRAWAL: "Withdrawal of a mandatory service letter",
    LetterKind.APPEAL_OUTCOME: "Appeal outcome letter",
}


class AppealKind(enum.StrEnum):
    """How the customer challenged a decision (s11.4: the council's complaints process)."""

    COMPLAINT = "complaint"
    APPEAL = "appeal"

    @property
    def label(self) -> str:
        return "Complaint" if self is AppealKind.COMPLAINT else "Appeal"


class AppealedDecision(enum.StrEnum):
    """The decision a complaint or appeal is about."""

    FORMAL_WARNING = "formal_warning"
    RESTRICTION = "restriction"
    EXTENSION = "extension"

    @property
    def label(self) -> str:
        return _APPEALED_LABELS[self]


_APPEALED_LABELS = {
    AppealedDecision.FORMAL_WARNING: "the formal warning",
    AppealedDecision.RESTRICTION: "the restriction",
    AppealedDecision.EXTENSION: "the extension",
}


class AppealOutcome(enum.StrEnum):
    """What an uninvolved member of the determination team decided on a complaint or appeal."""

    UPHELD = "upheld"
    """The decision stands as it is."""
    VARIED = "varied"
    """The measure continues with new terms and a new review date."""
    LIFTED = "lifted"
    """The measure ends now."""

    @property
    def label(self) -> str:
        return _APPEAL_OUTCOME_LABELS[self]


_APPEAL_OUTCOME_LABELS = {
    AppealOutcome.UPHELD: "Upheld: the decision stands",
    AppealOutcome.VARIED: "Varied: new terms and a new review date",
    AppealOutcome.LIFTED: "Lifted: it ends now",
}


class DeliveryMethod(enum.StrEnum):
    """How a letter reached the customer (s11.3: held at reception for someone with no fixed address)."""

    POST = "post"
    EMAIL = "email"
    BY_HAND = "by_hand"
    HELD_AT_RECEPTION = "held_at_reception"

    @property
    def label(self) -> str:
        return _DELIVERY_LABELS[self]


_DELIVERY_LABELS = {
    DeliveryMethod.POST: "By post",
    DeliveryMethod.EMAIL: "By email",
    DeliveryMethod.BY_HAND: "By hand",
    DeliveryMethod.HELD_AT_RECEPTION: "Held at reception to collect",
}


class CorrespondenceOutcome(enum.StrEnum):
    """What the review of an item of correspondence placed on file found (s16.1). The customer is told none of it:
    not even that it held nothing new (s16.2)."""

    NO_SIGNIFICANT_NEW_INFORMATION = "no_new_information"
    NEW_INFORMATION = "new_information"
    """Routed to the service named, through the case owner."""
    SAFEGUARDING_CONCERN = "safeguarding_concern"
    """Routed to the determination team's channel at once (s8.4)."""

    @property
    def label(self) -> str:
        return _CORRESPONDENCE_OUTCOME_LABELS[self]


_CORRESPONDENCE_OUTCOME_LABELS = {
    CorrespondenceOutcome.NO_SIGNIFICANT_NEW_INFORMATION: "No significant new information: stays on file",
    CorrespondenceOutcome.NEW_INFORMATION: "Significant new information: a service must act on it",
    CorrespondenceOutcome.SAFEGUARDING_CONCERN: "A safeguarding concern: the determination team is told at once",
}


class MessagePurpose(enum.StrEnum):
    """What a message the bot sends on its own is for: the outbox's rows carry it, the Teams edge renders by it."""

    MANAGER_DISCUSSION = "manager_discussion"
    """The line manager's s8.6 discussion card for a new incident."""
    CASE_OWNER_ALERT = "case_owner_alert"
    """A new incident about a customer with a warning or restriction in force, to its case owner (s11.4, s13)."""
    URGENT_ALERT = "urgent_alert"
    """An urgent incident (s12.3, s8.4) to the determination team's channel."""
    DECISION_CARD = "decision_card"
    """A new escalation's decision card to the determination team's channel (s2.6)."""
    DECISION_CARD_UPDATE = "decision_card_update"
    """The decision card changed (a vote, an answer, an outcome): shown anew for everyone in the channel."""
    DECISION_TOLD = "decision_told"
    """The requester is told the outcome."""
    QUESTION = "question"
    """The determination team's question to the requester."""
    DRAFT_LETTERS = "draft_letters"
    """The case owner's draft letters to check and issue (s11.3, s11.4, s13)."""
    REVIEW_REMINDER = "review_reminder"
    """A review falls due (s13.1): its owner gets the review card."""
    OWNER_UNREACHABLE = "owner_unreachable"
    """A review's owner could not be reached: the determination team is asked to make sure it happens."""
    OVERDUE_REVIEW = "overdue_review"
    """A review past due and undecided goes to the determination team."""
    CHASE = "chase"
    """An escalation nobody has decided in time: the team is reminded."""
    CONFIRMATION_CHASE = "confirmation_chase"
    """An immediate restriction (s12.3) still unconfirmed as its window nears its end, or after it: the team is
    reminded to confirm or overturn it."""
    NOT_DELIVERED = "not_delivered"
    """Someone is told that a message about their work could not be delivered, and what to do instead."""
    CORRESPONDENCE_TO_REVIEW = "correspondence_to_review"
    """An item of correspondence placed on file was logged: its reviewer gets the review card (s16.1)."""
    CORRESPONDENCE_NEW_INFORMATION = "correspondence_new_information"
    """A filed item held significant new information: the case owner is told which service must act on it."""
    CORRESPONDENCE_SAFEGUARDING = "correspondence_safeguarding"
    """A filed item raised a safeguarding concern: to the determination team's channel at once (s16.1, s8.4)."""
    CORRESPONDENCE_OVERDUE = "correspondence_overdue"
    """A filed item not reviewed in time goes to the determination team."""
    APPEAL_CARD = "appeal_card"
    """A complaint or appeal about a decision to the determination team's channel, for an uninvolved member."""
    APPEAL_CARD_UPDATE = "appeal_card_update"
    """An appeal was decided: its card in the team's channel shows the outcome for everyone."""
    APPEAL_DECIDED = "appeal_decided"
    """The case owner is told an appeal's outcome, with its draft letter to check and issue."""
    OVERSIGHT_DIGEST = "oversight_digest"
    """A month's or quarter's oversight figures, to the determination team's channel when it ends (s3)."""

    @property
    def label(self) -> str:
        return _MESSAGE_LABELS[self]


_MESSAGE_LABELS = {
    MessagePurpose.MANAGER_DISCUSSION: "an incident to discuss (s8.6)",
    MessagePurpose.URGENT_ALERT: "an urgent incident",
    MessagePurpose.DECISION_CARD: "a decision card",
    MessagePurpose.DECISION_CARD_UPDATE: "a decision card's update",
    MessagePurpose.DECISION_TOLD: "the outcome of your escalation",
    MessagePurpose.QUESTION: "the determination team's question",
    MessagePurpose.DRAFT_LETTERS: "draft letters to check and issue",
    MessagePurpose.REVIEW_REMINDER: "a review due (s13.1)",
    MessagePurpose.OWNER_UNREACHABLE: "a review whose owner could not be reached",
    MessagePurpose.OVERDUE_REVIEW: "an overdue review",
    MessagePurpose.CHASE: "an escalation waiting too long for a decision",
    MessagePurpose.CONFIRMATION_CHASE: "an immediate restriction waiting for confirmation (s12.3)",
    MessagePurpose.NOT_DELIVERED: "a message that could not be delivered",
    MessagePurpose.CORRESPONDENCE_TO_REVIEW: "correspondence on file to review (s16)",
    MessagePurpose.CORRESPONDENCE_NEW_INFORMATION: "new information in correspondence on file (s16)",
    MessagePurpose.CORRESPONDENCE_SAFEGUARDING: "a safeguarding concern in correspondence on file (s16)",
    MessagePurpose.CORRESPONDENCE_OVERDUE: "correspondence on file not reviewed in time (s16)",
    MessagePurpose.APPEAL_CARD: "a complaint or appeal to decide",
    MessagePurpose.APPEAL_CARD_UPDATE: "an appeal card's update",
    MessagePurpose.APPEAL_DECIDED: "the outcome of a complaint or appeal",
    MessagePurpose.OVERSIGHT_DIGEST: "the oversight figures for a month or quarter",
}


class MessageState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Could not be delivered (a permanent refusal, or every retry used): audited and shown in `work`."""
    SUPERSEDED = "superseded"
    """A card update overtaken by a newer one for the same card before it was sent."""


class Role(enum.StrEnum):
    """What a person may do with the bot (DESIGN §1). Given by configuration, never by talking to the bot: STAFF,
    DETERMINATION_TEAM, RECEPTION and ADMINISTRATOR by the administrator's list (admin.py add-staff) or, for STAFF,
    the Teams rosters configured as staff; LINE_MANAGER and CASE_OWNER by the records (casework.policy.roles_of)."""

    STAFF = "staff"
    LINE_MANAGER = "line_manager"
    CASE_OWNER = "case_owner"
    DETERMINATION_TEAM = "determination_team"
    RECEPTION = "reception staff"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.STAFF: "staff",
    Role.LINE_MANAGER: "line managers",
    Role.CASE_OWNER: "case owners",
    Role.DETERMINATION_TEAM: "the determination team",
    Role.RECEPTION: "reception staff",
    Role.ADMINISTRATOR: "administrators",
}


class Audience(enum.StrEnum):
    """Who a command or a button is for, as the routes table (bot/routes.py) declares it and the menu shows it; the
    roles each admits are a rule (casework.policy.audience_roles)."""

    STAFF = "staff"
    DETERMINATION_TEAM = "determination team"
    NEED_TO_KNOW = "determination team and case managers"
    CASE_OWNERS = "case owners and managers"
    LINE_MANAGERS = "line managers and the determination team"
    RECEPTION = "reception staff"


class RetainedKind(enum.StrEnum):
    """The kinds of record retention counts when it reports what it removed (issue 19). Votes, an escalation's
    links to its incidents and a customer's name tokens go with the record they belong to and are not counted."""

    CUSTOMER = "customer"
    REPRESENTATIVE = "representative"
    INCIDENT = "incident"
    INCIDENT_AMENDMENT = "incident_amendment"
    ESCALATION = "escalation"
    DECISION = "decision"
    MEASURE = "measure"
    REVIEW = "review"
    LETTER = "letter"
    CORRESPONDENCE = "correspondence"
    APPEAL = "appeal"
    SIGNPOSTING = "signposting"
    LOOKUP_AUDIT = "lookup_audit"


class PeriodKind(enum.StrEnum):
    """The periods the oversight figures are given for (s3, s4.3): a calendar month or quarter, in UK time."""

    MONTH = "month"
    QUARTER = "quarter"
