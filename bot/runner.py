"""`pathbot run`: every adapter whose credentials are set, in one process, on one database.

The HTTP listener (`/healthz`, plus Slack's `/slack/events` in HTTP mode) always runs, so
a container health check works whichever platforms are on.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from typing import Any

from bot.adapters.base import Adapter
from bot.bootstrap import build_service
from bot.config import Config
from bot.core.service import Service
from bot.web import build_web_app, start_web

log = logging.getLogger(__name__)

NEEDED = ("DISCORD_TOKEN (Discord), or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Slack Socket "
          "Mode) or with SLACK_SIGNING_SECRET (Slack HTTP mode)")


def missing_credentials(config: Config) -> str:
    """Why nothing can start, or "" when at least one adapter can."""
    if not config.discord_token and not config.slack_bot_token:
        return f"no platform credentials set. Set {NEEDED}; or try `pathbot console`."
    if config.slack_bot_token and not (config.slack_app_token or config.slack_signing_secret):
        return ("SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode) is.")
    return ""


def build_adapters(config: Config, service: Service) -> list[Adapter]:
    adapters: list[Adapter] = []
    if config.discord_token:
        from bot.adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(config, service))
    if config.slack_bot_token:
        from bot.adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(config, service))
    return adapters


async def run(config: Config, stop: asyncio.Event | None = None) -> int:
    problem = missing_credentials(config)
    if problem:
        print(f"pathbot run: {problem}", file=sys.stderr)
        return 2
    stop = stop or _stop_on_signals()
    service = await build_service(config)
    adapters = build_adapters(config, service)
    web_app = build_web_app([route for adapter in adapters for route in adapter.routes()])
    try:
        web_runner, _port = await start_web(web_app, config.http_host, config.http_port)
    except OSError as exc:
        await service.store.close()
        print(f"pathbot run: cannot listen on {config.http_host}:{config.http_port} "
              f"({exc.strerror or exc}); set PATHBOT_HTTP_HOST / PATHBOT_HTTP_PORT",
              file=sys.stderr)
        return 2
    settle_heap()  # before connecting: connection state must stay collectable
    try:
        for adapter in adapters:
            await adapter.start()
            log.info("%s adapter started", adapter.name)
        code = await _until_stopped(stop, adapters)
    finally:
        for adapter in reversed(adapters):
            with contextlib.suppress(Exception):
                await adapter.stop()
        await web_runner.cleanup()
        await service.store.close()
        gc.unfreeze()  # for callers that go on in the same process (tests)
    return code


def settle_heap() -> None:
    """Move what start-up built (content, libraries, the adapters' objects) out of the
    garbage collector's reach: it lives as long as the process, and every full collection
    would otherwise walk it again, stalling every pending press (50-130 ms on a slow 2-core
    machine, by bench/discord_burst.py). Called before the adapters connect: what a
    connection builds (and drops on a reconnect) must stay collectable."""
    gc.collect()
    gc.freeze()


async def _until_stopped(stop: asyncio.Event, adapters: list[Adapter]) -> int:
    """0 when asked to stop; 1 when an adapter ended on its own, so that a supervisor
    (Docker's restart policy, systemd) restarts pathbot rather than leave it half alive."""
    stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    ended: dict[asyncio.Future[Any], str] = {
        asyncio.ensure_future(a.wait_closed()): a.name for a in adapters}
    done, pending = await asyncio.wait({stopping, *ended}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    gone = sorted(ended[t] for t in done if t in ended)
    if gone and not stopping.done():
        log.error("the %s adapter ended on its own; stopping pathbot (exit 1)", ", ".join(gone))
        return 1
    return 0


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
