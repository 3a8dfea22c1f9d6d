"""Slash commands: ack first, then parse, call the service, deliver (private unless public).

/compare and /role answer in the channel; /quiz posts the public quiz card with
chat.postMessage (its `ts` is what chat.update edits later); the rest is private.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import observe
from bot.adapters.slack.context import Origin, from_command
from bot.adapters.slack.delivery import Delivery
from bot.core.service import Service

Ack = Callable[[], Awaitable[None]]
Listener = Callable[[Ack, dict[str, Any]], Awaitable[None]]
Handler = Callable[[Origin, str | None], Awaitable[None]]


def handlers(service: Service, out: Delivery) -> dict[str, Handler]:
    """What each command does once acked: its origin and its text (None when empty)."""

    async def compare(origin: Origin, arg: str | None) -> None:
        await out.in_channel(origin, service.compare(arg))

    async def role(origin: Origin, arg: str | None) -> None:
        await out.in_channel(origin, service.role(arg))

    async def quiz(origin: Origin, _arg: str | None) -> None:
        card_id, card = await service.open_quiz(origin.place)
        ts = await out.post(origin.channel_id, card)
        await service.attach_message(card_id, origin.channel_id, ts)

    async def results(origin: Origin, _arg: str | None) -> None:
        await out.private(origin, await service.results(origin.user))

    async def path(origin: Origin, arg: str | None) -> None:
        await out.reply(origin, await service.path(origin.user, arg))

    async def forget(origin: Origin, _arg: str | None) -> None:
        await out.private(origin, service.forget_prompt())

    async def stats(origin: Origin, _arg: str | None) -> None:
        admin = await out.is_admin(origin.user_id)
        await out.private(origin, await service.stats(origin.place, admin))

    return {"/compare": compare, "/role": role, "/quiz": quiz, "/results": results,
            "/path": path, "/forget": forget, "/stats": stats}


# The commands in the order the manifest lists them (tests/adapters/slack/test_manifest.py).
COMMANDS = ("/compare", "/role", "/quiz", "/results", "/path", "/forget", "/stats")


def register(app: AsyncApp, service: Service, out: Delivery) -> None:
    handle = handlers(service, out)
    if set(handle) != set(COMMANDS):  # a command without a handler, or the reverse
        raise RuntimeError(f"slash commands {sorted(handle)} != {sorted(COMMANDS)}")
    for name in COMMANDS:
        app.command(name)(_listener(name, handle[name], out))


def _listener(name: str, handle: Handler, out: Delivery) -> Listener:
    # bolt passes arguments by parameter name: keep `ack` and `body`.
    async def listener(ack: Ack, body: dict[str, Any]) -> None:
        origin = from_command(body)
        with observe.interaction("slack", "command", team=origin.place.scope, command=name):
            await ack()
            async with out.guard(origin, name):
                await handle(origin, str(body.get("text") or "").strip() or None)

    return listener
