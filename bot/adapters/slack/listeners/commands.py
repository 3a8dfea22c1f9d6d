"""Slash commands from the core's table (bot/core/commands.py): ack first, then run, deliver
(the work after the ack in its own task: listeners/after_ack.py).

PUBLIC commands answer in the channel; a new quiz card is posted with chat.postMessage
(its `ts` is what chat.update edits later); PRIVATE ones answer the person only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import observe
from bot.adapters.slack.context import Origin, from_command
from bot.adapters.slack.delivery import Delivery
from bot.adapters.slack.listeners.after_ack import run_after_ack
from bot.core.commands import Audience, Command, Invocation, Visibility
from bot.core.service import Service

Ack = Callable[[], Awaitable[None]]
Listener = Callable[[Ack, dict[str, Any]], Awaitable[None]]


def register(app: AsyncApp, service: Service, out: Delivery) -> None:
    for row in service.commands:
        app.command(f"/{row.name}")(_listener(row, service, out))


def _listener(row: Command, service: Service, out: Delivery) -> Listener:
    # bolt passes arguments by parameter name: keep `ack` and `body`.
    async def listener(ack: Ack, body: dict[str, Any]) -> None:
        origin = from_command(body)

        async def work(ack: Ack) -> None:
            with observe.interaction("slack", "command", team=origin.place.scope,
                                     command=f"/{row.name}"):
                await ack()
                async with out.guard(origin, f"/{row.name}"):
                    await _run(row, service, out, origin, str(body.get("text") or "").strip())

        await run_after_ack(ack, work)

    return listener


async def _run(row: Command, service: Service, out: Delivery, origin: Origin, text: str) -> None:
    admin = row.audience is Audience.ADMINS and await out.is_admin(origin.user_id)
    reply = await row.invoke(service, Invocation(origin.user, origin.place, text or None, admin))
    if reply.quiz_card_id is not None:
        ts = await out.post(origin.channel_id, reply.card)
        await service.attach_message(reply.quiz_card_id, origin.channel_id, ts)
    elif row.visibility is Visibility.PUBLIC:
        await out.in_channel(origin, reply.card)
    else:
        await out.reply(origin, await out.with_image(origin, reply))
