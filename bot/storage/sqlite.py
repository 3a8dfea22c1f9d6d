"""The Store on SQLite: one aiosqlite connection, WAL, explicit transactions.

Concurrency. The store owns ONE connection in autocommit mode (`isolation_level=None`), so
the store, not the sqlite3 module, decides where transactions begin and end. Every method
holds `self._lock` while it talks to the connection:
- writes run in `_write()`: `BEGIN IMMEDIATE` (takes SQLite's write lock at once, waiting up
  to busy_timeout for another process; a deferred transaction that later upgrades would
  fail at once with "database is locked"), the statements, `COMMIT`, or `ROLLBACK` on any
  exception, cancellation included;
- reads are single statements (each its own consistent snapshot) and take the same lock:
  on a shared connection a read issued between two statements of another coroutine's
  write transaction would see that transaction's uncommitted rows, which may still be
  rolled back.
The lock costs no throughput: one SQLite connection runs one statement at a time anyway.
Other processes on the same file are kept apart by SQLite itself (WAL, BEGIN IMMEDIATE).

Correctness of answers does not rest on the lock: `record_answer` and `undo_answer` are
single conditional statements (insert question n only when the session is active and has
exactly n answers; delete question n-1 only when it has exactly n), so answers are always
questions 0..n-1 and a double press, a retry, or a second process stores one row.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.core.models import UserRef
from bot.core.records import QuizCard, QuizResult, QuizSession, RoleScore
from bot.storage.migrate import apply_migrations, migrations_dir, rollback

log = logging.getLogger(__name__)

SYNCHRONOUS = ("NORMAL", "FULL")
MIN_SQLITE = (3, 25, 0)  # upsert (3.24) and window functions (3.25)

USER = "platform = :platform AND workspace = :workspace AND user_id = :user_id"

INSERT_ANSWER = """
INSERT INTO answers (session_id, question, option, answered_at)
SELECT :session_id, :question, :option, :now
WHERE EXISTS (SELECT 1 FROM sessions WHERE id = :session_id AND status = 'active')
  AND (SELECT count(*) FROM answers WHERE session_id = :session_id) = :question
ON CONFLICT (session_id, question) DO NOTHING"""

DELETE_ANSWER = """
DELETE FROM answers
WHERE session_id = :session_id AND question = :question - 1 AND :question >= 1
  AND EXISTS (SELECT 1 FROM sessions WHERE id = :session_id AND status = 'active')
  AND (SELECT count(*) FROM answers WHERE session_id = :session_id) = :question"""

# A session with its answers in one statement (one row per answer, or one row with a NULL
# option when there are none), so that a read needs no transaction.
SELECT_SESSION = """
SELECT s.*, a.option FROM sessions AS s
LEFT JOIN answers AS a ON a.session_id = s.id
WHERE s.id = {id} ORDER BY a.question"""

NEWEST_ACTIVE = f"""(
SELECT id FROM sessions WHERE {USER} AND card_id = :card_id AND status = 'active'
ORDER BY created_at DESC, rowid DESC LIMIT 1)"""

INSERT_SESSION = """
INSERT INTO sessions (id, platform, workspace, user_id, scope, channel_id, card_id,
                      content_version, status, created_at, updated_at)
VALUES (:id, :platform, :workspace, :user_id, :scope, :channel_id, :card_id,
        :content_version, 'active', :created_at, :updated_at)"""

INSERT_RESULT = """
INSERT INTO results (session_id, platform, workspace, user_id, scope, card_id,
                     content_version, scores, top_role, created_at, shared)
VALUES (:session_id, :platform, :workspace, :user_id, :scope, :card_id,
        :content_version, :scores, :top_role, :created_at, :shared)"""

# Top role -> people, counting each person's latest result among the rows `{where}` selects.
TALLY = """
SELECT top_role, count(*) AS people FROM (
    SELECT top_role, row_number() OVER (
        PARTITION BY platform, workspace, user_id ORDER BY created_at DESC, id DESC
    ) AS newest
    FROM results WHERE {where}
) WHERE newest = 1
GROUP BY top_role ORDER BY people DESC, top_role"""


class SqliteStore:
    """Implements `bot.storage.base.Store`. Create with `await SqliteStore.open(path)`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, applied: list[int]) -> None:
        self._conn: aiosqlite.Connection | None = conn
        self._lock = asyncio.Lock()
        self.path = path
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
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute("PRAGMA busy_timeout = 5000")
            rows = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            mode = next(iter(rows))[0]
            if mode != "wal":
                log.warning("%s: journal_mode is %s, not wal", path, mode)
            await conn.execute(f"PRAGMA synchronous = {level}")
            await conn.execute("PRAGMA foreign_keys = ON")
            applied = await apply_migrations(conn, migrations_dir())
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path, applied)

    async def close(self) -> None:
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

    async def create_session(self, session: QuizSession) -> None:
        if session.answers or session.status != "active":
            raise ValueError("create_session takes a new active session without answers")
        async with self._write() as conn:
            await conn.execute(INSERT_SESSION, _session_params(session))

    async def get_session(self, session_id: str) -> QuizSession | None:
        async with self._read() as conn:
            rows = await conn.execute_fetchall(SELECT_SESSION.format(id="?"), (session_id,))
        return _session(list(rows))

    async def find_active_session(self, user: UserRef, card_id: str) -> QuizSession | None:
        sql = SELECT_SESSION.format(id=NEWEST_ACTIVE)
        async with self._read() as conn:
            rows = await conn.execute_fetchall(sql, {**_user_params(user), "card_id": card_id})
        return _session(list(rows))

    async def record_answer(
        self, session_id: str, question: int, option: int, now: float,
        result: QuizResult | None = None,
    ) -> bool:
        if result is not None and result.session_id != session_id:
            raise ValueError(f"result is for session {result.session_id}, not {session_id}")
        params = {"session_id": session_id, "question": question, "option": option, "now": now}
        async with self._write() as conn:
            cursor = await conn.execute(INSERT_ANSWER, params)
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "UPDATE sessions SET updated_at = ?, status = ? WHERE id = ?",
                (now, "active" if result is None else "finished", session_id),
            )
            if result is not None:
                await conn.execute(INSERT_RESULT, _result_params(result))
        return True

    async def undo_answer(self, session_id: str, question: int, now: float) -> bool:
        async with self._write() as conn:
            cursor = await conn.execute(
                DELETE_ANSWER, {"session_id": session_id, "question": question}
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id)
            )
        return True

    # -- results -------------------------------------------------------------------------

    async def mark_shared(self, session_id: str) -> bool:
        async with self._write() as conn:
            cursor = await conn.execute(
                "UPDATE results SET shared = 1 WHERE session_id = ? AND shared = 0",
                (session_id,),
            )
            return cursor.rowcount == 1

    async def get_result(self, session_id: str) -> QuizResult | None:
        async with self._read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT * FROM results WHERE session_id = ?", (session_id,)
            )
        return next((_result(row) for row in rows), None)

    async def list_results(self, user: UserRef, limit: int = 10) -> list[QuizResult]:
        async with self._read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT * FROM results WHERE {USER} ORDER BY created_at DESC, id DESC"
                " LIMIT :limit",
                {**_user_params(user), "limit": max(limit, 0)},
            )
        return [_result(row) for row in rows]

    async def card_tally(self, card_id: str) -> dict[str, int]:
        return await self._tally("card_id = :card_id", {"card_id": card_id})

    async def stats(self, platform: str, scope: str) -> dict[str, int]:
        return await self._tally(
            "platform = :platform AND scope = :scope", {"platform": platform, "scope": scope}
        )

    async def _tally(self, where: str, params: dict[str, str]) -> dict[str, int]:
        async with self._read() as conn:
            rows = await conn.execute_fetchall(TALLY.format(where=where), params)
        return {str(row["top_role"]): int(row["people"]) for row in rows}

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
        async with self._read() as conn:
            rows = await conn.execute_fetchall("SELECT * FROM quiz_cards WHERE id = ?", (card_id,))
        return next((_card(row) for row in rows), None)

    # -- people --------------------------------------------------------------------------

    async def set_dms_closed(self, user: UserRef, now: float) -> None:
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO dm_status (platform, workspace, user_id, closed_at)"
                " VALUES (:platform, :workspace, :user_id, :now)"
                " ON CONFLICT (platform, workspace, user_id) DO UPDATE SET closed_at = :now",
                {**_user_params(user), "now": now},
            )

    async def dms_closed(self, user: UserRef) -> bool:
        async with self._read() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT 1 FROM dm_status WHERE {USER}", _user_params(user)
            )
        return any(True for _ in rows)

    async def forget(self, user: UserRef) -> int:
        """Children first, explicitly: rows removed by ON DELETE CASCADE are not counted."""
        statements = (
            f"DELETE FROM answers WHERE session_id IN (SELECT id FROM sessions WHERE {USER})",
            f"DELETE FROM results WHERE {USER}",
            f"DELETE FROM sessions WHERE {USER}",
            f"DELETE FROM dm_status WHERE {USER}",
        )
        deleted = 0
        async with self._write() as conn:
            for sql in statements:
                deleted += (await conn.execute(sql, _user_params(user))).rowcount
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
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            conn = self._connection()
            try:
                # Inside the try: a cancelled await does not cancel the statement in
                # aiosqlite's thread, so a cancelled BEGIN may still open a transaction.
                # The ROLLBACK is queued behind it (the thread runs calls in order).
                await conn.execute("BEGIN IMMEDIATE")
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                await rollback(conn)
                raise


def _user_params(user: UserRef) -> dict[str, str]:
    return {"platform": user.platform, "workspace": user.workspace, "user_id": user.user_id}


def _user(row: sqlite3.Row) -> UserRef:
    return UserRef(row["platform"], row["workspace"], row["user_id"])


def _session(rows: list[sqlite3.Row]) -> QuizSession | None:
    if not rows:
        return None
    row = rows[0]
    return QuizSession(
        id=row["id"], user=_user(row), scope=row["scope"], channel_id=row["channel_id"],
        card_id=row["card_id"], content_version=row["content_version"],
        answers=tuple(int(r["option"]) for r in rows if r["option"] is not None),
        status="finished" if row["status"] == "finished" else "active",
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


def _session_params(session: QuizSession) -> dict[str, Any]:
    return {
        "id": session.id, **_user_params(session.user), "scope": session.scope,
        "channel_id": session.channel_id, "card_id": session.card_id,
        "content_version": session.content_version, "created_at": session.created_at,
        "updated_at": session.updated_at,
    }


def _result_params(result: QuizResult) -> dict[str, Any]:
    scores = [[s.role_id, s.percent, s.points] for s in result.scores]
    return {
        "session_id": result.session_id, **_user_params(result.user), "scope": result.scope,
        "card_id": result.card_id, "content_version": result.content_version,
        "scores": json.dumps(scores), "top_role": result.top_role,
        "created_at": result.created_at, "shared": int(result.shared),
    }


def _result(row: sqlite3.Row) -> QuizResult:
    scores: Iterable[list[Any]] = json.loads(row["scores"])
    return QuizResult(
        session_id=row["session_id"], user=_user(row), scope=row["scope"],
        card_id=row["card_id"], content_version=row["content_version"],
        scores=tuple(RoleScore(str(r), int(p), int(pts)) for r, p, pts in scores),
        top_role=row["top_role"], created_at=row["created_at"], shared=bool(row["shared"]),
    )


def _card(row: sqlite3.Row) -> QuizCard:
    return QuizCard(
        id=row["id"], platform=row["platform"], scope=row["scope"],
        channel_id=row["channel_id"], message_ref=row["message_ref"],
        created_at=row["created_at"],
    )


if TYPE_CHECKING:
    # mypy checks here that SqliteStore implements every method of the Store protocol.
    from bot.storage.base import Store

    _IMPLEMENTS: type[Store] = SqliteStore
