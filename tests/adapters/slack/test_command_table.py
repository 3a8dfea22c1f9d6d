"""A new row of the command table is registered and answered on Slack with no adapter code."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.adapters.slack.manifest import manifest
from tests.adapters.slack.harness import SlackHarness, make_config, text_of
from tests.fakes.slack_fake import FakeSlack
from tests.fixtures.throwaway_command import WITH_ECHO


async def test_a_throwaway_command_is_registered_and_answers(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    config = make_config(tmp_path, fake, db_url)
    bot = await SlackHarness.start(fake, config, http, commands=WITH_ECHO)
    try:
        answer = await bot.command("/echo", "hi")
    finally:
        await bot.stop()
    assert answer.payload["response_type"] == "ephemeral"
    assert "echo: hi" in text_of(answer.payload)
    listed = manifest(WITH_ECHO)
    assert "- command: /echo" in listed and 'usage_hint: "[word, e.g. hello]"' in listed
