"""The Store on SQLite: one aiosqlite connection, WAL, explicit transactions.

Every method holds `self._lock` while it talks to the connection; writes run in `_write()`
(BEGIN IMMEDIATE … COMMIT, ROLLBACK on any exception); the hot path's writes share
transactions (group commit) and its reads share SELECTs (bot/storage/batch.py); answers
are single conditional statements, so they are right whatever the lock does. Never call a
store method while holding the lock: the batching needs it. The reasoning, in full:
docs/storage.md.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import aiosqlite

from bot.core.models import UserRef
from bot.core.records import AnswerOutcome, Forgotten, QuizCard, QuizResult, QuizSession
from bot.storage import rows, tally
from bot.storage.batch import GroupCommit, ReadGroup, Statement
from bot.storage.identify import SqliteIdentify
from bot.storage.path_sql import FORGET as FORGET_PATHS
from bot.storage.rows import USER
from bot.storage.sqlite_connection import SqliteConnection
from bot.storage.sqlite_installs import SqliteInstalls
from bot.storage.sqlite_paths import SqlitePaths
from bot.storage.tally import SqliteTally

INSERT_ANSWER = """
INSERT INTO answers (session_id, question, option, answered_at)
SELECT :session_id, :question, :option, :now
WHERE EXISTS (SELECT 1 FROM sessions WHERE id = :session_id AND status = 'active')
  AND (SELECT count(*) FROM answers WHERE session_id = :session_id) = :question
ON CONFLICT (session_id, question) DO NOTHING"""

# Store.answer: INSERT_ANSWER with the press's checks (owner, content version) in its WHERE,
# so the checks and the write are one statement under the write lock; then SELECT_ANSWERED
# reads the session back in the same transaction (the trigger of 0003 has set updated_at).
INSERT_CHECKED_ANSWER = """
INSERT INTO answers (session_id, question, option, answered_at)
SELECT :session_id, :question, :option, :now
WHERE EXISTS (SELECT 1 FROM sessions
              WHERE id = :session_id AND status = 'active' AND platform = :platform
                AND workspace = :workspace AND user_id = :user_id
                AND content_version = :content_version)
  AND (SELECT count(*) FROM answers WHERE session_id = :session_id) = :question
ON CONFLICT (session_id, question) DO NOTHING"""
# The session and its answers in ONE row, "question:option" pairs (group_concat's order is
# not defined, hence the question in each pair): about a third cheaper per press than
# SELECT_SESSIONS's row per answer, now that a refused press reads its own session.
SELECT_ANSWERED = """
SELECT s.*, (SELECT group_concat(question || ':' || option) FROM answers
             WHERE session_id = s.id) AS answered
FROM sessions AS s WHERE s.id = ?"""

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



class SqliteStore(SqliteConnection, SqlitePaths, SqliteTally, SqliteInstalls, SqliteIdentify):
    """Implements `bot.core.ports.Store`. Create with `await SqliteStore.open(path)`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, applied: list[int]) -> None:
        super().__init__(conn, path, applied)
        self._group = GroupCommit(self._write, locked=self._committing)
        # Concurrent reads of the hot path share one SELECT each (bot/storage/batch.py).
        self._sessions: ReadGroup[str, QuizSession | None] = ReadGroup(
            self._load_sessions, None, IDS_PER_READ)
        self._active: ReadGroup[tuple[UserRef, str], QuizSession | None] = ReadGroup(
            self._load_active, None, USERS_PER_READ)
        self._cards: ReadGroup[str, QuizCard | None] = ReadGroup(
            self._load_cards, None, IDS_PER_READ)
        self.prune_window = 2000  # rows scanned per pruning transaction (~1 ms)

    async def close(self) -> None:
        """Close, after the writes already submitted to the group commit."""
        await self._group.wait()
        for reads in (self._sessions, self._active, self._cards):
            await reads.wait()
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close()

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

    async def answer(
        self, session_id: str, user: UserRef, content_version: str, question: int,
        option: int, now: float,
    ) -> AnswerOutcome:
        params = {"session_id": session_id, **rows.user_params(user),
                  "content_version": content_version, "question": question,
                  "option": option, "now": now}
        wrote, found = await self._group.submit_read(
            (INSERT_CHECKED_ANSWER, params), read=(SELECT_ANSWERED, (session_id,)))
        return AnswerOutcome(wrote, _answered_session(found[0]) if found else None)  # refused

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

def _answered_session(row: sqlite3.Row) -> QuizSession:
    """A session from SELECT_ANSWERED's row."""
    answered: str | None = row["answered"]
    pairs = sorted((int(q), int(o)) for q, _, o in
                   (pair.partition(":") for pair in answered.split(","))) if answered else []
    return rows.session_with(row, tuple(option for _, option in pairs))


if TYPE_CHECKING:
    # mypy checks here that SqliteStore implements every method of the Store protocol.
    from bot.core.ports import Store

    _IMPLEMENTS: type[Store] = SqliteStore
