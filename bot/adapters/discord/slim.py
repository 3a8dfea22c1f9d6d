"""What discord.py would parse on every press that pathbot never reads (docs/discord.md, "Speed").

Two places, both cut down before discord.py builds objects from them, both leaving anything
that is not the shape we expect exactly as it came:

- the pressed message in INTERACTION_CREATE (`slim_pressed_messages`): discord.py turns the
  whole message (embeds, every button) into a Message and then a View, only to find the
  pressed button for the PathbotButton DynamicItem; pathbot reads its id and that button;
- the message Discord echoes back in the answer to an interaction (`SlimAnswers`):
  discord.py asks every callback `with_response=1` and parses the echo (embeds, buttons,
  author, mentions) into an InteractionMessage; pathbot only reads the message's id, and
  in answer to a press (every answer but a command's) does not ask for it at all.

And one thing discord.py leaves behind: every press is two reference cycles (`released`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

import discord
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.core.actions import ANY_ACTION

COMPONENT = 3  # interaction type of a button press
COMPONENTS_V2 = 1 << 15  # message flag: a layout discord.py parses differently; left alone
# Callbacks that edit (or will edit) the message whose button was pressed: its id is the
# press's, so the callback object is not asked for (Discord then answers 204, no body).
EDITS_PRESSED = (discord.InteractionResponseType.deferred_message_update.value,
                 discord.InteractionResponseType.message_update.value)
# True in the task of a press (`released`): nothing a press does reads which message its
# answer made (only a command does: /quiz keeps its card's id), so none of its callbacks
# asks for the callback object either, a new private message (Start) included.
IN_PRESS: ContextVar[bool] = ContextVar("pathbot_in_press", default=False)


def slim_pressed_messages(client: discord.Client) -> None:
    """Before discord.py parses a press of one of our buttons, keep only what is read of the
    pressed message: its id and flags and the pressed button.

    `_connection.parsers` is private API (pinned by discord.py<2.8), the same hook as the
    client's parser guard. PathbotButton is still the DynamicItem that gets the press.
    """
    parsers: dict[str, Callable[[Any], None]] = client._connection.parsers
    parse = parsers["INTERACTION_CREATE"]

    def parse_slim(data: Any) -> None:
        slim_press(data)
        parse(data)

    parsers["INTERACTION_CREATE"] = parse_slim


def slim_press(data: Any) -> None:
    """In place: a press of a pathbot button gets its message without embeds and with only
    the pressed button; anything else (not ours, odd shapes) is left as it came."""
    if not isinstance(data, dict) or data.get("type") != COMPONENT:
        return
    message, inner = data.get("message"), data.get("data")
    if not isinstance(message, dict) or not isinstance(inner, dict):
        return
    custom_id = inner.get("custom_id")
    if not isinstance(custom_id, str) or not ANY_ACTION.fullmatch(custom_id):
        return
    if int(message.get("flags") or 0) & COMPONENTS_V2:
        return
    pressed = _button(message.get("components"), custom_id)
    if pressed is not None:
        data["message"] = {**message, "embeds": [],
                           "components": [{"type": 1, "components": [pressed]}]}


def _button(rows: Any, custom_id: str) -> dict[str, Any] | None:
    for row in rows if isinstance(rows, list) else ():
        for item in row.get("components", ()) if isinstance(row, dict) else ():
            if isinstance(item, dict) and item.get("custom_id") == custom_id:
                return item
    return None


class SlimAnswers(AsyncWebhookAdapter):
    """discord.py's webhook adapter, minus the parsing of echoed messages pathbot never reads.

    Every answer to an interaction (send_message, edit_message, defer) comes back with the
    whole message when discord.py asks `with_response=1` (it always does, 2.7), and it
    parses it into an InteractionMessage (an Embed per embed, a component per button, the
    author, mentions): for pathbot's cards about as much work as parsing the press itself.
    pathbot reads only `message_id` of the answer, which is in the callback's `interaction`
    part, so the echoed message is dropped before discord.py sees it; `resource.message`
    becomes None. An answer to a press (IN_PRESS), or any edit of a pressed message (also
    one answered outside `released`), does not ask for the callback object at all
    (`with_response`): Discord answers 204, and discord.py is handed the callback it would
    have read, without the message (`bare_callback`). The edit of a deferred answer keeps
    its message but without embeds and buttons (pathbot reads its id). Installed per task
    through discord.py's own ContextVar (`async_context`), so only what the client's task
    starts uses it: `use_slim_answers`.
    """

    async def create_interaction_response(
        self, interaction_id: int, token: str, *, session: Any, params: Any, **proxy: Any
    ) -> Any:
        payload = params.payload
        kind = payload.get("type") if isinstance(payload, dict) else None
        if params.files or not isinstance(kind, int) or not (
                kind in EDITS_PRESSED or IN_PRESS.get()):
            return without_echo(await super().create_interaction_response(
                interaction_id, token, session=session, params=params, **proxy))
        route = Route("POST", "/interactions/{webhook_id}/{webhook_token}/callback",
                      webhook_id=interaction_id, webhook_token=token)
        await self.request(route, session, payload=payload, **proxy)  # errors as discord.py's
        return bare_callback(interaction_id, kind)

    async def edit_original_interaction_response(self, *args: Any, **kwargs: Any) -> Any:
        return without_content(
            await super().edit_original_interaction_response(*args, **kwargs))


def use_slim_answers() -> None:
    """Answer interactions through SlimAnswers in this task and every task it starts (a
    ContextVar: tasks copy the context they are created in)."""
    async_context.set(SlimAnswers())  # type: ignore[no-untyped-call]  # discord.py's __init__


def bare_callback(interaction_id: int, kind: int) -> dict[str, Any]:
    """The callback object Discord would have sent, without its message (for discord.py's
    InteractionCallbackResponse)."""
    return {"interaction": {"id": str(interaction_id)}, "resource": {"type": kind}}


def without_echo(data: Any) -> Any:
    """The callback's answer without `resource.message`; anything else as it came."""
    resource = data.get("resource") if isinstance(data, dict) else None
    if isinstance(resource, dict) and isinstance(resource.get("message"), dict):
        data["resource"] = {k: v for k, v in resource.items() if k != "message"}
    return data


def without_content(data: Any) -> Any:
    """A message without its embeds and buttons (the rest, its id first, as it came)."""
    if isinstance(data, dict) and "id" in data:
        return {**data, "embeds": [], "components": []}
    return data


def released(interaction: discord.Interaction[Any],
             work: Coroutine[Any, Any, None]) -> Coroutine[Any, Any, None]:
    """`work` as a press (IN_PRESS: its answers ask for no callback object), then the
    press's Interaction let go of its InteractionResponse.

    discord.py's Interaction caches its response object, which points back at it: a cycle
    that keeps the whole press (its Message, Member, User, payload, about 30 objects) until
    a collection of the generation it reached finds it. In a burst most presses outlive
    two young collections, so every press ended as garbage for a full collection to walk
    (0.2 s for a burst of 7,000 here). Dropping the cached response after the press (the
    `_cs_response` slot, discord.py's private cache, pinned <2.8) lets reference counting
    free it all at once. Nothing reads the response after the handler: discord.py's
    View._scheduled_task returns when the callback does."""

    async def then_release() -> None:
        IN_PRESS.set(True)  # in this press's own task (discord.py starts one per press)
        try:
            await work
        finally:
            with contextlib.suppress(AttributeError):  # never answered: nothing cached
                del interaction._cs_response  # type: ignore[attr-defined]
    return then_release()
