"""What `pathbot run` needs from a chat adapter: start, stop, and optional HTTP routes."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from bot.core.cards import Card
from bot.core.dm import DmOutcome
from bot.core.models import UserRef
from bot.metrics import Link


class StartError(Exception):
    """The platform could not be reached at start-up (not a wrong setting: try again)."""


class Adapter(Protocol):
    name: str

    def routes(self) -> list[web.AbstractRouteDef]:
        """Routes to serve on the shared HTTP listener (empty if none)."""

    def links(self) -> list[Link]:
        """The state of each connection to the platform, now (/readyz, pathbot_up)."""

    async def start(self) -> None:
        """Connect and begin handling events; return once started (not when done)."""

    async def stop(self) -> None:
        """Disconnect and release resources; safe to call more than once."""

    async def send_dm(self, user: UserRef, card: Card) -> DmOutcome:
        """Send `card` to `user` by direct message, on this platform (reminders)."""

    async def wait_closed(self) -> None:
        """Return only when the adapter has ended on its own after start() (its platform
        closed the connection for good, say a revoked token); transient drops reconnect."""
