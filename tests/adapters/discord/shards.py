"""Shared by the shard tests: a fake Discord with two shards and four guilds, and the quiz
steps in one guild (checking that the right shard got each interaction)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.adapters.discord.conftest import TOKEN, buttons
from tests.fakes.discord_fake import EPHEMERAL, FakeDiscord, SentInteraction
from tests.fakes.minimal_discord_bot import discord_endpoints

WINDOW = 0.5  # the fake's identify window; the adapters space theirs a little more
GUILDS = [((300_000_000_000 + i) << 22) | 7 for i in range(4)]  # shards 0, 1, 0, 1 of 2
JSON = dict[str, Any]



@asynccontextmanager
async def sharded_fake(identify_window: float = WINDOW) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN, shards=2, identify_window=identify_window) as fake:
        for guild in GUILDS:
            fake.add_guild(guild)
        with discord_endpoints(fake):
            yield fake


async def reply(fake: FakeDiscord, sent: SentInteraction) -> JSON:
    callback = await fake.callback_for(sent)
    if callback["type"] in (4, 7):
        return dict(callback.get("data") or {})
    path = f"/webhooks/{fake.application_id}/{sent.token}/messages/@original"
    await fake.wait_for(lambda r: r.method == "PATCH" and r.path == path)
    message = fake.original_message(sent)
    assert message is not None
    return message


def shard_that_got(fake: FakeDiscord, sent: SentInteraction) -> int:
    dispatch = next(d for d in fake.dispatches if d.payload is sent.payload)
    connection = next(c for c in fake.connections if c.id == dispatch.connection_id)
    assert connection.session is not None
    return int(connection.session.identify["shard"][0])


async def quiz_in(fake: FakeDiscord, guild: int) -> tuple[str, str]:
    """/quiz in the guild, then Start: (public card id, private question message id)."""
    fake.use_guild(guild)
    command = await fake.slash("quiz")
    await reply(fake, command)
    assert shard_that_got(fake, command) == fake.shard_of(guild)
    card = fake.original_message(command)
    assert card is not None and not card["flags"] & EPHEMERAL
    start = await fake.press(buttons(card)[0], card["id"])
    await reply(fake, start)
    private = fake.original_message(start)
    assert private is not None
    return str(card["id"]), str(private["id"])


async def answer(fake: FakeDiscord, guild: int, private: str) -> JSON:
    fake.use_guild(guild)
    pressed = await fake.press(buttons(fake.messages[private])[0], private)
    assert shard_that_got(fake, pressed) == fake.shard_of(guild)
    return await reply(fake, pressed)
