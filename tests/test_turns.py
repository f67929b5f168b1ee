"""The outbox worker gives way to turns in progress, for a moment, never for ever (bot/turns.py)."""

from __future__ import annotations

import asyncio
import time

from bot.turns import TurnsInProgress


async def test_with_no_turn_running_it_gives_way_at_once() -> None:
    turns = TurnsInProgress()
    began = time.monotonic()
    await turns.give_way(quiet_for=0.05, at_most=1.0)
    assert time.monotonic() - began < 0.02


async def test_it_waits_for_a_running_turn_to_end_and_a_quiet_moment_after() -> None:
    turns = TurnsInProgress()
    ended_at: list[float] = []

    async def turn() -> None:
        async with turns.turn():
            await asyncio.sleep(0.1)
        ended_at.append(time.monotonic())

    running = asyncio.create_task(turn())
    await asyncio.sleep(0.01)
    await turns.give_way(quiet_for=0.05, at_most=1.0)
    gave_way_at = time.monotonic()
    await running
    assert ended_at and gave_way_at - ended_at[0] >= 0.045


async def test_a_turn_that_never_ends_delays_it_only_so_long() -> None:
    turns = TurnsInProgress()
    stuck = asyncio.Event()

    async def endless() -> None:
        async with turns.turn():
            await stuck.wait()

    running = asyncio.create_task(endless())
    await asyncio.sleep(0.01)
    began = time.monotonic()
    await turns.give_way(quiet_for=0.05, at_most=0.2)
    assert 0.15 <= time.monotonic() - began < 0.5
    stuck.set()
    await running
