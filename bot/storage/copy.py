"""`pathbot db copy SRC DST`: every row from one database to another, either engine.

Both ends are opened as pathbot opens them (so both are migrated to this pathbot's version:
the migration version moves with the data). DST must hold no data (freshly created, or only
migrated); the copy runs in ONE transaction on DST, reads SRC in one consistent snapshot,
counts every table on DST before COMMIT and rolls back on any difference. Nothing is written
to DST unless everything is.

Engine fix-ups, inside the same transaction: on SQLite, the trigger of migration 0003 stamps
a session when its answers are inserted, so each session's own `updated_at` is written back
after; on PostgreSQL, the identity of `results.id` is moved past the copied ids.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg

from bot.storage.postgres_migrate import Conn

log = logging.getLogger(__name__)

# Parents before children (foreign keys), with the key that orders the rows.
# Every table but schema_migrations (tests/storage/test_copy.py checks none is missing).
TABLES = (("quiz_cards", "id"), ("sessions", "id"), ("answers", "session_id, question"),
          ("results", "id"), ("dm_status", "platform, workspace, user_id"),
          ("path_progress", "platform, workspace, user_id, role, stage"),
          ("nudges", "platform, workspace, user_id"), ("slack_installations", "team_id"),
          ("oauth_states", "state"), ("discord_identify", "name"))

Rows = list[tuple[Any, ...]]


class CopyRefused(Exception):
    """The copy cannot go ahead (DST holds data, versions differ, counts differ); nothing
    was written."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: Rows


class Side(Protocol):
    label: str

    async def version(self) -> int: ...
    async def count(self, table: str) -> int: ...
    def snapshot(self) -> contextlib.AbstractAsyncContextManager[None]: ...
    def transaction(self) -> contextlib.AbstractAsyncContextManager[None]: ...
    async def read(self, table: str, order: str) -> Table: ...
    async def write(self, table: Table) -> None: ...
    async def after(self, tables: Sequence[Table]) -> None: ...
    async def close(self) -> None: ...


async def copy_all(src: Side, dst: Side) -> dict[str, int]:
    """Copy every table from `src` to the empty `dst`; rows per table."""
    if (found := await src.version()) != (wanted := await dst.version()):
        raise CopyRefused(f"{src.label} is at schema version {found}, {dst.label} at "
                          f"{wanted}: run `pathbot db migrate` on both first")
    held = {name: await dst.count(name) for name, _ in TABLES}
    if any(held.values()):
        rows = ", ".join(f"{n} {name}" for name, n in held.items() if n)
        raise CopyRefused(f"{dst.label} is not empty ({rows}): copy into a new database; "
                          "nothing was written")
    async with src.snapshot():
        tables = [await src.read(name, order) for name, order in TABLES]
    async with dst.transaction():
        for table in tables:
            await dst.write(table)
        await dst.after(tables)
        copied = {table.name: await dst.count(table.name) for table in tables}
        wrong = [t.name for t in tables if copied[t.name] != len(t.rows)]
        if wrong:
            raise CopyRefused(f"row counts differ after copying {', '.join(wrong)}; "
                              "rolled back, nothing was written")
    return copied


class SqliteSide:
    def __init__(self, conn: aiosqlite.Connection, label: str) -> None:
        self.conn, self.label = conn, label

    @classmethod
    async def open(cls, path: Path) -> SqliteSide:
        conn = await aiosqlite.connect(path, isolation_level=None)
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        return cls(conn, str(path))

    async def version(self) -> int:
        found = await self.conn.execute_fetchall("SELECT max(version) FROM schema_migrations")
        return int(next(iter(found))[0] or 0)

    async def count(self, table: str) -> int:
        found = await self.conn.execute_fetchall(f"SELECT count(*) FROM {table}")
        return int(next(iter(found))[0])

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        await self.conn.execute("BEGIN")
        try:
            yield
        finally:
            await self.conn.execute("ROLLBACK")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.OperationalError):
                await self.conn.execute("ROLLBACK")
            raise
        await self.conn.execute("COMMIT")

    async def read(self, table: str, order: str) -> Table:
        cursor = await self.conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
        columns = tuple(d[0] for d in cursor.description)
        return Table(table, columns, [tuple(r) for r in await cursor.fetchall()])

    async def write(self, table: Table) -> None:
        marks = ", ".join("?" * len(table.columns))
        await self.conn.executemany(
            f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})",
            table.rows)

    async def after(self, tables: Sequence[Table]) -> None:
        sessions = next(t for t in tables if t.name == "sessions")
        id_at, stamp_at = sessions.columns.index("id"), sessions.columns.index("updated_at")
        await self.conn.executemany("UPDATE sessions SET updated_at = ? WHERE id = ?",
                                    [(r[stamp_at], r[id_at]) for r in sessions.rows])

    async def close(self) -> None:
        await self.conn.close()


class PostgresSide:
    def __init__(self, conn: Conn, label: str) -> None:
        self.conn, self.label = conn, label

    async def version(self) -> int:
        return int(await self.conn.fetchval("SELECT max(version) FROM schema_migrations") or 0)

    async def count(self, table: str) -> int:
        return int(await self.conn.fetchval(f"SELECT count(*) FROM {table}"))

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        async with self.conn.transaction(isolation="repeatable_read", readonly=True):
            yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.conn.transaction():
            yield

    async def read(self, table: str, order: str) -> Table:
        stmt = await self.conn.prepare(f"SELECT * FROM {table} ORDER BY {order}")
        columns = tuple(a.name for a in stmt.get_attributes())
        return Table(table, columns, [tuple(r) for r in await stmt.fetch()])

    async def write(self, table: Table) -> None:
        types = await self.conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1", table.name)
        floats = {r["column_name"] for r in types if r["data_type"] == "double precision"}
        rows = [tuple(float(v) if c in floats and v is not None else v
                      for c, v in zip(table.columns, row, strict=True)) for row in table.rows]
        await self.conn.copy_records_to_table(table.name, records=rows, columns=table.columns)

    async def after(self, tables: Sequence[Table]) -> None:
        await self.conn.execute(
            "SELECT setval(pg_get_serial_sequence('results', 'id'),"
            " coalesce((SELECT max(id) FROM results), 0) + 1, false)")

    async def close(self) -> None:
        await self.conn.close()

    @classmethod
    async def open(cls, dsn: str, label: str) -> PostgresSide:
        return cls(await asyncpg.connect(dsn), label)
