"""`pathbot run` as an operator starts it: a subprocess in Slack HTTP mode, configured only
by environment variables, answering /healthz and a signed slash command, stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp

from tests.conftest import REPO
from tests.fakes.minimal_slack_app import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_fake import PROXY_ENV_VARS, FakeSlack
from tests.fakes.slack_requests import post_signed, slash_command_body

LISTENING = re.compile(rb"HTTP listener on http://127\.0\.0\.1:(\d+)")
STARTED = b"slack adapter started"
NOT_INHERITED = (*PROXY_ENV_VARS, "DISCORD_TOKEN", "SLACK_APP_TOKEN")


def run_env(fake: FakeSlack, tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    environ.update({
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PATHBOT_HTTP_HOST": "127.0.0.1",
        "PATHBOT_HTTP_PORT": "0",
        "PATHBOT_DB": str(tmp_path / "pathbot.sqlite3"),
        "PATHBOT_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(REPO),
    })
    return environ


async def read_until_started(stderr: asyncio.StreamReader, log: bytearray) -> int:
    """The port pathbot listens on, once its Slack adapter has started."""
    port = 0
    while STARTED not in log:
        line = await stderr.readline()
        if not line:
            raise AssertionError(f"pathbot run exited early:\n{log.decode()}")
        log.extend(line)
        found = LISTENING.search(line)
        port = int(found.group(1)) if found else port
    assert port, log.decode()
    return port


async def test_pathbot_run_serves_slack_http_mode_until_sigterm(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=run_env(fake, tmp_path),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    log = bytearray()
    try:
        port = await asyncio.wait_for(read_until_started(proc.stderr, log), 30)
        base = f"http://127.0.0.1:{port}"
        async with http.get(f"{base}/healthz") as resp:
            assert (resp.status, await resp.json()) == (200, {"ok": True})

        url = fake.new_response_url()
        body = slash_command_body("/role", "ml", response_url=url)
        assert await post_signed(http, f"{base}/slack/events", body, SIGNING_SECRET) == (200, "")
        answer = await fake.wait_for_response_url(url, timeout=10)
        assert answer.payload["response_type"] == "in_channel"
        assert "ML Engineer" in str(answer.payload["blocks"])
        bad = await post_signed(http, f"{base}/slack/events", body, "not-the-secret")
        assert bad[0] == 401
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(proc.communicate(), 30)
        log.extend(rest)
    assert proc.returncode == 0, log.decode()
    assert BOT_TOKEN.encode() not in log and SIGNING_SECRET.encode() not in log
    assert [c.method for c in fake.calls()] == ["auth.test"]  # the start-up check only
