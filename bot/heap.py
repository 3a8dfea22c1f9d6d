"""The garbage collector's policy for a long-running bot: what start-up built is frozen,
full collections are ten times rarer than CPython's default, and the ones postponed run
when nothing is in flight. Measurements and reasoning: docs/operations.md, "Garbage
collection"."""

from __future__ import annotations

import asyncio
import gc

from bot.observe import InFlight

# CPython starts a full collection after 10 collections of generation 1. In a burst every
# full collection walks every press still in flight (40-300 ms on a 2-core machine with a
# thousand presses pending); at 100 a burst of 10,000 presses sees one or two of them.
FULL_AFTER = 100
# What CPython's default would have waited for: with nothing in flight a full collection
# walks little but garbage, so the idle collector does it as soon as the default would.
IDLE_FULL_AFTER = 10
IDLE_CHECK_EVERY = 0.5  # seconds
_DEFAULT_THRESHOLDS = gc.get_threshold()


def settle_heap() -> None:
    """Move what start-up built (content, libraries, the adapters' objects) out of the
    collector's reach: it lives as long as the process, and every full collection would
    otherwise walk it again, stalling every pending press. Then make full collections
    rarer (FULL_AFTER). Called before the adapters connect: what a connection builds (and
    drops on a reconnect) must stay collectable."""
    gc.collect()
    gc.freeze()
    young, middle, _ = _DEFAULT_THRESHOLDS
    gc.set_threshold(young, middle, FULL_AFTER)


def restore_heap() -> None:
    """Undo settle_heap, for callers that go on in the same process (tests)."""
    gc.unfreeze()
    gc.set_threshold(*_DEFAULT_THRESHOLDS)


def collect_if_idle(inflight: InFlight) -> bool:
    """Run the full collection CPython's default would have run by now, if nothing is in
    flight (no press waits for it). True if it ran."""
    if inflight.live or gc.get_count()[2] < IDLE_FULL_AFTER:
        return False
    gc.collect()
    return True


async def collect_when_idle(inflight: InFlight, every: float = IDLE_CHECK_EVERY) -> None:
    """Runs until cancelled: `collect_if_idle` every `every` seconds."""
    while True:
        await asyncio.sleep(every)
        collect_if_idle(inflight)
