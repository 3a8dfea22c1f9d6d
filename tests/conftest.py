"""Shared fixtures: the bundled content, a real SQLite store in a temp folder, a service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bundled import bundled_dir
from bot.core.content import load_content
from bot.core.models import Content
from bot.core.service import Service
from bot.storage.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[1]
THREE_ROLES = REPO / "tests" / "fixtures" / "content_three_roles"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(bundled_dir("content"))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "pathbot.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
def service(content: Content, store: SqliteStore) -> Service:
    return Service(content, store)
