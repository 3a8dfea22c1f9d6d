"""DiscordAdapter: what `pathbot run` starts when DISCORD_TOKEN is set (see Adapter)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
from aiohttp import web

from bot.adapters.base import StartError
from bot.adapters.discord.client import HTTP_CONNECTIONS, PathbotClient, set_endpoints
from bot.adapters.discord.delivery import Direct, Responder, Tally
from bot.adapters.discord.handlers import Handlers
from bot.adapters.discord.identify import SPACING
from bot.config import Config, ConfigError
from bot.core.cards import Card
from bot.core.dm import DmOutcome
from bot.core.models import UserRef
from bot.core.service import Service
from bot.metrics import Link

log = logging.getLogger(__name__)


class DiscordAdapter:
    """The bot on the gateway. Parameters after `service` are tuning knobs with safe defaults.

    - tally_interval: at most one edit of a public quiz card per this many seconds;
    - ack_budget: answer directly when the work takes less, else defer first (delivery.py);
    - guild_ready_timeout: discord.py's wait for more GUILD_CREATEs before it is ready;
    - max_ratelimit_timeout: the longest 429 wait discord.py sits out (min 30 s), beyond
      which the request fails instead of blocking;
    - ready_timeout: how long start() waits for login, command sync and READY of every
      shard, plus identify_spacing for each shard after the first (they take turns);
    - identify_spacing: seconds between IDENTIFYs of one bucket, across processes (identify.py);
    - http_connections: at most this many HTTP connections (plus one per shard) open to one
      Discord host; 0 for discord.py's none (client.py, HTTP_CONNECTIONS).
    """

    name = "discord"

    def __init__(
        self,
        config: Config,
        service: Service,
        *,
        tally_interval: float = 3.0,
        ack_budget: float = 1.0,
        guild_ready_timeout: float = 1.0,
        max_ratelimit_timeout: float = 60.0,
        ready_timeout: float = 60.0,
        identify_spacing: float = SPACING,
        http_connections: int = HTTP_CONNECTIONS,
    ) -> None:
        self.config = config
        self.service = service
        self.tally_interval = tally_interval
        self.ack_budget = ack_budget
        self.guild_ready_timeout = guild_ready_timeout
        self.max_ratelimit_timeout = max_ratelimit_timeout
        self.ready_timeout = ready_timeout
        self.identify_spacing = identify_spacing
        self.http_connections = http_connections
        self.client: PathbotClient | None = None
        self._tally: Tally | None = None
        self._task: asyncio.Task[None] | None = None

    def routes(self) -> list[web.AbstractRouteDef]:
        return []  # the gateway is an outgoing websocket: nothing to serve

    def links(self) -> list[Link]:
        """One link per shard of this process: up once READY while its websocket is open."""
        client = self.client
        wanted = self.config.discord_shard_ids or (0,)
        if client is None or not client.shards:
            return [Link("discord", str(shard), False) for shard in wanted]
        links = []
        for shard_id, shard in sorted(client.shards.items()):
            up = client.is_ready() and not client.is_closed() and not shard.is_closed()
            links.append(Link("discord", str(shard_id), up, shard.latency if up else None))
        return links

    def _handlers(self, client: discord.Client) -> Handlers:
        self._tally = Tally(client, self.service, self.tally_interval)
        return Handlers(self.service, Responder(self.ack_budget), self._tally)

    async def start(self) -> None:
        """Log in, sync the commands, connect; return once READY (raise if that fails)."""
        set_endpoints(self.config)
        client = PathbotClient(
            self.service,
            self._handlers,
            guild_id=self.config.discord_guild_id,
            guild_ready_timeout=self.guild_ready_timeout,
            max_ratelimit_timeout=self.max_ratelimit_timeout,
            shard_count=self.config.discord_shard_count,
            shard_ids=self.config.discord_shard_ids,
            identify_spacing=self.identify_spacing,
            http_connections=self.http_connections,
        )
        self.client = client
        self._task = asyncio.create_task(client.start(self.config.discord_token),
                                         name="pathbot-discord")
        self._task.add_done_callback(_log_end)
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({self._task, ready}, timeout=self.ready_timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if not done and (turns := self._identify_turns(client)):
            # Shards of one bucket identify one per spacing: many shards take longer.
            done, _ = await asyncio.wait({self._task, ready}, timeout=turns,
                                         return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            log.info("Discord: connected as %s", client.user)
            return
        ready.cancel()
        await self.stop()
        failure = self._task.exception() if self._task.done() else None
        if isinstance(failure, discord.LoginFailure) or (
                isinstance(failure, discord.ConnectionClosed) and failure.code == 4004):
            raise ConfigError("Discord refused DISCORD_TOKEN (authentication failed)") from None
        where = ("Check the network, and DISCORD_API_BASE / DISCORD_GATEWAY_URL if you set "
                 "them; run pathbot again (or let Docker/systemd restart it)")
        if failure is not None:
            raise StartError(f"could not connect to Discord ({type(failure).__name__}: "
                             f"{failure}). {where}") from failure
        raise StartError(f"Discord was not ready within {self.ready_timeout:g} s. {where}")

    def _identify_turns(self, client: PathbotClient) -> float:
        """Seconds the IDENTIFY turns of this process's shards may take beyond one."""
        count = len(client.shard_ids or ()) or client.shard_count or 1
        return self.identify_spacing * (count - 1)

    async def send_dm(self, user: UserRef, card: Card) -> DmOutcome:
        if self.client is None or not self.client.is_ready():
            return DmOutcome.TRANSIENT  # not connected (yet, or any more): the next tick
        return await Direct.to_user(self.client, user.user_id, card)

    async def wait_closed(self) -> None:
        if self._task is not None:
            await asyncio.wait({self._task})  # discord.py reconnects by itself until then

    async def stop(self) -> None:
        """Close the connection; pending tally edits are dropped (the next finisher redoes
        them). Safe to call more than once."""
        if self._tally is not None:
            await self._tally.close()
        if self.client is not None:
            await self.client.close()
        if self._task is not None and not self._task.done():
            with contextlib.suppress(TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(self._task), 10)


def _log_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("the Discord client stopped: %s: %s", type(exc).__name__, exc)
