"""`not_ready` (what /readyz reports) on a real store: a database that does not answer is
named, with the reason's type (never its message: it may hold a DSN)."""

from __future__ import annotations

from pathlib import Path

from bot.runner import not_ready
from bot.storage.sqlite import SqliteStore


async def test_a_closed_database_is_not_ready(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "pathbot.sqlite3")
    assert await not_ready([], store) == []
    await store.close()
    assert await not_ready([], store) == ["database (RuntimeError)"]
