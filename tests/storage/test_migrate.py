"""The migration runner, on real SQLite files: fresh, partly migrated, newer, broken."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.storage.migrate import (
    BadMigrationFile,
    BadMigrationName,
    DuplicateMigration,
    MigrationError,
    MigrationFailed,
    MigrationGap,
    NoMigrations,
    SchemaTooNew,
    apply_migrations,
    load_migrations,
    migrations_dir,
    split_statements,
)
from bot.storage.sqlite import SqliteStore

pytestmark = pytest.mark.sqlite_only("the SQLite migration runner (PostgreSQL's: test_postgres.py)")

BUNDLED = load_migrations(migrations_dir())
VERSIONS = [m.version for m in BUNDLED]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "pathbot.sqlite3"


@pytest.fixture
async def conn(db: Path) -> AsyncIterator[aiosqlite.Connection]:
    opened = await aiosqlite.connect(db, isolation_level=None)
    yield opened
    await opened.close()


def folder(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    raw = sqlite3.connect(db)
    try:
        return raw.execute(sql).fetchall()
    finally:
        raw.close()


def schema(db: Path) -> list[tuple[object, ...]]:
    return query(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")


def recorded(db: Path) -> list[tuple[object, ...]]:
    return query(db, "SELECT version, name FROM schema_migrations ORDER BY version")


def test_bundled_migrations_are_found_and_valid() -> None:
    assert (migrations_dir() / "0001_initial.sql").is_file()
    assert list(range(1, len(BUNDLED) + 1)) == VERSIONS
    assert len(VERSIONS) >= 2


async def test_fresh_database_gets_every_migration_once(
    conn: aiosqlite.Connection, db: Path
) -> None:
    assert await apply_migrations(conn, migrations_dir()) == VERSIONS
    assert await apply_migrations(conn, migrations_dir()) == []
    assert recorded(db) == [(m.version, m.name) for m in BUNDLED]
    assert query(db, "SELECT min(applied_at) > 0 FROM schema_migrations") == [(1,)]
    tables = {name for _, name, _, _ in schema(db)}
    assert {"quiz_cards", "sessions", "answers", "results", "dm_status"} <= tables


@pytest.mark.parametrize("done", range(len(BUNDLED) + 1))
async def test_upgrade_from_each_earlier_version(tmp_path: Path, done: int) -> None:
    """A database at version `done` ends exactly like a fresh one: same schema, same log."""
    fresh, old = tmp_path / "fresh.sqlite3", tmp_path / "old.sqlite3"
    async with aiosqlite.connect(fresh, isolation_level=None) as conn:
        await apply_migrations(conn, migrations_dir())

    earlier = folder(tmp_path / "earlier", {})
    for migration in BUNDLED[:done]:
        shutil.copy(migration.path, earlier)
    async with aiosqlite.connect(old, isolation_level=None) as conn:
        if done:
            assert await apply_migrations(conn, earlier) == VERSIONS[:done]
        assert await apply_migrations(conn, migrations_dir()) == VERSIONS[done:]
    assert schema(old) == schema(fresh)
    assert recorded(old) == recorded(fresh)


async def test_0003_stamps_the_session_when_an_answer_is_stored(
    conn: aiosqlite.Connection, db: Path, tmp_path: Path
) -> None:
    """On a database upgraded from version 2, rows kept: an INSERT that stores an answer sets
    its session's updated_at, one that stores nothing does not, and rowcount counts only the
    answer (the store reads it to know whether it wrote)."""
    earlier = folder(tmp_path / "earlier", {})
    for migration in BUNDLED[:2]:
        shutil.copy(migration.path, earlier)
    assert await apply_migrations(conn, earlier) == [1, 2]
    await conn.execute("INSERT INTO quiz_cards VALUES ('c1', 'discord', 'g1', 'ch', '', 1)")
    await conn.execute(
        "INSERT INTO sessions VALUES ('s1', 'discord', '', 'u1', 'g1', 'ch', 'c1', 'v1',"
        " 'active', 10, 10)"
    )
    await conn.execute("INSERT INTO answers VALUES ('s1', 0, 2, 11)")  # before 0003: no stamp
    assert await apply_migrations(conn, migrations_dir()) == VERSIONS[2:]
    assert query(db, "SELECT updated_at FROM sessions") == [(10.0,)]

    insert = "INSERT INTO answers VALUES ('s1', ?, 1, ?) ON CONFLICT DO NOTHING"
    assert (await conn.execute(insert, (1, 50.0))).rowcount == 1
    assert query(db, "SELECT updated_at FROM sessions") == [(50.0,)]
    assert (await conn.execute(insert, (1, 60.0))).rowcount == 0  # a double press
    assert query(db, "SELECT updated_at FROM sessions") == [(50.0,)]
    assert (await conn.execute("DELETE FROM answers WHERE question = 1")).rowcount == 1
    assert query(db, "SELECT updated_at FROM sessions") == [(50.0,)]  # undo stamps it itself
    assert query(db, "SELECT question, option FROM answers") == [(0, 2)]


async def test_newer_database_is_refused(conn: aiosqlite.Connection, db: Path) -> None:
    await apply_migrations(conn, migrations_dir())
    future = VERSIONS[-1] + 1
    await conn.execute(f"INSERT INTO schema_migrations VALUES ({future}, 'from_the_future', 0)")
    before = schema(db)
    with pytest.raises(SchemaTooNew) as raised:
        await apply_migrations(conn, migrations_dir())
    message = str(raised.value)
    assert message.startswith(f"database schema version {future} ({db})")
    assert f"is newer than this pathbot (knows up to {VERSIONS[-1]})" in message
    assert message.endswith("upgrade pathbot or point PATHBOT_DB at another file")
    assert not conn.in_transaction
    assert schema(db) == before
    with pytest.raises(SchemaTooNew):
        await SqliteStore.open(db)


async def test_failing_migration_rolls_back_entirely(
    conn: aiosqlite.Connection, db: Path, tmp_path: Path
) -> None:
    files = folder(tmp_path / "m", {
        "0001_first.sql": "CREATE TABLE a (x INTEGER);\n",
        "0002_broken.sql": (
            "CREATE TABLE b (x INTEGER);\n"
            "INSERT INTO a VALUES (1);\n"
            "INSERT INTO no_such_table VALUES (1);\n"
        ),
    })
    with pytest.raises(MigrationFailed) as raised:
        await apply_migrations(conn, files)
    message = str(raised.value)
    assert "0002_broken.sql failed at statement 3 (INSERT INTO no_such_table" in message
    assert "no such table: no_such_table" in message
    assert "nothing from this file was applied and the database stays at version 1" in message
    assert not conn.in_transaction
    assert recorded(db) == [(1, "first")]
    assert "b" not in {name for _, name, _, _ in schema(db)}
    assert query(db, "SELECT count(*) FROM a") == [(0,)]

    (files / "0002_broken.sql").write_text("CREATE TABLE b (x INTEGER);\n", encoding="utf-8")
    assert await apply_migrations(conn, files) == [2]  # fixed, it applies


@pytest.mark.parametrize(
    "name",
    ["1_init.sql", "0001-init.sql", "0001_Init.sql", "00001_init.sql", "0000_init.sql",
     "0001_.sql", "0001_in it.sql", "init.sql"],
)
async def test_badly_named_file_is_rejected_before_touching_the_database(
    conn: aiosqlite.Connection, db: Path, tmp_path: Path, name: str
) -> None:
    files = folder(tmp_path / "m", {"0001_ok.sql": "CREATE TABLE a (x);\n", name: "SELECT 1;\n"})
    with pytest.raises(BadMigrationName, match=r"must be named NNNN_name\.sql"):
        await apply_migrations(conn, files)
    assert schema(db) == []


@pytest.mark.parametrize(
    ("files", "error", "message"),
    [
        ({"0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;"}, DuplicateMigration,
         "two migrations have number 0001: 0001_a.sql and 0001_b.sql"),
        ({"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 3;"}, MigrationGap,
         "migration 0002 is missing"),
        ({"README.md": "not a migration"}, NoMigrations, "no migrations found"),
        ({"0001_a.sql": "CREATE TABLE a (x);\nCREATE TABLE b (x)\n"}, BadMigrationFile,
         "not a complete statement"),
    ],
)
async def test_broken_folders_are_rejected(
    conn: aiosqlite.Connection, tmp_path: Path,
    files: dict[str, str], error: type[MigrationError], message: str,
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        await apply_migrations(conn, folder(tmp_path / "m", files))


async def test_other_files_are_ignored(conn: aiosqlite.Connection, tmp_path: Path) -> None:
    files = folder(tmp_path / "m", {"0001_a.sql": "CREATE TABLE a (x);", "README.md": "hi"})
    assert await apply_migrations(conn, files) == [1]


async def test_statements_are_split_like_sqlite_reads_them(
    conn: aiosqlite.Connection, db: Path, tmp_path: Path
) -> None:
    sql = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE t (x TEXT DEFAULT 'a;b');\n"
        "CREATE TRIGGER t_stamp AFTER INSERT ON t BEGIN\n"
        "    UPDATE t SET x = x || ';seen' WHERE rowid = new.rowid;\n"
        "END;\n"
        "INSERT INTO t VALUES ('e'); INSERT INTO t DEFAULT VALUES;\n"
        "-- a trailing comment\n"
    )
    assert len(split_statements(sql, Path("x.sql"))) == 4
    assert await apply_migrations(conn, folder(tmp_path / "m", {"0001_t.sql": sql})) == [1]
    assert query(db, "SELECT x FROM t ORDER BY rowid") == [("e;seen",), ("a;b;seen",)]


async def test_two_processes_migrating_at_once_apply_each_file_once(db: Path) -> None:
    async with (
        aiosqlite.connect(db, isolation_level=None) as first,
        aiosqlite.connect(db, isolation_level=None) as second,
    ):
        runs = await asyncio.gather(
            apply_migrations(first, migrations_dir()), apply_migrations(second, migrations_dir())
        )
    assert sorted(runs[0] + runs[1]) == VERSIONS
    assert recorded(db) == [(m.version, m.name) for m in BUNDLED]


async def test_connection_must_be_in_autocommit_mode(db: Path) -> None:
    async with aiosqlite.connect(db) as conn:
        with pytest.raises(ValueError, match="isolation_level=None"):
            await apply_migrations(conn, migrations_dir())


PARENT_AND_CHILD = (
    "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\n"
    "INSERT INTO parent VALUES (1);\n"
    "INSERT INTO child VALUES (1);\n"
)


async def test_rebuilding_a_parent_table_keeps_its_children(
    conn: aiosqlite.Connection, db: Path, tmp_path: Path
) -> None:
    """SQLite's table rebuild: with foreign keys on, DROP TABLE parent would cascade."""
    await conn.execute("PRAGMA foreign_keys = ON")
    files = folder(tmp_path / "m", {
        "0001_tables.sql": PARENT_AND_CHILD,
        "0002_rebuild.sql": (
            "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, note TEXT NOT NULL DEFAULT '');\n"
            "INSERT INTO parent_new (id) SELECT id FROM parent;\n"
            "DROP TABLE parent;\n"
            "ALTER TABLE parent_new RENAME TO parent;\n"
        ),
    })
    assert await apply_migrations(conn, files) == [1, 2]
    assert query(db, "SELECT parent_id FROM child") == [(1,)]
    assert list(await conn.execute_fetchall("PRAGMA foreign_keys")) == [(1,)]  # restored


async def test_migration_breaking_a_foreign_key_is_rolled_back(
    conn: aiosqlite.Connection, db: Path, tmp_path: Path
) -> None:
    files = folder(tmp_path / "m", {
        "0001_tables.sql": PARENT_AND_CHILD,
        "0002_dangling.sql": "INSERT INTO child VALUES (99);\n",
    })
    with pytest.raises(MigrationFailed, match=r"break 1 foreign key\(s\), the first in child"):
        await apply_migrations(conn, files)
    assert recorded(db) == [(1, "tables")]
    assert query(db, "SELECT parent_id FROM child") == [(1,)]
    assert list(await conn.execute_fetchall("PRAGMA foreign_keys")) == [(0,)]  # as it was
