"""The one place that turns a failed handler into a private answer.

A DomainError is something the person can act on: its message is shown to them privately.
Anything else is a bug: logged with its traceback, and the person gets a short apology.
Whether the interaction was already answered or deferred decides how the text gets there.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

import discord

from bot import observe
from bot.adapters.discord.render import text_message
from bot.core.errors import user_text

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
P = ParamSpec("P")
S = TypeVar("S")

PRIVATE_DEFER = "pathbot.private_defer"  # key in Interaction.extras: deferred ephemerally
RESTARTING = "pathbot is restarting; try again in a few seconds."


def describe(interaction: Interaction) -> str:
    """What the person did, for logs: a command name or a button id (never a token)."""
    data: dict[str, Any] = dict(interaction.data or {})
    if interaction.type is discord.InteractionType.component:
        return f"button {data.get('custom_id')!r}"
    return f"/{data.get('name', '?')}"


def observed(interaction: Interaction) -> observe.Interaction:
    """The interaction's metrics, log context and in-flight count (bot/observe.py)."""
    data: Any = interaction.data or {}  # read only: no copy (this is on every press's path)
    count = interaction.client.shard_count or 1
    # Discord's routing: a guild's events come on shard (guild_id >> 22) % count, DMs on 0.
    shard = (interaction.guild_id >> 22) % count if interaction.guild_id else 0
    if interaction.type is discord.InteractionType.component:
        return observe.interaction(
            "discord", "button", shard=shard, guild=interaction.guild_id,
            interaction=interaction.id, verb=observe.verb_of(str(data.get("custom_id", ""))))
    return observe.interaction(
        "discord", "command", shard=shard, guild=interaction.guild_id,
        interaction=interaction.id, command=f"/{data.get('name', '?')}")


async def report(interaction: Interaction, exc: BaseException) -> None:
    observe.failed_by(exc)
    await tell(interaction, user_text(exc, describe(interaction)))


async def tell(interaction: Interaction, text: str) -> None:
    """Show `text` to the person privately, however far the interaction got; never raises."""
    content = text_message(text)
    response = interaction.response
    try:
        if not response.is_done():
            await response.send_message(content, ephemeral=True)
        elif response.type is not discord.InteractionResponseType.deferred_channel_message:
            await interaction.followup.send(content, ephemeral=True)
        elif interaction.extras.get(PRIVATE_DEFER):
            await interaction.edit_original_response(content=content, embeds=[], view=None)
        else:  # a public "thinking…" message: remove it, answer privately
            await interaction.delete_original_response()
            await interaction.followup.send(content, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not answer %s privately: %s", describe(interaction), exc)


def reported(
    handler: Callable[Concatenate[S, Interaction, P], Awaitable[None]],
) -> Callable[Concatenate[S, Interaction, P], Coroutine[Any, Any, None]]:
    """Run a handler; whatever it raises is reported to the person (see `report`)."""

    @functools.wraps(handler)
    async def wrapper(self: S, interaction: Interaction, /, *args: P.args, **kw: P.kwargs) -> None:
        with observed(interaction):
            if observe.draining():  # new work while pathbot shuts down: a clear answer
                observe.refused()
                await tell(interaction, RESTARTING)
                return
            try:
                await handler(self, interaction, *args, **kw)
            except Exception as exc:
                await report(interaction, exc)

    return wrapper
