"""Slash commands registered from the core's command table (bot/core/commands.py).

Each row becomes an app command: its description, its argument (fixed choices or
autocompletion from the content, so a new role or dimension is a YAML edit; choices are
re-synced at start), and for admin commands Manage Server as the default permission.
Every callback hands over to `Handlers.command`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.handlers import Handlers
from bot.adapters.discord.render import clip
from bot.core.commands import Audience, Command, Source
from bot.core.service import Service

Interaction = discord.Interaction[Any]
AppCommand = app_commands.Command[Any, ..., None]
CHOICES = 25  # Discord's limit on choices and autocomplete results
CHOICE_NAME = 100


def _choices(pairs: list[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=clip(name, CHOICE_NAME), value=value[:CHOICE_NAME])
            for name, value in pairs[:CHOICES]]


def build_commands(h: Handlers, service: Service) -> list[AppCommand]:
    return [_app_command(row, h, service) for row in service.commands]


def _app_command(row: Command, h: Handlers, service: Service) -> AppCommand:
    callback = _callback(row, h)
    arg = row.argument
    if arg is not None:  # the callback's parameter is `value`: shown under the row's name
        callback = app_commands.rename(value=arg.name)(callback)
        callback = app_commands.describe(value=arg.description)(callback)
        if arg.source is not None and arg.fixed:
            listed = _choices(service.suggestions(arg.source))
            callback = app_commands.choices(value=listed)(callback)
        elif arg.source is not None:
            callback = app_commands.autocomplete(value=_autocomplete(service, arg.source))(
                callback)
    command: AppCommand = app_commands.command(name=row.name, description=row.description)(
        callback)
    if row.audience is Audience.ADMINS:
        command = app_commands.guild_only(app_commands.default_permissions(manage_guild=True)(
            command))
    return command


Callback = Callable[..., Coroutine[Any, Any, None]]


def _callback(row: Command, h: Handlers) -> Callback:
    """A callback of the shape discord.py reads the option from: none, optional, required."""
    if row.argument is None:
        async def plain(interaction: Interaction) -> None:
            await h.command(interaction, row, None)
        return plain
    if row.argument.required:
        async def required(interaction: Interaction, value: str) -> None:
            await h.command(interaction, row, value)
        return required

    async def optional(interaction: Interaction, value: str | None = None) -> None:
        await h.command(interaction, row, value)
    return optional


def _autocomplete(
    service: Service, source: Source,
) -> Callable[[Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    async def suggest(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(service.suggestions(source, current))
    return suggest
