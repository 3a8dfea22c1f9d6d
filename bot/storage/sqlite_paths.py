"""SqliteStore's learning-path progress and reminders (the port's second half).

A mixin over SqliteStore's `_read()` / `_write()`: every write is one conditional
statement in a `BEGIN IMMEDIATE` transaction, so another process on the same file sees
it whole, and SQLite's write lock orders the claims of due reminders.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

import aiosqlite

from bot.core.models import UserRef
from bot.core.records import Nudge, NudgeStop
from bot.storage import path_sql as sql
from bot.storage.rows import user_params


class _Connected(Protocol):
    def _read(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...
    def _write(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...


class SqlitePaths:
    async def set_stage(
        self: _Connected, user: UserRef, role: str, stage: str, scope: str, done: bool,
        now: float,
    ) -> bool:
        statement = sql.MARK_DONE if done else sql.MARK_UNDONE
        async with self._write() as conn:
            changed = await conn.execute(statement,
                                         sql.stage_params(user, role, stage, scope, now))
        return changed.rowcount == 1

    async def stages_done(self: _Connected, user: UserRef, role: str) -> frozenset[str]:
        async with self._read() as conn:
            found = await conn.execute_fetchall(sql.STAGES_DONE, sql.stage_params(user, role, ""))
        return frozenset(str(r[0]) for r in found)

    async def progress_counts(
        self: _Connected, platform: str, scope: str
    ) -> dict[str, dict[int, int]]:
        async with self._read() as conn:
            found = await conn.execute_fetchall(sql.PROGRESS_COUNTS,
                                                {"platform": platform, "scope": scope})
        return sql.progress(list(found))

    async def finished_since(
        self: _Connected, platform: str, scope: str, since: float
    ) -> list[float]:
        async with self._read() as conn:
            found = await conn.execute_fetchall(
                sql.FINISHED_SINCE, {"platform": platform, "scope": scope, "since": since})
        return [float(r[0]) for r in found]

    async def set_nudge(self: _Connected, nudge: Nudge) -> None:
        async with self._write() as conn:
            await conn.execute(sql.SET_NUDGE, sql.nudge_params(nudge))

    async def get_nudge(self: _Connected, user: UserRef) -> Nudge | None:
        async with self._read() as conn:
            found = await conn.execute_fetchall(sql.GET_NUDGE, user_params(user))
        return next((sql.nudge(r) for r in found), None)

    async def stop_nudge(self: _Connected, user: UserRef, reason: NudgeStop) -> bool:
        async with self._write() as conn:
            changed = await conn.execute(sql.STOP_NUDGE, {**user_params(user), "reason": reason})
        return changed.rowcount == 1

    async def clear_nudge(self: _Connected, user: UserRef) -> None:
        async with self._write() as conn:
            await conn.execute(sql.CLEAR_NUDGE, user_params(user))

    async def claim_due_nudges(
        self: _Connected, now: float, limit: int = 100
    ) -> list[Nudge]:
        claimed: list[Nudge] = []
        async with self._write() as conn:  # the write lock: no other process claims meanwhile
            due = await conn.execute_fetchall(sql.DUE_NUDGES, {"now": now, "limit": limit})
            for nudge in map(sql.nudge, due):
                params = {**user_params(nudge.user), "due_at": nudge.due_at,
                          "next_due": now + nudge.every}
                if (await conn.execute(sql.CLAIM_NUDGE, params)).rowcount == 1:
                    claimed.append(nudge)
        return claimed

    async def reschedule_nudge(self: _Connected, user: UserRef, due_at: float) -> None:
        async with self._write() as conn:
            await conn.execute(sql.RESCHEDULE_NUDGE, {**user_params(user), "due_at": due_at})
