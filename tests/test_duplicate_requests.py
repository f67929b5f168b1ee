"""One pending request per customer and kind (issue 18): a second request for the same decision is refused, with
the way to the one already waiting, through real HTTP to /api/messages on SQLite and PostgreSQL."""

from __future__ import annotations

from storage.tables import EscalationRecord
from tests.conftest import MutableClock, make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.scenarios import escalate_restriction, last_card, register_team, report, rows, say
from tests.teams import HARPER, MORGAN, SAM, TEAM_CHANNEL, all_text, submit


async def test_a_second_request_for_the_same_decision_is_refused_with_a_link_to_the_first(
    database_url: str, connector: FakeConnector, clock: MutableClock
) -> None:
    register_team(database_url, clock)
    bot = await start_bot(make_settings(database_url), connector, clock)
    try:
        await say(bot, HARPER, "hello", channel=True)
        await report(bot, SAM, "Jane Smith")
        await escalate_restriction(bot, MORGAN, "Jane Smith")
        decision_cards = len(connector.sent_to(TEAM_CHANNEL))

        await escalate_restriction(bot, MORGAN, "Jane Smith", reason="Two more abusive calls.")

        refusal = last_card(connector, MORGAN.personal_conversation)
        assert "Already waiting for the determination team" in all_text(refusal)
        assert (
            "A request for a restriction of contact for Jane Smith is already waiting for the determination team, "
            "asked by Morgan Manager on 28 Nov 2026: 0 of 2 approvals so far." in all_text(refusal)
        )
        assert "actions" not in refusal  # Morgan is not on the team: its decision card is not his to open
        assert len(rows(database_url, EscalationRecord)) == 1
        assert len(connector.sent_to(TEAM_CHANNEL)) == decision_cards

        # Sam, neither on the team nor its requester, learns only that it is already with the team.
        await escalate_restriction(bot, SAM, "Jane Smith")
        told = all_text(last_card(connector, SAM.personal_conversation))
        assert "is already waiting for the determination team. Nothing new was sent" in told
        assert "Morgan" not in told and "approvals" not in told

        # Harper, on the team, asks for it too: refused, with the way to the decision card.
        await escalate_restriction(bot, HARPER, "Jane Smith")
        refusal = last_card(connector, HARPER.personal_conversation)
        assert "is already waiting for the determination team" in all_text(refusal)
        (button,) = refusal["actions"]
        status, _ = await bot.post(submit(HARPER, {**button["data"]}, connector.url))
        assert status == 200
        opened = last_card(connector, HARPER.personal_conversation)
        assert "Restriction of contact: Jane Smith" in all_text(opened) and "0 of 2 approvals" in all_text(opened)
        assert len(rows(database_url, EscalationRecord)) == 1

        # Another kind of decision about her is not a duplicate.
        await escalate_restriction(
            bot, MORGAN, "Jane Smith", kind="formal_warning", investigation_reference="", restrictions=""
        )
        assert len(rows(database_url, EscalationRecord)) == 2
    finally:
        await bot.close()
