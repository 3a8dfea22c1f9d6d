"""`not_ready` (what /readyz reports) on a real store: a database that does not answer is
named, with the reason's type (never its message: it may hold a DSN)."""

from __future__ import annotations

from bot.runner import not_ready
from tests.db import open_db

CLOSED = {"sqlite": "RuntimeError", "postgres": "InterfaceError"}  # asyncpg: pool is closed


async def test_a_closed_database_is_not_ready(db_url: str, engine: str) -> None:
    store = await open_db(db_url)
    assert await not_ready([], store) == []
    await store.close()
    assert await not_ready([], store) == [f"database ({CLOSED[engine]})"]
