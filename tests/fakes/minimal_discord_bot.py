"""A minimal discord.py client for the fake Discord, and helpers to run any client against it.

``MinimalBot`` answers every interaction with one constant ephemeral message; benchmarks use
it as the baseline (the cost of discord.py plus the fake, without pathbot's work).
``FloorBot`` does the least pathbot's job needs from discord.py, and none of pathbot's own
work: what a press costs any bot that answers DynamicItem buttons with a card.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterator
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord.client import http_connector
from bot.adapters.discord.render import CardView, Rendered
from bot.adapters.discord.slim import slim_pressed_messages, use_slim_answers
from bot.core.actions import ANY_ACTION
from tests.fakes.discord_fake import FakeDiscord

log = logging.getLogger(__name__)

FAST_GUILD_READY_TIMEOUT = 0.05  # seconds discord.py waits for more GUILD_CREATEs before ready


class MinimalBot(discord.Client):
    """Answers every interaction with ``reply``, ephemeral; autocomplete gets no choices."""

    def __init__(self, reply: str = "ok", **options: Any) -> None:
        options.setdefault("intents", discord.Intents.default())  # no privileged intents
        options.setdefault("guild_ready_timeout", FAST_GUILD_READY_TIMEOUT)
        super().__init__(**options)
        self.reply = reply
        self.answered = 0

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            await interaction.response.send_message(self.reply, ephemeral=True)
        self.answered += 1


class FloorButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANY_ACTION):
    """Every pathbot-shaped button id; Start gets a new private card, any other press
    replaces the message it is on with the card."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> FloorButton:
        return cls(item)  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        card = FLOOR_CARD.send_kwargs()
        if self.item.custom_id and self.item.custom_id.startswith("pb:start:"):
            await interaction.response.send_message(ephemeral=True, **card)
        else:
            await interaction.response.edit_message(**card)


# A question card as pathbot renders one (an embed, four options and Back), built once.
FLOOR_CARD = Rendered(
    [discord.Embed(title="Question 2 of 10 · Building", description="How do you like to "
                   "work on a problem?", colour=0x5865F2).set_footer(text="Step 2 of 10")],
    CardView([{"type": 1, "components": [
        {"type": 2, "style": 2, "label": f"Option {i}", "custom_id": f"pb:ans:floor01:1:{i}"}
        for i in range(4)]}, {"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Back", "custom_id": "pb:back:floor01:1"}]}]))


class FloorBot(discord.Client):
    """The floor under pathbot on discord.py: a press dispatched to a DynamicItem and
    answered with a question card, through the same client options and the same trimming
    of what discord.py parses (bot/adapters/discord/slim.py) and the same render-only view;
    no store, no service, no metrics, no log context, no deadline."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("guild_ready_timeout", FAST_GUILD_READY_TIMEOUT)
        super().__init__(intents=discord.Intents(guilds=True), max_messages=None,
                         member_cache_flags=discord.MemberCacheFlags.none(),
                         allowed_mentions=discord.AllowedMentions.none(),
                         connector=http_connector(), **options)
        slim_pressed_messages(self)

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        use_slim_answers()
        await super().start(token, reconnect=reconnect)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FloorButton)


def point_discord_at(fake: FakeDiscord) -> None:
    """Point discord.py's process-global REST base and gateway URL at the fake."""
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)


@contextlib.contextmanager
def discord_endpoints(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py at the fake for the block, then restore the previous endpoints."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    point_discord_at(fake)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


async def start_client(
    client: discord.Client, token: str, fake: FakeDiscord, *, timeout: float = 10.0
) -> asyncio.Task[None]:
    """Log ``client`` in against the fake and return its running task once it is ready.

    Sets the endpoints with :func:`point_discord_at` (use :func:`discord_endpoints` around the
    test to restore them). If the client fails before it is ready, its exception is raised.
    """
    point_discord_at(fake)
    task = asyncio.create_task(client.start(token), name=f"discord-client-{id(client)}")
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when="FIRST_COMPLETED")
    if ready in done:
        return task
    ready.cancel()
    if task in done:
        task.result()  # raises the client's exception
        raise RuntimeError("the client stopped before it was ready")
    await stop_client(client, task)
    raise TimeoutError(f"the client was not ready within {timeout}s")


async def stop_client(
    client: discord.Client, task: asyncio.Task[None], timeout: float = 5.0
) -> None:
    """Close the client and wait for its task; a task that already failed is not re-raised."""
    await client.close()
    try:
        await asyncio.wait_for(task, timeout)
    except TimeoutError:
        log.warning("the discord client did not stop within %ss; cancelled it", timeout)
    except Exception:
        log.debug("the discord client task had ended with an error", exc_info=True)


