"""Bot Framework state in the application's database (bot.state_storage over storage.bot_state), on both databases:
round-trips of plain and botbuilder values, eTags for optimistic concurrency, delete, and a restart mid-dialog."""

from __future__ import annotations

import asyncio

import jsonpickle
import pytest
from botbuilder.core import ConversationState, MessageFactory, StoreItem, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import (
    DialogInstance,
    DialogSet,
    DialogState,
    DialogTurnResult,
    DialogTurnStatus,
    PromptOptions,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from sqlalchemy import Engine

from bot.state_storage import DatabaseStorage, DoorReadConversationState
from casework.entities import StaffMember, StaffStanding
from storage.bot_state import BotStateStore, ETagConflict
from storage.database import create_database_engine
from storage.door import DoorReads
from storage.unit_of_work import SqlUnitOfWork

NESTED = {"a": {"b": [1, 2, {"c": "ç ñ – 💬"}], "n": None, "t": True}, "count": 3, "ratio": 0.5}


@pytest.fixture
def store(engine: Engine) -> BotStateStore:
    return BotStateStore(engine)


@pytest.fixture
def storage(store: BotStateStore) -> DatabaseStorage:
    return DatabaseStorage(store)


async def test_nested_dicts_round_trip_with_the_stored_etag(storage: DatabaseStorage, store: BotStateStore) -> None:
    await storage.write({"conv/1": dict(NESTED), "odd key !@#$%^&*()~/\\><,.?';\"`": {"x": 1}})

    items = await storage.read(["conv/1", "odd key !@#$%^&*()~/\\><,.?';\"`", "missing"])

    assert set(items) == {"conv/1", "odd key !@#$%^&*()~/\\><,.?';\"`"}
    stored_etag = store.read(["conv/1"])["conv/1"][1]
    assert items["conv/1"] == {**NESTED, "e_tag": stored_etag}
    assert stored_etag
    assert items["odd key !@#$%^&*()~/\\><,.?';\"`"]["x"] == 1
    assert await storage.read(["missing"]) == {}
    assert await storage.read([]) == {}


async def test_botbuilder_objects_round_trip(storage: DatabaseStorage, store: BotStateStore) -> None:
    state = DialogState(
        [
            DialogInstance("ReportIncidentDialog", {"form_id": "f-1", "values": {"customer_name": "Zoë"}}),
            DialogInstance("TextPrompt", {"options": {"attempts": 2}}),
        ]
    )
    await storage.write({"dialogs": state, "item": StoreItem(name="Sam", tags=["a", "b"])})

    items = await storage.read(["dialogs", "item"])

    loaded = items["dialogs"]
    assert isinstance(loaded, DialogState)
    assert [(i.id, i.state) for i in loaded.dialog_stack] == [
        ("ReportIncidentDialog", {"form_id": "f-1", "values": {"customer_name": "Zoë"}}),
        ("TextPrompt", {"options": {"attempts": 2}}),
    ]
    assert all(isinstance(i, DialogInstance) for i in loaded.dialog_stack)
    assert loaded.e_tag == store.read(["dialogs"])["dialogs"][1]
    item = items["item"]
    assert isinstance(item, StoreItem)
    assert (item.name, item.tags) == ("Sam", ["a", "b"])
    assert item.e_tag == store.read(["item"])["item"][1]


async def test_a_write_with_a_stale_etag_is_refused_and_changes_nothing(storage: DatabaseStorage) -> None:
    await storage.write({"k": {"v": 1}})
    first = (await storage.read(["k"]))["k"]
    stale = dict(first)

    first["v"] = 2
    await storage.write({"k": first})  # the current eTag: accepted
    after_first = (await storage.read(["k"]))["k"]
    assert after_first["v"] == 2
    assert after_first["e_tag"] != stale["e_tag"]

    stale["v"] = 3
    with pytest.raises(ETagConflict):
        await storage.write({"k": stale})
    assert (await storage.read(["k"]))["k"] == after_first


async def test_a_stale_etag_on_an_object_is_refused_too(storage: DatabaseStorage) -> None:
    await storage.write({"obj": StoreItem(v=1)})
    old = (await storage.read(["obj"]))["obj"]
    await storage.write({"obj": (await storage.read(["obj"]))["obj"]})
    old.v = 9
    with pytest.raises(ETagConflict):
        await storage.write({"obj": old})
    assert (await storage.read(["obj"]))["obj"].v == 1


async def test_of_many_writers_holding_the_same_etag_exactly_one_wins(storage: DatabaseStorage) -> None:
    await storage.write({"k": {"winner": None}})
    etag = (await storage.read(["k"]))["k"]["e_tag"]

    # Each write runs on its own worker thread and connection: a real race, settled by the database.
    outcomes = await asyncio.gather(
        *(storage.write({"k": {"winner": n, "e_tag": etag}}) for n in range(10)), return_exceptions=True
    )

    winners = [n for n, outcome in enumerate(outcomes) if outcome is None]
    assert len(winners) == 1
    assert all(isinstance(outcome, ETagConflict) for outcome in outcomes if outcome is not None)
    assert (await storage.read(["k"]))["k"]["winner"] == winners[0]


async def test_an_etag_for_state_that_does_not_exist_is_refused(storage: DatabaseStorage) -> None:
    with pytest.raises(ETagConflict):
        await storage.write({"gone": {"v": 1, "e_tag": "0123"}})
    assert await storage.read(["gone"]) == {}


async def test_star_or_missing_etag_overwrites_and_an_empty_one_is_refused(storage: DatabaseStorage) -> None:
    await storage.write({"k": {"v": 1}})
    await storage.write({"k": {"v": 2, "e_tag": "*"}})
    assert (await storage.read(["k"]))["k"]["v"] == 2
    await storage.write({"k": {"v": 3}})
    assert (await storage.read(["k"]))["k"]["v"] == 3
    await storage.write({"new": {"v": 1, "e_tag": "*"}})
    assert (await storage.read(["new"]))["new"]["v"] == 1
    with pytest.raises(ValueError, match="eTag missing"):
        await storage.write({"k": {"v": 4, "e_tag": ""}})
    assert (await storage.read(["k"]))["k"]["v"] == 3


async def test_delete_removes_only_the_given_keys(storage: DatabaseStorage) -> None:
    await storage.write({"a": {"v": 1}, "b": {"v": 2}, "c": {"v": 3}})
    await storage.delete(["a", "c", "never-existed"])
    assert set(await storage.read(["a", "b", "c"])) == {"b"}
    await storage.delete([])
    assert set(await storage.read(["a", "b", "c"])) == {"b"}


# --- ConversationState over the database storage ------------------------------------------------------------------


TEMPLATE = Activity(
    channel_id="msteams",
    service_url="https://smba.example/",
    from_property=ChannelAccount(id="29:sam", name="Sam Staff", aad_object_id="aad-sam"),
    recipient=ChannelAccount(id="28:bot", name="UCA bot"),
    conversation=ConversationAccount(id="a:personal-sam", conversation_type="personal"),
)


class NameBot:
    """A tiny dialog bot: asks a name, then greets; everything it knows lives in ConversationState."""

    def __init__(self, engine: Engine) -> None:
        self.state = ConversationState(DatabaseStorage(BotStateStore(engine)))
        self.dialogs = DialogSet(self.state.create_property("DialogState"))
        self.dialogs.add(TextPrompt("name"))
        self.dialogs.add(WaterfallDialog("greet", [self._ask, self._greet]))
        self.turns = self.state.create_property("turns")
        self.adapter = TestAdapter(self.on_turn, TEMPLATE)

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.prompt("name", PromptOptions(prompt=MessageFactory.text("What is your name?")))

    async def _greet(self, step: WaterfallStepContext) -> DialogTurnResult:
        await step.context.send_activity(f"Hello {step.result}")
        return await step.end_dialog()

    async def on_turn(self, context: TurnContext) -> None:
        await self.turns.set(context, (await self.turns.get(context) or 0) + 1)
        dialog_context = await self.dialogs.create_context(context)
        result = await dialog_context.continue_dialog()
        if result.status is DialogTurnStatus.Empty:
            await dialog_context.begin_dialog("greet")
        await self.state.save_changes(context)

    async def say(self, text: str) -> list[str]:
        self.adapter.activity_buffer.clear()
        await self.adapter.receive_activity(Activity(type=ActivityTypes.message, text=text))
        return [activity.text for activity in self.adapter.activity_buffer]


def conversation_context(adapter: TestAdapter) -> TurnContext:
    return TurnContext(adapter, Activity(type="message", channel_id="msteams", conversation=TEMPLATE.conversation))


async def test_conversation_state_survives_a_restart_mid_dialog(database_url: str, engine: Engine) -> None:
    before = NameBot(engine)
    assert await before.say("hi") == ["What is your name?"]
    engine.dispose()  # the process stops

    restarted = create_database_engine(database_url)
    try:
        after = NameBot(restarted)  # a new process: new engine, storage, state, dialogs and adapter
        assert await after.say("Ann") == ["Hello Ann"]

        context = conversation_context(after.adapter)
        await after.state.load(context)
        assert await after.turns.get(context) == 2
        assert (await after.state.create_property("DialogState").get(context)).dialog_stack == []
    finally:
        restarted.dispose()


async def test_two_turns_saving_the_same_conversation_do_not_overwrite_each_other(engine: Engine) -> None:
    bot = NameBot(engine)
    await bot.say("hi")
    first, second = conversation_context(bot.adapter), conversation_context(bot.adapter)
    other_instance = ConversationState(DatabaseStorage(BotStateStore(engine)))
    await bot.state.load(first)
    await other_instance.load(second)
    await bot.turns.set(first, 10)
    await other_instance.create_property("turns").set(second, 20)

    await bot.state.save_changes(first)
    with pytest.raises(ETagConflict):
        await other_instance.save_changes(second)

    check = conversation_context(bot.adapter)
    await bot.state.load(check, force=True)
    assert await bot.turns.get(check) == 10


async def test_deleting_conversation_state_removes_its_row(engine: Engine, store: BotStateStore) -> None:
    bot = NameBot(engine)
    await bot.say("hi")
    key = "msteams/conversations/a:personal-sam"
    assert set(store.read([key])) == {key}
    context = conversation_context(bot.adapter)
    await bot.state.load(context)
    await bot.state.delete(context)
    assert store.read([key]) == {}


def _staff(engine: Engine, *members: StaffMember) -> None:
    with SqlUnitOfWork(engine) as uow:
        for member in members:
            uow.staff.save(member)
        uow.commit()


async def test_the_doors_read_gives_the_standing_the_staff_repository_does_and_the_stored_state(
    engine: Engine, storage: DatabaseStorage, store: BotStateStore
) -> None:
    _staff(engine, StaffMember("u-lee", "Lee Manager"), StaffMember("u-sam", "Sam Staff", line_manager_id="u-lee"))
    await storage.write({"msteams/conversations/c-1": {"dialog": "open"}})
    door = DoorReads(engine)

    for user_id in ("u-lee", "u-sam"):
        standing, state = door.standing_and_state(user_id, "msteams/conversations/c-1")
        with SqlUnitOfWork(engine) as uow:
            assert standing == uow.staff.standing(user_id)
        assert state == store.read(["msteams/conversations/c-1"])
    assert door.standing_and_state("u-lee", "msteams/conversations/none yet")[1] == {}
    # Nobody on record: no staff row, no state read with it (the turn reads it if it gets that far).
    assert door.standing_and_state("u-nobody", "msteams/conversations/c-1") == (StaffStanding(None, False, False), None)


async def test_a_conversation_state_given_the_doors_read_uses_it_once_and_then_reads_storage(
    engine: Engine, storage: DatabaseStorage
) -> None:
    adapter = TestAdapter(lambda _context: asyncio.sleep(0), TEMPLATE)
    state = DoorReadConversationState(storage)
    context = conversation_context(adapter)
    key = state.get_storage_key(context)
    await storage.write({key: {"step": "stored"}})
    stored = await storage.read([key])
    door_rows = {key: (jsonpickle.encode({"step": "read at the door"}), stored[key]["e_tag"])}

    state.read_at_the_door(context, door_rows)
    await state.load(context)
    assert state.get(context) == {"step": "read at the door", "e_tag": stored[key]["e_tag"]}

    await state.load(context, force=True)  # forced, and the door's rows are used up: storage is read
    assert state.get(context)["step"] == "stored"
    other_turn = conversation_context(adapter)
    await state.load(other_turn)
    assert state.get(other_turn)["step"] == "stored"
