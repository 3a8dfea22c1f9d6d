"""Shared fixtures: the bundled content, a real store in a temp folder (or a fresh
PostgreSQL schema), a service.

`store` is SQLite unless PATHBOT_TEST_DB=postgres (then every test that uses it runs on
PostgreSQL); tests/storage/ runs its store tests on both engines (its own `engine`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.bundled import bundled_dir
from bot.core.content import load_content
from bot.core.models import Content
from bot.core.ports import Store
from bot.core.service import Service
from tests import pg
from tests.db import open_db

REPO = Path(__file__).resolve().parents[1]
THREE_ROLES = REPO / "tests" / "fixtures" / "content_three_roles"
ENGINE = os.environ.get("PATHBOT_TEST_DB", "sqlite").strip() or "sqlite"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in pg.SKIPPED:  # one line, however many tests it skipped
        terminalreporter.write_line(line, yellow=True)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(bundled_dir("content"))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run (its DSN), dropped at the end."""
    yield from pg.database()


@pytest.fixture
async def pg_dsn(pg_database: str) -> AsyncIterator[str]:
    """A fresh schema of that database, dropped after the test: its DSN."""
    schema, dsn = await pg.new_schema(pg_database)
    yield dsn
    await pg.drop_schema(pg_database, schema)


@pytest.fixture
def engine() -> str:
    return ENGINE


@pytest.fixture
def db_url(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A PATHBOT_DB value for an empty database of `engine`."""
    if engine == "postgres":
        return str(request.getfixturevalue("pg_dsn"))
    return str(tmp_path / "pathbot.sqlite3")


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    opened = await open_db(db_url)
    yield opened
    await opened.close()


@pytest.fixture
def service(content: Content, store: Store) -> Service:
    return Service(content, store)
