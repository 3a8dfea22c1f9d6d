"""Engine-neutral access for tests: a database is a PATHBOT_DB value (a SQLite file path
or a PostgreSQL DSN); open it as pathbot does (bootstrap), or look at it directly."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg

from bot.bootstrap import open_store
from bot.config import load_config
from bot.core.ports import Store

# A foreign key or uniqueness refused a write, on either engine.
INTEGRITY = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


async def open_db(url: str, **env: str) -> Store:
    """The store pathbot would open for PATHBOT_DB=url."""
    config = load_config({"PATHBOT_DB": url, **env}, cwd=Path("/nonexistent"))
    return await open_store(config)


async def raw(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run `sql` (with `?` placeholders) through a plain connection of its own; a write is
    committed (on both engines)."""
    if not is_postgres(url):
        conn = sqlite3.connect(url)
        try:
            rows = [tuple(r) for r in conn.execute(sql, params).fetchall()]
            conn.commit()
            return rows
        finally:
            conn.close()
    count = iter(range(1, 1000))
    pg_conn = await asyncpg.connect(url)
    try:
        found = await pg_conn.fetch(re.sub(r"\?", lambda _: f"${next(count)}", sql), *params)
        return [tuple(r) for r in found]
    finally:
        await pg_conn.close()
