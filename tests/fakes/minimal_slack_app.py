"""A minimal slack-bolt `AsyncApp` and helpers to run any bolt app against `FakeSlack`.

`build_minimal_app` only acks every slash command and every button (the baseline for
benchmarks). `serve_http` runs an app in HTTP mode on 127.0.0.1 (port 0);
`start_socket_mode`/`stop_socket_mode` run it through bolt's default Socket Mode handler.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
EVENTS_PATH = "/slack/events"
ANY = re.compile(r".*")


def make_client(
    api_url: str, token: str = BOT_TOKEN, *, rate_limit_retries: int = 0
) -> AsyncWebClient:
    """A Web API client on the fake; with retries, 429s are retried after Retry-After."""
    client = AsyncWebClient(token=token, base_url=api_url)
    if rate_limit_retries:
        client.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries)
        )
    return client


def build_minimal_app(
    client: AsyncWebClient, signing_secret: str = SIGNING_SECRET, **app_kwargs: Any
) -> AsyncApp:
    """An AsyncApp whose listeners only ack every slash command and every action."""
    app = AsyncApp(client=client, signing_secret=signing_secret, **app_kwargs)
    app.command(ANY)(_just_ack)
    app.action(ANY)(_just_ack)
    return app


async def _just_ack(ack: Callable[[], Awaitable[None]]) -> None:
    await ack()


def bolt_web_app(app: AsyncApp, path: str = EVENTS_PATH) -> web.Application:
    """A fresh aiohttp Application serving `app` at `path`.

    Same as `app.web_app(path)`, which caches its server: an aiohttp Application can run
    only once, so tests that start the same AsyncApp twice need a fresh one.
    """
    return AsyncSlackAppServer(port=0, path=path, app=app).web_app


@dataclass(frozen=True)
class RunningHttpApp:
    runner: web.AppRunner
    base_url: str
    path: str

    @property
    def url(self) -> str:
        """Where Slack would POST (base URL + events path)."""
        return self.base_url + self.path


async def start_http_app(
    app: AsyncApp | web.Application, *, path: str = EVENTS_PATH, host: str = "127.0.0.1"
) -> RunningHttpApp:
    """Serve a bolt app (or a ready aiohttp Application) on `host`, on a free port."""
    web_app = app if isinstance(app, web.Application) else bolt_web_app(app, path)
    runner = web.AppRunner(web_app, shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, 0).start()
    bound_host, port = runner.addresses[0][:2]
    return RunningHttpApp(runner, f"http://{bound_host}:{port}", path)


async def stop_http_app(running: RunningHttpApp) -> None:
    await running.runner.cleanup()


@asynccontextmanager
async def serve_http(
    app: AsyncApp | web.Application, *, path: str = EVENTS_PATH
) -> AsyncIterator[RunningHttpApp]:
    running = await start_http_app(app, path=path)
    try:
        yield running
    finally:
        await stop_http_app(running)


async def start_socket_mode(app: AsyncApp, app_token: str = APP_TOKEN) -> AsyncSocketModeHandler:
    """Connect `app` through bolt's default (aiohttp) Socket Mode handler.

    Must run inside the event loop: the SDK client creates its aiohttp session and its
    message-processing task in its constructor. `connect_async()` returns once the
    websocket is open (it does not wait for `hello`).
    """
    handler = AsyncSocketModeHandler(app, app_token=app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler


async def stop_socket_mode(handler: AsyncSocketModeHandler) -> None:
    """Close the handler and wait for the tasks it cancels (close_async does not)."""
    client = handler.client
    await handler.close_async()  # type: ignore[no-untyped-call]
    tasks = [client.message_processor, client.current_session_monitor, client.message_receiver]
    await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)
