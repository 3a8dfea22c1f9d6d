"""Shared fixtures: the bundled content, a real store in a temp folder (or a fresh
PostgreSQL schema), a service; and which tests run in which pass.

`db_url` (and `store`, the harnesses, `pathbot run` in tests/process.py, built on it) is a
SQLite file unless PATHBOT_TEST_DB=postgres, then a fresh PostgreSQL schema. The
PostgreSQL pass (`PATHBOT_TEST_DB=postgres pytest`) runs only the tests whose database
comes from `db_url`: a test that runs both engines itself (an `engine` parameter:
tests/storage, the Slack OAuth tests) or names PostgreSQL itself (`pg_dsn`) already did
in the SQLite pass, one without a database would only repeat itself, and one marked
`sqlite_only` is about SQLite itself (skipped, counted in one line). A test that makes a
SQLite database some other way fails in the SQLite pass (`_no_stray_sqlite`), so nothing
is left out of the PostgreSQL pass by accident."""

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
SQLITE_ONLY: list[str] = []  # node ids skipped in the PostgreSQL pass, for the summary


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): about SQLite itself (its file, WAL, write lock, "
        "backup); runs in the SQLite pass, skipped in the PostgreSQL pass")


def follows_engine(item: pytest.Item) -> bool:
    """The test's database comes from `db_url` and the test does not set `engine` itself,
    so PATHBOT_TEST_DB picks its engine."""
    callspec = getattr(item, "callspec", None)
    return ("db_url" in getattr(item, "fixturenames", ())
            and "engine" not in (callspec.params if callspec else {}))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None and not (marker.args or marker.kwargs.get("reason")):
            raise pytest.UsageError(f"{item.nodeid}: sqlite_only needs a reason")
    if ENGINE != "postgres":
        return
    kept, left = [], []
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs["reason"]
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
            SQLITE_ONLY.append(item.nodeid)
            kept.append(item)
        else:
            (kept if follows_engine(item) else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in pg.SKIPPED:  # one line, however many tests it skipped
        terminalreporter.write_line(line, yellow=True)
    if SQLITE_ONLY and not terminalreporter.config.option.collectonly:
        terminalreporter.write_line(
            f"{len(SQLITE_ONLY)} SQLite-only tests skipped on PostgreSQL (marked sqlite_only; "
            "they run in the SQLite pass; -rs shows each one's reason)", yellow=True)


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


SQLITE_HEADER = b"SQLite format 3\x00"


@pytest.fixture(autouse=True)
def _no_stray_sqlite(request: pytest.FixtureRequest) -> Iterator[None]:
    """In the SQLite pass, fail a test that left a SQLite database in its tmp_path without
    taking it from `db_url` (or running both engines itself, or saying sqlite_only): the
    PostgreSQL pass would leave it out without a word."""
    item, names = request.node, request.fixturenames
    if (ENGINE != "sqlite" or "tmp_path" not in names or "db_url" in names
            or "pg_database" in names or item.get_closest_marker("sqlite_only")):
        yield  # no tmp_path; or the database from db_url, PostgreSQL named, or SQLite only
        return
    tmp_path: Path = request.getfixturevalue("tmp_path")  # before the test: it outlives us
    yield
    stray = [p for p in tmp_path.rglob("*") if p.is_file() and _is_sqlite(p)]
    if stray:
        pytest.fail(f"{item.nodeid} made the SQLite database {stray[0].relative_to(tmp_path)} "
                    "without the db_url fixture: use db_url (the PostgreSQL pass runs it "
                    "again) or mark it @pytest.mark.sqlite_only(reason)", pytrace=False)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(16) == SQLITE_HEADER
    except OSError:
        return False


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    opened = await open_db(db_url)
    yield opened
    await opened.close()


@pytest.fixture
def service(content: Content, store: Store) -> Service:
    return Service(content, store)
