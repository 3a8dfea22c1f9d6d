"""Coalesce repeated work per key: at most one run per `interval`, always a trailing run.

Used for the in-channel tally card: twenty people finishing in one second cause one edit
now and one edit `interval` later with the final tally, not twenty edits (and no 429s).
A key is forgotten `interval` after its last run settles, so memory follows the cards
being edited now, not every card ever edited.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Coalescer:
    def __init__(self, interval: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._latest: dict[str, Job] = {}
        self._closed = False

    def submit(self, key: str, job: Job) -> None:
        """Run `job` for `key` now if allowed, else once when the interval has passed.

        Only the latest job submitted for a key runs: it reads fresh state when it runs.
        """
        if self._closed:
            return
        self._latest[key] = job
        if key not in self._pending:
            self._pending[key] = asyncio.create_task(self._run(key))

    async def _run(self, key: str) -> None:
        try:
            wait = self._last.get(key, -1e9) + self.interval - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            job = self._latest.pop(key)
            self._last[key] = self.clock()
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("coalesced job for %s failed", key)
        finally:
            self._pending.pop(key, None)
            if key in self._latest and not self._closed:  # submitted again meanwhile: trail
                self._pending[key] = asyncio.create_task(self._run(key))
            elif not self._closed:  # settled: forget the key once its interval has passed
                asyncio.get_running_loop().call_later(self.interval, self._forget, key)

    def _forget(self, key: str) -> None:
        last = self._last.get(key)
        if key not in self._pending and last is not None \
                and self.clock() - last >= self.interval:
            del self._last[key]

    async def flush(self) -> None:
        """Wait for every pending run (tests, shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)

    async def close(self) -> None:
        """Cancel what is pending; nothing runs after this returns."""
        self._closed = True
        self._latest.clear()
        for task in list(self._pending.values()):
            task.cancel()
        await asyncio.gather(*list(self._pending.values()), return_exceptions=True)
        self._pending.clear()
