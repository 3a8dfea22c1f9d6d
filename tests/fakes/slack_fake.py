"""A fake Slack on 127.0.0.1: Web API, Socket Mode websocket and `response_url` endpoints.

Point a real `AsyncWebClient(token=..., base_url=fake.api_url)` at it (and the app's
`AsyncSocketModeHandler`, which asks `apps.connections.open` for its websocket URL). The fake
answers like Slack, records every call, and lets tests inject failures:

    async with FakeSlack() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
        await client.chat_postMessage(channel="C1", text="hi")
        call = await fake.wait_for_call("chat.postMessage")

slack_sdk reads HTTPS_PROXY/HTTP_PROXY (and ignores NO_PROXY): tests must unset them, see
`clear_proxy_env`. Times recorded here are `time.monotonic()` values.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from aiohttp import WSMsgType, web

from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_oauth import OAuthError, SlackOAuth, basic_credentials
from tests.fakes.slack_requests import DEFAULT_APP_ID, DEFAULT_TEAM_DOMAIN, DEFAULT_TEAM_ID
from tests.fakes.slack_uploads import SlackUploads

T = TypeVar("T")
JsonDict = dict[str, Any]
ApiHandler = Callable[[JsonDict], JsonDict]

PROXY_ENV_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
)
JSON_ARGS = ("blocks", "attachments", "metadata")
MAX_BLOCKS = 50
MAX_TEXT = 40_000
RESPONSE_URL_MAX_USES = 5

# How long a test waits for something the bot should do: a liveness bound, not a speed
# check (the benchmarks measure speed). Generous, for a loaded 2-core CI machine where the
# first /stats chart alone (importing matplotlib) can take several seconds.
WAIT = 20.0


class _EnvPatcher(Protocol):
    def delenv(self, name: str, raising: bool = ...) -> None: ...


def clear_proxy_env(monkeypatch: _EnvPatcher) -> None:
    """Unset every proxy variable slack_sdk or aiohttp could pick up (use pytest's monkeypatch)."""
    for name in PROXY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


class SlackError(Exception):
    """Raised inside a method handler: the fake answers `{"ok": false, "error": ...}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass(frozen=True)
class ApiCall:
    """One Web API request as the fake saw it (`args` without the token)."""

    method: str
    args: JsonDict
    token: str | None
    time: float
    status: int
    response: JsonDict
    http_method: str = "POST"

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST to a `response_url` (`status` is what the fake answered)."""

    url: str
    payload: JsonDict
    time: float
    status: int


@dataclass(frozen=True)
class SocketAck:
    """An acknowledgement the app sent over Socket Mode."""

    envelope_id: str
    payload: JsonDict | None
    time: float
    raw: JsonDict


@dataclass
class _ResponseUrl:
    url: str
    uses: int = 0
    expired: bool = False


@dataclass
class _RawAnswer:
    """An answer that is not Slack's JSON (a proxy's error page): status, body, type."""

    status: int
    body: str
    content_type: str
    times: int


@dataclass
class _Failure:
    error: str
    times: int
    extra: JsonDict = field(default_factory=dict)


# ---------------------------------------------------------------- Block Kit limits


def _text_problems(obj: Any, where: str, limit: int, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return [f"{where}: missing text object"]
    allowed = {"plain_text"} if plain_only else {"plain_text", "mrkdwn"}
    problems = [] if obj.get("type") in allowed else [f"{where}: bad text type {obj.get('type')}"]
    if not obj["text"]:
        problems.append(f"{where}: empty text")
    if len(obj["text"]) > limit:
        problems.append(f"{where}: text longer than {limit}")
    return problems


def _element_problems(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: not an object"]
    problems: list[str] = []
    if len(str(element.get("action_id", ""))) > 255:
        problems.append(f"{where}: action_id longer than 255")
    if element.get("type") == "button":
        problems += _text_problems(element.get("text"), f"{where}.text", 75, plain_only=True)
        if len(str(element.get("value", ""))) > 2000:
            problems.append(f"{where}: value longer than 2000")
        if len(str(element.get("url", ""))) > 3000:
            problems.append(f"{where}: url longer than 3000")
    return problems


def _duplicate_action_ids(elements: list[Any], where: str) -> list[str]:
    ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
    return [f"{where}: duplicate action_id"] if len(ids) != len(set(ids)) else []


def _section_problems(block: JsonDict, where: str) -> list[str]:
    fields = block.get("fields")
    if "text" not in block and not fields:
        return [f"{where}: section needs text or fields"]
    problems = _text_problems(block["text"], f"{where}.text", 3000) if "text" in block else []
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > 10:
            problems.append(f"{where}: more than 10 fields")
        else:
            for i, f in enumerate(fields):
                problems += _text_problems(f, f"{where}.fields[{i}]", 2000)
    if "accessory" in block:
        problems += _element_problems(block["accessory"], f"{where}.accessory")
    return problems


def _elements_problems(block: JsonDict, where: str, limit: int) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= limit:
        return [f"{where}: needs 1..{limit} elements"]
    if block["type"] == "context":
        return []
    problems = _duplicate_action_ids(elements, where)
    for i, element in enumerate(elements):
        problems += _element_problems(element, f"{where}.elements[{i}]")
    return problems


def _block_problems(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [f"{where}: block without type"]
    problems = []
    if len(str(block.get("block_id", ""))) > 255:
        problems.append(f"{where}: block_id longer than 255")
    kind = block["type"]
    if kind == "section":
        problems += _section_problems(block, where)
    elif kind == "header":
        problems += _text_problems(block.get("text"), f"{where}.text", 150, plain_only=True)
    elif kind == "actions":
        problems += _elements_problems(block, where, 25)
    elif kind == "context":
        problems += _elements_problems(block, where, 10)
    return problems


def block_problems(blocks: Any) -> list[str]:
    """What Slack would reject in a `blocks` list (the limits pathbot must respect)."""
    if not isinstance(blocks, list):
        return ["blocks: not a list"]
    problems = [f"blocks: more than {MAX_BLOCKS}"] if len(blocks) > MAX_BLOCKS else []
    ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(ids) != len(set(ids)):
        problems.append("blocks: duplicate block_id")
    for i, block in enumerate(blocks):
        problems += _block_problems(block, f"blocks[{i}]")
    return problems


def _check_content(args: JsonDict, *, require: bool = True) -> None:
    """Raise the error Slack gives for missing, too long or invalid message content."""
    text, blocks = args.get("text"), args.get("blocks")
    if require and not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if blocks is not None:
        problems = block_problems(blocks)
        if problems:
            raise SlackError("invalid_blocks", errors=problems)


# ---------------------------------------------------------------- request parsing


def _decode_json_args(args: JsonDict) -> JsonDict:
    for key in JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


async def _read_args(request: web.Request) -> JsonDict:
    args: JsonDict = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        args.update(body if isinstance(body, dict) else {})
    elif request.can_read_body:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    return _decode_json_args(args)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer ") :] if header.startswith("Bearer ") else None


def _ok(**fields: Any) -> JsonDict:
    return {"ok": True, **fields}


def _default_answer(args: JsonDict) -> JsonDict:
    """Methods the fake does not model answer `{"ok": true}` (they are still recorded)."""
    return _ok()


# ---------------------------------------------------------------- the fake


class FakeSlack(LoopbackServer):
    """Fake Slack Web API + Socket Mode + response_url server on 127.0.0.1 (port 0)."""

    def __init__(
        self,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        team: str = DEFAULT_TEAM_DOMAIN,
        app_id: str = DEFAULT_APP_ID,
        bot_user_id: str = "U0PATHBOT",
        bot_id: str = "B0PATHBOT",
        validate_blocks: bool = True,
    ) -> None:
        super().__init__()
        self.team_id, self.team, self.app_id = team_id, team, app_id
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self.validate_blocks = validate_blocks
        self.response_url_max_uses = RESPONSE_URL_MAX_USES
        self.messages: dict[tuple[str, str], JsonDict] = {}
        self.ephemerals: list[JsonDict] = []
        self.socket_connections = 0
        self.socket_messages: list[JsonDict] = []
        self._calls: list[ApiCall] = []
        self._response_posts: list[ResponseUrlPost] = []
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._acks: dict[str, SocketAck] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._tickets: set[str] = set()
        self._users: dict[str, JsonDict] = {}
        self._dm_failures: dict[str, str] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._rate_limits: dict[str, list[int]] = {}
        self.uploads = SlackUploads(self)  # the external file upload flow (slack_uploads.py)
        self.oauth = SlackOAuth(app_id)  # installs and per-workspace tokens (slack_oauth.py)
        self._handlers: dict[str, ApiHandler] = self._default_handlers()
        self._drops: dict[str, int] = {}
        self._raw: dict[str, _RawAnswer] = {}
        self._ts = itertools.count(1)
        self._ts_base = int(time.time())
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()

    # ------------------------------------------------------------ lifecycle

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/upload/{file_id}", self.uploads.receive)
        return app

    async def close_connections(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"server shutting down")

    @property
    def api_url(self) -> str:
        """Web API base for `AsyncWebClient(base_url=...)` (with the trailing slash)."""
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------ configuration

    def fail_dm(self, user_id: str, error: str = "cannot_dm_bot") -> None:
        """conversations.open (and chat.postMessage to the user id) fail for this user."""
        self._dm_failures[user_id] = error

    def set_user(self, user_id: str, **fields: Any) -> None:
        """Set fields users.info returns for this user (e.g. is_admin, name, team_id)."""
        self._users.setdefault(user_id, {}).update(fields)

    def set_admin(self, user_id: str, is_admin: bool = True, *, is_owner: bool = False) -> None:
        self.set_user(user_id, is_admin=is_admin, is_owner=is_owner)

    def fail_next(self, method: str, error: str, *, times: int = 1, **extra: Any) -> None:
        """The next `times` calls of `method` answer `{"ok": false, "error": error, **extra}`."""
        self._failures.setdefault(method, []).append(_Failure(error, times, extra))

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        """The next call of `method` answers HTTP 429 with `Retry-After: retry_after`."""
        self._rate_limits.setdefault(method, []).append(retry_after)

    def drop_next(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` get no answer: the connection is closed."""
        self._drops[method] = times

    def fail_http(self, method: str, status: int = 503, body: str = "<html>503</html>", *,
                  content_type: str = "text/html", times: int = 1) -> None:
        """The next `times` calls of `method` get `body` with HTTP `status`, not JSON (what a
        load balancer or proxy in front of Slack answers when Slack is down)."""
        self._raw[method] = _RawAnswer(status, body, content_type, times)

    def set_handler(self, method: str, handler: ApiHandler) -> None:
        """Answer `method` with `handler(args)`; raise `SlackError` for `{ok: false}`."""
        self._handlers[method] = handler

    def new_response_url(self) -> str:
        """A fresh response_url on the fake (valid for `response_url_max_uses` POSTs)."""
        url = f"{self.base_url}/response/{uuid.uuid4().hex}"
        self._response_urls[url] = _ResponseUrl(url)
        return url

    def expire_response_url(self, url: str) -> None:
        """Later POSTs to `url` get 404 `expired_url` (as after Slack's 30 minutes)."""
        self._response_urls[url].expired = True

    def clear(self) -> None:
        """Forget recorded calls, response_url posts and acks (state like messages stays)."""
        self._calls.clear()
        self._response_posts.clear()
        self._acks.clear()

    # ------------------------------------------------------------ recordings

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Recorded Web API calls, oldest first (all methods when `method` is None)."""
        return [c for c in self._calls if method is None or c.method == method]

    def responses(self, url: str | None = None) -> list[ResponseUrlPost]:
        """Recorded response_url POSTs, oldest first."""
        return [p for p in self._response_posts if url is None or p.url == url]

    def acks(self) -> dict[str, SocketAck]:
        return dict(self._acks)

    def message(self, channel: str, ts: str) -> JsonDict | None:
        """The stored (possibly updated) message, or None (deleted or never posted)."""
        return self.messages.get((channel, ts))

    @staticmethod
    def dm_channel_id(user_id: str) -> str:
        """The id conversations.open returns for a DM with `user_id`."""
        return "D" + user_id[1:]

    # ------------------------------------------------------------ waiting

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, find: Callable[[], T | None], timeout: float, what: str) -> T:
        try:
            async with asyncio.timeout(timeout), self._changed:
                found: T | None = await self._changed.wait_for(find)
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}") from None
        assert found is not None
        return found

    async def wait_for_calls(
        self,
        method: str,
        count: int,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = WAIT,
    ) -> list[ApiCall]:
        """Wait until `count` calls of `method` match; returns the first `count` of them."""

        def find() -> list[ApiCall] | None:
            matching = [c for c in self.calls(method) if predicate is None or predicate(c)]
            return matching[:count] if len(matching) >= count else None

        try:
            return await self._wait(find, timeout, f"{count} x {method}")
        except TimeoutError as e:
            raise TimeoutError(f"{e}; calls so far: {self._call_summary()}") from None

    def _call_summary(self) -> list[tuple[str, int, Any]]:
        return [(c.method, c.status, c.response.get("error")) for c in self._calls]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = WAIT,
    ) -> ApiCall:
        """The first recorded call of `method` matching `predicate` (waits for one)."""
        return (await self.wait_for_calls(method, 1, predicate, timeout))[0]

    async def wait_for_response_url(
        self,
        url: str | None = None,
        predicate: Callable[[ResponseUrlPost], bool] | None = None,
        timeout: float = WAIT,
        count: int = 1,
    ) -> ResponseUrlPost:
        """Wait for the `count`-th POST (to `url`, or any) matching; returns that one."""

        def find() -> ResponseUrlPost | None:
            posts = [p for p in self.responses(url) if predicate is None or predicate(p)]
            return posts[count - 1] if len(posts) >= count else None

        return await self._wait(find, timeout, f"response_url POST #{count} to {url or 'any'}")

    # ------------------------------------------------------------ Web API

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        token = _bearer(request) or args.pop("token", None)
        if method == "oauth.v2.access":  # the app's client id and secret, not a token
            credentials = basic_credentials(request.headers.get("Authorization", ""))
            status, body, headers = self._oauth_access(args, credentials)
            self._calls.append(ApiCall(method, {k: v for k, v in args.items()
                                                if k != "client_secret"}, None,
                                       time.monotonic(), status, body, request.method))
            await self._notify()
            return web.json_response(body, status=status)
        if self._drops.get(method):
            self._drops[method] -= 1
            lost = ApiCall(method, args, token, time.monotonic(), 0, {}, request.method)
            self._calls.append(lost)
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never reaches the client
        raw = self._raw.get(method)
        if raw is not None and raw.times > 0:
            raw.times -= 1
            self._calls.append(ApiCall(method, args, token, time.monotonic(), raw.status,
                                       {"_raw": raw.body}, request.method))
            await self._notify()
            return web.Response(status=raw.status, text=raw.body, content_type=raw.content_type)
        status, body, headers = self._answer(method, args, token)
        call = ApiCall(method, args, token, time.monotonic(), status, body, request.method)
        self._calls.append(call)
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, args: JsonDict, token: str | None
    ) -> tuple[int, JsonDict, dict[str, str]]:
        pending_429 = self._rate_limits.get(method)
        if pending_429:
            retry_after = pending_429.pop(0)
            body = {"ok": False, "error": "ratelimited"}
            return 429, body, {"Retry-After": str(retry_after)}
        try:
            self._check_token(method, token)
            self._injected_failure(method)
            if method == "auth.test" and (mine := self.oauth.auth_test(str(token))):
                return 200, mine, self._extra_headers(method)
            handler = self._handlers.get(method, _default_answer)
            return 200, handler(args), self._extra_headers(method)
        except SlackError as e:
            return 200, {"ok": False, "error": e.error, **e.extra}, {}

    def _oauth_access(self, args: JsonDict, credentials: tuple[str, str] | None
                      ) -> tuple[int, JsonDict, dict[str, str]]:
        try:
            return 200, self.oauth.access(args, credentials), {}
        except OAuthError as e:
            return 200, {"ok": False, "error": e.error}, {}

    def _check_token(self, method: str, token: str | None) -> None:
        if not token:
            raise SlackError("not_authed")
        try:
            self.oauth.check_token(token)
        except OAuthError as e:
            raise SlackError(e.error) from None
        app_level = token.startswith("xapp-")
        if app_level != (method == "apps.connections.open"):
            raise SlackError("not_allowed_token_type")

    def _injected_failure(self, method: str) -> None:
        pending = self._failures.get(method)
        if not pending:
            return
        failure = pending[0]
        failure.times -= 1
        if failure.times <= 0:
            pending.pop(0)
        raise SlackError(failure.error, **failure.extra)

    @staticmethod
    def _extra_headers(method: str) -> dict[str, str]:
        if method != "auth.test":
            return {}
        return {"X-OAuth-Scopes": "chat:write,commands,im:write,users:read"}

    def _default_handlers(self) -> dict[str, ApiHandler]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "apps.connections.open": self._apps_connections_open,
            "files.getUploadURLExternal": self.uploads.get_upload_url,
            "files.completeUploadExternal": self.uploads.complete,
        }

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{self._ts_base + n // 1_000_000}.{n % 1_000_000:06d}"

    def _auth_test(self, args: JsonDict) -> JsonDict:
        return _ok(
            url=f"https://{self.team}.slack.com/",
            team=self.team,
            user="pathbot",
            team_id=self.team_id,
            user_id=self.bot_user_id,
            bot_id=self.bot_id,
            is_enterprise_install=False,
        )

    def _resolve_channel(self, channel: Any) -> str:
        if not channel:
            raise SlackError("channel_not_found")
        name = str(channel)
        if name[0] in "UW":
            self._check_dm(name)
            return self.dm_channel_id(name)
        return name

    def _check_dm(self, user_id: str) -> None:
        if user_id in self._dm_failures:
            raise SlackError(self._dm_failures[user_id])

    def _content_check(self, args: JsonDict, *, require: bool = True) -> None:
        if self.validate_blocks:
            _check_content(args, require=require)
        elif require and not (args.get("text") or args.get("blocks")):
            raise SlackError("no_text")

    def _new_message(self, args: JsonDict, ts: str) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = args[key]
        return message

    def _chat_post_message(self, args: JsonDict) -> JsonDict:
        channel = self._resolve_channel(args.get("channel"))
        self._content_check(args)
        ts = self._next_ts()
        message = self._new_message(args, ts)
        self.messages[(channel, ts)] = message
        return _ok(channel=channel, ts=ts, message=message)

    def _chat_post_ephemeral(self, args: JsonDict) -> JsonDict:
        channel = self._resolve_channel(args.get("channel"))
        if not args.get("user"):
            raise SlackError("user_not_found")
        self._content_check(args)
        ts = self._next_ts()
        self.ephemerals.append({**self._new_message(args, ts), "channel": channel})
        return _ok(message_ts=ts)

    def _stored(self, args: JsonDict) -> tuple[str, str, JsonDict]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        message = self.messages.get((channel, ts))
        if message is None:
            raise SlackError("message_not_found" if channel else "channel_not_found")
        return channel, ts, message

    def _chat_update(self, args: JsonDict) -> JsonDict:
        channel, ts, message = self._stored(args)
        self._content_check(args, require=False)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                message[key] = args[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return _ok(channel=channel, ts=ts, text=message.get("text", ""), message=message)

    def _chat_delete(self, args: JsonDict) -> JsonDict:
        channel, ts, _message = self._stored(args)
        del self.messages[(channel, ts)]
        return _ok(channel=channel, ts=ts)

    def _conversations_open(self, args: JsonDict) -> JsonDict:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if args.get("channel"):
            return _ok(channel={"id": str(args["channel"])})
        if not users:
            raise SlackError("users_list_not_supplied")
        for user in users:
            self._check_dm(user)
        if len(users) > 1:
            return _ok(channel={"id": "G" + "".join(u[1:] for u in users)})
        return _ok(channel={"id": self.dm_channel_id(users[0])})

    def _users_info(self, args: JsonDict) -> JsonDict:
        user_id = str(args.get("user", ""))
        if not user_id:
            raise SlackError("user_not_found")
        return _ok(user=self._user(user_id))

    def _user(self, user_id: str) -> JsonDict:
        name = user_id.lower()
        user: JsonDict = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name.title(),
            "deleted": False,
            "is_bot": user_id == self.bot_user_id,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": "Europe/Berlin",
            "profile": {"display_name": name, "real_name": name.title()},
        }
        user.update(self._users.get(user_id, {}))
        return user

    def _apps_connections_open(self, args: JsonDict) -> JsonDict:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        ws_base = self.base_url.replace("http://", "ws://", 1)
        return _ok(url=f"{ws_base}/socket?ticket={ticket}&app_id={self.app_id}")

    # ------------------------------------------------------------ response_url

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        url = f"{self.base_url}/response/{request.match_info['rid']}"
        try:
            payload = await request.json()
        except ValueError:
            payload = {"_raw": await request.text()}
        status, text = self._response_url_answer(url, payload)
        self._response_posts.append(ResponseUrlPost(url, payload, time.monotonic(), status))
        await self._notify()
        if status == 200:
            return web.json_response({"ok": True})
        return web.Response(status=status, text=text)

    def _response_url_answer(self, url: str, payload: Any) -> tuple[int, str]:
        entry = self._response_urls.get(url)
        if entry is None or entry.expired:
            return 404, "expired_url"
        if entry.uses >= self.response_url_max_uses:
            return 404, "used_url"
        if not isinstance(payload, dict):
            return 400, "invalid_payload"
        entry.uses += 1
        try:
            self._content_check(payload, require=not payload.get("delete_original"))
        except SlackError as e:
            return 400, e.error
        return 200, "ok"

    # ------------------------------------------------------------ Socket Mode

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self._tickets:
            return web.Response(status=401, text="invalid_ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(self._hello())
        await self._notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_socket_text(msg.data)
        finally:
            self._sockets.remove(ws)
            await self._notify()
        return ws

    def _hello(self) -> JsonDict:
        return {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {"host": "fake-applink-1", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }

    async def _on_socket_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = {"_raw": data}
        self.socket_messages.append(message)
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if envelope_id:
            payload = message.get("payload")
            self._acks[envelope_id] = SocketAck(envelope_id, payload, time.monotonic(), message)
        await self._notify()

    @property
    def open_sockets(self) -> int:
        """Websocket connections currently open."""
        return sum(1 for ws in self._sockets if not ws.closed)

    async def wait_for_socket_connections(self, count: int, timeout: float = WAIT) -> int:
        """Wait until `count` websocket connections have been accepted in total."""

        def find() -> int | None:
            return self.socket_connections if self.socket_connections >= count else None

        return await self._wait(find, timeout, f"{count} socket connections")

    async def wait_for_open_sockets(self, count: int, timeout: float = WAIT) -> None:
        """Wait until exactly `count` connections are open (e.g. 1 after a reconnect)."""

        def find() -> bool | None:
            return True if self.open_sockets == count else None

        await self._wait(find, timeout, f"{count} open socket connections")

    async def _current_socket(self, timeout: float) -> web.WebSocketResponse:
        def find() -> web.WebSocketResponse | None:
            live = [ws for ws in self._sockets if not ws.closed]
            return live[-1] if live else None

        return await self._wait(find, timeout, "an open Socket Mode connection")

    async def socket_send(
        self,
        type: str,
        payload: JsonDict,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = WAIT,
    ) -> str:
        """Send an envelope to the newest open connection; returns its envelope_id."""
        envelope_id = f"env-{next(self._ids)}-{uuid.uuid4().hex[:8]}"
        if accepts_response_payload is None:
            accepts_response_payload = _accepts_response(type, payload)
        envelope: JsonDict = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        ws = await self._current_socket(timeout)
        await ws.send_json(envelope)
        return envelope_id

    async def socket_ack(self, envelope_id: str, timeout: float = WAIT) -> SocketAck:
        """Wait for the app's acknowledgement of `envelope_id`."""
        return await self._wait(lambda: self._acks.get(envelope_id), timeout, f"ack {envelope_id}")

    async def socket_disconnect(
        self, reason: str = "refresh_requested", *, close: bool = False
    ) -> None:
        """Send Slack's `disconnect` message to every open connection (then close if asked)."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
        for ws in [ws for ws in self._sockets if not ws.closed]:
            await ws.send_json(message)
            if close:
                await ws.close(code=1000)

    async def socket_close_all(self, code: int = 1011) -> None:
        """Drop every connection without a `disconnect` message (an abrupt server close)."""
        for ws in list(self._sockets):
            await ws.close(code=code)


def _accepts_response(type: str, payload: JsonDict) -> bool:
    if type == "slash_commands":
        return True
    if type == "interactive":
        return payload.get("type") not in ("block_actions", "interactive_message")
    return False
