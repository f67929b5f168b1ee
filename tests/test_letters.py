"""Letters (s11.3, s11.4, s12.4, s13): complete by construction, versioned, delivered, and downloaded only by
the case owner and the determination team through a signed, time-limited link."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import make_mocked_request

from bot.letter_links import letter_url
from bot.logs import PathOnlyAccessLogger
from cards.letters import letter_card
from casework import escalations, letters, reviews, staff
from casework.configuration import CouncilDetails
from casework.entities import Actor, Letter, LetterContent, StaffMember
from casework.letters import LetterIncomplete, missing_elements
from casework.vocabulary import DecisionOutcome, DeliveryMethod, LetterKind, ReviewOutcome
from letters.council import load_council
from letters.render import docx_text, render_docx
from storage.database import create_database_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.card_schema import card_problems
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    ADMIN,
    RULES,
    as_actor,
    morgan_escalates,
    register,
    register_team,
    restriction_request,
    sam_reports,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, User, message, submit

REPORTER = as_actor(SAM)
OWNER = as_actor(MORGAN)
OUTSIDER = Actor("outsider", "Alex Colleague")
COUNCIL = load_council().details
SECRET = "s" * 40
Uow = Callable[[], SqlUnitOfWork]


def open_case(
    url: str, clock: MutableClock, kind: str = "restriction", no_fixed_address: bool = False
) -> tuple[Uow, int]:
    """A customer with one incident and an approved warning or restriction owned by Morgan; returns the measure id."""
    register_team(url, clock)
    engine = create_database_engine(url)
    uow: Uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    staff.register_staff(uow(), ADMIN, StaffMember(OUTSIDER.user_id, OUTSIDER.name), clock)
    description = "Shouted at the receptionist and called her names after being asked to wait."
    sam_reports(uow(), clock, "Jane Smith", description=description)
    with uow() as work:
        customer = work.customers.get(1)
        assert customer is not None
        customer.address = "" if no_fixed_address else "12 Mill Lane, Exampleton, EX2 2BB"
        customer.no_fixed_address = no_fixed_address
        work.customers.update(customer)
        work.commit()
    approvers = (HARPER,) if kind == "formal_warning" else (HARPER, CASEY)
    morgan_escalates(uow, clock, restriction_request(kind=kind), approved_by=approvers, council=COUNCIL)
    with uow() as work:
        (measure,) = work.measures.for_customer(1)
        assert measure.id is not None
        return uow, measure.id


def decide_review(uow: Uow, clock: MutableClock, measure_id: int, outcome: ReviewOutcome) -> None:
    with uow() as work:
        (review,) = work.reviews.for_measure(measure_id)
        assert review.id is not None
    clock.advance(timedelta(days=92))
    reason = "Two further abusive calls in January." if outcome is ReviewOutcome.EXTEND else ""
    result = reviews.decide_review(uow(), OWNER, review.id, outcome, reason, True, "", clock, COUNCIL, RULES)
    assert result.recorded_now, result.refusal
    if outcome is ReviewOutcome.EXTEND:
        # An extension is approved by a member of the determination team (s13.2); its letter is drafted as the
        # approval goes to the case owner, as the outbox does.
        with uow() as work:
            (extension,) = [e for e in work.escalations.for_customer(1) if e.review_id == review.id]
        escalations.decide_escalation(
            uow(),
            as_actor(HARPER),
            extension.id,
            DecisionOutcome.APPROVE,
            "",
            clock,
            alternatives_considered=True,
            rules=RULES,
        )
        letters.drafted_letters(uow(), None, review.id, COUNCIL, clock)


def newest(uow: Uow, measure_id: int, kind: LetterKind) -> Letter:
    with uow() as work:
        return work.letters.versions(measure_id, kind.value)[-1]


COMMON = [
    "Jane Smith",
    "Example District Council",
    "https://www.example.gov.uk/complaints",
    "Local Government and Social Care Ombudsman",
    "0300 061 0614",
    "www.lgo.org.uk",
    "Casey Experience",
    "Customer Experience Manager",
]
S11_4 = [
    "The actions we consider unreasonable",
    "Abusive, threatening or intimidating",
    "Examples from our records",
    "Shouted at the receptionist",
    "Monitoring: when, how and by whom",
    "Morgan Manager will do this",
    "When this will be reviewed",
    "28 February 2027",
    "If these actions continue",
    "Equality Act 2010",
]


TITLES = {
    ("formal_warning", LetterKind.FORMAL_WARNING): "Formal warning about your contact with the council",
    ("restriction", LetterKind.RESTRICTION): "Restriction of your contact with the council",
    ("formal_warning", LetterKind.EXTENSION): "Extension of the formal warning about your contact with the council",
    ("restriction", LetterKind.EXTENSION): "Extension of the restriction of your contact with the council",
    ("formal_warning", LetterKind.LIFTING): "The formal warning about your contact with the council is lifted",
    ("restriction", LetterKind.LIFTING): "The restriction of your contact with the council is lifted",
}
"""Every letter a decision or review produces, by the measure it is about, with its title."""


@pytest.mark.parametrize(("measure", "kind"), list(TITLES), ids=lambda v: getattr(v, "value", v))
def test_each_letter_kind_opens_as_docx_with_every_required_element(
    sqlite_url: str, clock: MutableClock, measure: str, kind: LetterKind
) -> None:
    escalation_kind = measure
    uow, measure_id = open_case(sqlite_url, clock, escalation_kind)
    if kind is LetterKind.EXTENSION:
        decide_review(uow, clock, measure_id, ReviewOutcome.EXTEND)
    if kind is LetterKind.LIFTING:
        decide_review(uow, clock, measure_id, ReviewOutcome.LIFT)
    letter = newest(uow, measure_id, kind)
    assert missing_elements(letter.content, kind) == []
    text = docx_text(render_docx(letter.content, load_council().logo))
    assert TITLES[measure, kind] in text.splitlines()
    assert re.findall(r"\(s\d[\d.]*\)", text) == [], "no policy section codes in a letter to a customer"
    expected = list(COMMON)
    if kind in (LetterKind.FORMAL_WARNING, LetterKind.RESTRICTION):
        expected += S11_4
    restricts = measure == "restriction" and kind is not LetterKind.LIFTING
    if restricts:
        expected += ["Restrictions on your contact with us", "You may contact us in writing only"]
    else:
        assert "Restrictions on your contact with us" not in text
    if kind is LetterKind.EXTENSION:
        expected += [
            "What we have decided",
            "extend it for a further 3 months, until 28 May 2027",
            "Why we decided this",
            "Two further abusive calls in January.",
            "Monitoring: when, how and by whom",
            "Equality Act 2010",
        ]
    if kind is LetterKind.LIFTING:
        expected += ["What we have decided", "decided to lift it", "Why we decided this", "no further instances"]
    absent = [element for element in expected if element not in text]
    assert absent == [], text


def test_an_incomplete_letter_cannot_be_issued_and_the_missing_elements_are_named(
    database_url: str, clock: MutableClock
) -> None:
    uow, measure_id = open_case(database_url, clock)
    # Produced without the council's details: no complaints process, no signatory.
    view = letters.produce_letter(uow(), OWNER, measure_id, LetterKind.RESTRICTION, CouncilDetails(), clock)
    assert view.missing == (letters.COMPLAINTS, letters.SIGNATORY)
    with pytest.raises(LetterIncomplete) as refused:
        letters.issue_letter(uow(), OWNER, view.letter_id, clock, render_docx)
    assert refused.value.missing == (letters.COMPLAINTS, letters.SIGNATORY)
    assert "the council's complaints process" in str(refused.value)
    with uow() as work:
        stored = work.letters.get(view.letter_id)
        assert stored is not None and stored.issued_at is None
        assert [e.action for e in work.audit.events("letter", str(view.letter_id))] == [
            "letter.produced",
            "letter.issue_refused",
        ]
    complete = newest(uow, measure_id, LetterKind.RESTRICTION)
    assert complete.version == 2
    first = newest_version(uow, measure_id, 1)
    issued = letters.issue_letter(uow(), OWNER, first, clock, render_docx)
    assert issued.issued_at == clock.now


def newest_version(uow: Uow, measure_id: int, version: int) -> int:
    with uow() as work:
        found = [v for v in work.letters.versions(measure_id, "restriction") if v.version == version]
        assert found[0].id is not None
        return found[0].id


def test_missing_elements_names_each_s11_4_element_of_a_blank_letter() -> None:
    blank = LetterContent(
        LetterKind.RESTRICTION, "ref", "1 January 2027", "Jane Smith", council=CouncilDetails(ombudsman_phone="")
    )
    assert missing_elements(blank, LetterKind.RESTRICTION) == [
        letters.ADDRESS,
        letters.ACTIONS,
        letters.EXAMPLES,
        letters.MONITORING,
        letters.RESTRICTIONS,
        letters.REVIEW_DATE,
        letters.CONSEQUENCES,
        letters.ADJUSTMENTS,
        letters.COMPLAINTS,
        letters.OMBUDSMAN,
        letters.SIGNATORY,
    ]
    lifting = LetterContent(
        LetterKind.LIFTING, "ref", "1 January 2027", "Jane Smith", no_fixed_address=True, council=COUNCIL
    )
    assert missing_elements(lifting, LetterKind.LIFTING) == [letters.DECISION, letters.REASONS]


def test_regenerating_keeps_the_earlier_version(database_url: str, clock: MutableClock) -> None:
    uow, measure_id = open_case(database_url, clock)
    with uow() as work:
        customer = work.customers.get(1)
        assert customer is not None
        customer.reasonable_adjustments = "Large print"
        work.customers.update(customer)
        work.commit()
    clock.advance(timedelta(hours=1))
    again = letters.produce_letter(uow(), OWNER, measure_id, LetterKind.RESTRICTION, COUNCIL, clock, render_docx)
    with uow() as work:
        versions = work.letters.versions(measure_id, "restriction")
    assert [v.version for v in versions] == [1, 2]
    assert again.letter_id == versions[1].id
    assert "Large print" not in versions[0].content.adjustments
    assert "Large print" in versions[1].content.adjustments
    assert versions[1].docx is not None and "Large print" in docx_text(versions[1].docx)
    with pytest.raises(Exception, match="case owner"):
        letters.produce_letter(uow(), OUTSIDER, measure_id, LetterKind.RESTRICTION, COUNCIL, clock)


def test_a_letter_held_at_reception_is_listed_until_collected(database_url: str, clock: MutableClock) -> None:
    uow, measure_id = open_case(database_url, clock, no_fixed_address=True)
    letter = newest(uow, measure_id, LetterKind.RESTRICTION)
    assert letter.id is not None and letter.content.no_fixed_address
    assert "To be collected at reception" in docx_text(render_docx(letter.content))
    letters.issue_letter(uow(), OWNER, letter.id, clock, render_docx)
    assert letters.reception_list(uow()) == ()
    letters.record_delivery(uow(), OWNER, letter.id, DeliveryMethod.HELD_AT_RECEPTION, date(2026, 11, 28), clock)
    (line,) = letters.reception_list(uow())
    assert (line.letter_id, line.customer_name, line.held_since) == (letter.id, "Jane Smith", date(2026, 11, 28))
    clock.advance(timedelta(days=5))
    collected = letters.mark_collected(uow(), REPORTER, letter.id, date(2026, 12, 3), "Jane Smith", clock)
    assert collected.collected_on == date(2026, 12, 3)
    assert letters.reception_list(uow()) == ()
    with uow() as work:
        actions = [e.action for e in work.audit.events("letter", str(letter.id))]
    assert actions == ["letter.produced", "letter.issued", "letter.delivered", "letter.collected"]


def test_a_letter_is_not_delivered_before_it_is_issued(sqlite_url: str, clock: MutableClock) -> None:
    uow, measure_id = open_case(sqlite_url, clock)
    letter = newest(uow, measure_id, LetterKind.RESTRICTION)
    assert letter.id is not None
    with pytest.raises(Exception, match="Some fields"):
        letters.record_delivery(uow(), OWNER, letter.id, DeliveryMethod.POST, date(2026, 11, 28), clock)


async def test_the_link_serves_the_owner_and_refuses_others_tampering_and_expiry(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    uow, measure_id = open_case(sqlite_url, clock)
    letter = newest(uow, measure_id, LetterKind.RESTRICTION)
    assert letter.id is not None
    bot = await start_bot(make_settings(sqlite_url, LETTER_LINK_SECRET=SECRET), connector, clock)
    base = str(bot.server.make_url("/"))
    hour = timedelta(hours=1)

    async def get(url: str) -> tuple[int, bytes]:
        async with ClientSession() as session, session.get(url) as response:
            return response.status, await response.read()

    try:
        owners = letter_url(base, SECRET, letter.id, OWNER.user_id, clock.now, hour)
        status, body = await get(owners)
        assert status == 200
        assert "Restriction of your contact with the council" in docx_text(body)
        # A link works once: forwarded, or left in a browser's history, it opens nothing more.
        status, body = await get(owners)
        assert status == 403 and b"used already" in body
        status, _ = await get(letter_url(base, SECRET, letter.id, HARPER.aad_object_id, clock.now, hour))
        assert status == 200
        # A correctly signed link for someone who is neither the case owner nor on the team.
        assert (await get(letter_url(base, SECRET, letter.id, OUTSIDER.user_id, clock.now, hour)))[0] == 403
        # The owner's link with the user changed, or the signature altered, or signed with another secret.
        good = letter_url(base, SECRET, letter.id, OWNER.user_id, clock.now, hour)
        assert (await get(good.replace(f"user={OWNER.user_id}", f"user={OUTSIDER.user_id}")))[0] == 403
        tampered = good[:-1] + ("0" if good[-1] != "0" else "1")
        assert (await get(tampered))[0] == 403
        assert (await get(letter_url(base, "another-secret", letter.id, OWNER.user_id, clock.now, hour)))[0] == 403
        # The same link after it expires.
        clock.advance(hour + timedelta(seconds=1))
        assert (await get(good))[0] == 403
    finally:
        await bot.close()
    with uow() as work:
        actions = [e.action for e in work.audit.events("letter", str(letter.id))]
    assert actions.count("letter.downloaded") == 2
    assert actions.count("letter.download_refused") == 1
    assert actions.count("letter.link_refused") == 5


def test_the_letter_card_is_valid_and_links_to_the_download(sqlite_url: str, clock: MutableClock) -> None:
    uow, measure_id = open_case(sqlite_url, clock)
    (view,) = letters.drafted_letters(uow(), 1, None, COUNCIL, clock)
    assert view.measure_id == measure_id and view.missing == ()
    card = letter_card(view, "https://bot.example/letters/1?user=owner&expires=1&sig=ab", 15)
    assert card_problems(card) == []
    kinds = [(a["type"], a.get("verb") or a.get("url")) for a in card["actions"]]
    assert kinds == [
        ("Action.Execute", "letter.issue"),
        ("Action.OpenUrl", "https://bot.example/letters/1?user=owner&expires=1&sig=ab"),
    ]


async def test_reception_sees_held_letters_in_teams_and_records_collection(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    uow, measure_id = open_case(sqlite_url, clock, no_fixed_address=True)
    letter = newest(uow, measure_id, LetterKind.RESTRICTION)
    assert letter.id is not None
    letters.issue_letter(uow(), OWNER, letter.id, clock, render_docx)
    letters.record_delivery(uow(), OWNER, letter.id, DeliveryMethod.HELD_AT_RECEPTION, date(2026, 11, 28), clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    register(sqlite_url, SAM, clock, is_reception=True, line_manager_id=MORGAN.aad_object_id)
    reception = User(REPORTER.user_id, REPORTER.name)
    try:
        await bot.post(message(reception, "reception", connector.url))
        card = connector.sent_to(reception.personal_conversation)[-1].cards[0]
        assert "1 letter held at reception" in json.dumps(card)
        (button,) = [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
        collected = button["data"]
        # Without the name of who collected it, nothing is recorded and reception is asked for it.
        await bot.post(submit(reception, collected, connector.url))
        assert connector.sent_to(reception.personal_conversation)[-1].text == (
            "Type the name of the person who collected it."
        )
        assert len(letters.reception_list(uow())) == 1
        name = {f"collected_by_{collected['letter_id']}": "Jane Smith"}
        await bot.post(submit(reception, {**collected, **name}, connector.url))
        after = connector.sent_to(reception.personal_conversation)
        assert after[-2].text == "Recorded as collected."
        assert "No letters are waiting at reception" in json.dumps(after[-1].cards[0])
        assert letters.reception_list(uow()) == ()
        with uow() as work:
            stored = work.letters.get(collected["letter_id"])
        assert stored is not None and stored.collected_by == "Jane Smith"
    finally:
        await bot.close()


def test_the_access_log_leaves_out_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    request = make_mocked_request("GET", "/letters/7?user=owner&expires=1&sig=" + "ab" * 32)
    logger = logging.getLogger("test.access")
    with caplog.at_level(logging.INFO, logger="test.access"):
        PathOnlyAccessLogger(logger, "").log(request, web.Response(status=200), 0.002)
    (line,) = caplog.messages
    assert "/letters/7" in line and "sig" not in line and "abab" not in line and "?" not in line


def test_download_links_point_at_the_port_the_bot_serves_unless_a_public_address_is_given(sqlite_url: str) -> None:
    assert make_settings(sqlite_url, PORT=8080).letters_base_url == "http://localhost:8080"
    public = make_settings(sqlite_url, PORT=8080, PUBLIC_BASE_URL="https://uca.example.gov.uk")
    assert public.letters_base_url == "https://uca.example.gov.uk"
