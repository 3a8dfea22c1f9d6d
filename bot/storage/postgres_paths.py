"""PostgresStore's learning-path progress and reminders (the port's second half).

A mixin over PostgresStore's pool. Each write is one conditional statement (autocommit),
so under READ COMMITTED a double press or a second process changes a stage once; due
reminders are claimed with `FOR UPDATE SKIP LOCKED` in one `UPDATE … RETURNING`, so each
goes to exactly one process and none waits on another.
"""

from __future__ import annotations

from typing import Any, Protocol

import asyncpg

from bot.core.models import UserRef
from bot.core.records import Nudge, NudgeStop
from bot.storage import path_sql as sql
from bot.storage.rows import args, dollar, user_params

CLAIM_DUE = """
UPDATE nudges AS n SET due_at = $1 + n.every_s
FROM (SELECT platform, workspace, user_id, due_at FROM nudges
      WHERE stopped = '' AND due_at <= $1 ORDER BY due_at LIMIT $2
      FOR UPDATE SKIP LOCKED) AS due
WHERE n.platform = due.platform AND n.workspace = due.workspace AND n.user_id = due.user_id
RETURNING n.platform, n.workspace, n.user_id, n.role, n.scope, n.every_s,
          due.due_at AS due_at, n.stopped"""


class _Pooled(Protocol):
    @property
    def pool(self) -> asyncpg.Pool: ...


async def _execute(store: _Pooled, statement: str, params: dict[str, Any]) -> int:
    """Run one `:name` statement; the number of rows it changed."""
    query, names = dollar(statement)
    status = await store.pool.execute(query, *args(names, params))
    return int(str(status).rsplit(" ", 1)[-1])


async def _fetch(store: _Pooled, statement: str, params: dict[str, Any]) -> list[Any]:
    query, names = dollar(statement)
    return list(await store.pool.fetch(query, *args(names, params)))


class PostgresPaths:
    async def set_stage(
        self: _Pooled, user: UserRef, role: str, stage: str, scope: str, done: bool,
        now: float,
    ) -> bool:
        statement = sql.MARK_DONE if done else sql.MARK_UNDONE
        return await _execute(self, statement, sql.stage_params(user, role, stage, scope, now)) == 1

    async def stages_done(self: _Pooled, user: UserRef, role: str) -> frozenset[str]:
        found = await _fetch(self, sql.STAGES_DONE, sql.stage_params(user, role, ""))
        return frozenset(str(r[0]) for r in found)

    async def progress_counts(
        self: _Pooled, platform: str, scope: str
    ) -> dict[str, dict[int, int]]:
        return sql.progress(await _fetch(self, sql.PROGRESS_COUNTS,
                                         {"platform": platform, "scope": scope}))

    async def finished_since(self: _Pooled, platform: str, scope: str, since: float) -> list[float]:
        found = await _fetch(self, sql.FINISHED_SINCE,
                             {"platform": platform, "scope": scope, "since": since})
        return [float(r[0]) for r in found]

    async def set_nudge(self: _Pooled, nudge: Nudge) -> None:
        await _execute(self, sql.SET_NUDGE, sql.nudge_params(nudge))

    async def get_nudge(self: _Pooled, user: UserRef) -> Nudge | None:
        return next(map(sql.nudge, await _fetch(self, sql.GET_NUDGE, user_params(user))), None)

    async def stop_nudge(self: _Pooled, user: UserRef, reason: NudgeStop) -> bool:
        return await _execute(self, sql.STOP_NUDGE, {**user_params(user), "reason": reason}) == 1

    async def clear_nudge(self: _Pooled, user: UserRef) -> None:
        await _execute(self, sql.CLEAR_NUDGE, user_params(user))

    async def claim_due_nudges(self: _Pooled, now: float, limit: int = 100) -> list[Nudge]:
        return [sql.nudge(r) for r in await self.pool.fetch(CLAIM_DUE, now, limit)]

    async def reschedule_nudge(self: _Pooled, user: UserRef, due_at: float) -> None:
        await _execute(self, sql.RESCHEDULE_NUDGE, {**user_params(user), "due_at": due_at})
