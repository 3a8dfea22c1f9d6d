"""Getting replies to people: acknowledge in time, show cards, DMs, the in-channel tally.

Acknowledging. Discord drops an interaction not answered within 3 s. Each handler does its
work (database, DMs) and answers with the result directly (one request) if the work is done
within `ack_budget` (1 s by default); otherwise a timer defers the interaction at the
budget, so Discord has its acknowledgement in time whatever the database does, and the card
follows by editing the deferred response. Every answer goes through `show`, which checks
`response.is_done()` first, so nothing is ever answered twice.

Where a card goes (Mode): PUBLIC a new channel message, PRIVATE a new ephemeral message,
UPDATE edits the message whose button was pressed (the private quiz flow, in place).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from contextvars import Context, copy_context
from enum import Enum
from functools import partial
from typing import Any, TypeVar

import aiohttp
import discord

from bot import metrics
from bot.adapters.discord.errors import PRIVATE_DEFER
from bot.adapters.discord.render import render
from bot.core.cards import Card, Image, Reply
from bot.core.coalesce import Coalescer
from bot.core.dm import DmOutcome
from bot.core.models import UserRef
from bot.core.records import QuizCard
from bot.core.service import Service

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
T = TypeVar("T")

DM_CLOSED = (50007, 50278)  # cannot send messages to this user / no mutual guild
TOKEN_GONE = (10062, 10015, 50027)  # unknown interaction / unknown webhook / invalid token


class Mode(Enum):
    PUBLIC = "public"
    PRIVATE = "private"
    UPDATE = "update"


def token_gone(exc: discord.HTTPException) -> bool:
    return exc.code in TOKEN_GONE


class Responder:
    def __init__(self, ack_budget: float = 1.0) -> None:
        self.ack_budget = ack_budget
        self.waiting = Deadlines(ack_budget, self._defer_late)

    async def within_budget(self, interaction: Interaction, work: Awaitable[T], mode: Mode) -> T:
        """The work's result; if it runs past the budget, the interaction is deferred meanwhile
        (by `waiting`: one timer for every interaction in flight, not one per press)."""
        self.waiting.add(interaction, mode)
        try:
            return await work
        finally:
            deferring = self.waiting.done(interaction)
            if deferring is not None:  # let the deferral finish first: then is_done() is true
                await deferring

    def _defer_late(self, interaction: Interaction, mode: Mode) -> asyncio.Task[None]:
        return asyncio.ensure_future(self.defer(interaction, mode))

    async def defer(self, interaction: Interaction, mode: Mode) -> None:
        response = interaction.response
        if response.is_done():
            return
        try:
            if mode is Mode.UPDATE:
                await response.defer()
            else:
                interaction.extras[PRIVATE_DEFER] = mode is Mode.PRIVATE
                await response.defer(ephemeral=mode is Mode.PRIVATE, thinking=True)
        except discord.HTTPException as exc:  # the answer will fail the same way: logged there
            log.warning("could not defer an interaction: %s", exc)

    async def show(
        self, interaction: Interaction, card: Card, mode: Mode, image: Image | None = None
    ) -> int | None:
        """Show the card (with `image` attached); the id of the message it is in, when known."""
        kwargs = render(card).send_kwargs()
        response = interaction.response
        if image is not None:  # a new message takes `file`; an edit, the full `attachments`
            file = discord.File(io.BytesIO(image.data), image.filename, description=image.alt)
            kwargs.update({"attachments": [file]} if response.is_done() or mode is Mode.UPDATE
                          else {"file": file})
        try:
            if response.is_done():
                if mode is Mode.UPDATE and "view" not in kwargs:
                    kwargs["view"] = None  # remove the buttons of the message we replace
                return (await interaction.edit_original_response(**kwargs)).id
            if mode is Mode.UPDATE:
                await response.edit_message(**{"view": None, **kwargs})
                return interaction.message.id if interaction.message else None
            sent = await response.send_message(ephemeral=mode is Mode.PRIVATE, **kwargs)
            return sent.message_id
        except discord.HTTPException as exc:
            if mode is Mode.PUBLIC and token_gone(exc):
                return await self.post_with_bot_token(interaction, kwargs)
            raise

    async def post_public(self, interaction: Interaction, card: Card) -> None:
        """A further public message in the channel (a shared result)."""
        kwargs = render(card).send_kwargs()
        try:
            await interaction.followup.send(**kwargs)
        except discord.HTTPException as exc:
            if not token_gone(exc):
                raise
            await self.post_with_bot_token(interaction, kwargs)

    async def post_with_bot_token(self, interaction: Interaction, kwargs: dict[str, Any]) -> int:
        """The interaction token expired: post in the channel as the bot instead."""
        log.info("interaction token expired; posting in the channel with the bot token")
        channel_id = interaction.channel_id or 0
        channel = interaction.client.get_partial_messageable(channel_id)
        message: discord.Message = await channel.send(**kwargs)
        return message.id


class Deadlines:
    """The interactions whose work is running, oldest first, each due `budget` seconds after
    it was added; `on_due` starts what to do with one that is due (its deferral).

    One timer for all of them, set for the oldest: a press adds and removes a dict entry
    instead of creating, scheduling and cancelling a timer of its own (this is on every
    press's path). The budget is the same for all, so the oldest is always due first.
    `on_due` runs in the context of the task that added the interaction, as a timer of its
    own would: its log lines carry that interaction's context (bot/observe.py).
    """

    def __init__(
        self, budget: float, on_due: Callable[[Interaction, Mode], asyncio.Task[None]]
    ) -> None:
        self.budget = budget
        self.on_due = on_due
        self.pending: dict[Interaction, tuple[float, Mode, Context]] = {}  # in the order added
        self.started: dict[Interaction, asyncio.Task[None]] = {}  # due, deferral running
        self.timer: asyncio.TimerHandle | None = None

    def add(self, interaction: Interaction, mode: Mode) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + self.budget
        self.pending[interaction] = (due, mode, copy_context())
        if self.timer is None:
            self.timer = loop.call_at(due, self._check)

    def done(self, interaction: Interaction) -> asyncio.Task[None] | None:
        """The work is over: the deferral started for it, if it was due."""
        self.pending.pop(interaction, None)
        return self.started.pop(interaction, None)

    def _check(self) -> None:
        """Start what is due; set the timer for the oldest that is not (if any)."""
        self.timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self.pending:
            interaction, (due, mode, context) = next(iter(self.pending.items()))
            if due > now:
                self.timer = loop.call_at(due, self._check)
                return
            del self.pending[interaction]
            self.started[interaction] = context.run(self.on_due, interaction, mode)


class Direct:
    """DMs: a card by direct message, or, when it cannot be sent, back privately."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def private_card(
        self, person: discord.User | discord.Member, user: UserRef, reply: Reply
    ) -> Card:
        """Send `reply.dm` (if any); the card to show privately afterwards."""
        if reply.dm is None:
            return reply.card
        outcome = await self.send(person, reply.dm)
        fallback = await self.service.after_dm(user, reply.dm, outcome)
        return reply.card if fallback is None else fallback

    @staticmethod
    async def to_user(client: discord.Client, user_id: str, card: Card) -> DmOutcome:
        """DM someone who is not in front of us (a reminder): by their user id."""
        try:
            channel = await client.create_dm(discord.Object(int(user_id)))
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("could not open a DM channel (%s): trying again later",
                        type(exc).__name__)
            metrics.dm("discord", DmOutcome.TRANSIENT.value)
            return DmOutcome.TRANSIENT
        return await Direct.send(channel, card)

    @staticmethod
    async def send(person: discord.abc.Messageable, card: Card) -> DmOutcome:
        """DM `card` (counted in pathbot_dm_total): a user, a member or a DM channel."""
        outcome = await Direct._send(person, card)
        metrics.dm("discord", outcome.value)
        return outcome

    @staticmethod
    async def _send(person: discord.abc.Messageable, card: Card) -> DmOutcome:
        """Only 403 with a known "cannot DM" code is CLOSED; any other failure is TRANSIENT."""
        try:
            await person.send(**render(card).send_kwargs())
        except discord.HTTPException as exc:
            if isinstance(exc, discord.Forbidden) and exc.code in DM_CLOSED:
                log.info("DMs closed for a Discord user (code %s): answering privately",
                         exc.code)
                return DmOutcome.CLOSED
            log.warning("a DM failed (HTTP %s, code %s): answering privately this time",
                        exc.status, exc.code)
            return DmOutcome.TRANSIENT
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("a DM failed (%s): answering privately this time", type(exc).__name__)
            return DmOutcome.TRANSIENT
        return DmOutcome.SENT


class Tally:
    """Edits of the public quiz card as people finish, coalesced per card; bot token."""

    def __init__(self, client: discord.Client, service: Service, interval: float) -> None:
        self.client = client
        self.service = service
        self.coalescer = Coalescer(interval)

    def refresh(self, card_id: str) -> None:
        self.coalescer.submit(card_id, partial(self._edit, card_id))

    async def _edit(self, card_id: str) -> None:
        if not await self.service.edit_quiz_card(card_id, self._edit_card):
            self.refresh(card_id)  # another process is editing it: again after the interval

    async def _edit_card(self, stored: QuizCard, card: Card) -> bool:
        channel_id, message_id = stored.location()
        if stored.platform != "discord" or not (channel_id.isdigit() and message_id.isdigit()):
            return False
        channel = self.client.get_partial_messageable(int(channel_id))
        await channel.get_partial_message(int(message_id)).edit(**render(card).send_kwargs())
        return True

    async def close(self, timeout: float = 5.0) -> None:
        """Send pending edits (bounded by `timeout`: a drain), then cancel what is left."""
        try:
            await asyncio.wait_for(self.coalescer.flush(), timeout)
        except TimeoutError:
            log.warning("discord: pending quiz card edits dropped at shutdown")
        await self.coalescer.close()
