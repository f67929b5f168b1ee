"""A representative's actions are theirs (issue 18: s5.4), through real HTTP to /api/messages on SQLite and
PostgreSQL: shown as the representative's on the decision card, and not counted in the customer's escalation
suggestion."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from storage.tables import IncidentRecord, RepresentativeRecord
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import (
    NO_WARNING_REASON,
    answer_before_outbox,
    audited,
    escalate_restriction,
    fill,
    last_card,
    register_team,
    report,
    rows,
    say,
)
from tests.teams import HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, submit

NEW_RON = {"acting_party": "representative", "representative_name": "Ron Advocate"}
BY_RON = {**NEW_RON, "representative_authority": "Jane's signed consent"}


async def test_a_representatives_incidents_are_shown_as_theirs_and_not_counted_against_the_customer(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await say(bot, MORGAN, "hello")
        for fields in ({}, BY_RON, BY_RON):
            await report(bot, SAM, "Jane Smith", **fields)
            clock.now += timedelta(days=1)
        # Three incidents, two of them Ron's: the customer's own one is under the threshold of three (s10, s11).
        discussion = all_text(last_card(connector, MORGAN.personal_conversation))
        assert "Customer\nJane Smith (by their representative Ron Advocate)" in discussion
        assert "incidents in 90 days" not in discussion

        await report(bot, SAM, "Jane Smith")
        await report(bot, SAM, "Jane Smith")
        counted = all_text(last_card(connector, MORGAN.personal_conversation))
        assert (
            "3 incidents in 90 days (2 more by their representative, not counted: s5.4): consider asking the "
            "determination team"
        ) in counted

        await escalate_restriction(bot, MORGAN, "Jane Smith", no_warning_reason=NO_WARNING_REASON)
        decision = all_text(last_card(connector, TEAM_CHANNEL))
        lines = [line for line in decision.splitlines() if line.startswith("INC-")]
        assert len(lines) == 5
        assert sum("(by their representative Ron Advocate, s5.4)" in line for line in lines) == 2
    finally:
        await bot.close()


async def test_a_new_representative_is_recorded_with_their_authority_and_then_offered_on_the_form(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await report(bot, SAM, "Jane Smith")  # Jane on record, no representative yet
        refused = await report(bot, SAM, "Jane Smith", **NEW_RON)
        # s5.1: a representative not on record needs the consent or lawful basis they act on; nothing is saved.
        assert "Ron Advocate is not on record as Jane Smith's representative" in all_text(refused)
        assert len(rows(database_url, IncidentRecord)) == 1 and rows(database_url, RepresentativeRecord) == []

        value = fill(refused, representative_authority="Jane's signed consent form, 28 Nov 2026")
        await answer_before_outbox(bot, submit(SAM, value, connector.url), SAM.personal_conversation)
        (ron,) = rows(database_url, RepresentativeRecord)
        assert (ron.name, ron.authority) == ("Ron Advocate", "Jane's signed consent form, 28 Nov 2026")
        assert [e.detail["representative"] for e in audited(database_url, "representative.added")] == ["Ron Advocate"]

        # Next time the form offers him, and picking him needs nothing more.
        await say(bot, SAM, "report Jane Smith")
        form = last_card(connector, SAM.personal_conversation)
        picker = _input(form, "representative_on_record")
        assert [c["title"] for c in picker["choices"]] == ["Ron Advocate"]
        value = fill(
            form,
            channel="telephone",
            actions="abusive",
            description="Shouted on Jane's behalf.",
            acting_party="representative",
            representative_on_record="Ron Advocate",
        )
        await answer_before_outbox(bot, submit(SAM, value, connector.url), SAM.personal_conversation)
        assert len(rows(database_url, IncidentRecord)) == 3
        assert len(rows(database_url, RepresentativeRecord)) == 1
        assert [i.representative_name for i in rows(database_url, IncidentRecord)][-1] == "Ron Advocate"
    finally:
        await bot.close()


def _input(node: Any, input_id: str) -> dict[str, Any]:
    if isinstance(node, dict):
        if node.get("id") == input_id:
            return node
        for value in node.values():
            found = _input(value, input_id) if isinstance(value, dict | list) else None
            if found:
                return found
    if isinstance(node, list):
        for value in node:
            found = _input(value, input_id)
            if found:
                return found
    return {}
