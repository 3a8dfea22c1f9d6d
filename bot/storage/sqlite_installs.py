"""SqliteStore's Slack installations, OAuth states and workspace deletion (migration 0006).

A mixin over SqliteStore's `_read()` / `_write()`: each write is a `BEGIN IMMEDIATE`
transaction, so consuming a state is one conditional DELETE under SQLite's write lock
(used once, whichever process asks)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

import aiosqlite

from bot.core.installs import Installation
from bot.storage import install_sql as sql


class _Connected(Protocol):
    def _read(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...
    def _write(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...


class SqliteInstalls:
    async def save_installation(self: _Connected, installation: Installation) -> None:
        async with self._write() as conn:
            await conn.execute(sql.SAVE, sql.params(installation))

    async def get_installation(self: _Connected, team_id: str) -> Installation | None:
        async with self._read() as conn:
            found = await conn.execute_fetchall(sql.GET, {"team_id": team_id})
        return next((sql.installation(r) for r in found), None)

    async def delete_installation(self: _Connected, team_id: str) -> bool:
        async with self._write() as conn:
            return (await conn.execute(sql.DELETE, {"team_id": team_id})).rowcount == 1

    async def save_oauth_state(self: _Connected, state: str, expires_at: float) -> None:
        async with self._write() as conn:
            # Anything that expired before this one was issued is of no more use.
            await conn.execute(sql.DROP_EXPIRED_STATES, {"now": expires_at - 3600.0})
            await conn.execute(sql.SAVE_STATE, {"state": state, "expires_at": expires_at})

    async def consume_oauth_state(self: _Connected, state: str, now: float) -> bool:
        async with self._write() as conn:
            used = await conn.execute(sql.CONSUME_STATE, {"state": state, "now": now})
            await conn.execute(sql.DROP_EXPIRED_STATES, {"now": now})
        return used.rowcount == 1

    async def forget_workspace(self: _Connected, platform: str, workspace: str) -> int:
        params = {"platform": platform, "workspace": workspace}
        deleted = 0
        async with self._write() as conn:
            await conn.execute(sql.BUMP_OTHER_CARDS, params)
            for statement in sql.FORGET_WORKSPACE:
                deleted += (await conn.execute(statement, params)).rowcount
        return deleted
