"""The collector policy of bot/heap.py: start-up frozen, full collections rarer, and the
postponed ones run when nothing is in flight (never while a press waits)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from bot.heap import (
    FULL_AFTER,
    IDLE_FULL_AFTER,
    collect_if_idle,
    collect_when_idle,
    restore_heap,
    settle_heap,
)
from bot.observe import InFlight


class FullCollections:
    """Counts the collector's full collections while installed."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            self.count += 1


@pytest.fixture
def full() -> Iterator[FullCollections]:
    """Full collections after settle_heap's own."""
    settle_heap()
    seen = FullCollections()
    gc.callbacks.append(seen)
    try:
        yield seen
    finally:
        gc.callbacks.remove(seen)
        restore_heap()


def postpone_full_collections(times: int) -> None:
    """What `times` automatic collections of generation 1 leave behind: a full collection
    owed (CPython counts them in generation 2's count)."""
    for _ in range(times):
        gc.collect(1)


def test_settle_heap_freezes_start_up_and_makes_full_collections_rarer(
    full: FullCollections,
) -> None:
    restore_heap()
    default = gc.get_threshold()
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (default[0], default[1], FULL_AFTER)
    assert default[2] < FULL_AFTER

    restore_heap()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == default


def test_an_owed_full_collection_runs_when_nothing_is_in_flight(full: FullCollections) -> None:
    idle = InFlight()
    postpone_full_collections(IDLE_FULL_AFTER - 1)
    assert not collect_if_idle(idle) and full.count == 0  # the default would not have run yet

    postpone_full_collections(1)
    assert collect_if_idle(idle) and full.count == 1
    assert gc.get_count()[2] == 0


def test_no_full_collection_while_a_press_is_in_flight(full: FullCollections) -> None:
    busy = InFlight()
    busy.add(object(), "discord button")
    postpone_full_collections(IDLE_FULL_AFTER)

    assert not collect_if_idle(busy) and full.count == 0


async def test_the_idle_collector_runs_in_the_background(full: FullCollections) -> None:
    idle = InFlight()
    postpone_full_collections(IDLE_FULL_AFTER)
    task = asyncio.create_task(collect_when_idle(idle, every=0.01))
    try:
        for _ in range(500):  # a guard against hanging, not a speed limit
            if full.count:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
    assert full.count == 1
