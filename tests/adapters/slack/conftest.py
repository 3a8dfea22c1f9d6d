"""Fixtures: the fake Slack and an HTTP client (from tests/slack_fixtures.py), and pathbot's
Slack adapter in HTTP mode on `db_url` (SQLite, or PostgreSQL in the PostgreSQL pass)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack.harness import SlackHarness, all_payloads_valid, make_config
from tests.fakes.slack_fake import FakeSlack
from tests.slack_fixtures import _no_proxy, fake, http

__all__ = ["_no_proxy", "bot", "fake", "http"]


@pytest.fixture
async def bot(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> AsyncIterator[SlackHarness]:
    config = make_config(tmp_path, fake, db_url, admins="U0LISTED")
    harness = await SlackHarness.start(fake, config, http)
    try:
        yield harness
    finally:
        await harness.stop()
    all_payloads_valid(fake)
