"""The seven slash commands: names, descriptions, options, choices and permissions.

Each callback hands over to Handlers; dimension choices and role autocompletion come from
the content, so a new role or dimension is a YAML edit (choices are re-synced at start).
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.handlers import Handlers
from bot.adapters.discord.render import clip
from bot.core.service import Service

Interaction = discord.Interaction[Any]
Command = app_commands.Command[Any, ..., None]
CHOICES = 25  # Discord's limit on choices and autocomplete results
CHOICE_NAME = 100


def _choices(pairs: list[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=clip(name, CHOICE_NAME), value=value[:CHOICE_NAME])
            for name, value in pairs[:CHOICES]]


def build_commands(h: Handlers, service: Service) -> list[Command]:
    async def roles(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(service.role_choices(current))

    @app_commands.command(name="compare", description="The two roles side by side, or one "
                                                      "dimension of them")
    @app_commands.describe(dimension="Only this row of the comparison")
    @app_commands.choices(dimension=_choices(service.dimension_choices()))
    async def compare(interaction: Interaction, dimension: str | None = None) -> None:
        await h.compare(interaction, dimension)

    @app_commands.command(name="role", description="One role in detail")
    @app_commands.describe(role="The role to describe")
    @app_commands.autocomplete(role=roles)
    async def role(interaction: Interaction, role: str) -> None:
        await h.role(interaction, role)

    @app_commands.command(name="quiz", description="Post the “Which path fits you?” quiz here; "
                                                   "everyone answers privately")
    async def quiz(interaction: Interaction) -> None:
        await h.quiz(interaction)

    @app_commands.command(name="results", description="Your saved quiz results, newest first")
    async def results(interaction: Interaction) -> None:
        await h.results(interaction)

    @app_commands.command(name="path", description="A learning path by DM, for your latest "
                                                   "result or the role named")
    @app_commands.describe(role="A role (default: your latest result)")
    @app_commands.autocomplete(role=roles)
    async def path(interaction: Interaction, role: str | None = None) -> None:
        await h.path(interaction, role)

    @app_commands.command(name="forget", description="Delete everything pathbot stores about "
                                                     "you (asks first)")
    async def forget(interaction: Interaction) -> None:
        await h.forget(interaction)

    @app_commands.command(name="stats", description="How people in this server came out "
                                                    "(Manage Server only)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(interaction: Interaction) -> None:
        await h.stats(interaction)

    return [compare, role, quiz, results, path, forget, stats]
