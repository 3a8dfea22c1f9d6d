"""Bolt verifies Slack's signature on /slack/events: bad requests get 401 and do nothing."""

from __future__ import annotations

import time

import pytest

from tests.adapters.slack.harness import SlackHarness
from tests.fakes.minimal_slack_app import SIGNING_SECRET
from tests.fakes.slack_requests import block_actions_body, post_body, sign, slash_command_body


def _headers(case: str, body: bytes) -> dict[str, str]:
    if case == "bad signature":
        return sign("not-the-signing-secret", body)
    if case == "stale timestamp":
        return sign(SIGNING_SECRET, body, int(time.time()) - 5 * 60 - 1)
    return {}  # missing signature


@pytest.mark.parametrize("case", ["bad signature", "stale timestamp", "missing signature"])
@pytest.mark.parametrize("kind", ["command", "button"])
async def test_unsigned_or_stale_requests_get_401_and_no_api_call(
    bot: SlackHarness, case: str, kind: str
) -> None:
    url = bot.fake.new_response_url()
    body = (slash_command_body("/quiz", response_url=url) if kind == "command"
            else block_actions_body("pb:start:abcdef", response_url=url))
    bot.fake.clear()  # start-up's auth.test
    status, _ = await post_body(bot.http, bot.url, body, _headers(case, body))
    assert status == 401
    assert bot.fake.calls() == []
    good = await bot.command("/compare", "math_depth")  # a good request after it still works
    assert good.payload["response_type"] == "in_channel"
    assert bot.fake.responses(url) == []


async def test_healthz_is_served_next_to_the_events_route(bot: SlackHarness) -> None:
    async with bot.http.get(bot.url.replace("/slack/events", "/healthz")) as resp:
        assert (resp.status, await resp.json()) == (200, {"ok": True})
