"""PostgresStore's Slack installations, OAuth states and workspace deletion (migration 0006).

A mixin over PostgresStore's pool. Consuming a state is one conditional DELETE (the row
lock lets exactly one of two concurrent redirects have it); deleting a workspace is one
transaction that locks the workspace's sessions first, so an answer in flight lands
before or not at all."""

from __future__ import annotations

from typing import Any, Protocol

import asyncpg

from bot.core.installs import Installation
from bot.storage import install_sql as sql
from bot.storage.rows import args, dollar


class _Pooled(Protocol):
    @property
    def pool(self) -> asyncpg.Pool: ...


def _count(status: str) -> int:
    return int(str(status).rsplit(" ", 1)[-1])


async def _execute(conn: Any, statement: str, params: dict[str, Any]) -> int:
    query, names = dollar(statement)
    return _count(await conn.execute(query, *args(names, params)))


class PostgresInstalls:
    async def save_installation(self: _Pooled, installation: Installation) -> None:
        await _execute(self.pool, sql.SAVE, sql.params(installation))

    async def get_installation(self: _Pooled, team_id: str) -> Installation | None:
        query, names = dollar(sql.GET)
        row = await self.pool.fetchrow(query, *args(names, {"team_id": team_id}))
        return None if row is None else sql.installation(row)

    async def delete_installation(self: _Pooled, team_id: str) -> bool:
        return await _execute(self.pool, sql.DELETE, {"team_id": team_id}) == 1

    async def save_oauth_state(self: _Pooled, state: str, expires_at: float) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await _execute(conn, sql.DROP_EXPIRED_STATES, {"now": expires_at - 3600.0})
            await _execute(conn, sql.SAVE_STATE, {"state": state, "expires_at": expires_at})

    async def consume_oauth_state(self: _Pooled, state: str, now: float) -> bool:
        used = await _execute(self.pool, sql.CONSUME_STATE, {"state": state, "now": now})
        await _execute(self.pool, sql.DROP_EXPIRED_STATES, {"now": now})
        return used == 1

    async def forget_workspace(self: _Pooled, platform: str, workspace: str) -> int:
        params = {"platform": platform, "workspace": workspace}
        deleted = 0
        async with self.pool.acquire() as conn, conn.transaction():
            await _execute(conn, sql.SESSIONS_FOR_UPDATE, params)
            await _execute(conn, sql.BUMP_OTHER_CARDS, params)
            for statement in sql.FORGET_WORKSPACE:
                deleted += await _execute(conn, statement, params)
        return deleted
