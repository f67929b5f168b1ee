"""Incident reporting as staff do it (s8.5, s8.6, s10, s12.3), end to end through /api/messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from casework.customer_records import merge_customers
from casework.entities import Actor
from settings import Settings
from storage.database import create_database_engine
from storage.tables import AuditEventRecord, CustomerRecord, IncidentRecord, StaffMemberRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import answer_before_outbox, audited, fill, last_card, register_team, report, rows, say
from tests.teams import HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, execute, inputs_of, message, submit


@pytest.fixture
async def office(sqlite_url: str, connector: FakeConnector, clock: MutableClock) -> AsyncIterator[RunningBot]:
    """The bot with staff set up, and the team channel and Morgan (Sam's manager) known to it."""
    register_team(sqlite_url, clock)
    running = await start_bot(make_settings(sqlite_url), connector, clock)
    await say(running, HARPER, "hello", channel=True)
    await say(running, MORGAN, "hello")
    yield running
    await running.close()


def incoming(connector: FakeConnector, user_conversation: str) -> int:
    return len(connector.sent_to(user_conversation))


async def test_a_known_customer_takes_one_message_and_one_submit(office: RunningBot, sqlite_url: str) -> None:
    await report(office, SAM, "Jane Smith")  # Jane becomes known
    messages_sent = submits = 0

    await say(office, SAM, "report Jane Smith")
    messages_sent += 1
    form = last_card(office.connector, SAM.personal_conversation)
    assert inputs_of(form)["customer_choice"] != "", "an exact match is preselected"
    await office.post(
        submit(SAM, fill(form, channel="email", actions="repeat_contacts", description="Again."), office.connector.url)
    )
    submits += 1

    assert "recorded" in all_text(last_card(office.connector, SAM.personal_conversation))
    assert (messages_sent, submits) == (1, 1)
    assert len(rows(sqlite_url, CustomerRecord)) == 1
    assert len(rows(sqlite_url, IncidentRecord)) == 2


async def test_a_new_customer_takes_at_most_one_more_submit(office: RunningBot, sqlite_url: str) -> None:
    await report(office, SAM, "Jane Smith")
    # Nobody like him: added on the first submit.
    assert "recorded" in all_text(await report(office, SAM, "Peter Brown"))
    # Like an existing customer: the first submit offers the pick list, the second adds her.
    await say(office, SAM, "report")
    form = last_card(office.connector, SAM.personal_conversation)
    await office.post(
        submit(
            SAM,
            fill(form, customer_name="Jane Smyth", channel="telephone", actions="abusive", description="Swore."),
            office.connector.url,
        )
    )
    pick = last_card(office.connector, SAM.personal_conversation)
    assert "Choose the customer, or confirm that this is someone new." in all_text(pick)
    assert "Jane Smith" in all_text(pick)
    await office.post(submit(SAM, fill(pick, customer_choice="new"), office.connector.url))

    assert "recorded" in all_text(last_card(office.connector, SAM.personal_conversation))
    assert sorted(c.name for c in rows(sqlite_url, CustomerRecord)) == ["Jane Smith", "Jane Smyth", "Peter Brown"]


async def test_quick_start_text_prefills_the_form(office: RunningBot) -> None:
    await say(office, SAM, "report Jane Smith phone abusive")
    values = inputs_of(last_card(office.connector, SAM.personal_conversation))
    assert (values["customer_name"], values["channel"], values["actions"]) == ("Jane Smith", "telephone", "abusive")


async def test_the_status_cards_report_button_prefills_that_customer(office: RunningBot) -> None:
    await report(office, SAM, "Jane Smith")
    await say(office, SAM, "check Jane Smith")
    status = last_card(office.connector, SAM.personal_conversation)
    button = next(a for a in status["actions"] if a["title"] == "Report an incident")
    await office.post(submit(SAM, button["data"], office.connector.url))
    form = last_card(office.connector, SAM.personal_conversation)
    choice = next(e for e in form["body"] if e.get("id") == "customer_choice")
    assert choice["value"] == str(button["data"]["customer_id"])
    assert "Jane Smith" in choice["choices"][0]["title"]


@pytest.mark.parametrize(
    ("fields", "message_expected"),
    [
        ({"acting_party": "representative", "representative_name": ""}, "Enter the representative's name (s5)."),
        ({"occurred_date": "2099-01-01"}, "The incident cannot be in the future."),
        ({"occurred_time": "25:99"}, "the time as HH:MM"),
        ({"customer_name": "Brand New", "postcode": "not a postcode"}, "That is not a UK postcode."),
        ({"customer_name": "Brand New", "phone": "12"}, "That is not a phone number."),
        ({"customer_name": "Brand New", "email": "nobody"}, "That is not an email address."),
        ({"customer_name": "01427 676676"}, "No customer has that phone."),
        ({"serious_threats": "rude"}, "Choose the serious threats from the list."),
    ],
)
async def test_each_invalid_field_comes_back_inline_and_saves_nothing(
    office: RunningBot, sqlite_url: str, fields: dict[str, str], message_expected: str
) -> None:
    await say(office, SAM, "report")
    form = last_card(office.connector, SAM.personal_conversation)
    value = fill(form, customer_name="Jane Smith", channel="telephone", actions="abusive", description="Swore.")
    value.update(fields)
    status, _ = await office.post(submit(SAM, value, office.connector.url))
    assert status == 200
    again = last_card(office.connector, SAM.personal_conversation)
    assert message_expected in all_text(again)
    assert inputs_of(again)["description"] == "Swore."
    assert rows(sqlite_url, IncidentRecord) == []


async def test_the_line_manager_is_asked_for_once_and_remembered(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock, sam_has_manager=False)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)
    try:
        await say(bot, SAM, "report Jane Smith")
        form = last_card(connector, SAM.personal_conversation)
        assert "line_manager_id" in inputs_of(form)
        await bot.post(
            submit(SAM, fill(form, channel="telephone", actions="abusive", description="Swore."), connector.url)
        )
        assert "Choose your line manager" in all_text(last_card(connector, SAM.personal_conversation))
        again = last_card(connector, SAM.personal_conversation)
        chosen = submit(SAM, fill(again, line_manager_id=MORGAN.aad_object_id), connector.url)
        assert "recorded" in all_text(await answer_before_outbox(bot, chosen, SAM.personal_conversation))

        await say(bot, SAM, "report Jane Smith")
        assert "line_manager_id" not in inputs_of(last_card(connector, SAM.personal_conversation))
        sam = next(m for m in rows(sqlite_url, StaffMemberRecord) if m.user_id == SAM.aad_object_id)
        assert sam.line_manager_id == MORGAN.aad_object_id
    finally:
        await bot.close()


async def test_a_representatives_actions_are_recorded_against_the_customer(office: RunningBot, sqlite_url: str) -> None:
    await report(
        office,
        SAM,
        "Jane Smith",
        acting_party="representative",
        representative_name="Ron Advocate",
        representative_authority="Power of attorney",
    )
    (incident,) = rows(sqlite_url, IncidentRecord)
    (customer,) = rows(sqlite_url, CustomerRecord)
    assert (incident.customer_id, incident.acting_party, incident.representative_name) == (
        customer.id,
        "representative",
        "Ron Advocate",
    )
    manager_card = last_card(office.connector, MORGAN.personal_conversation)
    assert "Jane Smith (by their representative Ron Advocate)" in all_text(manager_card)


async def test_a_serious_threat_alerts_the_team_at_once_and_shows_the_reporter_safety_guidance(
    office: RunningBot, sqlite_url: str
) -> None:
    before = len(office.connector.sent_to(TEAM_CHANNEL))
    confirmation = await report(
        office, SAM, "Jane Smith", serious_threats="credible_threat_to_harm", safeguarding_concern="true"
    )
    assert "Your safety first" in all_text(confirmation)
    assert "call 999" in all_text(confirmation)
    urgent = office.connector.sent_to(TEAM_CHANNEL)[before:]
    assert len(urgent) == 1
    text = all_text(urgent[0].cards[0])
    assert "URGENT: incident INC-2026-0001" in text
    assert "Credible threat to harm staff or customers" in text
    assert "Safeguarding concern: follow-up needed." in text
    assert [e.record_id for e in audited(sqlite_url, "incident.safeguarding_flagged")] == ["INC-2026-0001"]
    assert [e.record_id for e in audited(sqlite_url, "incident.urgent_notified")] == ["INC-2026-0001"]


async def test_an_ordinary_report_does_not_alert_the_team(office: RunningBot) -> None:
    before = len(office.connector.sent_to(TEAM_CHANNEL))
    confirmation = await report(office, SAM, "Jane Smith")
    assert "Your safety first" not in all_text(confirmation)
    assert len(office.connector.sent_to(TEAM_CHANNEL)) == before


def outcome_button(card: dict[str, Any], verb: str) -> dict[str, Any]:
    return next(a for a in card["actions"] if a["verb"] == verb)


@pytest.mark.parametrize(
    ("verb", "label"),
    [
        ("incident.no_further_action", "No further action"),
        ("incident.informal_warning_noted", "Informal warning noted"),
        ("incident.escalate", "Escalate to the determination team"),
    ],
)
async def test_the_line_manager_records_each_outcome_once(
    office: RunningBot, sqlite_url: str, verb: str, label: str
) -> None:
    await report(office, SAM, "Jane Smith")
    card = last_card(office.connector, MORGAN.personal_conversation)
    assert "please discuss with Sam Staff" in all_text(card)
    data = outcome_button(card, verb)["data"]

    # A forwarded card clicked by someone else (here the reporter) changes nothing.
    status, refused = await office.post(execute(SAM, verb, data, office.connector.url, "x", channel=False))
    assert status == 200
    assert "Only line managers and the determination team can use this." in all_text(refused["value"])

    status, body = await office.post(execute(MORGAN, verb, data, office.connector.url, "x", channel=False))
    assert status == 200
    assert f"{label}: recorded by Morgan Manager" in all_text(body["value"])
    left = [action["data"]["verb"] for action in body["value"].get("actions", [])]
    assert left == ["incident.amend"], "a recorded outcome leaves no outcome buttons, only the correction (issue 16)"
    _, again = await office.post(
        execute(MORGAN, "incident.no_further_action", data, office.connector.url, "x", channel=False)
    )
    assert f"{label}: recorded by Morgan Manager" in all_text(again["value"])

    (incident,) = rows(sqlite_url, IncidentRecord)
    assert (incident.manager_outcome, incident.manager_outcome_by) == (verb.split(".")[1], MORGAN.aad_object_id)
    assert len(audited(sqlite_url, "incident.manager_outcome")) == 1
    # Sam's click was refused at the door (Sam manages nobody), and audited there.
    assert [e.actor_id for e in audited(sqlite_url, "route.refused")] == [SAM.aad_object_id]
    if verb == "incident.escalate":
        form = last_card(office.connector, MORGAN.personal_conversation)
        assert "Ask the determination team" in all_text(form)
        assert inputs_of(form)["customer_name"] == "Jane Smith"


async def test_an_unreachable_manager_is_reported_to_the_reporter_and_audited(
    sqlite_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(sqlite_url, clock)
    bot = await start_bot(make_settings(sqlite_url), connector, clock)  # Morgan has never talked to the bot
    try:
        confirmation = await report(bot, SAM, "Jane Smith")
        assert "Morgan Manager is being sent a card for it" in all_text(confirmation)
        # The outbox found no conversation with Morgan: Sam is told the truth, and it is audited.
        told = all_text(last_card(connector, SAM.personal_conversation))
        assert "Morgan Manager could not be reached in Teams about incident INC-2026-0001" in told
        assert [e.detail["recipient"] for e in audited(sqlite_url, "incident.manager_not_notified")] == [
            f"user:{MORGAN.aad_object_id}"
        ]
    finally:
        await bot.close()


async def test_every_report_and_notification_is_audited(office: RunningBot, sqlite_url: str) -> None:
    await report(office, SAM, "Jane Smith")
    actions = [e.action for e in rows(sqlite_url, AuditEventRecord) if e.record_type == "incident"]
    assert actions == ["incident.reported", "incident.manager_notified"]


async def test_free_text_is_stored_as_text_and_never_interpreted(office: RunningBot, sqlite_url: str) -> None:
    hostile = "'); DROP TABLE incident; -- **bold** <script>alert(1)</script> {{template}}"
    await report(office, SAM, "Jane Smith", description=hostile)
    (incident,) = rows(sqlite_url, IncidentRecord)
    assert incident.description == hostile
    status, _ = await office.post(message(SAM, "help", office.connector.url))
    assert status == 200


async def test_the_line_manager_is_prompted_when_one_matter_is_pursued_with_several_services(
    office: RunningBot,
) -> None:
    await report(office, SAM, "Jane Smith", service_area="housing", matter_reference="CMP-12")
    await report(office, SAM, "Jane Smith", service_area="council_tax", matter_reference="CMP-99")
    different = all_text(last_card(office.connector, MORGAN.personal_conversation))
    assert "scatter gun" not in different, "two services about two matters are not one issue pursued in parallel"

    await report(office, SAM, "Jane Smith", service_area="benefits", matter_reference="CMP-12")
    card = all_text(last_card(office.connector, MORGAN.personal_conversation))
    assert "Matter CMP-12 raised with 2 services in 90 days: possibly a 'scatter gun' approach (s6.1)" in card
    assert "Matter\nCMP-12" in card


async def test_something_else_is_reported_in_the_reporters_words_and_recording_is_noted_with_guidance(
    office: RunningBot, sqlite_url: str
) -> None:
    # A bare "something else" is refused, what was typed kept; nothing is stored.
    refused = await report(office, SAM, "Jane Smith recording", actions="other")
    assert "Describe what they did: you chose something else." in all_text(refused)
    assert rows(sqlite_url, IncidentRecord) == []
    # The quick report's "recording" notes that they were recording (s7.3), not a misuse (s7.2).
    assert inputs_of(refused)["customer_recording"] == "true"
    assert inputs_of(refused)["actions"] == "other"

    value = fill(refused, other_action="Sent 40 parcels to the office.", recording_reason="To remember the call.")
    confirmation = await answer_before_outbox(
        office, submit(SAM, value, office.connector.url), SAM.personal_conversation
    )
    text = all_text(confirmation)
    assert "If you are being recorded (s7.4)" in text
    assert str(Settings.model_fields["recording_guidance"].default) in text
    (incident,) = rows(sqlite_url, IncidentRecord)
    assert (incident.actions, incident.other_action) == (["other"], "Sent 40 parcels to the office.")
    assert (incident.customer_recording, incident.recording_reason) == (True, "To remember the call.")
    card = all_text(last_card(office.connector, MORGAN.personal_conversation))
    assert "Other: Sent 40 parcels to the office." in card
    assert "They said they were recording: To remember the call." in card


async def test_a_form_naming_a_customer_merged_away_since_says_so_and_saves_nothing(
    office: RunningBot, sqlite_url: str, clock: MutableClock
) -> None:
    """The record disappeared between showing the form and submitting it: a clear message on the form, with what
    was typed kept, instead of the generic apology."""
    await report(office, SAM, "Jane Smith")
    await report(office, SAM, "Peter Brown")
    await say(office, SAM, "report Jane Smith")
    form = last_card(office.connector, SAM.personal_conversation)
    jane = inputs_of(form)["customer_choice"]
    assert jane
    engine = create_database_engine(sqlite_url)
    peter = next(c.id for c in rows(sqlite_url, CustomerRecord) if c.name == "Peter Brown")
    assert peter is not None
    merge_customers(SqlUnitOfWork(engine), Actor("admin", "Admin"), peter, int(jane), clock)
    engine.dispose()

    typed = fill(form, channel="telephone", actions="abusive", description="Shouted again.")
    await office.post(submit(SAM, typed, office.connector.url))

    answer = last_card(office.connector, SAM.personal_conversation)
    assert "That customer is no longer on record." in all_text(answer)
    assert inputs_of(answer)["description"] == "Shouted again."
    assert "went wrong" not in all_text(answer)
    assert len(rows(sqlite_url, IncidentRecord)) == 2
