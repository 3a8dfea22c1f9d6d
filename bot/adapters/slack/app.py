"""The Slack adapter: slack-bolt's AsyncApp over the service, in Socket Mode or HTTP mode.

    adapter = SlackAdapter(config, service)
    web = build_web_app(adapter.routes())   # HTTP mode: POST /slack/events (gate.py checks
    await start_web(web, host, port)        # it first); Socket Mode: no routes
    await adapter.start()                   # opens the session; Socket Mode connects
    ...
    await adapter.stop()

Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode (SLACK_SIGNING_SECRET required).
One workspace with SLACK_BOT_TOKEN; without it, with SLACK_CLIENT_ID/SECRET, the shared app
installed by OAuth in any number of workspaces (oauth.py, installs.py): each request is
authorized from the installation store and every call carries its workspace's token
(team_token.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.api_errors import UNREADABLE_200, error_code
from bot.adapters.slack.delivery import Delivery
from bot.adapters.slack.gate import Refusals, Refused, check_signature, parse
from bot.adapters.slack.installs import Installs
from bot.adapters.slack.listeners import lifecycle, register_listeners
from bot.adapters.slack.oauth import INSTALL_PATH, OAuthFlow
from bot.adapters.slack.requests import DropRedeliveries, Identity
from bot.adapters.slack.sealing import Sealer
from bot.adapters.slack.team_token import TeamClient, done_serving, serving
from bot.config import Config, ConfigError
from bot.core.cards import Card
from bot.core.coalesce import Coalescer
from bot.core.dm import DmOutcome
from bot.core.models import UserRef
from bot.core.service import Service
from bot.metrics import Link

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
RATE_LIMIT_RETRIES = 2
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                     "not_allowed_token_type", "missing_scope"})


def build_client(config: Config) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL, and 429s retried after Retry-After.

    Its aiohttp session is opened in `SlackAdapter.start` (it needs the running loop) and
    shared by every Web API and response_url call.
    """
    client = TeamClient(token=config.slack_bot_token or None, base_url=config.slack_api_url)
    client.retry_handlers.append(
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


Authorize = Callable[..., Awaitable[AuthorizeResult | None]]
NOT_INSTALLED = ("pathbot is not installed in this workspace (or was removed). An admin can "
                 "add it again from the install page.")


def single_authorize(identity: Identity) -> Authorize:
    async def authorize() -> AuthorizeResult:  # bolt reads the parameter names: none
        return await identity.fetch()
    return authorize


def oauth_authorize(installs: Installs) -> Authorize:
    async def authorize(team_id: str | None) -> AuthorizeResult | None:
        result = await installs.authorize(team_id)
        if result is not None and result.bot_token:
            serving(result.bot_token)  # this request's task, and the listeners it starts
        return result
    return authorize


def build_app(config: Config, client: AsyncWebClient, authorize: Authorize,
              service: Service, delivery: Delivery) -> AsyncApp:
    # A token-less client for bolt: with `authorize`, bolt takes the token from its
    # result (and warns when its client carries one); it shares the session and base URL.
    bolt_client = AsyncWebClient(base_url=client.base_url,
                                 retry_handlers=client.retry_handlers.copy())

    logging.getLogger("slack_bolt.AsyncApp").addFilter(_bolt_file_store_notice)
    # Bolt logs whole request bodies at INFO (of rejected requests too): WARNING and up only.
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    # Bolt's type says AuthorizeResult, but it handles None: "not installed here".
    bolt_authorize = cast(Callable[..., Awaitable[AuthorizeResult]], authorize)
    # Bolt's own signature check is off: every HTTP request passed gate.check_signature
    # before bolt sees it (SlackAdapter.handle_http is the only way in), and gate.parse
    # may hand bolt the form's decoded JSON, not the signed bytes. Socket Mode has no
    # signatures (bolt skips the check there anyway).
    app = AsyncApp(name="pathbot", client=bolt_client, authorize=bolt_authorize,
                   signing_secret=config.slack_signing_secret,
                   request_verification_enabled=False,
                   # Answer Slack when a listener returns, not at bolt's next 10 ms poll for
                   # its ack: listeners return right after acking (listeners/after_ack.py).
                   process_before_response=True,
                   user_facing_authorize_error_message=NOT_INSTALLED)
    if config.slack_oauth:
        _drop_bolt_file_stores(app)
    app.use(DropRedeliveries())
    register_listeners(app, service, delivery)
    return app


def _bolt_file_store_notice(record: logging.LogRecord) -> bool:
    return "file-based InstallationStore" not in str(record.msg)


def _drop_bolt_file_stores(app: AsyncApp) -> None:
    """Bolt builds its own OAuth flow with FILE stores whenever SLACK_CLIENT_ID and
    SLACK_CLIENT_SECRET are in the environment (and says so at INFO). pathbot serves its
    own flow (oauth.py) with the installations in its database, and authorizes with
    `oauth_authorize`, so bolt's flow is dropped before anything uses it (its file stores
    write only when used: nothing was written)."""
    app._async_oauth_flow = None
    app._async_installation_store = None


class SlackAdapter:
    """The Adapter protocol for Slack. `tally_interval`: seconds between quiz card edits."""

    name = "slack"

    def __init__(self, config: Config, service: Service, *, tally_interval: float = 3.0) -> None:
        if not (config.slack_bot_token or config.slack_oauth):
            raise ConfigError("SLACK_BOT_TOKEN is not set (nor SLACK_CLIENT_ID, "
                              "SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET for OAuth)")
        if not (config.slack_app_token or config.slack_signing_secret):
            raise ConfigError("Slack needs SLACK_APP_TOKEN (Socket Mode) or "
                              "SLACK_SIGNING_SECRET (HTTP mode at /slack/events)")
        self.config = config
        self.socket_mode = bool(config.slack_app_token)
        self.client = build_client(config)
        self.delivery = Delivery(self.client, service, Coalescer(tally_interval),
                                 config.slack_admins)
        self.identity = Identity(self.client)
        self.installs: Installs | None = None
        self.flow: OAuthFlow | None = None
        if config.slack_oauth:
            self.installs = Installs(service.store, Sealer(config.secret_key))
            self.flow = OAuthFlow(config, service.store, self.installs, self.client)
            authorize = oauth_authorize(self.installs)
        else:
            authorize = single_authorize(self.identity)
        self.app = build_app(config, self.client, authorize, service, self.delivery)
        if self.installs is not None:
            lifecycle.register(self.app, self.installs)
        self.refusals = Refusals()
        self._socket: AsyncSocketModeHandler | None = None
        self._started = False

    def routes(self) -> list[web.AbstractRouteDef]:
        routes = [] if self.socket_mode else [web.post(EVENTS_PATH, self.handle_http)]
        return routes + (self.flow.routes() if self.flow is not None else [])

    def links(self) -> list[Link]:
        """HTTP mode is up once started; Socket Mode while its websocket is open."""
        if not self.socket_mode:
            return [Link("slack", "0", self._started)]
        session = self._socket.client.current_session if self._socket else None
        return [Link("slack", "0", session is not None and not session.closed)]

    async def handle_http(self, request: web.Request) -> web.Response:
        """One request from Slack: 401 unless signed, 400 unless readable, else bolt's answer.
        The body is capped by aiohttp's client_max_size (1 MiB: 413 beyond)."""
        body = await request.read()
        secret = self.config.slack_signing_secret or ""
        refused = check_signature(secret, body, request.headers, time.time())
        parsed = parse(body, request.query_string, request.headers) if refused is None \
            else refused
        if isinstance(parsed, Refused):
            self.refusals.note(parsed)
            return web.Response(status=parsed.status, text=parsed.reason)
        return await to_aiohttp_response(await self.app.async_dispatch(parsed))

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.client.session = self.app.client.session = aiohttp.ClientSession()
        await self._check_tokens()
        if self.socket_mode:
            await self._connect_socket_mode()
        else:
            log.info("slack: HTTP mode, Slack posts to %s", EVENTS_PATH)
        if self.flow is not None:
            log.info("slack: installed by OAuth in any workspace: the install page is %s",
                     INSTALL_PATH)

    async def _connect_socket_mode(self) -> None:
        # Built here: the Socket Mode client needs the running loop. The SDK retries a
        # failed connection forever, so the app token was checked first (_check_tokens).
        self._socket = AsyncSocketModeHandler(
            self.app, app_token=self.config.slack_app_token, web_client=self.client)
        await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack: connected in Socket Mode")

    async def _check_tokens(self) -> None:
        """One call per token: a refused token stops start-up with a clear message."""
        if self.installs is None:  # OAuth: each workspace's token is checked at install
            await self._check("SLACK_BOT_TOKEN", self.identity.check)
        if self.socket_mode:
            await self._check("SLACK_APP_TOKEN", lambda: self.client.apps_connections_open(
                app_token=self.config.slack_app_token))

    async def _check(self, name: str, call: Callable[[], Awaitable[Any]]) -> None:
        try:
            await call()
        except (SlackApiError, UNREADABLE_200) as exc:
            error = error_code(exc)
            if error in REFUSED:
                await self.stop()
                raise ConfigError(f"Slack refused {name} ({error})") from None
            log.warning("slack: checking %s failed (%s); starting anyway", name, error)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack: Slack unreachable at start-up (%s); starting anyway",
                        type(exc).__name__)

    async def send_dm(self, user: UserRef, card: Card) -> DmOutcome:
        if self.installs is None:
            return await self.delivery.dm_outcome(user.user_id, card)
        token = await self.installs.token(user.workspace)
        if token is None:  # not installed (now): the reminder waits for its next turn
            return DmOutcome.TRANSIENT
        mark = serving(token)
        try:
            return await self.delivery.dm_outcome(user.user_id, card)
        finally:
            done_serving(mark)

    async def wait_closed(self) -> None:
        # Never on its own: HTTP mode is served by the runner's listener, and the Socket
        # Mode client reconnects for as long as it runs.
        await asyncio.get_running_loop().create_future()

    async def stop(self) -> None:
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await _close_socket_mode(socket)
        await self.identity.close()
        await self.delivery.close()
        session = self.client.session
        if session is not None and not session.closed:
            await session.close()
        self._started = False


async def _close_socket_mode(handler: AsyncSocketModeHandler) -> None:
    """Close and wait for the client's tasks (close_async cancels them but does not wait)."""
    client = handler.client
    await handler.close_async()  # type: ignore[no-untyped-call]
    tasks = [client.message_processor, client.current_session_monitor, client.message_receiver]
    await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)
