"""Apply `migrations/postgres/NNNN_name.sql` to a PostgreSQL schema: same numbers as the
SQLite files, one transaction per file, under an advisory lock.

Each transaction first takes `pg_advisory_xact_lock` (keyed on the schema), then reads the
version: two replicas starting at once on an empty database apply each file once; the
second waits for the lock, then finds the file recorded and goes on. A database newer than
the code is refused (`SchemaTooNew`), as on SQLite. Files follow the rules of
bot/storage/migrate.py, except that each runs as one script (PL/pgSQL bodies hold `;`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.storage.migrate import (
    Migration,
    MigrationFailed,
    SchemaTooNew,
    load_migrations,
    migrations_dir,
    whole_file,
)

log = logging.getLogger(__name__)

Conn = asyncpg.Connection | PoolConnectionProxy  # a connection, or one lent by a pool

LOCK_KEY = 0x70617468  # "path": with the schema's hash, the key of the migration lock

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL
)"""


def postgres_migrations_dir() -> Path:
    return migrations_dir() / "postgres"


async def apply_pg_migrations(
    conn: Conn, directory: Path, label: str = ""
) -> list[int]:
    """Apply the pending migrations of `directory`; the versions this call applied."""
    migrations = load_migrations(directory, split=whole_file)
    applied: list[int] = []
    while (migration := await _apply_next(conn, migrations, label)) is not None:
        applied.append(migration.version)
        log.info("applied migration postgres/%s", migration.path.name)
    return applied


async def _apply_next(
    conn: Conn, migrations: list[Migration], label: str
) -> Migration | None:
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))",
            LOCK_KEY,
        )
        await conn.execute(CREATE_TABLE)
        current = int(await conn.fetchval(
            "SELECT coalesce(max(version), 0) FROM schema_migrations"))
        if current > migrations[-1].version:
            raise SchemaTooNew(current, migrations[-1].version, label)
        pending = next((m for m in migrations if m.version > current), None)
        if pending is not None:
            await _run(conn, pending)
    return pending


async def _run(conn: Conn, migration: Migration) -> None:
    try:
        await conn.execute(migration.statements[0])
    except asyncpg.PostgresError as error:
        raise MigrationFailed(migration, f"({type(error).__name__}: {error})") from error
    await conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        migration.version, migration.name, time.time(),
    )


async def schema_version(conn: Conn) -> int:
    """The newest version recorded, 0 for an empty schema."""
    if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))
