"""`pathbot run`: every adapter whose credentials are set, in one process, on one database.

The HTTP listener (`/healthz`, `/readyz`, `/metrics`, plus Slack's `/slack/events` in HTTP
mode) always runs, so a container health check works whichever platforms are on. SIGTERM
or SIGINT drains (see `drain`); an hourly task prunes abandoned sessions (bot/upkeep.py),
and full garbage collections run when nothing is in flight (bot/heap.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable
from functools import partial
from typing import Any

from aiohttp import web

from bot import metrics
from bot.adapters.base import Adapter
from bot.bootstrap import build_service
from bot.config import Config
from bot.core.ports import Store
from bot.core.reminders import Reminders
from bot.core.service import Service
from bot.heap import collect_when_idle, restore_heap, settle_heap
from bot.metered import metered
from bot.metrics import Link
from bot.observe import INFLIGHT
from bot.upkeep import prune_periodically
from bot.web import build_web_app, start_web

log = logging.getLogger(__name__)

NEEDED = ("DISCORD_TOKEN (Discord), or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Slack Socket "
          "Mode) or with SLACK_SIGNING_SECRET (Slack HTTP mode), or SLACK_CLIENT_ID, "
          "SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (Slack, installed by OAuth)")


def missing_credentials(config: Config) -> str:
    """Why nothing can start, or "" when at least one adapter can."""
    if not config.discord_token and not config.slack_bot_token and not config.slack_oauth:
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
    if config.slack_bot_token or config.slack_oauth:
        from bot.adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(config, service))
    return adapters


async def run(config: Config, stop: asyncio.Event | None = None) -> int:
    problem = missing_credentials(config)
    if problem:
        print(f"pathbot run: {problem}", file=sys.stderr)
        return 2
    stop = stop or _stop_on_signals()
    metrics.set_enabled(config.metrics)
    INFLIGHT.draining = False  # a fresh run in the same process (tests)
    opened: list[Store] = []
    service = await build_service(config, wrap=partial(_meter, config, opened))
    adapters = build_adapters(config, service)
    web_app = build_web_app([route for adapter in adapters for route in adapter.routes()],
                            not_ready=partial(not_ready, adapters, opened[0]))
    try:
        web_runner, _port = await start_web(web_app, config.http_host, config.http_port)
    except OSError as exc:
        await service.store.close()
        print(f"pathbot run: cannot listen on {config.http_host}:{config.http_port} "
              f"({exc.strerror or exc}); set PATHBOT_HTTP_HOST / PATHBOT_HTTP_PORT",
              file=sys.stderr)
        return 2
    unwatch = metrics.watch_links(partial(_links, adapters))
    settle_heap()  # before connecting: connection state must stay collectable
    upkeep: asyncio.Task[None] | None = None
    collecting: asyncio.Task[None] | None = None
    reminding: asyncio.Task[None] | None = None
    no_more_reminders = asyncio.Event()
    code = 1
    try:
        for adapter in adapters:
            await adapter.start()
            log.info("%s adapter started", adapter.name)
        upkeep = asyncio.create_task(prune_periodically(service.store, config.session_ttl_days))
        collecting = asyncio.create_task(collect_when_idle(INFLIGHT))
        reminding = asyncio.create_task(
            Reminders(service, {a.name: a.send_dm for a in adapters}).run(no_more_reminders))
        code = await _until_stopped(stop, adapters)
    finally:
        for task in (upkeep, collecting):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        no_more_reminders.set()  # a reminder being sent is finished, not cut
        if reminding is not None:
            await _within(reminding, config.shutdown_grace, "sending reminders")
        drained = await drain(adapters, web_runner, service.store, config.shutdown_grace)
        INFLIGHT.draining = False  # for callers that go on in the same process (tests)
        unwatch()
        restore_heap()  # for callers that go on in the same process (tests)
    return code or drained


def _meter(config: Config, opened: list[Store], store: Store) -> Store:
    opened.append(store)
    return metered(store) if config.metrics else store


def _links(adapters: list[Adapter]) -> list[Link]:
    return [link for adapter in adapters for link in adapter.links()]


async def not_ready(adapters: list[Adapter], store: Store) -> list[str]:
    """/readyz: every connection that is down, and the database if it does not answer."""
    problems = [f"{link.platform} shard {link.shard}" if link.platform == "discord"
                else link.platform for link in _links(adapters) if not link.up]
    try:
        await asyncio.wait_for(store.get_quiz_card(""), 2.0)  # any query will do
    except Exception as exc:
        problems.append(f"database ({type(exc).__name__})")
    return problems


async def drain(adapters: list[Adapter], web_runner: web.AppRunner, store: Store,
                grace: float) -> int:
    """Graceful stop within `grace` seconds: new work refused (Slack HTTP 503, Discord a
    "restarting" answer), the work in flight finished, pending tally edits sent, the
    adapters and the database closed. 0, or 1 with a log line naming what was cut."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace

    def left() -> float:
        return max(deadline - loop.time(), 0.0)

    INFLIGHT.draining = True
    log.info("stopping: finishing the work in flight (at most %g s)", grace)
    cut: list[str] = []
    if not await INFLIGHT.wait_idle(left()):
        cut.append(f"{INFLIGHT.describe()} still running")
    for adapter in reversed(adapters):
        if not await _within(adapter.stop(), left(), f"stopping the {adapter.name} adapter"):
            cut.append(f"the {adapter.name} adapter's pending edits and connection")
    await web_runner.cleanup()
    if not await _within(store.close(), max(left(), 1.0), "closing the database"):
        cut.append("writes not yet committed")
    if cut:
        log.error("shutdown exceeded PATHBOT_SHUTDOWN_GRACE (%g s); cut: %s (exit 1)",
                  grace, "; ".join(cut))
        return 1
    log.info("stopped cleanly")
    return 0


async def _within(work: Awaitable[None], timeout: float, what: str) -> bool:
    """False if `work` did not finish in time (it is cancelled); errors are logged."""
    try:
        await asyncio.wait_for(work, timeout)
    except TimeoutError:
        return False
    except Exception:
        log.exception("%s failed", what)
    return True


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
