"""`not_ready` (what /readyz reports) on a real store: a database that does not answer is
named, with the reason's type (never its message: it may hold a DSN)."""

from __future__ import annotations

import re

from bot.runner import not_ready
from tests.db import open_db


async def test_a_closed_database_is_not_ready(db_url: str) -> None:
    store = await open_db(db_url)
    assert await not_ready([], store) == []
    await store.close()
    (problem,) = await not_ready([], store)
    # SQLite's store says RuntimeError, asyncpg's closed pool InterfaceError: a type either way
    assert re.fullmatch(r"database \(\w+Error\)", problem), problem
