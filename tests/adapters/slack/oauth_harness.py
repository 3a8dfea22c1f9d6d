"""pathbot's Slack adapter in OAuth mode (no SLACK_BOT_TOKEN) against the fake Slack: the
install page, the redirect, and requests from several workspaces."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bot.config import Config, load_config
from tests.adapters.slack.harness import SlackHarness
from tests.fakes.minimal_slack_app import SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import event_callback_payload, slash_command_body

STATE = re.compile(r"state=([A-Za-z0-9_\-]+)")
SECRET_KEY = Fernet.generate_key().decode()


def oauth_config(tmp_path: Path, fake: FakeSlack, db: str, **extra: str) -> Config:
    environ = {
        "SLACK_CLIENT_ID": fake.oauth.client_id,
        "SLACK_CLIENT_SECRET": fake.oauth.client_secret,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PATHBOT_HTTP_PORT": "0",
        "PATHBOT_DB": db,
        "PATHBOT_SECRET_KEY": SECRET_KEY,
        **extra,
    }
    return load_config(environ=environ, cwd=tmp_path)


def base_url(bot: SlackHarness) -> str:
    return bot.url.rsplit("/slack/", 1)[0]


async def get(bot: SlackHarness, path: str, **query: str) -> tuple[int, str]:
    async with bot.http.get(base_url(bot) + path, params=query,
                            allow_redirects=False) as resp:
        return resp.status, await resp.text()


async def fresh_state(bot: SlackHarness) -> str:
    """Open the install page as a person would: the state in its "Add to Slack" link."""
    status, page = await get(bot, "/slack/install")
    assert status == 200 and "Add to Slack" in page
    found = STATE.search(page)
    assert found is not None, page
    return found[1]


async def install(bot: SlackHarness, team: str) -> str:
    """The whole flow for `team`: install page, Slack's consent (the fake's code), redirect.
    The bot token Slack minted for the workspace."""
    state = await fresh_state(bot)
    status, page = await get(bot, "/slack/oauth_redirect", code=bot.fake.oauth.grant(team),
                             state=state)
    assert status == 200, page
    token = bot.fake.oauth.token_of(team)
    assert token is not None
    return token


async def event(bot: SlackHarness, team: str, body: dict[str, Any]) -> None:
    payload = json.dumps(event_callback_payload(body, team_id=team)).encode()
    assert await bot.post(payload, content_type="application/json") == (200, "")


async def quiz(bot: SlackHarness, team: str) -> str:
    """/quiz in `team`; the response_url it was given."""
    url = bot.fake.new_response_url()
    assert await bot.post(slash_command_body("/quiz", response_url=url, team_id=team)) \
        == (200, "")
    return url
