"""One DynamicItem for every pathbot button: the custom_id is the core's action id.

discord.py matches a pressed custom_id against ANY_ACTION and builds a PathbotButton from
it, whatever message it is on and whether or not this process sent that message, so the
buttons keep working after a restart: all state is in SQLite, keyed by the id. The id is
parsed and checked by the service (Service.press), not here: `from_custom_id` must not
fail (discord.py would drop the press without an answer), so a tampered id still reaches
the handler and gets its private "not valid" answer.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import discord

from bot.core.actions import ANY_ACTION

Interaction = discord.Interaction[Any]


@runtime_checkable
class PressHandler(Protocol):
    """What the client offers buttons: handle one press of the action id given."""

    async def handle_press(self, interaction: Interaction, action_id: str) -> None: ...


class PathbotButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANY_ACTION):
    def __init__(
        self,
        action_id: str,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, style=style, custom_id=action_id
        )
        super().__init__(button, row=row)
        self.action_id = action_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PathbotButton:
        return cls(match.string)

    async def callback(self, interaction: Interaction) -> None:
        client = interaction.client
        if isinstance(client, PressHandler):
            await client.handle_press(interaction, self.action_id)
