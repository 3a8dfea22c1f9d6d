"""What each slash command and button does: parse, call the service, deliver. A few lines each.

Every handler is `@reported`: a DomainError becomes its private message, anything else a
logged traceback and a private apology (errors.py).
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.adapters.discord.delivery import Direct, Mode, Responder, Tally, token_gone
from bot.adapters.discord.errors import reported
from bot.core.actions import replaces_message
from bot.core.cards import Card, Image, Reply
from bot.core.commands import Audience, Command, Invocation, Visibility
from bot.core.models import Place, UserRef
from bot.core.service import Service

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
PLATFORM = "discord"


def user_of(interaction: Interaction) -> UserRef:
    return UserRef(PLATFORM, "", str(interaction.user.id))  # Discord user ids are global


def place_of(interaction: Interaction) -> Place:
    return Place(PLATFORM, str(interaction.guild_id or ""), str(interaction.channel_id or ""))


def is_admin(interaction: Interaction) -> bool:
    """Manage Server in this guild (the command's default permission is checked again here)."""
    return interaction.guild_id is not None and interaction.permissions.manage_guild


class Handlers:
    def __init__(self, service: Service, responder: Responder, tally: Tally) -> None:
        self.service = service
        self.out = responder
        self.tally = tally
        self.direct = Direct(service)

    @reported
    async def command(self, interaction: Interaction, row: Command, argument: str | None) -> None:
        """Any slash command of the core's table: public or private as its row says."""
        admin = row.audience is Audience.ADMINS and is_admin(interaction)
        invocation = Invocation(user_of(interaction), place_of(interaction), argument, admin)
        mode = Mode.PUBLIC if row.visibility is Visibility.PUBLIC else Mode.PRIVATE
        work = self._command(interaction, row, invocation)
        reply, card = await self.out.within_budget(interaction, work, mode)
        message_id = await self._show(interaction, card, mode, reply.image)
        if reply.quiz_card_id is not None and message_id is not None:
            await self.service.attach_message(reply.quiz_card_id, str(interaction.channel_id),
                                              str(message_id))

    async def _show(
        self, interaction: Interaction, card: Card, mode: Mode, image: Image | None
    ) -> int | None:
        """The card with its image; if Discord refuses the file, the card alone (the text
        says the same)."""
        if image is None:
            return await self.out.show(interaction, card, mode)
        try:
            return await self.out.show(interaction, card, mode, image)
        except discord.HTTPException as exc:
            if token_gone(exc):
                raise
            log.warning("discord refused the %s attachment (HTTP %s, code %s): sending the "
                        "text alone", image.filename, exc.status, exc.code)
            return await self.out.show(interaction, card, mode)

    async def _command(
        self, interaction: Interaction, row: Command, invocation: Invocation
    ) -> tuple[Reply, Card]:
        reply = await row.invoke(self.service, invocation)
        return reply, await self.direct.private_card(interaction.user, invocation.user, reply)

    @reported
    async def press(self, interaction: Interaction, action_id: str) -> None:
        """Any pathbot button: presses in the private flow edit it in place; Start, Share and
        the path button answer in a new private message (the result card keeps its buttons)."""
        mode = Mode.UPDATE if replaces_message(action_id) else Mode.PRIVATE
        reply, card = await self.out.within_budget(interaction, self._press(interaction, action_id),
                                                   mode)
        await self.out.show(interaction, card, mode)
        if reply.public is not None:
            await self.out.post_public(interaction, reply.public)
        for card_id in reply.refresh_cards:
            self.tally.refresh(card_id)

    async def _press(self, interaction: Interaction, action_id: str) -> tuple[Reply, Card]:
        user = user_of(interaction)
        mention = f"<@{interaction.user.id}>"
        reply = await self.service.press(user, action_id, place_of(interaction), mention)
        if reply.dm is None:  # nearly every press: no coroutine for Direct to say so
            return reply, reply.card
        return reply, await self.direct.private_card(interaction.user, user, reply)
