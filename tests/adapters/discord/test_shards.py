"""Shards across processes, on the fake Discord: two adapters sharing one database (as two
`pathbot run` processes would), shards 0 and 1 of 2, four guilds, a quiz in each.

The fake refuses an IDENTIFY that comes within `identify_window` of another in its bucket
(as Discord does, with op 9), so the coordination through the store is tested, not assumed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.discord import DiscordAdapter
from bot.config import load_config
from bot.core.models import Content
from bot.core.ports import Store
from bot.core.service import Service
from tests.adapters.discord.conftest import TOKEN, title
from tests.adapters.discord.shards import (
    GUILDS,
    JSON,
    WINDOW,
    answer,
    quiz_in,
    shard_that_got,
    sharded_fake,
)
from tests.db import open_db
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.minimal_discord_bot import FAST_GUILD_READY_TIMEOUT


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with sharded_fake() as fake:
        yield fake


class Cluster:
    """Processes on one database, each an adapter on some shards."""

    def __init__(self, fake: FakeDiscord, content: Content, db_url: str, tmp: Path) -> None:
        self.fake, self.content, self.db_url, self.tmp = fake, content, db_url, tmp
        self.running: dict[str, tuple[DiscordAdapter, Store]] = {}

    async def start(self, shard_ids: str) -> DiscordAdapter:
        store = await open_db(self.db_url)
        env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": self.fake.api_base,
               "DISCORD_GATEWAY_URL": self.fake.gateway_url, "PATHBOT_DB": self.db_url,
               "DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": shard_ids}
        adapter = DiscordAdapter(load_config(environ=env, cwd=self.tmp),
                                 Service(self.content, store),
                                 guild_ready_timeout=FAST_GUILD_READY_TIMEOUT,
                                 tally_interval=0.2, identify_spacing=WINDOW + 0.2)
        self.running[shard_ids] = (adapter, store)
        await adapter.start()
        return adapter

    async def stop(self, shard_ids: str) -> None:
        adapter, store = self.running.pop(shard_ids)
        await adapter.stop()
        await store.close()

    async def close(self) -> None:
        for shard_ids in list(self.running):
            await self.stop(shard_ids)


@pytest.fixture
async def cluster(fake: FakeDiscord, content: Content, db_url: str,
                  tmp_path: Path) -> AsyncIterator[Cluster]:
    made = Cluster(fake, content, db_url, tmp_path)
    try:
        yield made
    finally:
        await made.close()


async def test_two_processes_share_the_shards(
    fake: FakeDiscord, cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert [fake.shard_of(g) for g in GUILDS] == [0, 1, 0, 1]
    await asyncio.gather(cluster.start("0"), cluster.start("1"))  # at the same moment

    assert fake.refused_identifies == []
    assert len(fake.identifies) == 2
    assert fake.identifies[1][0] - fake.identifies[0][0] >= WINDOW
    syncs = fake.calls("PUT", f"/applications/{fake.application_id}/commands")
    assert len(syncs) == 1, syncs  # only shard 0's process syncs
    assert "not syncing commands: the process that runs shard 0 does" in caplog.text

    quizzes = {guild: await quiz_in(fake, guild) for guild in GUILDS}
    for guild, (_, private) in quizzes.items():
        assert title(await answer(fake, guild, private)).endswith("· 2/10")

    dm = await fake.press("pb:nope", guild=False)  # DMs come on shard 0, whoever's it is
    assert shard_that_got(fake, dm) == 0
    assert "not valid" in str((await fake.callback_for(dm))["data"]).lower()

    links = {link.shard: link.up for a, _ in cluster.running.values() for link in a.links()}
    assert links == {"0": True, "1": True}

    await cluster.stop("1")  # the process of shard 1 goes away mid-quiz…
    await cluster.start("1")  # …and comes back: its old buttons go on
    assert fake.refused_identifies == []
    assert fake.calls("PUT", f"/applications/{fake.application_id}/commands") == syncs
    for guild, (_, private) in quizzes.items():
        assert title(await answer(fake, guild, private)).endswith("· 3/10")


async def identify(ws: aiohttp.ClientWebSocketResponse, shard: list[int]) -> JSON:
    await ws.receive_json()  # HELLO
    await ws.send_str(json.dumps({"op": 2, "d": {
        "token": TOKEN, "intents": 1, "properties": {}, "shard": shard}}))
    message = await ws.receive(timeout=5)
    if message.type is aiohttp.WSMsgType.CLOSE:
        return {"closed": message.data}
    return dict(json.loads(message.data))


async def test_the_fake_refuses_identifies_that_break_the_bucket_rule(
    fake: FakeDiscord,
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(fake.gateway_url) as first, \
                http.ws_connect(fake.gateway_url) as second:
            assert (await identify(first, [0, 2]))["t"] == "READY"
            assert (await identify(second, [1, 2]))["op"] == 9  # the same bucket, too soon
        assert fake.refused_identifies[0][2].startswith("bucket 0")
        async with http.ws_connect(fake.gateway_url) as bad:
            assert (await identify(bad, [2, 2]))["closed"] == 4010  # no shard 2 of 2
        async with http.ws_connect(fake.gateway_url) as unsharded:
            await unsharded.receive_json()
            await unsharded.send_str(json.dumps({"op": 2, "d": {"token": TOKEN}}))
            assert (await unsharded.receive(timeout=5)).data == 4011  # sharding required
        response = await http.get(f"{fake.api_base}/gateway/bot",
                                  headers={"Authorization": f"Bot {TOKEN}"})
        body = await response.json()
    assert body["shards"] == 2 and body["session_start_limit"]["max_concurrency"] == 1
    assert body["session_start_limit"]["remaining"] == 999
