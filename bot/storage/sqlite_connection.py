"""SqliteStore's connection: opening (pragmas, migrations, a write check), the lock, and
the transactions every method runs in. Why one connection and one lock: docs/storage.md."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage.batch import is_busy
from bot.storage.errors import StoreUnusable
from bot.storage.migrate import MigrationFailed, apply_migrations, migrations_dir, rollback
from bot.storage.sqlite_faults import (
    BUSY_TIMEOUT_MS,
    LOCK_WAIT,
    begin_immediate,
    log_waiting,
    unavailable,
    write_check,
)

log = logging.getLogger(__name__)

SYNCHRONOUS = ("NORMAL", "FULL")
MIN_SQLITE = (3, 25, 0)  # upsert (3.24) and window functions (3.25)

S = TypeVar("S", bound="SqliteConnection")


class SqliteConnection:
    """One aiosqlite connection in autocommit mode and the lock that every call holds."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, applied: list[int]) -> None:
        self._conn: aiosqlite.Connection | None = conn
        self._lock = asyncio.Lock()
        self.path = path
        self.commits = 0  # write transactions committed, for tests and benchmarks
        self.lock_wait = LOCK_WAIT
        self.applied_migrations = tuple(applied)  # what open() applied, for `db migrate`

    @classmethod
    async def open(cls: type[S], path: str | Path, *, synchronous: str = "NORMAL") -> S:
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
    async def _open(cls: type[S], path: Path, level: str) -> S:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A file that cannot be opened fails here, synchronously: a failed aiosqlite.connect
        # leaves its thread to call back into the loop, after `asyncio.run` closed it.
        sqlite3.connect(path).close()
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = await _journal_mode_wal(conn)
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

    async def pragmas(self) -> dict[str, Any]:
        """The connection's settings, for diagnostics and tests."""
        names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        async with self._read() as conn:
            return {n: next(iter(await conn.execute_fetchall(f"PRAGMA {n}")))[0] for n in names}

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


async def _journal_mode_wal(conn: aiosqlite.Connection, tries: int = 100) -> str:
    """Switch a file to WAL. When processes open the same new file at once, the switch
    needs an exclusive lock that another one holds for a moment, and SQLite answers
    "database is locked" at once instead of calling the busy handler (it would deadlock
    two readers upgrading at once): try again, for up to about five seconds."""
    for _ in range(tries - 1):
        try:
            return await _set_wal(conn)
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
        await asyncio.sleep(0.05)
    return await _set_wal(conn)


async def _set_wal(conn: aiosqlite.Connection) -> str:
    modes = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
    return str(next(iter(modes))[0])

