"""One DynamicItem for every pathbot button: the custom_id is the core's action id; and one
for any other component, which gets a private "not valid".

discord.py matches a pressed custom_id against ANY_ACTION and builds a PathbotButton from
it, whatever message it is on and whether or not this process sent that message, so the
buttons keep working after a restart: all state is in SQLite, keyed by the id. The id is
parsed and checked by the service (Service.press), not here: `from_custom_id` must not
fail (discord.py would drop the press without an answer), so a tampered id still reaches
the handler and gets its private "not valid" answer.
"""

from __future__ import annotations

import re
from collections.abc import Coroutine
from typing import Any

import discord

from bot.adapters.discord.errors import report
from bot.core.actions import ANY_ACTION
from bot.core.errors import InvalidAction

Interaction = discord.Interaction[Any]
# Every custom_id that ANY_ACTION does not match: the two templates never match the same id,
# so a press is dispatched to exactly one of the two items.
NOT_OURS = re.compile(rf"(?!(?:{ANY_ACTION.pattern})\Z).*", re.DOTALL)


class PathbotButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANY_ACTION):
    def __init__(
        self,
        action_id: str,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
        *,
        pressed: discord.ui.Button[Any] | None = None,
    ) -> None:
        button = pressed or discord.ui.Button(label=label, style=style, custom_id=action_id)
        super().__init__(button, row=row)
        self.action_id = action_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PathbotButton:
        """Wraps the button discord.py already built from the pressed message (no second
        ui.Button per press); any other kind of item gets a fresh button."""
        pressed = item if isinstance(item, discord.ui.Button) else None
        return cls(match.string, pressed=pressed)

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        """Every press reaches the handler (the service checks who may press what);
        DynamicItem's own check would await the wrapped button's, which says the same."""
        return True

    def callback(self, interaction: Interaction) -> Coroutine[Any, Any, None]:
        """The handler's coroutine itself, which discord.py awaits: not a coroutine of
        our own around it, one frame less on every resume of a press."""
        # The client's `handle_press(interaction, action_id)` (PathbotClient). Looked up with
        # getattr: isinstance() against a runtime-checkable Protocol walks the protocol's
        # members on every call, a measurable part of a press.
        handle = getattr(interaction.client, "handle_press", None)
        # The View discord.py built around this press holds us and we hold it: a cycle
        # that would leave the press for a collection to find (slim.released says why that
        # matters). Nothing reads the view after its checks, which have run by now.
        if self.view is not None:
            self.view.clear_items()
        return _nothing() if handle is None else handle(interaction, self.action_id)


async def _nothing() -> None:
    """A press on a client that does not handle presses (none of pathbot's)."""


class ForeignComponent(discord.ui.DynamicItem[discord.ui.Item[Any]], template=NOT_OURS):
    """A component whose id is not a pathbot action (an old or foreign button): discord.py
    would leave it unanswered, so the person gets a private "not valid". A DynamicItem rather
    than `on_interaction`, which would start a task for every interaction, ours included."""

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ForeignComponent:
        return cls(item)

    async def callback(self, interaction: Interaction) -> None:
        await report(interaction, InvalidAction())
