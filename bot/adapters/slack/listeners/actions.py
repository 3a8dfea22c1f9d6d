"""Button presses: every pathbot action id goes to one listener, which acks first (and
bolt answers Slack then: listeners/after_ack.py).

The service checks the presser, the question and the content version; the answer is
private: a new ephemeral message for Start, Share and the path button, the same one
replaced for presses inside a person's quiz flow. Ids that are not pathbot's (tampered
or foreign) get the service's "this button is not valid" message, privately.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import observe
from bot.adapters.slack.context import from_action, replaces_original
from bot.adapters.slack.delivery import Delivery
from bot.adapters.slack.listeners.after_ack import run_after_ack
from bot.core.actions import ANY_ACTION
from bot.core.service import Service

Ack = Callable[[], Awaitable[None]]
ANYTHING_ELSE = re.compile(r".*", re.DOTALL)


def register(app: AsyncApp, service: Service, out: Delivery) -> None:
    async def press(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        origin = from_action(body)
        action_id = str(action.get("action_id", ""))

        async def work(ack: Ack) -> None:
            with observe.interaction("slack", "button", team=origin.place.scope,
                                     verb=observe.verb_of(action_id)):
                await ack()
                async with out.guard(origin, "a button press"):
                    reply = await service.press(origin.user, action_id, origin.place,
                                                origin.mention)
                    await out.reply(origin, reply, replace=replaces_original(body, action_id))

        await run_after_ack(ack, work)

    app.action(ANY_ACTION)(press)
    app.action(ANYTHING_ELSE)(press)  # after ANY_ACTION: only what it did not take
