"""Fixtures: the fake Slack, an HTTP client, and pathbot's Slack adapter in HTTP mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack.harness import SlackHarness, all_payloads_valid, make_config
from tests.fakes.slack_fake import FakeSlack, clear_proxy_env


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_env(monkeypatch)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def bot(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[SlackHarness]:
    harness = await SlackHarness.start(fake, make_config(tmp_path, fake, admins="U0LISTED"),
                                       http)
    try:
        yield harness
    finally:
        await harness.stop()
    all_payloads_valid(fake)
