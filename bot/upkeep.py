"""Periodic upkeep in `pathbot run`: delete quiz sessions abandoned unfinished.

Once at start-up, then every hour, sessions never finished and untouched for
PATHBOT_SESSION_TTL_DAYS are deleted by the store, in batches that are each a short
transaction (presses run in between). Several replicas may do it at once: a batch deletes
only rows still stale when it runs, so at worst two replicas share the work. Results are
never pruned; a pressed button of a pruned session answers that the quiz expired.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.core.ports import Store

log = logging.getLogger(__name__)

EVERY = 3600.0
DAY = 86400.0


async def prune_stale_sessions(store: Store, ttl_days: float, now: float) -> int:
    """Delete what is stale now; how many sessions."""
    return await store.prune_sessions(now - ttl_days * DAY)


async def prune_periodically(store: Store, ttl_days: float, every: float = EVERY,
                             clock: Callable[[], float] = time.time) -> None:
    """Runs until cancelled; a failed run is logged and retried at the next one."""
    while True:
        try:
            deleted = await prune_stale_sessions(store, ttl_days, clock())
        except Exception:
            log.exception("pruning stale quiz sessions failed; next try in %g s", every)
        else:
            if deleted:
                log.info("pruned %d unfinished quiz sessions untouched for %g days",
                         deleted, ttl_days)
        await asyncio.sleep(every)
