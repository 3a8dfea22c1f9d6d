"""The Discord adapter: slash commands, the in-channel button quiz, DMs (see docs/discord.md)."""

from bot.adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
