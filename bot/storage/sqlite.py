"""The Store on SQLite: one aiosqlite connection, WAL, explicit transactions.

Concurrency. The store owns ONE connection in autocommit mode (`isolation_level=None`), so
the store, not the sqlite3 module, decides where transactions begin and end. Every method
holds `self._lock` while it talks to the connection:
- writes run in `_write()`: `BEGIN IMMEDIATE` (takes SQLite's write lock at once, waiting
  for another process up to a minute, see sqlite_faults.py; a deferred transaction that
  later upgrades would fail at once with "database is locked"), the statements, `COMMIT`,
  or `ROLLBACK` on any exception, cancellation included;
- reads are single statements (each its own consistent snapshot) and take the same lock:
  on a shared connection a read issued between two statements of another coroutine's
  write transaction would see that transaction's uncommitted rows, which may still be
  rolled back.
The lock costs no throughput: one SQLite connection runs one statement at a time anyway.
Other processes on the same file are kept apart by SQLite itself (WAL, BEGIN IMMEDIATE).
Never call a store method while holding the lock: the batching below needs it.

Batching (bot/storage/batch.py). What a call costs is the round trip to aiosqlite's thread,
so the hot path shares them: `record_answer`, `undo_answer`, `mark_shared` and
`create_session` go through a group commit (calls made while a transaction runs share the
next one, each job's result told only after COMMIT; a failing job is retried alone so it
cannot sink the others), and concurrent `get_session`, `find_active_session` and
`get_quiz_card` calls share one SELECT each (Start: 1,000 people pressing it at once cost
a few statements, not 2,000 round trips in turn behind the lock). With many people
pressing at once, a press costs a fraction of a round trip instead of five.

Correctness of answers does not rest on the lock: `record_answer` and `undo_answer` are
single conditional statements (insert question n only when the session is active and has
exactly n answers; delete question n-1 only when it has exactly n), so answers are always
questions 0..n-1 and a double press, a retry, or a second process stores one row. Storing
an answer also sets the session's `updated_at` (a trigger, migration 0003).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.core.models import UserRef
from bot.core.records import Forgotten, QuizCard, QuizResult, QuizSession
from bot.storage import rows, tally
from bot.storage.batch import GroupCommit, ReadGroup, Statement, is_busy
from bot.storage.errors import StoreUnusable
from bot.storage.identify import SqliteIdentify
from bot.storage.migrate import MigrationFailed, apply_migrations, migrations_dir, rollback
from bot.storage.path_sql import FORGET as FORGET_PATHS
from bot.storage.rows import USER
from bot.storage.sqlite_faults import (
    BUSY_TIMEOUT_MS,
    LOCK_WAIT,
    begin_immediate,
    log_waiting,
    unavailable,
    write_check,
)
from bot.storage.sqlite_installs import SqliteInstalls
from bot.storage.sqlite_paths import SqlitePaths
from bot.storage.tally import SqliteTally

log = logging.getLogger(__name__)

SYNCHRONOUS = ("NORMAL", "FULL")
MIN_SQLITE = (3, 25, 0)  # upsert (3.24) and window functions (3.25)


INSERT_ANSWER = """
INSERT INTO answers (session_id, question, option, answered_at)
SELECT :session_id, :question, :option, :now
WHERE EXISTS (SELECT 1 FROM sessions WHERE id = :session_id AND status = 'active')
  AND (SELECT count(*) FROM answers WHERE session_id = :session_id) = :question
ON CONFLICT (session_id, question) DO NOTHING"""

FINISH_SESSION = "UPDATE sessions SET status = 'finished' WHERE id = ?"

DELETE_ANSWER = """
DELETE FROM answers
WHERE session_id = :session_id AND question = :question - 1 AND :question >= 1
  AND EXISTS (SELECT 1 FROM sessions WHERE id = :session_id AND status = 'active')
  AND (SELECT count(*) FROM answers WHERE session_id = :session_id) = :question"""

# The newest active session of each (platform, workspace, user_id, card_id) in VALUES.
NEWEST_ACTIVE = """
SELECT (SELECT x.id FROM sessions AS x
        WHERE x.platform = w.column1 AND x.workspace = w.column2 AND x.user_id = w.column3
          AND x.card_id = w.column4 AND x.status = 'active'
        ORDER BY x.created_at DESC, x.rowid DESC LIMIT 1)
FROM (VALUES {values}) AS w"""
# Keys per batched read: SQLite before 3.32 allows 999 parameters a statement.
IDS_PER_READ = 900
USERS_PER_READ = 200  # 4 parameters each



class SqliteStore(SqlitePaths, SqliteTally, SqliteInstalls, SqliteIdentify):
    """Implements `bot.storage.base.Store`. Create with `await SqliteStore.open(path)`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, applied: list[int]) -> None:
        self._conn: aiosqlite.Connection | None = conn
        self._lock = asyncio.Lock()
        self._group = GroupCommit(self._write, locked=self._committing)
        # Concurrent reads of the hot path share one SELECT each (bot/storage/batch.py).
        self._sessions: ReadGroup[str, QuizSession | None] = ReadGroup(
            self._load_sessions, None, IDS_PER_READ)
        self._active: ReadGroup[tuple[UserRef, str], QuizSession | None] = ReadGroup(
            self._load_active, None, USERS_PER_READ)
        self._cards: ReadGroup[str, QuizCard | None] = ReadGroup(
            self._load_cards, None, IDS_PER_READ)
        self.path = path
        self.commits = 0  # write transactions committed, for tests and benchmarks
        self.lock_wait = LOCK_WAIT
        self.prune_window = 2000  # rows scanned per pruning transaction (~1 ms)
        self.applied_migrations = tuple(applied)  # what open() applied, for `db migrate`

    @classmethod
    async def open(cls, path: str | Path, *, synchronous: str = "NORMAL") -> SqliteStore:
        """Open (creating the file and its folder if needed) and migrate the database."""
        level = synchronous.upper()
        if level not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be NORMAL or FULL, not {synchronous!r}")
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            found = sqlite3.sqlite_version
            raise RuntimeError(f"pathbot needs SQLite 3.25 or newer; this Python has {found}")
        path = Path(path)
        try:
            return await cls._open(path, level)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnusable(unavailable(path, exc)) from exc
        except MigrationFailed as exc:  # the disk, not the migration, when SQLite says so
            if isinstance(exc.__cause__, sqlite3.OperationalError):
                raise StoreUnusable(unavailable(path, exc.__cause__)) from exc
            raise

    @classmethod
    async def _open(cls, path: Path, level: str) -> SqliteStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A file that cannot be opened fails here, synchronously: a failed aiosqlite.connect
        # leaves its thread to call back into the loop, after `asyncio.run` closed it.
        sqlite3.connect(path).close()
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            modes = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            mode = next(iter(modes))[0]
            if mode != "wal":
                log.warning("%s: journal_mode is %s, not wal", path, mode)
            await conn.execute(f"PRAGMA synchronous = {level}")
            await conn.execute("PRAGMA foreign_keys = ON")
            applied = await apply_migrations(conn, migrations_dir())
            await write_check(conn)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path, applied)

    async def close(self) -> None:
        """Close, after the writes already submitted to the group commit."""
        await self._group.wait()
        for reads in (self._sessions, self._active, self._cards):
            await reads.wait()
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close()

    async def pragmas(self) -> dict[str, Any]:
        """The connection's settings, for diagnostics and tests."""
        names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        async with self._read() as conn:
            return {n: next(iter(await conn.execute_fetchall(f"PRAGMA {n}")))[0] for n in names}

    # -- sessions and answers ------------------------------------------------------------

    async def create_session(self, session: QuizSession) -> bool:
        if session.answers or session.status != "active":
            raise ValueError("create_session takes a new active session without answers")
        return await self._group.submit((rows.INSERT_SESSION, rows.session_params(session)))

    async def get_session(self, session_id: str) -> QuizSession | None:
        return await self._sessions.get(session_id)

    async def _load_sessions(self, ids: list[str]) -> dict[str, QuizSession]:
        """The sessions asked for by concurrent get_session calls, in one statement."""
        sql = rows.SELECT_SESSIONS.format(ids=", ".join("?" * len(ids)))
        async with self._read() as conn:
            found = await conn.execute_fetchall(sql, ids)
        return rows.sessions(found)

    async def find_active_session(self, user: UserRef, card_id: str) -> QuizSession | None:
        return await self._active.get((user, card_id))

    async def _load_active(
        self, keys: list[tuple[UserRef, str]]
    ) -> dict[tuple[UserRef, str], QuizSession]:
        """The newest active session of each (user, card) asked for, in one statement."""
        values = ", ".join(["(?, ?, ?, ?)"] * len(keys))
        sql = rows.SELECT_SESSIONS.format(ids=NEWEST_ACTIVE.format(values=values))
        params = [v for u, c in keys for v in (u.platform, u.workspace, u.user_id, c)]
        async with self._read() as conn:
            found = await conn.execute_fetchall(sql, params)
        return {(s.user, s.card_id): s for s in rows.sessions(found).values()}

    async def record_answer(
        self, session_id: str, question: int, option: int, now: float,
        result: QuizResult | None = None,
    ) -> bool:
        rows.check_result(session_id, result)
        params = {"session_id": session_id, "question": question, "option": option, "now": now}
        finish: list[Statement] = []  # the trigger of migration 0003 sets updated_at
        if result is not None:
            finish = [(FINISH_SESSION, (session_id,)),
                      (rows.INSERT_RESULT, rows.result_params(result)),
                      (tally.BUMP, {"card_id": result.card_id})]
        return await self._group.submit((INSERT_ANSWER, params), finish)

    async def undo_answer(self, session_id: str, question: int, now: float) -> bool:
        return await self._group.submit(
            (DELETE_ANSWER, {"session_id": session_id, "question": question}),
            [("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))],
        )

    # -- results -------------------------------------------------------------------------

    async def mark_shared(self, session_id: str) -> bool:
        return await self._group.submit(
            ("UPDATE results SET shared = 1 WHERE session_id = ? AND shared = 0", (session_id,))
        )

    async def get_result(self, session_id: str) -> QuizResult | None:
        async with self._read() as conn:
            found = await conn.execute_fetchall(
                "SELECT * FROM results WHERE session_id = ?", (session_id,)
            )
        return next((rows.result(row) for row in found), None)

    async def list_results(self, user: UserRef, limit: int = 10) -> list[QuizResult]:
        async with self._read() as conn:
            found = await conn.execute_fetchall(
                f"SELECT * FROM results WHERE {USER} ORDER BY created_at DESC, id DESC"
                " LIMIT :limit",
                {**rows.user_params(user), "limit": max(limit, 0)},
            )
        return [rows.result(row) for row in found]

    async def card_tally(self, card_id: str) -> dict[str, int]:
        return await self._tally("card_id = :card_id", {"card_id": card_id})

    async def stats(self, platform: str, scope: str) -> dict[str, int]:
        return await self._tally(
            "platform = :platform AND scope = :scope", {"platform": platform, "scope": scope}
        )

    async def _tally(self, where: str, params: dict[str, str]) -> dict[str, int]:
        async with self._read() as conn:
            found = await conn.execute_fetchall(rows.TALLY.format(where=where), params)
        return {str(row["top_role"]): int(row["people"]) for row in found}

    # -- quiz cards ----------------------------------------------------------------------

    async def create_quiz_card(self, card: QuizCard) -> None:
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO quiz_cards (id, platform, scope, channel_id, message_ref,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (card.id, card.platform, card.scope, card.channel_id, card.message_ref,
                 card.created_at),
            )

    async def set_card_message(self, card_id: str, message_ref: str) -> None:
        async with self._write() as conn:
            await conn.execute(
                "UPDATE quiz_cards SET message_ref = ? WHERE id = ?", (message_ref, card_id)
            )

    async def get_quiz_card(self, card_id: str) -> QuizCard | None:
        return await self._cards.get(card_id)

    async def _load_cards(self, ids: list[str]) -> dict[str, QuizCard]:
        sql = f"SELECT * FROM quiz_cards WHERE id IN ({', '.join('?' * len(ids))})"
        async with self._read() as conn:
            found = await conn.execute_fetchall(sql, ids)
        return {str(row["id"]): rows.card(row) for row in found}

    # -- people --------------------------------------------------------------------------

    async def set_dms_closed(self, user: UserRef, now: float) -> None:
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO dm_status (platform, workspace, user_id, closed_at)"
                " VALUES (:platform, :workspace, :user_id, :now)"
                " ON CONFLICT (platform, workspace, user_id) DO UPDATE SET closed_at = :now",
                {**rows.user_params(user), "now": now},
            )

    async def dms_closed(self, user: UserRef) -> bool:
        async with self._read() as conn:
            found = await conn.execute_fetchall(
                f"SELECT 1 FROM dm_status WHERE {USER}", rows.user_params(user)
            )
        return any(True for _ in found)

    async def forget(self, user: UserRef) -> Forgotten:
        """rows.FORGET_QUIZ and path_sql.FORGET, in one transaction."""
        deleted = 0
        async with self._write() as conn:
            card_ids = tuple(str(r[0]) for r in await conn.execute_fetchall(
                rows.FORGET_CARDS, rows.user_params(user)))
            for card_id in card_ids:  # their tally changes
                await conn.execute(tally.BUMP, {"card_id": card_id})
            for sql in (*rows.FORGET_QUIZ, *FORGET_PATHS):
                deleted += (await conn.execute(sql, rows.user_params(user))).rowcount
        return Forgotten(deleted, card_ids)

    # -- upkeep --------------------------------------------------------------------------

    async def prune_sessions(self, touched_before: float) -> int:
        """One pass over the table in rowid windows of `prune_window` rows, each window its
        own transaction: no write holds the lock for a scan of the whole table (there is no
        index on updated_at: it would cost every answer, to save a scan an hour). Answers
        go with their session (ON DELETE CASCADE); results only exist for finished
        sessions, which are never selected."""
        async with self._read() as conn:
            last = next(iter(await conn.execute_fetchall(
                "SELECT coalesce(max(rowid), 0) FROM sessions")))[0]
        deleted = 0
        for low in range(0, int(last), self.prune_window):
            async with self._write() as conn:
                cursor = await conn.execute(
                    "DELETE FROM sessions WHERE rowid > ? AND rowid <= ?"
                    " AND status = 'active' AND updated_at < ?",
                    (low, low + self.prune_window, touched_before))
                deleted += max(cursor.rowcount, 0)
        return deleted

    # -- transactions --------------------------------------------------------------------

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError(f"the store for {self.path} is closed")
        return self._conn

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            yield self._connection()

    @asynccontextmanager
    async def _committing(self) -> AsyncIterator[aiosqlite.Connection]:
        """The lock and the connection for a write transaction that the caller begins and
        ends in one round trip (the group commit: batch.commit_jobs); counted if it returns.
        If another program held the write lock past busy_timeout, the group commit goes on
        waiting through `_write` (begin_immediate): say so once, here."""
        async with self._lock:
            try:
                yield self._connection()
            except sqlite3.OperationalError as exc:
                if is_busy(exc):
                    log_waiting(self.path, self.lock_wait)
                raise
            self.commits += 1

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            conn = self._connection()
            try:
                # Inside the try: a cancelled await does not cancel the statement in
                # aiosqlite's thread, so a cancelled BEGIN may still open a transaction.
                # The ROLLBACK is queued behind it (the thread runs calls in order).
                await begin_immediate(conn, self.path, self.lock_wait)
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                await rollback(conn)
                raise
            self.commits += 1


if TYPE_CHECKING:
    # mypy checks here that SqliteStore implements every method of the Store protocol.
    from bot.core.ports import Store

    _IMPLEMENTS: type[Store] = SqliteStore
