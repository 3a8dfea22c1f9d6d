"""`pathbot run` as an operator starts it: a subprocess in Slack HTTP mode, configured only
by environment variables, answering /healthz and a signed slash command, stopped by SIGTERM."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.fakes.minimal_slack_app import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import post_signed, slash_command_body
from tests.process import Pathbot, slack_env


async def test_pathbot_run_serves_slack_http_mode_until_sigterm(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    bot = await Pathbot.start(slack_env(fake, db_url), tmp_path)
    try:
        async with http.get(f"{bot.base}/healthz") as resp:
            assert (resp.status, await resp.json()) == (200, {"ok": True})

        url = fake.new_response_url()
        body = slash_command_body("/role", "ml", response_url=url)
        assert await post_signed(http, f"{bot.base}/slack/events", body,
                                 SIGNING_SECRET) == (200, "")
        answer = await fake.wait_for_response_url(url, timeout=10)
        assert answer.payload["response_type"] == "in_channel"
        assert "ML Engineer" in str(answer.payload["blocks"])
        bad = await post_signed(http, f"{bot.base}/slack/events", body, "not-the-secret")
        assert bad[0] == 401
    finally:
        await bot.stop()
    assert bot.proc.returncode == 0, bot.text
    assert BOT_TOKEN.encode() not in bot.log and SIGNING_SECRET.encode() not in bot.log
    assert [c.method for c in fake.calls()] == ["auth.test"]  # the start-up check only
