"""PostgreSQL for tests: a fresh database per test run, a fresh schema per test, both dropped.

Several people run the suite at once on one server, so nothing is shared by name: the
database is `pathbot_test_<random>` and each test gets its own schema in it (the DSN's
`search_path`). `PATHBOT_TEST_POSTGRES` names the server (default below); when none
answers, the PostgreSQL tests are skipped with one line, unless `PATHBOT_REQUIRE_POSTGRES=1`
(set by .ci/run), which makes that a failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
SERVER = os.environ.get("PATHBOT_TEST_POSTGRES", "").strip() or DEFAULT
REQUIRED = os.environ.get("PATHBOT_REQUIRE_POSTGRES", "").strip() == "1"
SKIPPED: list[str] = []  # the reason, once, for the summary line (tests/conftest.py)


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def with_schema(dsn: str, schema: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}search_path={schema}"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(SERVER, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _blocking(sql: str) -> None:
    """`_admin(sql)` from synchronous code, even inside a running event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _admin(sql)).result()


def _probe() -> str:
    try:
        _blocking("SELECT 1")
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def database() -> Iterator[str]:
    """Body of the session fixture `pg_database`: the DSN of a fresh database."""
    problem = _probe()
    if problem:
        where = urlsplit(SERVER).netloc.rsplit("@", 1)[-1]
        reason = (f"PostgreSQL tests skipped: no server at {where} ({problem}); start one or "
                  "set PATHBOT_TEST_POSTGRES=postgresql://user@host:port/db to run them")
        if REQUIRED:
            pytest.fail(f"PATHBOT_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        SKIPPED[:] = [reason]
        pytest.skip(reason)
    name = f"pathbot_test_{secrets.token_hex(5)}"
    _blocking(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(SERVER, name)
    finally:
        _blocking(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def new_schema(database_dsn: str) -> tuple[str, str]:
    """(schema, DSN using it) in the test run's database."""
    schema = f"t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(database_dsn)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    return schema, with_schema(database_dsn, schema)


async def drop_schema(database_dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(database_dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()
