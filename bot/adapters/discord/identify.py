"""Whose turn it is to IDENTIFY: shards of every process take turns through the shared store.

discord.py calls `before_identify_hook` before each IDENTIFY (first connect and every new
session); by default it only sleeps 5 s between the shards of one process. Here each shard
claims its bucket (`shard_id % max_concurrency`) in the store (`Store.claim_identify`, rule
in bot/core/identify.py), so processes started together space their IDENTIFYs out, and a
crash loop backs off instead of spending the daily 1,000. See README, "Shards".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import discord

from bot.core.ports import Store

log = logging.getLogger(__name__)

# Discord allows one IDENTIFY per bucket every 5 s; the half second more covers the time
# between the claim and the IDENTIFY frame itself (and clocks a little apart).
SPACING = 5.5


class IdentifyGate:
    def __init__(self, store: Store, spacing: float = SPACING,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.spacing = spacing
        self.clock = clock
        self.concurrency: int | None = None

    async def wait_turn(self, client: discord.AutoShardedClient, shard_id: int) -> None:
        """Return when this shard may send IDENTIFY (recorded in the store)."""
        if self.concurrency is None:
            limits = await client.fetch_session_start_limits()
            self.concurrency = max(1, limits.max_concurrency)
            log.info("Discord session starts left today: %d of %d (max_concurrency %d)",
                     limits.remaining, limits.total, limits.max_concurrency)
        bucket = shard_id % self.concurrency
        while True:
            wait = await self.store.claim_identify(bucket, shard_id, self.clock(), self.spacing)
            if wait <= 0:
                log.info("shard %d identifies (bucket %d)", shard_id, bucket)
                return
            log.info("shard %d waits %.1f s for its IDENTIFY turn (bucket %d)",
                     shard_id, wait, bucket)
            await asyncio.sleep(wait)
