"""The Store on PostgreSQL: an asyncpg pool, one statement (or one short transaction) a call.

Guarantees, and how they hold when several processes share the database (READ COMMITTED):
- one answer per (session, question), and a session's answers always questions 0..n-1:
  recording and undoing go through the functions of migration 0003, which lock the session
  row before counting its answers, so two presses, or a Back racing an answer, from any
  processes run one after the other on that row;
- one active session per person, card and content version: a partial unique index, and
  `INSERT … ON CONFLICT DO NOTHING`;
- the last answer, the session's status and its result commit in one transaction; /forget
  deletes everything about a user in one transaction, after locking their sessions;
- a burst costs one round trip per batch: the writes of the hot path (answers, Back,
  Start, Share) go through the same group commit as on SQLite (bot/storage/batch.py: the
  writes queued while a batch runs share the next one, each caller told only after it
  committed, a failing batch retried job by job), and a batch is ONE statement, a call of
  pathbot_job per job (migrations 0008 and 0009), atomic by itself: no BEGIN/COMMIT round
  trips. An answer press (`answer`) is one such call: it locks the session row, checks
  the press, writes, and returns the session (kept only when it refused), so a press
  costs one batch and no read.
  Concurrent `get_session` and `get_quiz_card` calls share one SELECT each
  (batch.ReadGroup). Pooled connections go back without asyncpg's reset query
  (postgres_connect.PoolConnection says why), so a read is one round trip too. A batch
  locks the sessions it writes in arrival order; should two replicas' batches ever lock
  two sessions in opposite orders, PostgreSQL aborts one (deadlock detection) and its jobs
  are retried one by one, so it costs time, never correctness.
If the server goes away, the call in flight raises (the adapter answers with its apology);
the transaction it was in is rolled back by the server, and the pool opens new connections
for the next calls.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import asyncpg

from bot.core.models import UserRef
from bot.core.records import AnswerOutcome, Forgotten, QuizCard, QuizResult, QuizSession
from bot.storage import rows, tally
from bot.storage.batch import GroupCommit, Job, ReadGroup, Statement
from bot.storage.identify import PostgresIdentify
from bot.storage.path_sql import FORGET as FORGET_PATHS
from bot.storage.postgres_connect import connect_pool
from bot.storage.postgres_installs import PostgresInstalls
from bot.storage.postgres_migrate import Conn
from bot.storage.postgres_paths import PostgresPaths
from bot.storage.rows import USER
from bot.storage.tally import PostgresTally

SELECT_SESSIONS = rows.SELECT_SESSIONS.format(ids="SELECT unnest($1::text[])")

NEWEST_ACTIVE = rows.SELECT_SESSIONS.format(ids=f"""
SELECT id FROM sessions WHERE {USER} AND card_id = :card_id AND status = 'active'
ORDER BY created_at DESC, id DESC LIMIT 1""")

# Every write of the group commit is a call of pathbot_job (migration 0009: 'press', or
# pathbot_write of migration 0008 for the other kinds), and a batch is one statement: one
# row of arguments per job, computed in row order. Each returns (wrote, session, answers):
# the session and its answers for a press, NULL for the other kinds.
WRITE = "pathbot_job"
WRITES = """
SELECT pathbot_job(kind, sid, question, option, now, extra) FROM unnest(
    $1::text[], $2::text[], $3::integer[], $4::integer[], $5::double precision[],
    $6::jsonb[]) AS job (kind, sid, question, option, now, extra)"""


def write(kind: str, session_id: str, question: int | None = None, option: int | None = None,
          now: float | None = None, extra: dict[str, Any] | None = None) -> Statement:
    """One job of the group commit: pathbot_job's arguments."""
    return WRITE, (kind, session_id, question, option, now,
                   None if extra is None else json.dumps(extra))


class PostgresStore(PostgresPaths, PostgresTally, PostgresInstalls, PostgresIdentify):
    """Implements `bot.core.ports.Store`. Create with `await PostgresStore.open(dsn)`."""

    def __init__(self, pool: asyncpg.Pool, label: str, applied: list[int]) -> None:
        self._pool = pool
        self._sessions: ReadGroup[str, QuizSession | None] = ReadGroup(self._load_sessions, None)
        self._cards: ReadGroup[str, QuizCard | None] = ReadGroup(self._load_cards, None)
        # No BEGIN/COMMIT around a batch: it is one statement, atomic by itself.
        self._group = GroupCommit(pool.acquire, run=run_jobs)
        self.label = label  # the DSN with its password masked
        self.applied_migrations = tuple(applied)

    @classmethod
    async def open(cls, dsn: str, *, pool_size: int = 10) -> PostgresStore:
        """Connect (StoreRefused / StoreUnavailable with a one-line reason) and migrate."""
        pool, label, applied = await connect_pool(dsn, pool_size)
        return cls(pool, label, applied)

    async def close(self) -> None:
        """Close, after the writes already submitted to the group commit."""
        await self._group.wait()
        await self._sessions.wait()
        await self._cards.wait()
        await self._pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        """For `pathbot db copy`, tests and benchmarks."""
        return self._pool

    async def _value(self, sql: str, params: dict[str, Any]) -> Any:
        query, names = rows.dollar(sql)
        return await self._pool.fetchval(query, *rows.args(names, params))

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[asyncpg.Record]:
        query, names = rows.dollar(sql)
        return list(await self._pool.fetch(query, *rows.args(names, params)))

    # -- sessions and answers ------------------------------------------------------------

    async def create_session(self, session: QuizSession) -> bool:
        if session.answers or session.status != "active":
            raise ValueError("create_session takes a new active session without answers")
        return await self._group.submit(write("start", session.id,
                                               extra=rows.session_params(session)))

    async def get_session(self, session_id: str) -> QuizSession | None:
        return await self._sessions.get(session_id)

    async def _load_sessions(self, ids: list[str]) -> dict[str, QuizSession]:
        return rows.sessions(await self._pool.fetch(SELECT_SESSIONS, ids))

    async def find_active_session(self, user: UserRef, card_id: str) -> QuizSession | None:
        found = await self._rows(NEWEST_ACTIVE, {**rows.user_params(user), "card_id": card_id})
        return next(iter(rows.sessions(found).values()), None)

    async def record_answer(
        self, session_id: str, question: int, option: int, now: float,
        result: QuizResult | None = None,
    ) -> bool:
        rows.check_result(session_id, result)
        extra = None if result is None else rows.result_params(result)
        return await self._group.submit(write("answer", session_id, question, option, now, extra))

    async def answer(
        self, session_id: str, user: UserRef, content_version: str, question: int,
        option: int, now: float,
    ) -> AnswerOutcome:
        who = {**rows.user_params(user), "content_version": content_version}
        wrote, found = await self._group.submit_read(
            write("press", session_id, question, option, now, who))
        return AnswerOutcome(wrote, found[0] if found else None)

    async def undo_answer(self, session_id: str, question: int, now: float) -> bool:
        return await self._group.submit(write("undo", session_id, question, now=now))

    # -- results -------------------------------------------------------------------------

    async def mark_shared(self, session_id: str) -> bool:
        return await self._group.submit(write("share", session_id))

    async def get_result(self, session_id: str) -> QuizResult | None:
        row = await self._pool.fetchrow("SELECT * FROM results WHERE session_id = $1",
                                        session_id)
        return None if row is None else rows.result(row)

    async def list_results(self, user: UserRef, limit: int = 10) -> list[QuizResult]:
        found = await self._rows(
            f"SELECT * FROM results WHERE {USER} ORDER BY created_at DESC, id DESC"
            " LIMIT :limit", {**rows.user_params(user), "limit": max(limit, 0)})
        return [rows.result(row) for row in found]

    async def card_tally(self, card_id: str) -> dict[str, int]:
        return await self._tally("card_id = :card_id", {"card_id": card_id})

    async def stats(self, platform: str, scope: str) -> dict[str, int]:
        return await self._tally(
            "platform = :platform AND scope = :scope", {"platform": platform, "scope": scope})

    async def _tally(self, where: str, params: dict[str, str]) -> dict[str, int]:
        found = await self._rows(rows.TALLY.format(where=where), params)
        return {str(row["top_role"]): int(row["people"]) for row in found}

    # -- quiz cards ----------------------------------------------------------------------

    async def create_quiz_card(self, card: QuizCard) -> None:
        await self._pool.execute(
            "INSERT INTO quiz_cards (id, platform, scope, channel_id, message_ref, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            card.id, card.platform, card.scope, card.channel_id, card.message_ref,
            card.created_at)

    async def set_card_message(self, card_id: str, message_ref: str) -> None:
        await self._pool.execute(
            "UPDATE quiz_cards SET message_ref = $1 WHERE id = $2", message_ref, card_id)

    async def get_quiz_card(self, card_id: str) -> QuizCard | None:
        return await self._cards.get(card_id)

    async def _load_cards(self, ids: list[str]) -> dict[str, QuizCard]:
        found = await self._pool.fetch("SELECT * FROM quiz_cards WHERE id = ANY($1::text[])", ids)
        return {str(row["id"]): rows.card(row) for row in found}

    # -- people --------------------------------------------------------------------------

    async def set_dms_closed(self, user: UserRef, now: float) -> None:
        await self._value(
            "INSERT INTO dm_status (platform, workspace, user_id, closed_at)"
            " VALUES (:platform, :workspace, :user_id, :now)"
            " ON CONFLICT (platform, workspace, user_id) DO UPDATE SET closed_at = :now",
            {**rows.user_params(user), "now": now})

    async def dms_closed(self, user: UserRef) -> bool:
        found = await self._value(f"SELECT true FROM dm_status WHERE {USER}",
                                  rows.user_params(user))
        return bool(found)

    async def forget(self, user: UserRef) -> Forgotten:
        """Children first, explicitly: rows removed by ON DELETE CASCADE are not counted.
        The user's sessions are locked first, so an answer in flight lands before or not
        at all."""
        params = rows.user_params(user)
        lock, lock_names = rows.dollar(f"SELECT id FROM sessions WHERE {USER} FOR UPDATE")
        cards, card_names = rows.dollar(
            rows.FORGET_CARDS)
        deleted = 0
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(lock, *rows.args(lock_names, params))
            card_ids = tuple(str(r[0]) for r in await conn.fetch(
                cards, *rows.args(card_names, params)))
            for card_id in card_ids:  # their tally changes
                await conn.execute(rows.dollar(tally.BUMP)[0], card_id)
            for sql in (*rows.FORGET_QUIZ, *FORGET_PATHS):
                query, names = rows.dollar(sql)
                status = await conn.execute(query, *rows.args(names, params))
                deleted += int(status.rsplit(" ", 1)[-1])
        return Forgotten(deleted, card_ids)

    async def prune_sessions(self, touched_before: float, limit: int = 500) -> int:
        """Answers go with their session (ON DELETE CASCADE). SKIP LOCKED: replicas pruning
        at once take different rows, and a session an answer is writing is left alone."""
        status = await self._pool.execute(
            "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions"
            " WHERE status = 'active' AND updated_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
            touched_before, max(limit, 0))
        return int(str(status).rsplit(" ", 1)[-1])


async def run_jobs(conn: Conn, jobs: list[Job]) -> list[bool]:
    """The group commit's jobs (pathbot_job calls), in order, in one statement: PostgreSQL
    commits it (one WAL flush) or, if any job raises, none of it. A refused press's
    session goes to its job's `found` (nothing: it wrote, or there is no such session)."""
    if any(job.gate[0] != WRITE or job.then or job.read for job in jobs):
        raise ValueError("PostgresStore's group commit takes pathbot_job jobs only")
    columns = list(zip(*(job.gate[1] for job in jobs), strict=True))
    wrote = []
    for job, (done,) in zip(jobs, await conn.fetch(WRITES, *columns), strict=True):
        wrote.append(bool(done["wrote"]))
        refused = not done["wrote"] and done["session"] is not None  # as Store.answer tells
        job.found[:] = [session_from_row(done["session"], done["answers"])] if refused else []
    return wrote


def session_from_row(row: rows.Row, answers: list[int]) -> QuizSession:
    """A press's session from pathbot_job: its sessions row and its answers in order."""
    return QuizSession(
        id=row["id"], user=rows.user(row), scope=row["scope"], channel_id=row["channel_id"],
        card_id=row["card_id"], content_version=row["content_version"],
        answers=tuple(answers), status="finished" if row["status"] == "finished" else "active",
        created_at=row["created_at"], updated_at=row["updated_at"])


if TYPE_CHECKING:
    from bot.core.ports import Store

    _IMPLEMENTS: type[Store] = PostgresStore
