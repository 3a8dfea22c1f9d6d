"""SQLite when things go wrong: another program's write lock, and a database that cannot be
used at start-up (damaged, read-only, disk full). Used by bot/storage/sqlite.py.

The write lock. BEGIN IMMEDIATE waits busy_timeout for another connection's write lock,
then fails with "database is locked". A press must not fail for that: `begin_immediate`
tries again until `lock_wait` (a minute) has passed, logging one line, and only then
raises StoreBusy, a DomainError whose message the person sees once. Meanwhile Discord's
ack budget defers the interaction and Slack has been acked already.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import logging
import sqlite3
import time
from pathlib import Path

import aiosqlite

from bot.core.ports import StoreBusy
from bot.storage.batch import is_busy
from bot.storage.migrate import rollback

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000  # one try at the write lock (SQLite waits this long inside BEGIN)
LOCK_WAIT = 60.0  # seconds a write keeps trying before it gives up with StoreBusy


async def begin_immediate(conn: aiosqlite.Connection, path: Path, lock_wait: float) -> None:
    """BEGIN IMMEDIATE, tried again while another program holds the write lock (each try
    waits busy_timeout), up to `lock_wait` seconds; then StoreBusy."""
    deadline = time.monotonic() + lock_wait
    for attempt in itertools.count():
        try:
            await conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() >= deadline:
                log.error("%s: the write lock stayed taken for %.0f s; a write failed",
                          path, lock_wait)
                raise StoreBusy() from exc
            if attempt == 0:
                log_waiting(path, lock_wait)
        await asyncio.sleep(0.05)


def log_waiting(path: Path, lock_wait: float) -> None:
    """The operator's one line when a write finds the lock taken (not one per press)."""
    log.warning("%s: another program holds the write lock; waiting for it (up to %.0f s)",
                path, lock_wait)


async def write_check(conn: aiosqlite.Connection) -> None:
    """A real write, committed: a read-only file (or folder, or mount) fails here, at
    start-up, not on every press. Rewrites user_version (unused) with its own value."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        version = next(iter(await conn.execute_fetchall("PRAGMA user_version")))[0]
        await conn.execute(f"PRAGMA user_version = {int(version)}")
        await conn.execute("COMMIT")
    except BaseException:
        await rollback(conn)
        raise


def unavailable(path: Path, exc: sqlite3.Error | OSError) -> str:
    """One line for the operator: the file, what SQLite or the OS said, and what to do."""
    said = str(exc).lower()
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in said
                                                   or "malformed" in said):
        todo = ("the file is damaged or not a pathbot database: restore it from a backup, "
                "or move it away to start with an empty one")
    elif "readonly" in said or "read-only" in said or "unable to open" in said \
            or isinstance(exc, PermissionError):
        todo = ("pathbot cannot write it: let the user running pathbot write the file and "
                "its folder (permissions, a read-only mount), or set PATHBOT_DB elsewhere")
    elif "full" in said or "i/o error" in said or getattr(exc, "errno", 0) == errno.ENOSPC:
        todo = "the disk is full or failing: free space (or check the disk), then start again"
    elif "locked" in said:
        todo = "another program holds its write lock: stop it, or wait and start again"
    else:
        todo = "check the file and its folder, or restore it from a backup"
    return f"cannot use the database {path} ({exc}): {todo}"
