"""Store.claim_identify on both engines: read the bucket's and the shard's rows, apply the
rule of bot/core/identify.py, and record the IDENTIFY, all under one lock (SQLite's write
lock; on PostgreSQL a transaction-scoped advisory lock), so that two processes never both
get "identify now" for one bucket."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import aiosqlite
import asyncpg

from bot.core.identify import IdentifyState, plan

READ = "SELECT name, at, streak FROM discord_identify WHERE name IN (:bucket, :shard)"
WRITE = """
INSERT INTO discord_identify (name, at, streak) VALUES (:name, :at, :streak)
ON CONFLICT (name) DO UPDATE SET at = excluded.at, streak = excluded.streak"""
PG_READ = "SELECT name, at, streak FROM discord_identify WHERE name IN ($1, $2)"
PG_WRITE = """
INSERT INTO discord_identify (name, at, streak) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET at = excluded.at, streak = excluded.streak"""
LOCK_KEY = 0x70617468_6964  # "pathid": the advisory lock of every identify claim


def names(bucket: int, shard: int) -> dict[str, str]:
    return {"bucket": f"bucket:{bucket}", "shard": f"shard:{shard}"}


def state_of(rows: list[Any], keys: dict[str, str]) -> IdentifyState:
    found = {str(r[0]): (float(r[1]), int(r[2])) for r in rows}
    bucket, shard = found.get(keys["bucket"]), found.get(keys["shard"])
    return IdentifyState(bucket[0] if bucket else None, shard[0] if shard else None,
                         shard[1] if shard else 0)


def writes(keys: dict[str, str], now: float, streak: int) -> list[dict[str, Any]]:
    return [{"name": keys["bucket"], "at": now, "streak": 0},
            {"name": keys["shard"], "at": now, "streak": streak}]


class _SqliteConnected(Protocol):
    def _write(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...


class SqliteIdentify:
    async def claim_identify(
        self: _SqliteConnected, bucket: int, shard: int, now: float, spacing: float
    ) -> float:
        keys = names(bucket, shard)
        async with self._write() as conn:
            rows = list(await conn.execute_fetchall(READ, keys))
            wait, streak = plan(state_of(rows, keys), now, spacing)
            if wait == 0:
                await conn.executemany(WRITE, writes(keys, now, streak))
        return wait


class _Pooled(Protocol):
    @property
    def pool(self) -> asyncpg.Pool: ...


class PostgresIdentify:
    async def claim_identify(
        self: _Pooled, bucket: int, shard: int, now: float, spacing: float
    ) -> float:
        keys = names(bucket, shard)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
            rows = list(await conn.fetch(PG_READ, keys["bucket"], keys["shard"]))
            wait, streak = plan(state_of(rows, keys), now, spacing)
            if wait == 0:
                await conn.executemany(PG_WRITE, [(w["name"], w["at"], w["streak"])
                                                  for w in writes(keys, now, streak)])
        return wait

