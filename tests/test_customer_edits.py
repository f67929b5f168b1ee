"""Customer records changed in Teams (issue 16; s4.3, s8.3, s11.3): the case owner and the determination team edit
the record from the status card, validated with nothing changed on an error; the reporter adds a need the customer
mentioned, which only ever adds a note; every change is audited with before and after; anyone else is refused with
the card that reveals nothing. Through /api/messages, on SQLite and PostgreSQL; every card the bot sends is checked
against the Adaptive Card 1.5 schema by the fake connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cards.common import REFUSAL_HEADING
from storage.database import create_database_engine
from storage.tables import CustomerRecord, IncidentRecord
from storage.unit_of_work import SqlUnitOfWork
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import audited, last_card, morgan_escalates, register_team, report, restriction_request, rows, say
from tests.teams import CASEY, HARPER, MORGAN, SAM, User, all_text, inputs_of, submit


@pytest.fixture
async def office(database_url: str, connector: FakeConnector, clock: MutableClock) -> AsyncIterator[RunningBot]:
    """Sam has reported Jane Smith; Morgan asked for a restriction, approved, so Morgan owns the case."""
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    await report(bot, SAM, "Jane Smith")
    engine = create_database_engine(database_url)
    try:
        morgan_escalates(lambda: SqlUnitOfWork(engine), clock, restriction_request(), approved_by=(HARPER, CASEY))
    finally:
        engine.dispose()
    await bot.outbox.deliver_until_idle()
    yield bot
    await bot.close()


def _customer(database_url: str) -> CustomerRecord:
    (customer,) = rows(database_url, CustomerRecord)
    assert isinstance(customer, CustomerRecord)
    return customer


def _button(card: dict[str, Any], verb: str) -> dict[str, Any] | None:
    return next((a for a in card.get("actions", []) if a.get("data", {}).get("verb") == verb), None)


async def _click(bot: RunningBot, user: User, value: dict[str, Any]) -> dict[str, Any]:
    status, _ = await bot.post(submit(user, value, bot.connector.url))
    assert status == 200
    return last_card(bot.connector, user.personal_conversation)


async def _status_card(bot: RunningBot, user: User) -> dict[str, Any]:
    await say(bot, user, "check Jane Smith")
    return last_card(bot.connector, user.personal_conversation)


async def test_the_case_owner_edits_the_record_and_each_change_is_audited_with_before_and_after(
    office: RunningBot, database_url: str
) -> None:
    card = await _status_card(office, MORGAN)
    edit = _button(card, "customer.edit")
    assert edit is not None, "the case owner is offered Edit record"
    form = await _click(office, MORGAN, edit["data"])
    assert "Jane Smith: edit record" in all_text(form)
    assert inputs_of(form)["no_fixed_address"] == "false" and inputs_of(form)["address"] == ""

    typed = {
        **inputs_of(form),
        "address": "1 High Street\nGainsborough",
        "postcode": "dn21 2ab",
        "phone": "01427 676676",
        "email": "Jane@Example.org",
        "other_names": "Janey  Smith",
        "reasonable_adjustments": "Large print **only**",
    }
    saved = await _click(office, MORGAN, {**form["actions"][0]["data"], **typed})

    assert "Record updated: Address, Postcode, Phone, Email, Other names, Reasonable adjustments." in all_text(saved)
    assert "Large print **only**" in all_text(saved), "typed text is shown as typed"
    assert any("\\*\\*only\\*\\*" in block.get("text", "") for block in saved["body"]), "escaped, never bold"
    customer = _customer(database_url)
    assert (customer.address, customer.postcode, customer.phone, customer.email, customer.other_names) == (
        "1 High Street\nGainsborough",
        "DN21 2AB",
        "+441427676676",
        "jane@example.org",
        "Janey Smith",
    )
    (event,) = audited(database_url, "customer.record_edited")
    assert (event.actor_id, event.record_type, event.record_id) == (MORGAN.aad_object_id, "customer", str(customer.id))
    assert event.detail == {
        "address_before": "",
        "address_after": "1 High Street\nGainsborough",
        "postcode_before": "",
        "postcode_after": "DN21 2AB",
        "phone_before": "",
        "phone_after": "+441427676676",
        "email_before": "",
        "email_after": "jane@example.org",
        "other_names_before": "",
        "other_names_after": "Janey Smith",
        "reasonable_adjustments_before": "",
        "reasonable_adjustments_after": "Large print **only**",
    }

    # The determination team may too; the form shows the record as it now is.
    history = _button(await _status_card(office, HARPER), "customer.edit")
    assert history is not None
    form = await _click(office, HARPER, history["data"])
    assert inputs_of(form)["postcode"] == "DN21 2AB"
    saved = await _click(
        office, HARPER, {**form["actions"][0]["data"], **inputs_of(form), "no_fixed_address": "true", "address": ""}
    )
    assert "Record updated: Address, No fixed address." in all_text(saved)
    assert "No fixed address: letters are held at reception" in all_text(saved)
    second = audited(database_url, "customer.record_edited")[-1]
    assert second.detail == {
        "address_before": "1 High Street\nGainsborough",
        "address_after": "",
        "no_fixed_address_before": "no",
        "no_fixed_address_after": "yes",
    }


async def test_a_bad_value_keeps_what_was_typed_and_changes_nothing(office: RunningBot, database_url: str) -> None:
    edit = _button(await _status_card(office, MORGAN), "customer.edit")
    assert edit is not None
    form = await _click(office, MORGAN, edit["data"])
    before = _customer(database_url)
    typed = {**inputs_of(form), "address": "2 Low Road", "postcode": "not a postcode", "other_names": "x" * 401}

    again = await _click(office, MORGAN, {**form["actions"][0]["data"], **typed})

    shown = all_text(again)
    assert "That is not a UK postcode." in shown and "Keep it to 400 characters (it has 401)." in shown
    assert inputs_of(again)["address"] == "2 Low Road" and inputs_of(again)["postcode"] == "not a postcode"
    assert _customer(database_url) == before
    assert audited(database_url, "customer.record_edited") == []


async def test_other_staff_are_not_offered_it_and_are_refused_with_nothing_shown(
    office: RunningBot, database_url: str
) -> None:
    assert _button(await _status_card(office, SAM), "customer.edit") is None
    customer_id = _customer(database_url).id
    before = _customer(database_url)
    for verb in ("customer.edit", "customer.save"):
        refused = await _click(office, SAM, {"verb": verb, "customer_id": customer_id, "address": "Forged"})
        assert all_text(refused).startswith(REFUSAL_HEADING)
        assert "Jane Smith" not in all_text(refused)
    assert _customer(database_url) == before
    # Sam has none of the roles the buttons are for (case owners and the team), so the door refuses him before
    # the use case, audited as the door's refusal.
    refusals = audited(database_url, "route.refused")
    assert [(e.actor_id, e.record_id) for e in refusals] == [
        (SAM.aad_object_id, "customer.edit"),
        (SAM.aad_object_id, "customer.save"),
    ]


async def test_the_reporter_adds_a_need_the_customer_mentioned_without_replacing_what_is_on_record(
    office: RunningBot, database_url: str
) -> None:
    edit = _button(await _status_card(office, MORGAN), "customer.edit")
    assert edit is not None
    form = await _click(office, MORGAN, edit["data"])
    await _click(office, MORGAN, {**form["actions"][0]["data"], **inputs_of(form), "reasonable_adjustments": "Ramp."})

    confirmation = await report(office, SAM, "Jane Smith", description="Shouted again.")
    note = _button(confirmation, "customer.note_need")
    assert note is not None, "the confirmation offers the reporter the note"
    form = await _click(office, SAM, note["data"])
    empty = await _click(office, SAM, {**form["actions"][0]["data"], **inputs_of(form)})
    assert "Say what the customer mentioned." in all_text(empty)

    noted = await _click(
        office,
        SAM,
        {**form["actions"][0]["data"], "reasonable_adjustments": "Needs documents in large print"},
    )

    assert "Added to their record" in all_text(noted)
    reference = max(rows(database_url, IncidentRecord), key=lambda i: i.id).reference
    adjustments = _customer(database_url).reasonable_adjustments
    assert (
        adjustments == f"Ramp.\n28 Nov 2026, noted by Sam Staff (incident {reference}): Needs documents in large print"
    )
    (event,) = audited(database_url, "customer.need_noted")
    assert event.actor_id == SAM.aad_object_id and event.detail == {
        "incident": reference,
        "reasonable_adjustments_before": "Ramp.",
        "reasonable_adjustments_after": adjustments,
    }
    # Only the incident's reporter may: Morgan, who did not report it, is refused.
    refused = await _click(office, MORGAN, note["data"])
    assert all_text(refused).startswith(REFUSAL_HEADING)
