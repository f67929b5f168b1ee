"""The letters for further action (s14) and for the withdrawal of a mandatory service (s15.4), approved by the
determination team (issue 16): drafted on approval like the others, with every s11.4 element, what was decided and
why, and what the council will now do as the case owner writes it for the customer; fixed, issued and sent from the
letter card. Asking for further action from Teams is issue 18, so the request is made through the use case."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from casework import customer_records, escalations, incidents, letters, staff
from casework.commands import EscalationRequest, IncidentSubmission, LetterRevision
from casework.entities import Actor, SeriousStepParticulars, StaffMember
from casework.errors import AccessRefused, InvalidSubmission
from casework.letters import LetterIncomplete
from casework.vocabulary import DeliveryMethod, EscalationKind, LetterKind
from letters.council import load_council
from letters.render import docx_text, render_docx
from storage.database import create_database_engine
from storage.tables import EscalationRecord, LetterRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    ADMIN,
    RULES,
    approve_button,
    as_actor,
    considered,
    last_card,
    morgan_escalates,
    register,
    register_team,
    report,
    restriction_request,
    rows,
    sam_reports,
    say,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, User, all_text, execute, inputs_of
from tests.test_letters import COMMON, S11_4
from tests.test_letters_in_teams import ADDRESS, click, downloaded

LEE = User("00000000-0000-0000-0000-0000000000b3", "Lee Lead")
"""The determination team's third member (the customer strategy and services lead, s11.2): further action and a
service's withdrawal need all three by default."""
OWNER = as_actor(MORGAN)
OUTSIDER = Actor("outsider", "Alex Colleague")
COUNCIL = load_council().details
LEGAL_ADVICE = "LS/2026/3 counsel's opinion"
REQUEST_REASON = "Threats to the housing team continued after the restriction; legal say injunction."
TITLES = {
    EscalationKind.FURTHER_ACTION: ("Further action about your contact with the council", LetterKind.FURTHER_ACTION),
    EscalationKind.MANDATORY_SERVICE_WITHDRAWAL: ("Withdrawal of a council service", LetterKind.SERVICE_WITHDRAWAL),
}
NEXT_STEPS = {
    EscalationKind.FURTHER_ACTION: "We will apply to the county court for an injunction.",
    EscalationKind.MANDATORY_SERVICE_WITHDRAWAL: "Your housing advice appointments end on 5 January 2027; "
    "Exampleton Housing Trust will give you advice instead.",
}
Uow = Callable[[], SqlUnitOfWork]


def request(kind: EscalationKind) -> EscalationRequest:
    particulars = SeriousStepParticulars(
        legal_advice_by="Legal Services",
        legal_advice_on="2026-11-20",
        legal_advice_summary=LEGAL_ADVICE,
        contact_officer="Priya Patel, Legal Services",
        rights_consideration="Article 8 and the Equality Act 2010 duties weighed; no less intrusive option works.",
        service_withdrawn="bulky waste collection",
        alternative_arrangement="A private collector, which the council will arrange and pay for.",
    )
    return EscalationRequest("Jane Smith", kind.value, REQUEST_REASON, particulars=particulars)


def team_of_three(url: str, clock: MutableClock) -> None:
    register_team(url, clock)
    register(url, LEE, clock, is_determination_team=True)


@pytest.mark.parametrize("kind", list(TITLES), ids=lambda k: k.value)
def test_an_approved_further_action_drafts_a_complete_letter_once_what_happens_next_is_written(
    database_url: str, clock: MutableClock, kind: EscalationKind
) -> None:
    team_of_three(database_url, clock)
    engine = create_database_engine(database_url)
    uow: Uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    try:
        staff.register_staff(uow(), ADMIN, StaffMember(OUTSIDER.user_id, OUTSIDER.name), clock)
        sam_reports(uow(), clock, "Jane Smith", description="Shouted at the receptionist and called her names.")
        with uow() as work:
            jane = work.customers.get(1)
            assert jane is not None
            jane.address = ADDRESS
            work.customers.update(jane)
            work.commit()
        title, letter_kind = TITLES[kind]
        # Approved by all three, then the outbox's drafting, as when the case owner is sent the card.
        escalation_id = morgan_escalates(uow, clock, request(kind), approved_by=(HARPER, CASEY, LEE), council=COUNCIL)
        with uow() as work:
            # In force as a measure (issue 18), its letter about the decision: one letter, not one of each.
            (measure,) = work.measures.for_customer(1)
            assert measure.escalation_id == escalation_id and not work.letters.versions(measure.id, letter_kind.value)
            (draft,) = work.letters.escalation_versions(escalation_id)
        assert (draft.kind, draft.version, draft.measure_id) == (letter_kind, 1, None)
        # Drafting again (the outbox retrying) makes no second letter.
        letters.drafted_letters(uow(), escalation_id, None, COUNCIL, clock)
        assert len(rows(database_url, LetterRecord)) == 1

        # Only what the council will now do is missing: the case owner writes it for the customer.
        view = letters.letter_view(uow(), OWNER, draft.id)
        expected_missing = (
            letters.SERVICE_NEXT_STEPS if kind is EscalationKind.MANDATORY_SERVICE_WITHDRAWAL else (letters.NEXT_STEPS)
        )
        assert view.missing == (expected_missing,)
        assert view.says_what_happens_next and view.title == title
        with pytest.raises(LetterIncomplete):
            letters.issue_letter(uow(), OWNER, draft.id, clock, render_docx)
        with pytest.raises(AccessRefused):
            letters.letter_view(uow(), OUTSIDER, draft.id)

        revision = LetterRevision(ADDRESS, False, "", (), "", "", next_steps=NEXT_STEPS[kind])
        fixed = letters.revise_letter(uow(), OWNER, draft.id, revision, COUNCIL, clock)
        assert (fixed.version, fixed.missing) == (2, ())
        issued = letters.issue_letter(uow(), OWNER, fixed.letter_id, clock, render_docx)
        sent = letters.record_delivery(uow(), OWNER, issued.letter_id, DeliveryMethod.POST, clock.now.date(), clock)
        assert sent.delivery_method is DeliveryMethod.POST
        listed = letters.customer_letters(uow(), OWNER, 1)
        assert [(v.kind, v.version) for v in listed.letters] == [(letter_kind, 2), (letter_kind, 1)]

        with uow() as work:
            stored = work.letters.get(issued.letter_id)
            assert stored is not None and stored.docx is not None
        text = docx_text(stored.docx)
        assert title in text.splitlines()
        assert re.findall(r"\(s\d[\d.]*\)", text) == [], "no policy section codes in a letter to a customer"
        expected = [
            *COMMON,
            *S11_4,
            "What we have decided",
            "After taking legal advice, the council's determination team decided on",
            "Why we decided this",
            "effect on our staff's welfare",
            "What happens next",
            NEXT_STEPS[kind],
            "If you are unhappy with this decision",
        ]
        if kind is EscalationKind.MANDATORY_SERVICE_WITHDRAWAL:
            expected += ["withdraw a service", "only as a last resort", "human rights"]
        else:
            expected += ["to take further action about your contact with the council"]
        absent = [element for element in expected if element not in text]
        assert absent == [], text
        # What was written for the team stays with the team: the request's reason and the legal advice.
        assert REQUEST_REASON not in text and "LS/2026/3" not in text and "Priya Patel" not in text
    finally:
        engine.dispose()


def test_further_action_after_a_restriction_says_the_actions_continued_despite_it(
    sqlite_url: str, clock: MutableClock
) -> None:
    team_of_three(sqlite_url, clock)
    engine = create_database_engine(sqlite_url)
    uow: Uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    try:
        sam_reports(uow(), clock, "Jane Smith")
        morgan_escalates(uow, clock, restriction_request(), approved_by=(HARPER, CASEY), council=COUNCIL)
        clock.advance(timedelta(days=30))
        again = IncidentSubmission(
            "k2", "Jane Smith", "telephone", ("abusive",), "Threatened the housing officer.", customer_id=1
        )
        incidents.report_incident(uow(), as_actor(SAM), again, clock)
        escalation_id = morgan_escalates(
            uow, clock, request(EscalationKind.FURTHER_ACTION), approved_by=(HARPER, CASEY, LEE), council=COUNCIL
        )
        with uow() as work:
            (letter,) = work.letters.escalation_versions(escalation_id)
        assert letter.content.reasons.startswith(
            "Your actions have continued despite the restrictions on your contact with us"
        )
        assert "On 28 December 2026 (telephone): Threatened the housing officer." in letter.content.examples
    finally:
        engine.dispose()


def test_further_action_for_a_customer_with_no_incident_is_refused_when_asked_for(
    sqlite_url: str, clock: MutableClock
) -> None:
    team_of_three(sqlite_url, clock)
    engine = create_database_engine(sqlite_url)
    try:
        # Jane is on record (imported), with no incident reported.
        customer_records.import_customers(SqlUnitOfWork(engine), ADMIN, [(2, {"name": "Jane Smith"})], clock)
        with pytest.raises(InvalidSubmission) as refused:
            escalations.request_escalation(
                SqlUnitOfWork(engine), OWNER, request(EscalationKind.FURTHER_ACTION), clock, rules=RULES
            )
        assert "No incident is recorded for Jane Smith" in refused.value.errors["customer_name"]
        assert rows(sqlite_url, EscalationRecord) == []
    finally:
        engine.dispose()


async def test_a_further_action_letter_is_fixed_issued_and_sent_from_its_card(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    team_of_three(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    engine = create_database_engine(database_url)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await say(bot, MORGAN, "hello")
        await report(bot, SAM, "Jane Smith")
        # Asked for through the use case (the Teams form for it is issue 18); its decision card goes to the team.
        escalations.request_escalation(
            SqlUnitOfWork(engine), OWNER, request(EscalationKind.FURTHER_ACTION), clock, rules=RULES
        )
        await bot.outbox.deliver_until_idle()
        decision = last_card(connector, TEAM_CHANNEL)
        assert "Further action" in all_text(decision)
        button = considered(approve_button(decision))
        for member in (HARPER, CASEY, LEE):
            status, _ = await bot.post(execute(member, "escalation.approve", button, connector.url, "card-1"))
            assert status == 200

        card = last_card(connector, MORGAN.personal_conversation)
        said = all_text(card)
        assert "Draft letter: Further action letter" in said
        assert "It cannot be issued until it says: the customer's address" in said
        assert "what the council will now do" in said
        assert "next_steps" in inputs_of(card), "the card has the field to write it"
        await say(bot, MORGAN, "work")
        assert "UCA/E1/further_action/v1" in all_text(last_card(connector, MORGAN.personal_conversation))

        fixed = await click(
            bot, card, "letter.revise", address=ADDRESS, next_steps=NEXT_STEPS[EscalationKind.FURTHER_ACTION]
        )
        assert "Saved as version 2." in all_text(fixed) and "cannot be issued" not in all_text(fixed)
        issued = await click(bot, fixed, "letter.issue")
        assert "Letter issued: Further action letter" in all_text(issued)
        text = await downloaded(bot, issued)
        assert "Further action about your contact with the council" in text
        assert NEXT_STEPS[EscalationKind.FURTHER_ACTION] in text and "12 Mill Lane" in text
        assert re.findall(r"\(s\d[\d.]*\)", text) == []

        sent = await click(bot, issued, "letter.deliver", delivery_method="by_hand", delivered_on="2026-11-28")
        assert "By hand, 28 Nov 2026" in all_text(sent)
        stored = sorted(rows(database_url, LetterRecord), key=lambda r: r.id or 0)
        assert [(r.version, r.escalation_id, r.measure_id) for r in stored] == [(1, 1, None), (2, 1, None)]
        assert stored[-1].delivery_method == "by_hand"
        await say(bot, MORGAN, "letters Jane Smith")
        assert "Further action letter, version 2" in all_text(last_card(connector, MORGAN.personal_conversation))
    finally:
        engine.dispose()
        await bot.close()
