"""The benchmarks' own process (load generator and fake platform) not collecting garbage
while a bot is measured."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def not_collecting() -> Iterator[None]:
    """What this process built so far is frozen and its collector is off for the block.

    It holds the fake's growing request log and the setup's objects: a collection of them
    (10 ms to 0.8 s on a slow 2-core machine) stops dispatching and answering for every
    request in flight at once, whichever bot's turn it is, and would decide that bot's
    p99. The bots' own collections still count: each runs in its own process."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
