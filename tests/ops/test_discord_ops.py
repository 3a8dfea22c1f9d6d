"""A real `pathbot run` on the fake Discord: the shard in /readyz and /metrics, Discord
interactions counted, and readiness lost when the gateway is gone."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from tests.fakes.discord_fake import FakeDiscord
from tests.ops.promtext import samples, value
from tests.ops.test_logs import records
from tests.process import Pathbot, base_env

TOKEN = "test-token-abcdef123456"


async def test_discord_shard_readiness_and_metrics(
    http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    fake = FakeDiscord(token=TOKEN, heartbeat_interval_ms=200)
    await fake.start()
    try:
        env = base_env(db_url, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake.api_base,
                       DISCORD_GATEWAY_URL=fake.gateway_url, PATHBOT_LOG_FORMAT="json",
                       PATHBOT_LOG_LEVEL="DEBUG")
        bot = await Pathbot.start(env, tmp_path, ready=("discord",))
        try:
            assert await bot.get(http, "/readyz") == (200, json.dumps({"ready": True}))
            await fake.callback_for(await fake.slash("compare"))
            await fake.callback_for(await fake.press("pb:ans:nosuchsession:0:0"))
            text = await _metrics_with_latency(bot, http)
            await fake.stop()  # the gateway goes away: discord.py keeps reconnecting
            not_ready = await _until_not_ready(bot, http)
        finally:
            code = await bot.stop()
    finally:
        await fake.stop()
    assert code == 0, bot.text
    found = samples(text)
    assert value(found, "pathbot_up", platform="discord", shard="0") == 1
    assert value(found, "pathbot_interactions_total", platform="discord", kind="command",
                 outcome="ok") == 1
    assert value(found, "pathbot_interactions_total", platform="discord", kind="button",
                 outcome="refused") == 1
    assert ("pathbot_gateway_latency_seconds", frozenset({("shard", "0")})) in found
    assert not_ready == {"ready": False, "not_ready": ["discord shard 0"]}
    assert TOKEN not in bot.text
    closed = [r for r in records(bot.text) if r["logger"] == "bot.observe"]
    assert [(r["platform"], r["shard"], r["guild"], r.get("command") or r.get("verb"))
            for r in closed] == [("discord", "0", fake.guild_id, "/compare"),
                                 ("discord", "0", fake.guild_id, "ans")]
    assert all(r["interaction"].isdigit() and r["ms"] >= 0 for r in closed)


async def _metrics_with_latency(bot: Pathbot, http: aiohttp.ClientSession) -> str:
    """/metrics once a heartbeat was acknowledged (the latency is unknown before)."""
    async with asyncio.timeout(10):
        while True:
            status, text = await bot.get(http, "/metrics")
            assert status == 200
            if "pathbot_gateway_latency_seconds{" in text:
                return text
            await asyncio.sleep(0.05)


async def _until_not_ready(bot: Pathbot, http: aiohttp.ClientSession) -> object:
    async with asyncio.timeout(10):
        while True:
            status, body = await bot.get(http, "/readyz")
            if status == 503:
                return json.loads(body)
            await asyncio.sleep(0.05)


async def test_discord_drain_answers_new_work_restarting_and_finishes_the_rest(
    http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    fake = FakeDiscord(token=TOKEN)
    await fake.start()
    try:
        env = base_env(db_url, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake.api_base,
                       DISCORD_GATEWAY_URL=fake.gateway_url)
        bot = await Pathbot.start(env, tmp_path, ready=("discord",))
        try:
            # The DM of /path meets a 2 s rate limit: that command is in flight meanwhile.
            fake.rate_limit_next(r"/channels/\d+/messages", 2.0, method="POST")
            path = await fake.slash("path", {"role": "ml"})
            await fake.wait_for(lambda r: r.status == 429)
            bot.send()
            await bot.until(lambda text: "stopping: finishing" in text)
            late = await fake.callback_for(await fake.slash("compare"))
            code = await bot.wait()
            original = fake.original_message(path)
        finally:
            await bot.stop()
    finally:
        await fake.stop()
    assert code == 0, bot.text
    assert late["data"]["content"].endswith("pathbot is restarting; try again in a few seconds.")
    assert late["data"]["flags"] & 64  # privately
    assert original is not None and "Check your DMs" in json.dumps(original), original
    assert fake.dms_to(fake.user_id)  # the DM went out after the rate limit
