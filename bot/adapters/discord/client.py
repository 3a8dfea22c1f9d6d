"""The discord.py client: command tree, button dispatch, gateway guard, endpoints, invite.

No privileged intents (slash commands and buttons need none); no message or member cache;
no mentions ever ping (AllowedMentions.none() for every message the bot sends).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord.buttons import ForeignComponent, PathbotButton
from bot.adapters.discord.commands import build_commands
from bot.adapters.discord.errors import report, tell
from bot.adapters.discord.handlers import Handlers
from bot.adapters.discord.identify import SPACING, IdentifyGate
from bot.adapters.discord.slim import released, slim_pressed_messages, use_slim_answers
from bot.config import Config
from bot.core.service import Service

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
SCOPES = ("bot", "applications.commands")
# View Channel (1 << 10), Send Messages (1 << 11), Embed Links (1 << 14): 19456. Replies and
# follow-ups to interactions need none of them; the tally is edited with the bot token long
# after the interaction (it needs View Channel), and the bot token posts a public card when
# an interaction token expired (Send Messages, Embed Links).
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)


def set_endpoints(config: Config) -> None:
    """Point discord.py (process-global settings) at the configured REST API and gateway."""
    Route.BASE = config.discord_api_base
    if config.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.discord_gateway_url)


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


class Tree(app_commands.CommandTree[discord.Client]):
    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError) -> None:
        """Errors raised outside our handlers (conversion, checks): reported the same way."""
        if isinstance(error, app_commands.CommandInvokeError):
            await report(interaction, error.original)
        elif isinstance(error, app_commands.CheckFailure):
            await tell(interaction, str(error) or "You cannot use this command here.")
        else:
            await report(interaction, error)


# discord.py opens as many HTTP connections as requests are in flight (its connector has no
# limit): a burst of a thousand presses opened about 900 connections, each a TCP (and, to
# Discord, TLS) handshake and some thirty objects kept for the pool. aiohttp's own default
# caps a host at 100; at 200, one process still has more callbacks in flight than it
# answers per round trip to Discord (~1,500/s at best here).
HTTP_CONNECTIONS = 200


def http_connector(requests: int = HTTP_CONNECTIONS, shards: int = 1) -> aiohttp.TCPConnector:
    """discord.py's connector, with at most `requests` + `shards` connections to one host
    (requests beyond wait for a free one). The shards' share is headroom, not a reservation:
    a shard's gateway websocket holds a connection while it is open, so should the gateway
    be on the REST host (a proxy; the fake) the REST requests still have `requests`. With
    automatic sharding the count is not known here (1 is assumed); Discord's gateway is
    another host. 0: no cap (as discord.py's own). Needs a running event loop."""
    if requests < 0:
        raise ValueError(f"http_connections must be 0 (no cap) or more, not {requests}")
    return aiohttp.TCPConnector(limit=0, limit_per_host=requests + shards if requests else 0)


class PathbotClient(discord.AutoShardedClient):
    def __init__(
        self,
        service: Service,
        make_handlers: Callable[[discord.Client], Handlers],
        *,
        guild_id: int | None,
        guild_ready_timeout: float,
        max_ratelimit_timeout: float,
        shard_count: int | None = None,
        shard_ids: tuple[int, ...] | None = None,
        identify_spacing: float = SPACING,
        http_connections: int = HTTP_CONNECTIONS,
    ) -> None:
        chosen: dict[str, Any] = {} if shard_ids is None else {"shard_ids": list(shard_ids)}
        super().__init__(
            shard_count=shard_count,
            **chosen,
            intents=discord.Intents(guilds=True),
            guild_ready_timeout=guild_ready_timeout,
            max_ratelimit_timeout=max_ratelimit_timeout,
            max_messages=None,
            member_cache_flags=discord.MemberCacheFlags.none(),
            allowed_mentions=discord.AllowedMentions.none(),
            connector=http_connector(http_connections,
                                     len(shard_ids) if shard_ids else shard_count or 1),
        )
        self.service = service
        self.guild_id = guild_id
        self.gate = IdentifyGate(service.store, identify_spacing)
        self.handlers = make_handlers(self)
        self.tree = Tree(self)
        for command in build_commands(self.handlers, service):
            self.tree.add_command(command)
        slim_pressed_messages(self)
        guard_gateway_parsers(self)

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        use_slim_answers()  # for every task discord.py starts from this one (slim.py)
        await super().start(token, reconnect=reconnect)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        await self.gate.wait_turn(self, shard_id or 0)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(PathbotButton, ForeignComponent)
        if self.shard_ids is not None and 0 not in self.shard_ids:
            log.info("not syncing commands: the process that runs shard 0 does")
        else:
            await self.sync_commands()
        if self.application_id is not None:
            log.info("invite pathbot to a server: %s", invite_url(self.application_id))

    async def sync_commands(self) -> None:
        if self.guild_id is not None:
            guild = discord.Object(self.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), self.guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands (may take up to an hour to show)", len(synced))

    def handle_press(
        self, interaction: Interaction, action_id: str
    ) -> Coroutine[Any, Any, None]:
        """PathbotButton's callback returns this for discord.py to await: the handler's own
        coroutine, no extra frame for every await on a press's path."""
        return released(interaction, self.handlers.press(interaction, action_id))


def guard_gateway_parsers(client: discord.Client) -> None:
    """Log and drop a gateway event discord.py cannot parse instead of dying on it.

    discord.py lets an exception from a parser (an INTERACTION_CREATE without `token`, say)
    propagate out of Client.connect, which ends client.start(): one malformed event would
    take the bot down. `_connection.parsers` is private API, pinned by discord.py<2.8.
    """
    parsers: dict[str, Callable[[Any], None]] = client._connection.parsers
    for name, parser in list(parsers.items()):
        parsers[name] = _guarded(name, parser)


def _guarded(name: str, parser: Callable[[Any], None]) -> Callable[[Any], None]:
    def guarded(data: Any) -> None:
        try:
            parser(data)
        except Exception:
            log.exception("dropped a malformed %s gateway event", name)

    return guarded
