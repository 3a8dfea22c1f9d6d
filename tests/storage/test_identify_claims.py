"""Store.claim_identify on both engines: processes sharing the database take turns."""

from __future__ import annotations

import asyncio

from bot.core.ports import Store
from tests.db import open_db


async def test_one_bucket_identifies_once_per_spacing_across_processes(
    store: Store, db_url: str
) -> None:
    other = await open_db(db_url)  # a second process
    try:
        assert await store.claim_identify(0, 0, 100.0, 5.0) == 0.0
        assert await other.claim_identify(0, 1, 100.5, 5.0) == 4.5  # same bucket: wait
        assert await other.claim_identify(1, 1, 100.5, 5.0) == 0.0  # another bucket: go
        assert await other.claim_identify(0, 2, 105.0, 5.0) == 0.0
    finally:
        await other.close()


async def test_concurrent_claims_give_one_turn(store: Store, db_url: str) -> None:
    others = [await open_db(db_url) for _ in range(3)]
    try:
        waits = await asyncio.gather(
            *(s.claim_identify(0, shard, 50.0, 5.0) for shard, s in enumerate([store, *others])))
        assert sorted(waits) == [0.0, 5.0, 5.0, 5.0]
    finally:
        for other in others:
            await other.close()


async def test_a_crash_looping_shard_waits_longer_each_time(store: Store) -> None:
    now, waits = 1000.0, []
    for _ in range(6):  # the shard identifies as soon as allowed, again and again
        wait = await store.claim_identify(0, 3, now, 5.0)
        now += wait
        if wait:
            assert await store.claim_identify(0, 3, now, 5.0) == 0.0
        waits.append(wait)
        now += 1.0  # and dies a second later
    # the bucket spacing (4 s after a second), then 10, 20, 40 s after the last identify
    assert waits == [0.0, 4.0, 4.0, 9.0, 19.0, 39.0]
