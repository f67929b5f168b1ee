"""The policy's rules (casework/policy.py) as pure functions: no storage, no clock but the one passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from casework import policy
from casework.commands import IncidentSubmission
from casework.entities import Measure, RecentIncident, RestrictionTerms, SeriousStepParticulars
from casework.vocabulary import (
    ContactChannel,
    ContactRestriction,
    CustomerStanding,
    EscalationKind,
    MeasureKind,
    ReviewOutcome,
    SeriousThreat,
    ServiceArea,
    UnreasonableAction,
)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# add_months and the review date (s13.1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (at(2026, 11, 30), 3, at(2027, 2, 28)),  # clamped to February's last day
        (at(2026, 8, 31), 3, at(2026, 11, 30)),  # 31 Aug has no 31 Nov
        (at(2027, 11, 30), 3, at(2028, 2, 29)),  # leap year
        (at(2026, 11, 29), 3, at(2027, 2, 28)),
        (at(2026, 1, 15), 3, at(2026, 4, 15)),  # the same day when it exists
        (at(2026, 12, 15), 1, at(2027, 1, 15)),  # December rolls into January of the next year
        (at(2026, 10, 31), 3, at(2027, 1, 31)),  # year rollover keeps the 31st
        (at(2026, 12, 31), 12, at(2027, 12, 31)),
        (at(2026, 12, 31), 14, at(2028, 2, 29)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_end_of_the_month(
    start: datetime, months: int, expected: datetime
) -> None:
    assert policy.add_months(start, months) == expected


def test_add_months_keeps_the_time_of_day_and_timezone() -> None:
    start = datetime(2026, 11, 30, 16, 45, 12, 345, tzinfo=UTC)
    assert policy.add_months(start, 3) == datetime(2027, 2, 28, 16, 45, 12, 345, tzinfo=UTC)


def test_review_is_due_three_months_after_the_decision() -> None:
    assert policy.REVIEW_PERIOD_MONTHS == 3
    assert policy.review_due_date(at(2026, 3, 14, 9, 30)) == at(2026, 6, 14, 9, 30)
    assert policy.review_due_date(at(2026, 11, 30)) == at(2027, 2, 28)


# incident references


@pytest.mark.parametrize(
    ("year", "number", "expected"),
    [
        (2026, 1, "INC-2026-0001"),
        (2026, 42, "INC-2026-0042"),
        (2027, 9999, "INC-2027-9999"),
        (2027, 12345, "INC-2027-12345"),
    ],
)
def test_incident_reference_is_readable_on_the_phone(year: int, number: int, expected: str) -> None:
    assert policy.incident_reference(year, number) == expected


NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

# validate_incident


def submission(**changes: object) -> IncidentSubmission:
    valid = IncidentSubmission(
        submission_key="key-1",
        customer_name="Jane Smith",
        channel=ContactChannel.TELEPHONE.value,
        actions=(UnreasonableAction.ABUSIVE_OR_THREATENING.value,),
        description="Shouted and swore at the officer.",
    )
    return replace(valid, **changes)  # type: ignore[arg-type]


def test_a_complete_report_has_no_errors() -> None:
    assert policy.validate_incident(submission(), NOW) == {}


def test_every_channel_and_action_value_is_accepted() -> None:
    for channel in ContactChannel:
        assert policy.validate_incident(submission(channel=channel.value), NOW) == {}
    every_action = tuple(action.value for action in UnreasonableAction)
    described = submission(actions=every_action, other_action="Left voicemails singing at staff.")
    assert policy.validate_incident(described, NOW) == {}


def test_something_else_is_accepted_only_with_a_description() -> None:
    # s6.1: the list of unreasonable actions is not exhaustive.
    other = UnreasonableAction.OTHER.value
    assert policy.validate_incident(submission(actions=(other,), other_action="Sent 40 parcels."), NOW) == {}
    assert set(policy.validate_incident(submission(actions=(other,), other_action="  "), NOW)) == {"other_action"}
    too_long = "x" * (policy.OTHER_ACTION_MAX_LENGTH + 1)
    assert set(policy.validate_incident(submission(actions=(other,), other_action=too_long), NOW)) == {"other_action"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"customer_name": ""}, "customer_name", "Enter the customer's name."),
        ({"customer_name": "   \t "}, "customer_name", "Enter the customer's name."),
        ({"customer_name": "x" * 201}, "customer_name", "Keep the name to 200 characters or fewer."),
        ({"channel": ""}, "channel", "Choose how they contacted us."),
        ({"channel": "fax"}, "channel", "Choose how they contacted us."),
        ({"channel": "TELEPHONE"}, "channel", "Choose how they contacted us."),  # the member name is not a value
        ({"actions": ()}, "actions", "Choose at least one unreasonable action."),
        ({"actions": ("rude",)}, "actions", "Choose the actions from the list."),
        ({"actions": ("abusive", "rude")}, "actions", "Choose the actions from the list."),
        ({"description": ""}, "description", "Say briefly what happened."),
        ({"description": " \n\t "}, "description", "Say briefly what happened."),
        ({"description": "x" * 4001}, "description", "Keep it under 4000 characters."),
    ],
)
def test_each_field_reports_its_own_error(changes: dict[str, object], field: str, message: str) -> None:
    assert policy.validate_incident(submission(**changes), NOW) == {field: message}


def test_length_limits_are_inclusive_and_ignore_surrounding_whitespace() -> None:
    assert policy.NAME_MAX_LENGTH == 200
    assert policy.DESCRIPTION_MAX_LENGTH == 4000
    assert policy.validate_incident(submission(customer_name="x" * 200, description="y" * 4000), NOW) == {}
    padded = submission(customer_name="  " + "x" * 200 + "  ", description="\n" + "y" * 4000 + "\n")
    assert policy.validate_incident(padded, NOW) == {}


def test_an_empty_form_reports_every_field() -> None:
    empty = IncidentSubmission(submission_key="k", customer_name="", channel="", actions=(), description="")
    assert set(policy.validate_incident(empty, NOW)) == {"customer_name", "channel", "actions", "description"}


# escalation gates (s12.2, s12.3, s14.3, s15.2, s15.4)


def gate(
    kind: EscalationKind,
    investigation: str | None = None,
    threat: SeriousThreat | None = None,
    legal: str | None = None,
    restrictions: tuple[ContactRestriction, ...] = (),
) -> list[str]:
    return policy.escalation_gate_errors(kind, investigation, threat, legal, restrictions)


def test_a_formal_warning_has_no_gate() -> None:
    assert gate(EscalationKind.FORMAL_WARNING) == []


def test_a_restriction_with_an_investigation_and_a_restriction_passes() -> None:
    assert gate(EscalationKind.RESTRICTION, "HS-2026-7", restrictions=(ContactRestriction.WRITTEN_ONLY,)) == []


@pytest.mark.parametrize("threat", list(SeriousThreat))
def test_a_serious_threat_stands_in_for_the_investigation(threat: SeriousThreat) -> None:
    assert gate(EscalationKind.RESTRICTION, threat=threat, restrictions=(ContactRestriction.NO_PHYSICAL_ACCESS,)) == []


@pytest.mark.parametrize("investigation", [None, ""])
def test_a_restriction_without_investigation_or_threat_is_gated(investigation: str | None) -> None:
    errors = gate(EscalationKind.RESTRICTION, investigation, restrictions=(ContactRestriction.WRITTEN_ONLY,))
    assert len(errors) == 1
    assert "s12.2" in errors[0]
    assert "s12.3" in errors[0]


def test_a_restriction_must_name_at_least_one_restriction() -> None:
    errors = gate(EscalationKind.RESTRICTION, "HS-2026-7")
    assert len(errors) == 1
    assert "s15.2" in errors[0]


def test_a_restriction_with_nothing_reports_both_gates() -> None:
    assert len(gate(EscalationKind.RESTRICTION)) == 2


def test_restrictions_given_as_a_generator_are_counted() -> None:
    chosen = (r for r in [ContactRestriction.LIMITED_CALLS])
    assert policy.escalation_gate_errors(EscalationKind.RESTRICTION, "HS-1", None, None, chosen) == []


@pytest.mark.parametrize("kind", [EscalationKind.FURTHER_ACTION, EscalationKind.MANDATORY_SERVICE_WITHDRAWAL])
def test_further_action_and_service_withdrawal_need_legal_advice(kind: EscalationKind) -> None:
    errors = gate(kind)
    assert len(errors) == 1
    assert "s14.3" in errors[0]
    assert gate(kind, legal="") == errors
    assert gate(kind, legal="Legal ref LS/2026/12") == []


@pytest.mark.parametrize("kind", [EscalationKind.FORMAL_WARNING, EscalationKind.RESTRICTION, EscalationKind.EXTENSION])
def test_other_kinds_do_not_ask_for_legal_advice(kind: EscalationKind) -> None:
    errors = gate(kind, "HS-1", restrictions=(ContactRestriction.WRITTEN_ONLY,))
    assert not any("s14.3" in e for e in errors)


def test_measure_for_each_kind() -> None:
    assert policy.measure_for(EscalationKind.FORMAL_WARNING) is MeasureKind.FORMAL_WARNING
    assert policy.measure_for(EscalationKind.RESTRICTION) is MeasureKind.RESTRICTION
    assert policy.measure_for(EscalationKind.EXTENSION) is None
    assert policy.measure_for(EscalationKind.FURTHER_ACTION) is MeasureKind.FURTHER_ACTION
    assert policy.measure_for(EscalationKind.MANDATORY_SERVICE_WITHDRAWAL) is MeasureKind.SERVICE_WITHDRAWAL


ADVISED = SeriousStepParticulars(
    legal_advice_by="Legal Services", legal_advice_on="2026-11-20", legal_advice_summary="Proportionate."
)


def test_further_action_needs_legal_advice_dated_before_today_and_an_officer_to_refer_to() -> None:
    today = date(2026, 11, 28)
    kind = EscalationKind.FURTHER_ACTION
    assert set(policy.serious_step_errors(kind, SeriousStepParticulars(), today)) == {
        "legal_advice_by",
        "legal_advice_on",
        "legal_advice_summary",
        "contact_officer",
    }
    future = replace(ADVISED, legal_advice_on="2026-11-29", contact_officer="P. Patel")
    assert "future" in policy.serious_step_errors(kind, future, today)["legal_advice_on"]
    assert (
        "as the form shows"
        in policy.serious_step_errors(kind, replace(future, legal_advice_on="20/11"), today)["legal_advice_on"]
    )
    assert policy.serious_step_errors(kind, replace(ADVISED, contact_officer="P. Patel"), today) == {}


def test_a_withdrawal_needs_rights_considered_the_service_and_an_alternative() -> None:
    today = date(2026, 11, 28)
    kind = EscalationKind.MANDATORY_SERVICE_WITHDRAWAL
    assert set(policy.serious_step_errors(kind, ADVISED, today)) == {
        "rights_consideration",
        "service_withdrawn",
        "alternative_arrangement",
    }
    complete = replace(ADVISED, rights_consideration="Weighed.", service_withdrawn="x", alternative_arrangement="y")
    assert policy.serious_step_errors(kind, complete, today) == {}
    too_long = replace(complete, police_advice="a" * (policy.REASON_MAX_LENGTH + 1))
    assert set(policy.serious_step_errors(kind, too_long, today)) == {"police_advice"}
    assert policy.serious_step_errors(EscalationKind.FORMAL_WARNING, SeriousStepParticulars(), today) == {}


# who may decide (s2.6, s11.2)


def test_someone_outside_the_determination_team_may_not_decide() -> None:
    refusal = policy.decision_refusal("u-outsider", False, "u-requester", [])
    assert refusal == "Only members of the determination team can decide escalations."


def test_the_requester_may_not_decide_their_own_escalation() -> None:
    refusal = policy.decision_refusal("u-member", True, "u-member", [])
    assert refusal is not None
    assert "You asked for this escalation" in refusal


def test_an_officer_involved_in_the_incidents_may_not_decide() -> None:
    refusal = policy.decision_refusal("u-member", True, "u-requester", ["u-other", "u-member"])
    assert refusal is not None
    assert "You were involved in the incidents" in refusal


def test_an_uninvolved_member_may_decide() -> None:
    assert policy.decision_refusal("u-member", True, "u-requester", ["u-other", "u-third"]) is None
    assert policy.decision_refusal("u-member", True, "u-requester", iter(["u-other"])) is None


def test_being_outside_the_team_is_the_first_reason_given() -> None:
    refusal = policy.decision_refusal("u-requester", False, "u-requester", ["u-requester"])
    assert refusal == "Only members of the determination team can decide escalations."


# measures in force and standing


START = at(2026, 1, 5)
END = at(2026, 4, 5, 12)


def measure(
    kind: MeasureKind = MeasureKind.RESTRICTION, ended_at: datetime | None = None, **changes: object
) -> Measure:
    made = Measure(
        id=1,
        customer_id=1,
        kind=kind,
        escalation_id=1,
        starts_at=START,
        review_due_at=policy.review_due_date(START),
        case_owner_id="u-owner",
        restrictions=(ContactRestriction.WRITTEN_ONLY,),
        ended_at=ended_at,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def test_a_measure_is_in_force_from_its_start_until_it_ends() -> None:
    ended = measure(ended_at=END)
    assert not policy.is_in_force(ended, START - timedelta(microseconds=1))
    assert policy.is_in_force(ended, START)
    assert policy.is_in_force(ended, END - timedelta(microseconds=1))
    assert not policy.is_in_force(ended, END)
    assert not policy.is_in_force(ended, END + timedelta(days=1))


def test_a_measure_never_ended_stays_in_force_past_its_review_date() -> None:
    open_ended = measure()
    assert policy.is_in_force(open_ended, open_ended.review_due_at + timedelta(days=400))


def test_standing_at_the_moment_a_restriction_ends() -> None:
    restriction = measure(ended_at=END)
    assert policy.standing([restriction], END - timedelta(microseconds=1)) is CustomerStanding.RESTRICTED
    assert policy.standing([restriction], END) is CustomerStanding.NO_RESTRICTIONS


def test_restricted_outranks_warned() -> None:
    warning = measure(MeasureKind.FORMAL_WARNING, restrictions=())
    restriction = measure(MeasureKind.RESTRICTION)
    now = START + timedelta(days=1)
    assert policy.standing([warning, restriction], now) is CustomerStanding.RESTRICTED
    assert policy.standing([restriction, warning], now) is CustomerStanding.RESTRICTED
    assert policy.standing([warning], now) is CustomerStanding.WARNED
    assert policy.standing([], now) is CustomerStanding.NO_RESTRICTIONS


def test_an_ended_restriction_leaves_a_warning_in_force() -> None:
    warning = measure(MeasureKind.FORMAL_WARNING, restrictions=())
    restriction = measure(MeasureKind.RESTRICTION, ended_at=END)
    assert policy.standing([warning, restriction], END) is CustomerStanding.WARNED


def test_a_measure_not_yet_started_does_not_count() -> None:
    future = measure(starts_at=END)
    assert policy.standing([future], END - timedelta(seconds=1)) is CustomerStanding.NO_RESTRICTIONS


# handling instructions (s15.2, s16)


TERMS = RestrictionTerms(
    named_contact="Jane Doe, Housing Officer, or housing@west-lindsey.gov.uk",
    call_minutes=10,
    calls_per_week=1,
    services_withdrawn="garden waste collection",
)


@pytest.mark.parametrize(
    ("restriction", "words"),
    [
        (
            ContactRestriction.NAMED_CONTACT,
            "Contact only through Jane Doe, Housing Officer, or housing@west-lindsey.gov.uk: pass them on",
        ),
        (ContactRestriction.CORRESPONDENCE_ON_FILE, "Correspondence is placed on file: log it"),
        (ContactRestriction.NO_PHYSICAL_ACCESS, "Not to enter council offices"),
        (ContactRestriction.WRITTEN_ONLY, "Written contact only: do not take calls; you may end a call politely."),
        (ContactRestriction.LIMITED_CALLS, "Calls limited to 10 minutes, once a week"),
        (ContactRestriction.DISCRETIONARY_SERVICES, "Discretionary services withdrawn: garden waste collection."),
    ],
)
def test_each_restriction_has_its_instruction(restriction: ContactRestriction, words: str) -> None:
    instructions = policy.handling_instructions(measure(restrictions=(restriction,), terms=TERMS))
    assert len(instructions) == 1
    assert words in instructions[0]


def test_call_limits_read_naturally_for_several_calls() -> None:
    terms = RestrictionTerms(call_minutes=15, calls_per_week=3)
    (line,) = policy.handling_instructions(measure(restrictions=(ContactRestriction.LIMITED_CALLS,), terms=terms))
    assert line.startswith("Calls limited to 15 minutes, 3 times a week")


def test_scope_and_who_is_restricted_are_explicit() -> None:
    assert policy.scope_line(RestrictionTerms()) == "Applies to all council services."
    assert policy.scope_line(RestrictionTerms(scope="housing")) == "Applies to Housing only."
    assert policy.applies_to_line(RestrictionTerms()) == "Applies to the customer."
    representative_only = policy.applies_to_line(RestrictionTerms(representative_name="Ron Advocate"))
    assert representative_only.startswith("Applies to their representative Ron Advocate only")
    assert "the customer may still contact us directly" in representative_only


def test_restricting_only_a_representative_records_what_the_customer_is_offered() -> None:
    # s5.4: the customer they represent must not be disadvantaged.
    terms = RestrictionTerms(representative_name="Ron Advocate")
    assert set(policy.restriction_terms_errors((), terms)) == {"representative_option"}
    offered = RestrictionTerms(representative_name="Ron Advocate", representative_option="deal_directly")
    assert policy.restriction_terms_errors((), offered) == {}
    assert policy.applies_to_line(offered).endswith(
        "We deal with the customer directly, with any reasonable adjustments they need (s5.4)."
    )


def test_a_representatives_incidents_are_not_counted_in_the_customers_suggestion() -> None:
    at = datetime(2026, 11, 28, tzinfo=UTC)
    theirs = [RecentIncident(at - timedelta(days=d), ServiceArea.HOUSING, "", True) for d in (1, 2, 3)]
    assert policy.escalation_suggestion(theirs, at, "") == ""
    own = [RecentIncident(at - timedelta(days=d), ServiceArea.HOUSING) for d in (4, 5, 6)]
    assert policy.escalation_suggestion([*own, *theirs], at, "") == (
        "3 incidents in 90 days (3 more by their representative, not counted: s5.4): consider asking the "
        "determination team (s10, s11)."
    )


def test_each_restriction_needs_its_particulars() -> None:
    chosen = (
        ContactRestriction.NAMED_CONTACT,
        ContactRestriction.LIMITED_CALLS,
        ContactRestriction.DISCRETIONARY_SERVICES,
    )
    assert set(policy.restriction_terms_errors(chosen, RestrictionTerms())) == {
        "named_contact",
        "call_limits",
        "services_withdrawn",
    }
    assert policy.restriction_terms_errors(chosen, TERMS) == {}
    assert "scope" in policy.restriction_terms_errors((), RestrictionTerms(scope="zoo"))
    assert "call_limits" in policy.restriction_terms_errors((), RestrictionTerms(call_minutes=-5))


def test_need_to_know() -> None:
    assert policy.may_see_history(True, "harper", [])
    assert policy.may_see_history(False, "morgan", ["morgan"])
    assert not policy.may_see_history(False, "sam", ["morgan"])


def test_correspondence_on_file_is_still_checked_for_safeguarding() -> None:
    (instruction,) = policy.handling_instructions(measure(restrictions=(ContactRestriction.CORRESPONDENCE_ON_FILE,)))
    assert "safeguarding" in instruction
    assert "log it" in instruction


def test_several_restrictions_give_one_instruction_each_in_order() -> None:
    chosen = (ContactRestriction.LIMITED_CALLS, ContactRestriction.NAMED_CONTACT, ContactRestriction.NO_PHYSICAL_ACCESS)
    instructions = policy.handling_instructions(measure(restrictions=chosen))
    assert instructions == [policy.handling_instructions(measure(restrictions=(r,)))[0] for r in chosen]
    assert len(set(instructions)) == 3


def test_a_formal_warning_tells_staff_to_carry_on_and_report_more() -> None:
    (instruction,) = policy.handling_instructions(measure(MeasureKind.FORMAL_WARNING, restrictions=()))
    assert instruction.startswith("A formal warning is in force")
    assert "deal with them as usual" in instruction
    assert "'report'" in instruction


# review reminders (s13)


def test_a_reminder_falls_due_exactly_the_lead_time_before_the_review() -> None:
    due = at(2026, 6, 14, 9)
    lead = timedelta(days=7)
    assert not policy.reminder_due(due, due - lead - timedelta(microseconds=1), lead)
    assert policy.reminder_due(due, due - lead, lead)
    assert policy.reminder_due(due, due, lead)
    assert policy.reminder_due(due, due + timedelta(days=30), lead)


def test_with_no_lead_time_the_reminder_waits_for_the_due_date() -> None:
    due = at(2026, 6, 14, 9)
    assert not policy.reminder_due(due, due - timedelta(microseconds=1), timedelta(0))
    assert policy.reminder_due(due, due, timedelta(0))


# incident details added for full reports (s5, s8.5, s12.3)


def test_a_representative_needs_a_name() -> None:
    errors = policy.validate_incident(submission(acting_party="representative", representative_name=" "), NOW)
    assert errors == {"representative_name": "Enter the representative's name (s5)."}
    assert policy.validate_incident(submission(acting_party="representative", representative_name="Ann Lee"), NOW) == {}


def test_unknown_party_steps_threats_and_service_are_refused() -> None:
    errors = policy.validate_incident(
        submission(
            acting_party="neighbour", immediate_steps=("shouted",), serious_threats=("rude",), service_area="zoo"
        ),
        NOW,
    )
    assert set(errors) == {"acting_party", "immediate_steps", "serious_threats", "service_area"}


def test_occurred_at_defaults_to_now_and_reads_london_time() -> None:
    assert policy.occurred_at("", "", NOW) == NOW
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    # 09:30 in London in July is 08:30 UTC (British Summer Time).
    assert policy.occurred_at("2026-07-01", "09:30", summer) == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    assert policy.occurred_at("2026-11-27", "", NOW) == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_an_incident_cannot_be_in_the_future_or_over_a_year_old() -> None:
    assert policy.validate_incident(submission(occurred_date="2026-11-29"), NOW) == {
        "occurred_date": "The incident cannot be in the future."
    }
    assert (
        "more than a year old" in policy.validate_incident(submission(occurred_date="2025-11-01"), NOW)["occurred_date"]
    )
    assert "HH:MM" in policy.validate_incident(submission(occurred_time="25:99"), NOW)["occurred_date"]
    assert policy.validate_incident(submission(occurred_date="2026-11-28", occurred_time="09:15"), NOW) == {}


def test_only_the_reporters_line_manager_or_the_team_records_the_discussion() -> None:
    assert policy.manager_outcome_refusal("morgan", "morgan", False) is None
    assert policy.manager_outcome_refusal("harper", "morgan", True) is None
    assert policy.manager_outcome_refusal("sam", "morgan", False) is not None
    assert policy.manager_outcome_refusal("sam", None, False) is not None


# escalation suggestions (s6.1 scatter gun, s10)


def test_mounting_incidents_suggest_asking_the_team() -> None:
    at = datetime(2026, 11, 28, tzinfo=UTC)
    two = [RecentIncident(at - timedelta(days=1), ServiceArea.HOUSING, ""), RecentIncident(at, ServiceArea.HOUSING, "")]
    assert policy.escalation_suggestion(two, at, "") == ""
    three = [*two, RecentIncident(at - timedelta(days=10), ServiceArea.HOUSING, "")]
    assert "3 incidents in 90 days" in policy.escalation_suggestion(three, at, "")
    old = [*two, RecentIncident(at - timedelta(days=200), ServiceArea.HOUSING, "")]
    assert policy.escalation_suggestion(old, at, "") == "", "outside the window"


def test_the_same_matter_pursued_with_several_services_suggests_a_scatter_gun() -> None:
    at = datetime(2026, 11, 28, tzinfo=UTC)
    spread = [
        RecentIncident(at, ServiceArea.HOUSING, "CMP-12"),
        RecentIncident(at - timedelta(days=3), ServiceArea.COUNCIL_TAX, " cmp-12 "),
    ]
    assert "Matter CMP-12 raised with 2 services in 90 days: possibly a 'scatter gun'" in (
        policy.escalation_suggestion(spread, at, "CMP-12")
    )


def test_two_services_about_different_matters_or_none_are_not_a_scatter_gun() -> None:
    # s6.1: "parallel complaints or contact about the same issue", not any contact with two services.
    at = datetime(2026, 11, 28, tzinfo=UTC)
    different = [
        RecentIncident(at, ServiceArea.HOUSING, "CMP-12"),
        RecentIncident(at - timedelta(days=3), ServiceArea.COUNCIL_TAX, "CMP-99"),
    ]
    assert policy.escalation_suggestion(different, at, "CMP-12") == ""
    unnamed = [
        RecentIncident(at, ServiceArea.HOUSING, ""),
        RecentIncident(at - timedelta(days=3), ServiceArea.COUNCIL_TAX, ""),
    ]
    assert policy.escalation_suggestion(unnamed, at, "") == ""


# Who may see a card (need to know, issue 14)


@pytest.mark.parametrize(
    ("viewer", "on_team", "expected"),
    [("member", True, True), ("requester", False, True), ("requester", True, True), ("reporter", False, False)],
    ids=["team-member", "requester", "requester-on-team", "anyone-else"],
)
def test_an_escalation_card_is_for_the_team_and_its_requester(viewer: str, on_team: bool, expected: bool) -> None:
    assert policy.may_see_escalation(viewer, on_team, requested_by="requester") is expected


@pytest.mark.parametrize(
    ("viewer", "manager", "on_team", "expected"),
    [
        ("manager", "manager", False, True),
        ("member", "manager", True, True),
        ("reporter", "manager", False, False),
        ("someone", None, False, False),
        ("member", None, True, True),
    ],
    ids=["line-manager", "team-member", "anyone-else", "no-manager-named", "team-without-manager"],
)
def test_an_incident_discussion_card_is_for_the_line_manager_and_the_team(
    viewer: str, manager: str | None, on_team: bool, expected: bool
) -> None:
    assert policy.may_see_incident_discussion(viewer, manager, on_team) is expected


@pytest.mark.parametrize(
    ("viewer", "on_team", "expected"),
    [("owner", False, True), ("member", True, True), ("someone", False, False)],
    ids=["owner", "team-member", "anyone-else"],
)
def test_a_review_card_is_for_its_owner_and_the_team(viewer: str, on_team: bool, expected: bool) -> None:
    assert policy.may_see_review(viewer, "owner", on_team) is expected


# --- who may correct what (issue 16) ------------------------------------------------------------------------------


def test_the_reporter_may_amend_for_seven_days_and_their_line_manager_at_any_time() -> None:
    reported = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    window = policy.INCIDENT_CORRECTION_WINDOW
    refusal = policy.incident_amendment_refusal

    assert refusal("sam", "sam", "morgan", reported, reported + window) is None
    assert refusal("sam", "sam", "morgan", reported, reported + window + timedelta(seconds=1)) is (
        policy.AmendmentRefusal.WINDOW_PASSED
    )
    assert refusal("sam", "sam", "morgan", None, reported) is policy.AmendmentRefusal.WINDOW_PASSED
    assert refusal("morgan", "sam", "morgan", reported, reported + timedelta(days=400)) is None
    assert refusal("harper", "sam", "morgan", reported, reported) is policy.AmendmentRefusal.NO_NEED_TO_KNOW
    assert refusal("harper", "sam", None, reported, reported) is policy.AmendmentRefusal.NO_NEED_TO_KNOW


def test_the_case_owner_the_team_and_an_administrator_may_edit_a_customer_record() -> None:
    may_edit = policy.may_edit_customer_record
    assert may_edit("owner", False, False, ["owner", "other"])
    assert may_edit("harper", True, False, [])
    assert may_edit("admin", False, True, [])
    assert not may_edit("sam", False, False, ["owner"])
    assert not policy.is_administrator(None), "nobody is an administrator in Teams until staff roles say so"


def test_overlong_review_reasons_are_refused_not_cut_short() -> None:
    too_long = policy.review_decision_problems(
        ReviewOutcome.EXTEND, "r" * (policy.REASON_MAX_LENGTH + 1), False, "n" * (policy.NOT_ADVISED_MAX_LENGTH + 1)
    )
    assert set(too_long) == {"reason", "not_advised_reason"}
    at_the_limit = policy.review_decision_problems(
        ReviewOutcome.EXTEND, "r" * policy.REASON_MAX_LENGTH, False, "n" * policy.NOT_ADVISED_MAX_LENGTH
    )
    assert at_the_limit == {}


@pytest.mark.parametrize(
    ("kind", "threat", "informal", "formal", "expected"),
    [
        (EscalationKind.FORMAL_WARNING, None, False, False, True),
        (EscalationKind.FORMAL_WARNING, None, True, False, False),
        # A formal warning before does not stand in for the informal one a new formal warning follows (s11.1).
        (EscalationKind.FORMAL_WARNING, None, False, True, True),
        (EscalationKind.RESTRICTION, None, False, False, True),
        (EscalationKind.RESTRICTION, None, True, False, False),
        (EscalationKind.RESTRICTION, None, False, True, False),
        # The s12.3 exception is its own reason (s12.1: serious cases may go without warnings).
        (EscalationKind.RESTRICTION, SeriousThreat.CREDIBLE_THREAT_TO_HARM, False, False, False),
        (EscalationKind.FURTHER_ACTION, None, False, False, False),
    ],
)
def test_a_warning_is_expected_before_a_formal_warning_or_restriction(
    kind: EscalationKind, threat: SeriousThreat | None, informal: bool, formal: bool, expected: bool
) -> None:
    assert policy.warning_expected_before(kind, threat, informal, formal) is expected


def test_acting_again_after_a_warning_suggests_the_next_step() -> None:
    at = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    during = policy.warning_follow_up(at, [], at + timedelta(days=60))
    assert during.startswith("A new incident during the formal warning's monitoring period (review due 27 Jan 2027)")
    after = policy.warning_follow_up(at, [at - timedelta(days=10), at - timedelta(days=40)], None)
    assert after.startswith("A new incident after the informal warning of 18 Nov 2026")
    # Not for a warning given with this incident, nor one older than the suggestion window.
    assert policy.warning_follow_up(at, [at], None) == ""
    assert policy.warning_follow_up(at, [at - policy.SUGGESTION_WINDOW - timedelta(days=1)], None) == ""


# --- complaints and appeals, Ombudsman signposting (issue 17) ---------------------------------------------------


def test_an_appeal_is_decided_only_by_a_team_member_who_took_no_part() -> None:
    involved = {"u-requester", "u-voter", "u-reporter"}
    assert policy.appeal_decider_refusal("u-other", True, involved) is None
    for person in involved:
        assert policy.appeal_decider_refusal(person, True, involved) == policy.APPEAL_INVOLVED
    assert policy.appeal_decider_refusal("u-other", False, involved) == policy.APPEAL_NOT_ON_TEAM


def test_a_complaint_or_appeal_needs_its_decision_date_channel_and_grounds() -> None:
    today = date(2026, 11, 30)
    assert policy.appeal_record_problems("appeal", "2026-11-29", "letter", "Unfair.", True, today) == {}
    problems = policy.appeal_record_problems("nonsense", "2026-12-01", "pigeon", " ", False, today)
    assert set(problems) == {"decision", "kind", "received_on", "channel", "grounds"}
    assert "future" in problems["received_on"]
    assert "received_on" in policy.appeal_record_problems("appeal", "yesterday", "letter", "x", True, today)
    assert (
        "more than a year"
        in policy.appeal_record_problems("appeal", "2025-01-01", "email", "x", True, today)["received_on"]
    )


def test_an_outcome_says_why_and_a_variation_gives_its_review_date_and_terms() -> None:
    today = date(2026, 11, 30)
    terms = RestrictionTerms()
    assert policy.appeal_outcome_problems("upheld", "Proportionate.", "", today, True, (), terms) == {}
    assert set(policy.appeal_outcome_problems("", "", "", today, True, (), terms)) == {"outcome", "reasons"}
    varied = policy.appeal_outcome_problems("varied", "Too broad.", "2026-11-30", today, True, (), terms)
    assert "after today" in varied["new_review_on"] and "restrictions" in varied
    later = policy.appeal_outcome_problems("varied", "Too broad.", "2027-06-01", today, False, (), terms)
    assert "within 3 months" in later["new_review_on"]
    named = (ContactRestriction.NAMED_CONTACT,)
    assert "named_contact" in policy.appeal_outcome_problems("varied", "x", "2027-01-15", today, True, named, terms)
    assert policy.appeal_outcome_problems("varied", "x", "2027-01-15", today, False, (), terms) == {}


def test_signposting_needs_a_matter_and_a_date_not_in_the_future() -> None:
    today = date(2026, 11, 30)
    assert policy.matter_problems("Council tax 2025", "2026-11-30", today) == {}
    assert set(policy.matter_problems(" ", "2026-12-01", today)) == {"matter", "signposted_on"}
    assert policy.may_signpost_to_ombudsman("u-owner", False, ["u-owner"])
    assert policy.may_signpost_to_ombudsman("u-team", True, [])
    assert not policy.may_signpost_to_ombudsman("u-staff", False, ["u-owner"])


# --- immediate restrictions' confirmation, and reviews (issue 18: s12.3, s13) ----------------------------------------


def test_an_unconfirmed_immediate_restriction_is_chased_once_near_its_end_then_every_interval_after() -> None:
    confirm_by = at(2026, 12, 2)
    remind, repeat = timedelta(hours=4), timedelta(hours=4)
    not_since = policy.confirmation_chase_not_since

    assert not_since(confirm_by, confirm_by - timedelta(hours=5), remind, repeat) is None
    near = not_since(confirm_by, confirm_by - timedelta(hours=1), remind, repeat)
    assert near is not None and near < confirm_by - remind, "any chase in the last 4 hours counts: once"
    first_overdue = not_since(confirm_by, confirm_by + timedelta(minutes=1), remind, repeat)
    assert first_overdue is not None and confirm_by - timedelta(hours=1) <= first_overdue < confirm_by
    later = not_since(confirm_by, confirm_by + timedelta(hours=10), remind, repeat)
    assert later == confirm_by + timedelta(hours=6)
    assert policy.confirmation_overdue(confirm_by, confirm_by) and not policy.confirmation_overdue(None, confirm_by)
    assert not policy.confirmation_overdue(confirm_by, confirm_by - timedelta(seconds=1))


def test_a_review_is_not_decided_by_a_reporter_and_lifting_despite_incidents_needs_a_reason() -> None:
    assert policy.review_decider_refusal("morgan", {"sam", "morgan"}) is not None
    assert policy.review_decider_refusal("casey", {"sam", "morgan"}) is None
    lift = ReviewOutcome.LIFT
    assert "reason" in policy.review_decision_problems(lift, "", True, "", incidents_since=2)
    assert "2 incidents since" in policy.review_decision_problems(lift, "", True, "", incidents_since=2)["reason"]
    assert policy.review_decision_problems(lift, "", True, "", incidents_since=0) == {}
    assert policy.review_decision_problems(lift, "Answered.", True, "", incidents_since=1) == {}


def test_an_extension_is_not_asked_for_from_the_escalation_form() -> None:
    errors = policy.escalation_gate_errors(EscalationKind.EXTENSION, None, None, None, ())
    assert errors == ["An extension is asked for from the restriction's review card, when its review falls due."]
