"""What staff ask for, as typed, before validation: the inputs of the use cases that take a form."""

from __future__ import annotations

from dataclasses import dataclass

from casework.entities import RestrictionTerms, SeriousStepParticulars
from casework.vocabulary import ActingParty


@dataclass(frozen=True)
class IncidentSubmission:
    """What a member of staff typed into the report form, before validation. Every field is raw text.

    `customer_id` is an existing customer the form offered and the person chose; with none, `customer_name`
    (and any postcode, phone or email) describe a customer to find or add."""

    submission_key: str
    customer_name: str
    channel: str
    actions: tuple[str, ...]
    description: str
    customer_id: int | None = None
    new_customer_confirmed: bool = False
    postcode: str = ""
    phone: str = ""
    email: str = ""
    acting_party: str = ActingParty.CUSTOMER.value
    representative_name: str = ""
    occurred_date: str = ""
    occurred_time: str = ""
    service_area: str = ""
    immediate_steps: tuple[str, ...] = ()
    informal_warning_given: bool = False
    safeguarding_concern: bool = False
    support_need: bool = False
    serious_threats: tuple[str, ...] = ()
    line_manager_id: str = ""
    other_action: str = ""
    """What they did, when "something else" is chosen (s6.1 is not exhaustive)."""
    customer_recording: bool = False
    """They said they were recording (s7.3: not in itself unreasonable)."""
    recording_reason: str = ""
    matter_reference: str = ""
    """The matter or complaint the contact was about, for seeing the same issue pursued with several services
    (s6.1's 'scatter gun')."""
    representative_authority: str = ""
    """For a representative not yet on record: the customer's consent or other lawful basis for them acting (s5.1)."""


@dataclass(frozen=True)
class EscalationRequest:
    """What a member of staff asked the determination team to decide, before the gates are applied."""

    customer_name: str
    kind: str
    reason: str
    investigation_reference: str = ""
    serious_threat: str = ""
    legal_advice_reference: str = ""
    restrictions: tuple[str, ...] = ()
    terms: RestrictionTerms = RestrictionTerms()
    submission_key: str = ""
    """The form's submission, scoped to the requester: a repeated submit of it is the same request."""
    no_warning_reason: str = ""
    """Why it is asked for although no warning is on record (s11.1, s12.1); asked for only then."""
    particulars: SeriousStepParticulars = SeriousStepParticulars()
    """As typed, for further action or a service withdrawal (s14.3, s15.4); ignored for other kinds."""


@dataclass(frozen=True)
class LetterRevision:
    """What the case owner set on the letter card for its next version: what was missing, or a correction."""

    address: str
    no_fixed_address: bool
    monitoring: str
    example_incident_ids: tuple[int, ...]
    signatory_name: str
    signatory_title: str
    reason: str = ""
    """Required when the version it replaces was issued (s13: a record the Ombudsman would accept)."""
    next_steps: str = ""
    """A further-action or service-withdrawal letter's "what we will do now", in words for the customer."""


@dataclass(frozen=True)
class CustomerRecordEdit:
    """What the edit form for a customer's record came back with, before validation. Every field is raw text."""

    address: str
    postcode: str
    no_fixed_address: bool
    phone: str
    email: str
    other_names: str
    reasonable_adjustments: str
    communication_needs: str


@dataclass(frozen=True)
class IncidentAmendmentSubmission:
    """What the amend form for an incident came back with, before validation, and the reason for the change."""

    reason: str
    channel: str
    actions: tuple[str, ...]
    description: str
    occurred_date: str = ""
    occurred_time: str = ""
    service_area: str = ""
    immediate_steps: tuple[str, ...] = ()
    informal_warning_given: bool = False
    other_action: str = ""
