"""Deadlines: the one timer that defers interactions whose work runs past the budget."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

from bot.adapters.discord.delivery import Deadlines, Mode
from tests.fakes.discord_fake import WAIT


class Work:
    """Stands for an interaction (Deadlines only uses it as a dict key)."""


class Recorder:
    def __init__(self) -> None:
        self.due: list[tuple[Any, Mode]] = []

    def on_due(self, interaction: Any, mode: Mode) -> asyncio.Task[None]:
        self.due.append((interaction, mode))
        return asyncio.ensure_future(asyncio.sleep(0))

    async def until(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while len(self.due) < count:
                await asyncio.sleep(0.005)


async def test_what_is_still_running_at_its_deadline_is_due_oldest_first() -> None:
    seen = Recorder()
    waiting = Deadlines(0.05, seen.on_due)
    first, quick, second = Work(), Work(), Work()
    waiting.add(first, Mode.UPDATE)
    waiting.add(quick, Mode.PRIVATE)
    waiting.add(second, Mode.PUBLIC)
    assert waiting.done(quick) is None  # finished within the budget: nothing started

    await seen.until(2)
    assert seen.due == [(first, Mode.UPDATE), (second, Mode.PUBLIC)]
    for work in (first, second):
        deferral = waiting.done(work)
        assert deferral is not None
        await deferral
    assert not waiting.pending and not waiting.started and waiting.timer is None


async def test_the_timer_waits_for_the_next_oldest_and_stops_when_nothing_is_left() -> None:
    seen = Recorder()
    waiting = Deadlines(0.05, seen.on_due)
    first = Work()
    waiting.add(first, Mode.UPDATE)
    await seen.until(1)
    later = Work()
    waiting.add(later, Mode.UPDATE)  # the timer had stopped: a new one for this one
    assert waiting.timer is not None
    await seen.until(2)
    assert [work for work, _ in seen.due] == [first, later]
    assert waiting.timer is None


async def test_a_zero_budget_is_due_at_the_next_turn_of_the_loop() -> None:
    seen = Recorder()
    waiting = Deadlines(0.0, seen.on_due)
    work = Work()
    waiting.add(work, Mode.UPDATE)
    assert seen.due == []
    await seen.until(1)
    deferral = waiting.done(work)
    assert deferral is not None
    await deferral


WHO: ContextVar[str] = ContextVar("who", default="nobody")


async def test_what_is_due_runs_in_the_context_it_was_added_in() -> None:
    """As a timer of its own would: a deferral's log lines name its own interaction."""
    seen: list[str] = []

    def on_due(interaction: Any, mode: Mode) -> asyncio.Task[None]:
        seen.append(WHO.get())
        return asyncio.ensure_future(asyncio.sleep(0))

    waiting = Deadlines(0.01, on_due)

    async def handler(name: str) -> None:
        WHO.set(name)
        work = Work()
        waiting.add(work, Mode.UPDATE)
        await asyncio.sleep(0.05)
        deferral = waiting.done(work)
        assert deferral is not None
        await deferral

    await asyncio.gather(handler("alice"), handler("bob"))
    assert seen == ["alice", "bob"]
