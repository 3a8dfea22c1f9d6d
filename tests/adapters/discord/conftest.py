"""The real DiscordAdapter, on a real database (`db_url`: a SQLite file, or a PostgreSQL
schema in the PostgreSQL pass), driven through the fake Discord.

`bot` starts the adapter built from load_config(environ=...) exactly as `pathbot run`
would, against FakeDiscord on 127.0.0.1; at the end it stops the adapter before the fake
and checks that Discord never refused a payload (the fake validates every limit).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.bootstrap import open_store
from bot.config import load_config
from bot.core.commands import COMMANDS, Command
from bot.core.models import Content
from bot.core.ports import Store
from bot.core.service import Service
from tests.db import raw
from tests.fakes.discord_fake import (
    EPHEMERAL,
    MANAGE_GUILD_PERMISSIONS,
    WAIT,
    FakeDiscord,
    SentInteraction,
    custom_ids,
)
from tests.fakes.minimal_discord_bot import FAST_GUILD_READY_TIMEOUT, discord_endpoints

TOKEN = "test-token-abcdef123456"
ALICE, BOB = 1_400_000_000_000_000_001, 1_400_000_000_000_000_002
JSON = dict[str, Any]


class Harness:
    """One adapter (or several, one after another) on one fake and one database."""

    def __init__(self, fake: FakeDiscord, content: Content, tmp: Path,
                 env: dict[str, str]) -> None:
        self.fake = fake
        self.content = content
        self.tmp = tmp
        self.env = env
        self.adapters: list[DiscordAdapter] = []
        self.stores: list[Store] = []

    @property
    def db(self) -> str:
        """The database, as PATHBOT_DB names it."""
        return self.env["PATHBOT_DB"]

    async def start(self, commands: tuple[Command, ...] = COMMANDS,
                    **options: Any) -> DiscordAdapter:
        """A new Service (with this command table) on the database, opened as `pathbot run`
        opens it, and a new adapter; returns once it is ready."""
        config = load_config(environ=self.env, cwd=self.tmp)
        store = await open_store(config)
        self.stores.append(store)
        options.setdefault("guild_ready_timeout", FAST_GUILD_READY_TIMEOUT)
        options.setdefault("tally_interval", 0.2)
        service = Service(self.content, store, commands=commands)
        adapter = DiscordAdapter(config, service, **options)
        await adapter.start()
        self.adapters.append(adapter)
        return adapter

    @property
    def service(self) -> Service:
        return self.adapters[-1].service

    async def close(self) -> None:
        for adapter in self.adapters:
            await adapter.stop()
        for store in self.stores:
            await store.close()

    # -- driving ---------------------------------------------------------------------------

    async def reply(self, sent: SentInteraction, timeout: float = WAIT) -> JSON:
        """What the person sees: the callback's message, or the deferred message once edited."""
        callback = await self.fake.callback_for(sent, timeout)
        if callback["type"] in (4, 7):
            return dict(callback.get("data") or {})
        path = f"/webhooks/{self.fake.application_id}/{sent.token}/messages/@original"
        await self.fake.wait_for(lambda r: r.method == "PATCH" and r.path == path, timeout)
        message = self.fake.original_message(sent)
        assert message is not None
        return message

    async def refusal(self, sent: SentInteraction) -> str:
        """The private text answer to an interaction (a refusal or an apology)."""
        callback = await self.fake.callback_for(sent)
        if callback["type"] == 4:
            data = callback["data"]
        else:
            data = (await self.fake.followups_for(sent))[0]
        assert data["flags"] & EPHEMERAL, data
        return str(data["content"])

    async def post_quiz(self) -> str:
        """Run /quiz; the id of the public quiz message."""
        sent = await self.fake.slash("quiz")
        await self.reply(sent)
        message = self.fake.original_message(sent)
        assert message is not None and not message["flags"] & EPHEMERAL
        await self.until(self.card_posted)
        return str(message["id"])

    async def press(self, custom_id: str, message_id: str, user: int = ALICE) -> SentInteraction:
        return await self.fake.press(custom_id, message_id, user_id=user)

    async def start_quiz(self, quiz_message: str, user: int = ALICE) -> tuple[str, JSON]:
        """Press Start: the id of the private message and the first question on it."""
        start = buttons(self.fake.messages[quiz_message])[0]
        sent = await self.press(start, quiz_message, user)
        question = await self.reply(sent)
        private = self.fake.original_message(sent)
        assert private is not None and private["flags"] & EPHEMERAL
        return str(private["id"]), question

    async def answer(self, private: str, option: int = 0, user: int = ALICE) -> JSON:
        choice = buttons(self.fake.messages[private])[option]
        return await self.reply(await self.press(choice, private, user))

    async def finish(self, private: str, user: int = ALICE) -> JSON:
        """Answer every remaining question with the first option; the result card."""
        while True:
            shown = await self.answer(private, 0, user)
            if title(shown).startswith("Your result"):
                return shown

    async def admin_slash(self, name: str) -> SentInteraction:
        return await self.fake.slash(name, permissions=MANAGE_GUILD_PERMISSIONS)

    @staticmethod
    async def until(condition: Callable[[], bool | Awaitable[bool]], timeout: float = WAIT) -> None:
        import asyncio

        async with asyncio.timeout(timeout):
            while True:
                value = condition()
                if value if isinstance(value, bool) else await value:
                    return
                await asyncio.sleep(0.01)

    # -- the database, read directly ---------------------------------------------------------

    async def count(self, table: str) -> int:
        return int((await raw(self.db, f"SELECT count(*) FROM {table}"))[0][0])

    async def card_refs(self) -> list[str]:
        return [str(ref) for (ref,) in await raw(self.db, "SELECT message_ref FROM quiz_cards")]

    async def card_posted(self) -> bool:
        """The quiz card's message is stored (its ref is set once the message exists)."""
        return await self.card_refs() != [""]


def buttons(message: JSON) -> list[str]:
    return list(custom_ids(message.get("components") or []))


def title(message: JSON) -> str:
    embeds = message.get("embeds") or [{}]
    return str(embeds[0].get("title") or "")


def text_of(message: JSON) -> str:
    """Every text of a message (content, embed titles, descriptions, fields, footers)."""
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(token=TOKEN) as fake:
        with discord_endpoints(fake):  # restores Route.BASE and DEFAULT_GATEWAY afterwards
            yield fake


@pytest.fixture
def env(fake: FakeDiscord, db_url: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "PATHBOT_DB": db_url,
    }


@pytest.fixture
async def harness(
    fake: FakeDiscord, content: Content, tmp_path: Path, env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Harness]:
    """Not started: tests that need options call `await harness.start(...)` themselves."""
    caplog.set_level(logging.INFO)
    made = Harness(fake, content, tmp_path, env)
    try:
        yield made
    finally:
        await made.close()
    refused = [f"{r.method} {r.path} {r.json}" for r in fake.requests if r.status == 400]
    assert not refused, refused
    assert TOKEN not in caplog.text


@pytest.fixture
async def bot(harness: Harness) -> Harness:
    await harness.start()
    return harness
