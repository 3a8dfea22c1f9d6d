"""Apply `migrations/NNNN_name.sql` files to a SQLite database, in order, one transaction each.

Each pending file runs inside `BEGIN IMMEDIATE` … `COMMIT` together with the row that records
it in `schema_migrations`, so a file is either applied and recorded, or not applied at all.
The version is read again inside every transaction: two processes starting at once on the
same database apply each file exactly once (the second waits on the write lock, then sees
the file already applied).

Foreign keys are switched off while migrating and checked with `PRAGMA foreign_key_check`
before each COMMIT, as SQLite's procedure for rebuilding a table requires: with them on,
`DROP TABLE sessions` in a rebuild would first delete every answer and result through
ON DELETE CASCADE. The connection's setting is restored afterwards.

Rules for migration files:
- named `NNNN_name.sql` (four digits, then lower-case letters, digits and `_`), numbered
  0001, 0002, … without gaps or duplicates; a file, once released, is never edited;
- no `BEGIN`/`COMMIT`/`VACUUM`, and no `PRAGMA` that cannot run inside a transaction
  (`journal_mode`, `foreign_keys` are silently ignored there): the runner owns the
  transaction. `sqlite3.executescript` would commit on its own, so the runner splits the file
  into statements itself with `sqlite3.complete_statement`: each statement ends with `;`;
  semicolons inside strings, comments and `CREATE TRIGGER … BEGIN … END;` are fine.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.bundled import bundled_dir

log = logging.getLogger(__name__)

FILE_NAME = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9][a-z0-9_]*)\.sql")

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    applied_at REAL NOT NULL
)"""


class MigrationError(Exception):
    """A migration problem; the message says what happened and what to do about it."""


class BadMigrationName(MigrationError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path}: a migration file must be named NNNN_name.sql (four digits, then "
            "lower-case letters, digits or _), for example 0003_add_index.sql: rename it"
        )
        self.path = path


class BadMigrationFile(MigrationError):
    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


class DuplicateMigration(MigrationError):
    def __init__(self, version: int, first: Path, second: Path) -> None:
        super().__init__(
            f"two migrations have number {version:04d}: {first.name} and {second.name}: "
            "renumber the newer one"
        )
        self.version = version


class MigrationGap(MigrationError):
    def __init__(self, directory: Path, missing: int) -> None:
        super().__init__(
            f"{directory}: migration {missing:04d} is missing (files must be numbered "
            "0001, 0002, … without gaps): restore it or renumber the files after it"
        )
        self.missing = missing


class NoMigrations(MigrationError):
    def __init__(self, directory: Path) -> None:
        super().__init__(
            f"no migrations found in {directory}: the installation is incomplete, "
            "reinstall pathbot"
        )


class SchemaTooNew(MigrationError):
    def __init__(self, found: int, known: int, database: str) -> None:
        where = f" ({database})" if database else ""
        super().__init__(
            f"database schema version {found}{where} is newer than this pathbot (knows up "
            f"to {known}): upgrade pathbot or point PATHBOT_DB at another file"
        )
        self.found = found
        self.known = known


class MigrationFailed(MigrationError):
    def __init__(self, migration: Migration, problem: str) -> None:
        super().__init__(
            f"migration {migration.path.name} failed {problem}; nothing from this file was "
            f"applied and the database stays at version {migration.version - 1}"
        )
        self.version = migration.version

    @classmethod
    def at(cls, migration: Migration, index: int, error: sqlite3.Error) -> MigrationFailed:
        statement = " ".join(migration.statements[index].split())
        if len(statement) > 80:
            statement = statement[:77] + "..."
        return cls(migration, f"at statement {index + 1} ({statement}): {error}")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path
    statements: tuple[str, ...]


def migrations_dir() -> Path:
    """The bundled migrations: `bot/_bundled/migrations` in an installed wheel, else the
    repository's top-level `migrations/` (editable install)."""
    return bundled_dir("migrations")


def split_statements(sql: str, path: Path) -> tuple[str, ...]:
    """The file's statements, each ending with its `;` (see the module docstring)."""
    statements: list[str] = []
    start = 0
    for end, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : end + 1]):
            statements.append(sql[start : end + 1].strip())
            start = end + 1
    rest = [line for line in sql[start:].splitlines() if line.strip()]
    if any(not line.strip().startswith("--") for line in rest):
        raise BadMigrationFile(path, "the text after the last ';' is not a complete statement")
    return tuple(statements)


def whole_file(sql: str, path: Path) -> tuple[str, ...]:
    """PostgreSQL runs a file as one script (function bodies hold `;` inside `$$`)."""
    return (sql,)


def load_migrations(
    directory: Path, split: Callable[[str, Path], tuple[str, ...]] = split_statements
) -> list[Migration]:
    """Every `*.sql` file of `directory`, checked, in version order. Other files (and
    folders, such as `postgres/`) are ignored."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = FILE_NAME.fullmatch(path.name)
        if match is None or int(match["version"]) == 0:
            raise BadMigrationName(path)
        version = int(match["version"])
        if version in found:
            raise DuplicateMigration(version, found[version].path, path)
        statements = split(path.read_text(encoding="utf-8"), path)
        found[version] = Migration(version, match["name"], path, statements)
    if not found:
        raise NoMigrations(directory)
    for expected in range(1, max(found) + 1):
        if expected not in found:
            raise MigrationGap(directory, expected)
    return [found[v] for v in sorted(found)]


async def schema_version(conn: aiosqlite.Connection) -> int:
    """The newest version recorded in the database, 0 for a new database."""
    cursor = await conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    )
    if await cursor.fetchone() is None:
        return 0
    cursor = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
    row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def apply_migrations(conn: aiosqlite.Connection, directory: Path) -> list[int]:
    """Apply the pending migrations of `directory`; the versions this call applied.

    `conn` must be in autocommit mode (`isolation_level=None`) and outside a transaction.
    Raises a `MigrationError` subclass: files badly named, duplicated or missing, a
    database newer than the files (`SchemaTooNew`), or a file that fails (`MigrationFailed`,
    after rolling back everything from that file).
    """
    if conn.isolation_level is not None:
        raise ValueError("apply_migrations needs a connection opened with isolation_level=None")
    migrations = load_migrations(directory)
    applied: list[int] = []
    foreign_keys = await conn.execute_fetchall("PRAGMA foreign_keys")
    await conn.execute("PRAGMA foreign_keys = OFF")
    try:
        while (migration := await _apply_next(conn, migrations)) is not None:
            applied.append(migration.version)
            log.info("applied migration %s", migration.path.name)
    finally:
        await conn.execute(f"PRAGMA foreign_keys = {int(next(iter(foreign_keys))[0])}")
    return applied


async def _apply_next(
    conn: aiosqlite.Connection, migrations: list[Migration]
) -> Migration | None:
    """In one transaction: apply and record the first pending migration, if any."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute(CREATE_TABLE)
        current = await schema_version(conn)
        if current > migrations[-1].version:
            raise SchemaTooNew(current, migrations[-1].version, await _database_file(conn))
        pending = next((m for m in migrations if m.version > current), None)
        if pending is not None:
            await _run(conn, pending)
        await conn.execute("COMMIT")
    except BaseException:
        await rollback(conn)
        raise
    return pending


async def _run(conn: aiosqlite.Connection, migration: Migration) -> None:
    for index, statement in enumerate(migration.statements):
        try:
            await conn.execute(statement)
        except sqlite3.Error as error:
            raise MigrationFailed.at(migration, index, error) from error
    broken = list(await conn.execute_fetchall("PRAGMA foreign_key_check"))
    if broken:
        table, rowid, parent = broken[0][0], broken[0][1], broken[0][2]
        raise MigrationFailed(
            migration, f"its rows break {len(broken)} foreign key(s), the first in "
            f"{table} (rowid {rowid}) pointing to a missing row of {parent}",
        )
    await conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (migration.version, migration.name, time.time()),
    )


async def rollback(conn: aiosqlite.Connection) -> None:
    """ROLLBACK, if a transaction is still open."""
    # "no transaction is active": SQLite already rolled back (it does after some errors).
    with contextlib.suppress(sqlite3.OperationalError):
        await conn.execute("ROLLBACK")


async def _database_file(conn: aiosqlite.Connection) -> str:
    cursor = await conn.execute("PRAGMA database_list")
    rows = await cursor.fetchall()
    return next((str(row[2]) for row in rows if row[1] == "main"), "")
