"""Two real `pathbot run` processes, shard ids 0 and 1 of 2, on one database (SQLite file or
a fresh PostgreSQL schema), four guilds on the fake Discord, a quiz in each: they start at
the same moment and take turns to IDENTIFY (the fake refuses a breach); one is killed with
SIGKILL mid-quiz and started again; the old buttons go on; commands are synced once."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.discord.conftest import TOKEN, title
from tests.adapters.discord.shards import GUILDS, answer, quiz_in, sharded_fake
from tests.fakes.discord_fake import FakeDiscord
from tests.process import Pathbot, base_env


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with sharded_fake(identify_window=5.0) as fake:  # Discord's own window
        yield fake


async def test_kill_one_process_mid_quiz_and_restart_it(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    def env(shard_ids: str) -> dict[str, str]:
        return base_env(db_url, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake.api_base,
                        DISCORD_GATEWAY_URL=fake.gateway_url, DISCORD_SHARD_COUNT="2",
                        DISCORD_SHARD_IDS=shard_ids)

    migrated = await Pathbot.start(env("0"), tmp_path, ready=("discord",))  # schema first
    bots = {"0": migrated}
    try:
        bots["1"] = await Pathbot.start(env("1"), tmp_path, ready=("discord",))
        assert fake.refused_identifies == []
        quizzes = {guild: await quiz_in(fake, guild) for guild in GUILDS}
        for guild, (_, private) in quizzes.items():
            assert title(await answer(fake, guild, private)).endswith("· 2/10")

        assert await bots["1"].stop(signal.SIGKILL) == -signal.SIGKILL
        bots["1"] = await Pathbot.start(env("1"), tmp_path, ready=("discord",))
        for guild, (_, private) in quizzes.items():
            assert title(await answer(fake, guild, private)).endswith("· 3/10")

        assert fake.refused_identifies == []
        gaps = [b[0] - a[0] for a, b in zip(fake.identifies, fake.identifies[1:], strict=False)]
        assert len(fake.identifies) == 3 and min(gaps) >= 5.0
        assert len(fake.calls("PUT", f"/applications/{fake.application_id}/commands")) == 1
        assert "not syncing commands" in bots["1"].text
        assert TOKEN not in bots["0"].text + bots["1"].text
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots.values()))
