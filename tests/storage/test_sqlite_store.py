"""What only SqliteStore has: its file, its pragmas, and a property test run on fresh files
(the store contract itself is tests/storage/test_store.py, on both engines)."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.storage.migrate import load_migrations, migrations_dir
from bot.storage.sqlite import SqliteStore
from tests.storage.test_store import start

pytestmark = pytest.mark.sqlite_only("SqliteStore's file, pragmas and own property test")

VERSIONS = tuple(m.version for m in load_migrations(migrations_dir()))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "nested" / "pathbot.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(db_path)
    yield opened
    await opened.close()


def raw_rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Look at the file through a second, plain sqlite3 connection."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def test_open_creates_folder_and_sets_pragmas(store: SqliteStore, db_path: Path) -> None:
    assert db_path.is_file()
    assert await store.pragmas() == {
        "journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 5000,
    }
    assert store.applied_migrations == VERSIONS
    assert raw_rows(db_path, "PRAGMA journal_mode") == [("wal",)]  # persistent, in the file


async def test_synchronous_full_and_invalid(tmp_path: Path) -> None:
    full = await SqliteStore.open(tmp_path / "a.sqlite3", synchronous="full")
    try:
        assert (await full.pragmas())["synchronous"] == 2
        assert full.applied_migrations == VERSIONS
    finally:
        await full.close()
    with pytest.raises(ValueError, match="NORMAL or FULL"):
        await SqliteStore.open(tmp_path / "b.sqlite3", synchronous="OFF; DROP TABLE x")


async def test_closed_store_refuses_calls(db_path: Path) -> None:
    opened = await SqliteStore.open(db_path)
    await opened.close()
    await opened.close()  # twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        await opened.get_session("s1")


OPS = st.lists(
    st.tuples(st.sampled_from(["answer", "undo"]), st.integers(-1, 5), st.integers(0, 3)),
    max_size=25,
)


@settings(max_examples=30, deadline=None)
@given(OPS)
def test_any_sequence_of_answers_and_undos_keeps_answers_contiguous(
    ops: list[tuple[str, int, int]],
) -> None:
    asyncio.run(_replay(ops))


async def _replay(ops: list[tuple[str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pathbot.sqlite3"
        store = await SqliteStore.open(path)
        try:
            await start(store, "s1")
            model: list[int] = []
            for step, (kind, question, option) in enumerate(ops):
                if kind == "answer":
                    expected = question == len(model)
                    wrote = await store.record_answer("s1", question, option, float(step))
                    model += [option] if expected else []
                else:
                    expected = question >= 1 and question == len(model)
                    wrote = await store.undo_answer("s1", question, float(step))
                    model = model[:-1] if expected else model
                assert wrote == expected, (step, kind, question)
            session = await store.get_session("s1")
            assert session is not None and session.answers == tuple(model)
        finally:
            await store.close()
        stored = raw_rows(path, "SELECT question FROM answers ORDER BY question")
        assert [q for (q,) in stored] == list(range(len(model)))


async def test_stores_opening_one_new_file_at_once_all_open(tmp_path: Path) -> None:
    """Two replicas (or shard processes) starting together on a file that does not exist
    yet: switching it to WAL can meet another connection's lock, which SQLite reports at
    once ("database is locked") without waiting; every opener still gets its store."""
    for round_ in range(25):
        path = tmp_path / f"new{round_}" / "pathbot.sqlite3"
        opened = await asyncio.gather(*[SqliteStore.open(path) for _ in range(5)],
                                      return_exceptions=True)
        failed = [repr(store) for store in opened if isinstance(store, BaseException)]
        for store in opened:
            if isinstance(store, SqliteStore):
                await store.close()
        assert failed == []
