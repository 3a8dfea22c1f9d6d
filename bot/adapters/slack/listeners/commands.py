"""Slash commands: ack first, then parse, call the service, deliver (private unless public).

/compare and /role answer in the channel; /quiz posts the public quiz card with
chat.postMessage (its `ts` is what chat.update edits later); the rest is private.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.context import from_command
from bot.adapters.slack.delivery import Delivery
from bot.core.service import Service

Ack = Callable[[], Awaitable[None]]
COMMANDS = ("/compare", "/role", "/quiz", "/results", "/path", "/forget", "/stats")


def _arg(body: dict[str, Any]) -> str | None:
    return str(body.get("text") or "").strip() or None


def register(app: AsyncApp, service: Service, out: Delivery) -> None:
    @app.command("/compare")
    async def compare(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        origin = from_command(body)
        async with out.guard(origin, "/compare"):
            await out.in_channel(origin, service.compare(_arg(body)))

    @app.command("/role")
    async def role(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        origin = from_command(body)
        async with out.guard(origin, "/role"):
            await out.in_channel(origin, service.role(_arg(body)))

    @app.command("/quiz")
    async def quiz(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        origin = from_command(body)
        async with out.guard(origin, "/quiz"):
            card_id, card = await service.open_quiz(origin.place)
            ts = await out.post(origin.channel_id, card)
            await service.attach_message(card_id, f"{origin.channel_id}:{ts}")

    @app.command("/results")
    async def results(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        origin = from_command(body)
        async with out.guard(origin, "/results"):
            await out.private(origin, await service.results(origin.user))

    @app.command("/path")
    async def path(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        origin = from_command(body)
        async with out.guard(origin, "/path"):
            await out.reply(origin, await service.path(origin.user, _arg(body)))

    @app.command("/forget")
    async def forget(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        origin = from_command(body)
        async with out.guard(origin, "/forget"):
            await out.private(origin, service.forget_prompt())

    @app.command("/stats")
    async def stats(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        origin = from_command(body)
        async with out.guard(origin, "/stats"):
            admin = await out.is_admin(origin.user_id)
            await out.private(origin, await service.stats(origin.place, admin))
