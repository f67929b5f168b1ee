"""Further action (s14) and the withdrawal of a mandatory service (s15.4) asked for from Teams (issue 18), through
real HTTP to /api/messages: refused without the legal advice taken first (s14.3), or for a withdrawal without the
human-rights and equality consideration and the alternative arrangement; the decision card shows the team what was
recorded; approved by the configured rule (three members by default), each is put in force with its review date and
the status card tells staff what they must do."""

from __future__ import annotations

from typing import Any

from cards.common import london_date
from casework import policy
from storage.tables import EscalationRecord, MeasureRecord
from tests.conftest import MutableClock, RunningBot, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    approve_button,
    considered,
    form_id_of,
    last_card,
    register,
    register_team,
    report,
    rows,
    say,
)
from tests.teams import CASEY, HARPER, MORGAN, SAM, TEAM_CHANNEL, User, all_text, execute, inputs_of, submit

DANA = User("00000000-0000-0000-0000-0000000000b3", "Dana Strategy")
"""The third member of the determination team (s2.6): further action and withdrawal need three approvals."""

LEGAL_ADVICE = {
    "legal_advice_by": "Legal Services (R. Khan, solicitor)",
    "legal_advice_on": "2026-11-20",
    "legal_advice_summary": "An injunction is proportionate; the council may decline further visits.",
}
FURTHER_ACTION = {
    "kind": "further_action",
    "police_reference": "LC-2026-0077",
    "police_officer": "PC Jones",
    "police_advice": "Call 999 if she attends the office.",
    "contact_officer": "Priya Patel, Legal Services",
}
WITHDRAWAL = {
    "kind": "mandatory_service_withdrawal",
    "rights_consideration": "Article 8 and her disability weighed; a written route stays open to her.",
    "service_withdrawn": "homelessness service at the Gainsborough office",
    "alternative_arrangement": "Assessments by letter through the Lincoln hub.",
}
SERIOUS_STEP_INPUTS = {
    "legal_advice_by",
    "legal_advice_on",
    "legal_advice_summary",
    "police_reference",
    "police_officer",
    "police_advice",
    "rights_consideration",
    "service_withdrawn",
    "alternative_arrangement",
    "contact_officer",
}


async def start(database_url: str, connector: FakeConnector, clock: MutableClock) -> RunningBot:
    """Staff and a team of three; the team's channel known; Sam has reported Jane Smith."""
    register_team(database_url, clock)
    register(database_url, DANA, clock, is_determination_team=True)
    bot = await start_bot(make_settings(database_url), connector, clock)
    await say(bot, HARPER, "hello", channel=True)
    await report(bot, SAM, "Jane Smith")
    return bot


async def ask(bot: RunningBot, **typed: str) -> dict[str, Any]:
    """Morgan fills in the escalation form for Jane Smith as typed; returns the card Morgan's turn answered with."""
    await say(bot, MORGAN, "escalate Jane Smith")
    form = last_card(bot.connector, MORGAN.personal_conversation)
    value = {
        **inputs_of(form),
        "verb": "escalation.submit",
        "form_id": form_id_of(form),
        "customer_name": "Jane Smith",
        "reason": "Threats to the officer continued after the restriction.",
        **typed,
    }
    status, _ = await bot.post(submit(MORGAN, value, bot.connector.url))
    assert status == 200
    return last_card(bot.connector, MORGAN.personal_conversation)


def inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def serious_step_container(card: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in card["body"] if e.get("type") == "Container" and e.get("id") == "serious_step_fields")


async def approve_by_the_team(bot: RunningBot, decision: dict[str, Any]) -> list[dict[str, Any]]:
    """Harper, Casey and Dana approve in turn; returns the card each click answered with."""
    answered = []
    for member in (HARPER, CASEY, DANA):
        status, body = await bot.post(
            execute(member, "escalation.approve", considered(approve_button(decision)), bot.connector.url, "card")
        )
        assert status == 200
        answered.append(body["value"])
    return answered


async def test_further_action_without_legal_advice_is_refused_with_what_was_typed_kept(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await start(database_url, connector, clock)
    try:
        await say(bot, MORGAN, "escalate Jane Smith")
        form = last_card(connector, MORGAN.personal_conversation)
        kinds = next(i for i in inputs(form) if i["id"] == "kind")
        assert {"further_action", "mandatory_service_withdrawal"} <= {c["value"] for c in kinds["choices"]}
        # Behind a button until needed, and none required on the card: a hidden required input blocks the submit.
        assert serious_step_container(form)["isVisible"] is False
        assert {i["id"] for i in inputs(serious_step_container(form))} >= SERIOUS_STEP_INPUTS
        assert not [i["id"] for i in inputs(form) if i["id"] in SERIOUS_STEP_INPUTS and i.get("isRequired")]
        sent_to_team = len(connector.sent_to(TEAM_CHANNEL))

        refused = await ask(bot, **FURTHER_ACTION)

        text = all_text(refused)
        assert "Record the legal advice taken before further action or withdrawing a service (s14.3)." in text
        assert "Say who gave the legal advice (s14.3)." in text
        assert "Give the date of the legal advice (s14.3)." in text
        assert "Summarise the legal advice (s14.3)." in text
        assert serious_step_container(refused)["isVisible"] is True
        kept = {i["id"]: i.get("value") for i in inputs(refused)}
        assert kept["kind"] == "further_action"
        assert kept["reason"] == "Threats to the officer continued after the restriction."
        assert kept["contact_officer"] == FURTHER_ACTION["contact_officer"]
        assert kept["police_reference"] == FURTHER_ACTION["police_reference"]
        assert rows(database_url, EscalationRecord) == []
        assert len(connector.sent_to(TEAM_CHANNEL)) == sent_to_team
    finally:
        await bot.close()


async def test_approved_further_action_is_on_the_status_card_with_what_staff_must_do(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await start(database_url, connector, clock)
    try:
        sent = await ask(bot, **FURTHER_ACTION, **LEGAL_ADVICE)
        assert "Sent to the determination team" in all_text(sent)

        decision = last_card(connector, TEAM_CHANNEL)
        shown = all_text(decision)
        assert (
            "Legal advice (s14.3) from Legal Services (R. Khan, solicitor) on 20 Nov 2026: An injunction is "
            "proportionate; the council may decline further visits."
        ) in shown
        assert (
            "Police involved: crime reference LC-2026-0077; officer PC Jones; their advice: Call 999 if she attends "
            "the office."
        ) in shown
        assert "Contact about the matter to be referred to: Priya Patel, Legal Services" in shown
        assert "0 of 3 approvals" in shown

        harper, casey, dana = await approve_by_the_team(bot, decision)
        assert "1 of 3 approvals" in all_text(harper)
        assert "2 of 3 approvals" in all_text(casey)  # two are not enough by default (DecisionRules)
        assert "Approved on" in all_text(dana)
        (measure,) = rows(database_url, MeasureRecord)
        assert measure.kind == "further_action"
        review_due = policy.review_due_date(clock.now)
        assert f"Review due {london_date(review_due)} (s13.1)." in all_text(dana)

        await say(bot, SAM, "check Jane Smith")
        status = all_text(last_card(connector, SAM.personal_conversation))
        assert f"**Further action (s14)**, review due {london_date(review_due)}" in status
        assert (
            "Further action is under way (s14): do not discuss the matter; refer contact about it to Priya Patel, "
            "Legal Services."
        ) in status
        assert "crime reference LC-2026-0077" in status
        assert "injunction" not in status  # the legal advice is for the team, not every member of staff
    finally:
        await bot.close()


async def test_a_withdrawal_needs_its_rights_consideration_and_alternative_and_then_is_on_the_status_card(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await start(database_url, connector, clock)
    try:
        refused = all_text(await ask(bot, kind="mandatory_service_withdrawal", **LEGAL_ADVICE))
        assert "Say how wider human rights and equality duties were considered" in refused
        assert "Name the mandatory service to withdraw (s15.4)." in refused
        assert "Say what the alternative arrangement for the customer is (s15.4)." in refused
        assert rows(database_url, EscalationRecord) == []

        await ask(bot, **WITHDRAWAL, **LEGAL_ADVICE)
        decision = last_card(connector, TEAM_CHANNEL)
        shown = all_text(decision)
        assert (
            "Human rights and equality duties considered (s15.4): Article 8 and her disability weighed; a written "
            "route stays open to her."
        ) in shown
        assert "Service to withdraw (s15.4): homelessness service at the Gainsborough office" in shown
        assert "Alternative arrangement: Assessments by letter through the Lincoln hub." in shown
        assert "Police: not involved" in shown

        await approve_by_the_team(bot, decision)
        (measure,) = rows(database_url, MeasureRecord)
        assert measure.kind == "service_withdrawal"

        await say(bot, SAM, "check Jane Smith")
        status = all_text(last_card(connector, SAM.personal_conversation))
        assert "Jane Smith: Restricted" in status
        assert (
            "The homelessness service at the Gainsborough office is withdrawn (s15.4); the alternative arrangement "
            "is: Assessments by letter through the Lincoln hub."
        ) in status
    finally:
        await bot.close()


async def test_only_a_manager_may_ask_for_further_action(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    bot = await start(database_url, connector, clock)
    try:
        await say(bot, SAM, "escalate Jane Smith")  # Sam manages nobody and is not on the team
        form = last_card(connector, SAM.personal_conversation)
        value = {
            **inputs_of(form),
            "verb": "escalation.submit",
            "form_id": form["actions"][0]["data"]["form_id"],
            "customer_name": "Jane Smith",
            "kind": "further_action",
            "reason": "Threats continued.",
            "legal_advice_by": "Legal Services",
            "legal_advice_on": "2026-11-20",
            "legal_advice_summary": "An injunction is proportionate.",
            "contact_officer": "Priya Patel",
        }
        status, _ = await bot.post(submit(SAM, value, connector.url))
        assert status == 200
        refused = all_text(last_card(connector, SAM.personal_conversation))
        assert policy.MANAGERS_ONLY in refused
        assert rows(database_url, EscalationRecord) == []
    finally:
        await bot.close()
