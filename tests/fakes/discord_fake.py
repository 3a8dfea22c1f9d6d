"""A fake Discord (REST API + gateway websocket) on 127.0.0.1 for driving the real discord.py.

The fake speaks enough of Discord's API v10 for a discord.py 2.7 client to log in, sync
application commands, receive interactions over the gateway and answer them, send follow-ups,
DMs and channel messages. Everything the client sends is recorded, so tests can assert on it.

Usage::

    async with FakeDiscord() as fake:
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        ...start a discord.Client with guild_ready_timeout=0.05 and wait until it is ready...
        sent = await fake.slash("compare", {"dimension": "skills"})
        reply = await fake.callback_for(sent)          # {"type": 4, "data": {...}}

Start-up speed: discord.py waits ``guild_ready_timeout`` (default 2 s) after the last
GUILD_CREATE before it fires ``on_ready``; give the client ``guild_ready_timeout=0.05``.

What the fake does not do: real permissions, message history, reactions, threads, replaying
missed events on RESUME, or zlib compression (it sends plain JSON text frames, which
discord.py accepts even when it asked for ``compress=zlib-stream``).
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from tests.fakes.loopback import LoopbackServer

JSON = dict[str, Any]
T = TypeVar("T")

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
DISCORD_EPOCH_MS = 1_420_070_400_000

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

# Permission bit sets, as the decimal strings Discord sends.
MEMBER_PERMISSIONS = str(
    (1 << 0)  # create instant invite
    | (1 << 6)  # add reactions
    | (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 18)  # use external emojis
    | (1 << 26)  # change nickname
    | (1 << 31)  # use application commands
    | (1 << 38)  # send messages in threads
)
MANAGE_GUILD_PERMISSIONS = str(int(MEMBER_PERMISSIONS) | (1 << 5))
ADMIN_PERMISSIONS = str(int(MANAGE_GUILD_PERMISSIONS) | (1 << 3))

# Interaction types and callback (response) types.
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8

# Application command option types by Python type (bool before int: bool is an int).
_OPTION_TYPES: tuple[tuple[type, int], ...] = ((bool, 5), (int, 4), (float, 10), (str, 3))

# How long a test waits for something the bot should do: a liveness bound, not a speed
# check (the benchmarks measure speed). Generous, for a loaded 2-core CI machine where the
# first /stats chart alone (importing matplotlib) can take several seconds.
WAIT = 20.0


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request the client made, with the status the fake answered."""

    method: str
    path: str  # relative to the API base, e.g. "/users/@me"
    query: Mapping[str, str]
    json: Any  # the JSON body (or a multipart request's payload_json), None without a body
    files: tuple[str, ...]  # file names of multipart uploads
    status: int
    at: float  # time.perf_counter() when the request arrived
    connection: int = 0  # the client's port: requests on one connection share it


@dataclass(frozen=True)
class Dispatch:
    """One gateway DISPATCH the fake sent."""

    name: str
    payload: Any
    connection_id: int
    seq: int
    at: float  # time.perf_counter() just before the frame was sent


@dataclass(frozen=True)
class GatewayFrame:
    """One frame the client sent over the gateway."""

    connection_id: int
    op: int | None
    d: Any
    at: float


@dataclass(frozen=True)
class SentInteraction:
    """An INTERACTION_CREATE the fake dispatched; ``dispatched_at`` is a perf_counter time."""

    id: str
    token: str
    type: int
    payload: JSON
    dispatched_at: float


@dataclass
class GatewaySession:
    session_id: str
    identify: JSON
    seq: int = 0


@dataclass(eq=False)
class GatewayConnection:
    """One websocket connection of a client to the fake gateway."""

    id: int
    ws: web.WebSocketResponse
    query: Mapping[str, str]
    session: GatewaySession | None = None
    ready: bool = False  # READY or RESUMED was sent
    closed: bool = False
    _send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def open(self) -> bool:
        return not self.closed and not self.ws.closed

    async def send(self, frame: JSON) -> None:
        async with self._send_lock:
            await self.ws.send_str(json.dumps(frame))


@dataclass
class _Injection:
    pattern: re.Pattern[str]
    method: str | None
    status: int
    body: JSON
    headers: dict[str, str]

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(path))


@dataclass
class _InteractionState:
    sent: SentInteraction
    channel_id: str
    message_id: str | None  # the message carrying the pressed component
    original_id: str | None = None  # the message the interaction response created or edited
    responded: bool = False
    expired: bool = False


# --------------------------------------------------------------------------- payload helpers


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def make_user(user_id: int | str, username: str | None = None, *, bot: bool = False) -> JSON:
    """A Discord user object."""
    name = username or f"user{user_id}"
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


def button_row(custom_id: str, label: str = "Button") -> JSON:
    """An action row holding one primary button."""
    button = {"type": 2, "style": 1, "label": label, "custom_id": custom_id}
    return {"type": 1, "components": [button]}


def custom_ids(node: Any) -> Iterator[str]:
    """Every custom_id in a (possibly nested) component tree."""
    if isinstance(node, dict):
        if isinstance(node.get("custom_id"), str):
            yield node["custom_id"]
        for value in node.values():
            yield from custom_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from custom_ids(value)


def _option_type(value: Any) -> int:
    for python_type, option_type in _OPTION_TYPES:
        if isinstance(value, python_type):
            return option_type
    raise TypeError(f"no application command option type for {value!r}")


def _options(
    command: JSON | None, options: Mapping[str, Any] | Sequence[JSON] | None
) -> list[JSON]:
    """Interaction options from {name: value}: types from the registered command, else guessed.

    A sequence of option dicts (for subcommands, say) is used as given.
    """
    if options is None:
        return []
    if not isinstance(options, Mapping):
        return [dict(option) for option in options]
    declared = {o["name"]: o.get("type") for o in (command or {}).get("options") or []}
    return [
        {"name": key, "type": declared.get(key) or _option_type(value), "value": value}
        for key, value in options.items()
    ]


def _path_matches(pattern: str | re.Pattern[str] | None, path: str) -> bool:
    if pattern is None:
        return True
    if isinstance(pattern, str):
        return path.startswith(pattern)
    return bool(pattern.search(path))


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py reads a body with a charset suffix as text.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(data).encode(), headers=all_headers)


def _error(status: int, message: str, code: int, **extra: Any) -> web.Response:
    return _json({"message": message, "code": code, **extra}, status=status)


async def _body(request: web.Request) -> JSON:
    """The request's JSON object body, or {} (aiohttp caches the body, so this reads it again)."""
    body, _ = await _read_body(request)
    return body if isinstance(body, dict) else {}


async def _read_body(request: web.Request) -> tuple[Any, tuple[str, ...]]:
    """The request's JSON body (the payload_json part of a multipart body) and file names."""
    if not request.body_exists:
        return None, ()
    if request.content_type == "multipart/form-data":
        form = await request.post()
        files = tuple(v.filename for v in form.values() if isinstance(v, web.FileField))
        payload = form.get("payload_json")
        return (json.loads(payload) if isinstance(payload, str) else None), files
    raw = await request.read()
    if not raw:
        return None, ()
    try:
        return json.loads(raw), ()
    except ValueError:
        return raw.decode(errors="replace"), ()


# --------------------------------------------------------------------------- limits

_EMBED_LIMITS = {"title": 256, "description": 4096}


def _too_long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def _embed_problems(index: int, embed: JSON) -> Iterator[tuple[str, str]]:
    where = f"embeds.{index}"
    for key, limit in _EMBED_LIMITS.items():
        if _too_long(embed.get(key), limit):
            yield f"{where}.{key}", f"Must be {limit} or fewer in length."
    fields = embed.get("fields") or []
    if len(fields) > 25:
        yield f"{where}.fields", "Must be 25 or fewer in length."
    for number, item in enumerate(fields):
        if _too_long(item.get("name"), 256):
            yield f"{where}.fields.{number}.name", "Must be 256 or fewer in length."
        if _too_long(item.get("value"), 1024):
            yield f"{where}.fields.{number}.value", "Must be 1024 or fewer in length."
    if _too_long((embed.get("footer") or {}).get("text"), 2048):
        yield f"{where}.footer.text", "Must be 2048 or fewer in length."


def _embed_text_size(embed: JSON) -> int:
    parts = [embed.get("title"), embed.get("description")]
    parts += [(embed.get("footer") or {}).get("text"), (embed.get("author") or {}).get("name")]
    for item in embed.get("fields") or []:
        parts += [item.get("name"), item.get("value")]
    return sum(len(part) for part in parts if isinstance(part, str))


def _component_problems(components: list[JSON], flags: int) -> Iterator[tuple[str, str]]:
    if not flags & IS_COMPONENTS_V2 and len(components) > 5:
        yield "components", "Must be 5 or fewer in length."
    for index, row in enumerate(components):
        children = row.get("components") or [] if row.get("type") == 1 else []
        if len(children) > 5:
            yield f"components.{index}.components", "Must be 5 or fewer in length."
        for number, child in enumerate(children):
            where = f"components.{index}.components.{number}"
            if _too_long(child.get("label"), 80):
                yield f"{where}.label", "Must be 80 or fewer in length."
            if _too_long(child.get("custom_id"), 100):
                yield f"{where}.custom_id", "Must be 100 or fewer in length."


def message_problems(body: JSON) -> list[tuple[str, str]]:
    """Where a message body breaks Discord's limits, as (path, message) pairs."""
    problems: list[tuple[str, str]] = []
    if _too_long(body.get("content"), 2000):
        problems.append(("content", "Must be 2000 or fewer in length."))
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append(("embeds", "Must be 10 or fewer in length."))
    for index, embed in enumerate(embeds):
        problems.extend(_embed_problems(index, embed))
    if sum(_embed_text_size(embed) for embed in embeds) > 6000:
        problems.append(("embeds", "Embed size exceeds maximum size of 6000"))
    components = body.get("components") or []
    problems.extend(_component_problems(components, int(body.get("flags") or 0)))
    return problems


def _invalid_form_body(problems: list[tuple[str, str]]) -> web.Response:
    errors: JSON = {}
    for path, message in problems:
        node = errors
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_MAX_LENGTH", "message": message})
    return _error(400, "Invalid Form Body", 50035, errors=errors)


# --------------------------------------------------------------------------- uploads

UPLOAD_LIMIT = 10 * 1024 * 1024  # Discord's per-file limit for bots in an unboosted server
MAX_FILES = 10
_FILE_FIELD = re.compile(r"files\[(\d+)\]")
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF8", "image/gif"))
_IMAGE_EXTENSIONS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                     ".gif": "image/gif"}


@dataclass(frozen=True)
class Upload:
    """One `files[n]` part of a multipart request; `content_type` is what Discord makes of
    the bytes (it sniffs them), as the attachment object then says."""

    index: int
    filename: str
    content_type: str
    data: bytes


def _sniffed(data: bytes) -> str:
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)),
                "application/octet-stream")


async def read_uploads(request: web.Request) -> list[Upload] | web.Response:
    """The files of a multipart request ([] for a JSON one), or the refusal of a part that
    is neither `payload_json` nor `files[n]`."""
    if request.content_type != "multipart/form-data":
        return []
    uploads = []
    for name, value in (await request.post()).items():
        match = _FILE_FIELD.fullmatch(name)
        if name == "payload_json" and isinstance(value, str):
            continue
        if match is None or not isinstance(value, web.FileField):
            return _invalid_form_body([(name, "Unexpected form field.")])
        data = value.file.read()
        value.file.seek(0)
        uploads.append(Upload(int(match[1]), value.filename, _sniffed(data), data))
    return uploads


def upload_problems(
    uploads: list[Upload], body: JSON, limit: int
) -> web.Response | None:
    """Discord's rules for files sent with a message: at most MAX_FILES, each within the size
    limit (413, code 40005), an image name only on image bytes, and, when the body has an
    `attachments` array, an entry for every file (its `id` the n of `files[n]`, the same
    filename, a description of at most 1024 characters) and no entry without its file."""
    if any(len(u.data) > limit for u in uploads):
        return _error(413, "Request entity too large", 40005)
    problems = [("files", "Must be 10 or fewer in length.")] if len(uploads) > MAX_FILES else []
    for upload in uploads:
        wanted = _IMAGE_EXTENSIONS.get(upload.filename[upload.filename.rfind("."):].lower())
        if wanted and upload.content_type != wanted:
            problems.append((f"files[{upload.index}]", f"Not a valid {wanted} file."))
    listed = body.get("attachments")
    if uploads and isinstance(listed, list):
        problems += _attachment_problems(uploads, listed)
    return _invalid_form_body(problems) if problems else None


def _attachment_problems(uploads: list[Upload], listed: list[JSON]) -> list[tuple[str, str]]:
    by_index = {u.index: u for u in uploads}
    problems = []
    for number, item in enumerate(listed):
        where = f"attachments.{number}"
        upload = by_index.pop(int(item.get("id", -1)), None)
        if upload is None:
            problems.append((f"{where}.id", "Attachment data not found."))
        elif item.get("filename") not in (None, upload.filename):
            problems.append((f"{where}.filename", "Does not match the uploaded file."))
        if _too_long(item.get("description"), 1024):
            problems.append((f"{where}.description", "Must be 1024 or fewer in length."))
    problems += [(f"files[{i}]", "Not listed in attachments.") for i in by_index]
    return problems


# --------------------------------------------------------------------------- the fake


class FakeDiscord(LoopbackServer):
    """Discord's REST API and gateway on 127.0.0.1, recording what the client does."""

    def __init__(
        self,
        *,
        application_id: int | str = 1_100_000_000_000_000_001,
        bot_user_id: int | str | None = None,
        bot_name: str = "pathbot",
        guild_id: int | str = 1_200_000_000_000_000_001,
        channel_id: int | str = 1_300_000_000_000_000_001,
        user_id: int | str = 1_400_000_000_000_000_001,
        token: str | None = None,
        heartbeat_interval_ms: int = 41_250,
        validate_limits: bool = True,
        shards: int = 1,
        max_concurrency: int = 1,
        identify_window: float = 5.0,
    ) -> None:
        super().__init__()
        self.application_id = str(application_id)
        self.bot_user = make_user(bot_user_id or application_id, bot_name, bot=True)
        self.guild_id = str(guild_id)
        self.channel_id = str(channel_id)
        self.user_id = str(user_id)  # the member who interacts by default
        self.token = token  # when set, other tokens are refused (401 / close 4004)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.validate_limits = validate_limits
        # Sharding (GET /gateway/bot, IDENTIFY's shard field, routing by guild): see "Shards".
        self.shards = shards  # what /gateway/bot recommends
        self.max_concurrency = max_concurrency
        self.identify_window = identify_window  # one IDENTIFY per bucket per this many s
        self.session_starts = 1000  # session_start_limit.remaining
        self.guild_channels: dict[str, str] = {str(guild_id): str(channel_id)}
        self.identifies: list[tuple[float, list[int] | None]] = []  # (time, shard) accepted
        self.refused_identifies: list[tuple[float, Any, str]] = []  # (time, shard, why)
        self._bucket_at: dict[int, float] = {}
        self.upload_limit = UPLOAD_LIMIT  # per file; lower it to test the 413 answer
        self.uploaded: dict[str, Upload] = {}  # attachment id -> the file as uploaded

        self.requests: list[RecordedRequest] = []
        self.dispatches: list[Dispatch] = []
        self.gateway_frames: list[GatewayFrame] = []
        self.messages: dict[str, JSON] = {}  # every message the bot created or edited
        self.commands: dict[str | None, list[JSON]] = {}  # by guild id; None: global
        self.users: dict[str, JSON] = {self.bot_user["id"]: self.bot_user}
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self.closed_dms: dict[str, int] = {}  # user id -> error code

        self._connections: list[GatewayConnection] = []
        self._sessions: dict[str, GatewaySession] = {}
        self._interactions: dict[str, _InteractionState] = {}  # by id and by token
        self._injections: list[_Injection] = []
        self._changed = asyncio.Condition()
        self._last_id = 0

    # ----------------------------------------------------------------- lifecycle

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024**2)
        app.add_routes(self._routes())
        return app

    async def close_connections(self) -> None:
        for connection in self._connections:
            if connection.open:
                await connection.ws.close(code=1001)

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + GATEWAY_PATH

    # ----------------------------------------------------------------- test controls

    def close_dms(self, user_id: int | str, code: int = 50007) -> None:
        """Make messages to this user's DM channel fail with 403 and this code."""
        self.closed_dms[str(user_id)] = code

    def open_dms(self, user_id: int | str) -> None:
        self.closed_dms.pop(str(user_id), None)

    def rate_limit_next(
        self,
        path_regex: str | re.Pattern[str],
        retry_after: float = 0.05,
        *,
        method: str | None = None,
        is_global: bool = False,
    ) -> None:
        """Answer the next request whose path matches with 429, as Discord does."""
        reset = time.time() + retry_after
        headers = {
            "Via": "1.1 google",  # discord.py treats a 429 without Via as a Cloudflare ban
            "Retry-After": f"{retry_after:.3f}",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{reset:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Scope": "shared" if not is_global else "global",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry_after}
        body["global"] = is_global
        self._inject(path_regex, method, 429, body, headers)

    def fail_next(
        self,
        path_regex: str | re.Pattern[str],
        status: int = 500,
        body: JSON | None = None,
        *,
        method: str | None = None,
    ) -> None:
        """Answer the next request whose path matches with this status and JSON body."""
        body = body if body is not None else {"message": "Injected failure", "code": 0}
        self._inject(path_regex, method, status, body, {})

    def expire_interaction(self, interaction: SentInteraction | str) -> None:
        """Treat the interaction token as expired (callback 404 10062, webhooks 401 50027)."""
        self._interaction_state(interaction).expired = True

    def _inject(
        self,
        path_regex: str | re.Pattern[str],
        method: str | None,
        status: int,
        body: JSON,
        headers: dict[str, str],
    ) -> None:
        pattern = re.compile(path_regex) if isinstance(path_regex, str) else path_regex
        self._injections.append(_Injection(pattern, method, status, body, headers))

    # ----------------------------------------------------------------- queries and waiting

    def calls(
        self, method: str | None = None, path: str | re.Pattern[str] | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests; a str path is a prefix, a compiled pattern is searched."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and _path_matches(path, r.path)
        ]

    async def wait_for(
        self, predicate: Callable[[RecordedRequest], bool], timeout: float = WAIT
    ) -> RecordedRequest:
        """The first recorded request matching predicate, waiting for it if need be."""

        def probe() -> RecordedRequest | None:
            return next((r for r in self.requests if predicate(r)), None)

        return await self._wait_until(probe, timeout, "a request matching the predicate")

    async def callback_record(
        self, interaction: SentInteraction | str, timeout: float = WAIT
    ) -> RecordedRequest:
        """The first successful callback request for this interaction (id or SentInteraction)."""
        interaction_id = interaction.id if isinstance(interaction, SentInteraction) else interaction
        prefix = f"/interactions/{interaction_id}/"

        def is_callback(r: RecordedRequest) -> bool:
            return r.method == "POST" and r.path.startswith(prefix) and r.status < 300

        return await self.wait_for(is_callback, timeout)

    async def callback_for(self, interaction: SentInteraction | str, timeout: float = WAIT) -> JSON:
        """The callback JSON (``type`` and ``data``) the client sent for this interaction."""
        record = await self.callback_record(interaction, timeout)
        return record.json if isinstance(record.json, dict) else {}

    async def followups_for(
        self, interaction: SentInteraction | str, count: int = 1, timeout: float = WAIT
    ) -> list[JSON]:
        """Bodies of successful follow-ups for a token, once there are at least ``count``."""
        token = interaction.token if isinstance(interaction, SentInteraction) else interaction
        path = f"/webhooks/{self.application_id}/{token}"

        def probe() -> list[JSON] | None:
            found = [r.json for r in self.calls("POST", path) if r.status < 300 and r.path == path]
            return found if len(found) >= count else None

        return await self._wait_until(probe, timeout, f"{count} follow-up(s)")

    def original_message(self, interaction: SentInteraction | str) -> JSON | None:
        """The message the interaction's response created or edited, as stored now."""
        state = self._interaction_state(interaction)
        return self.messages.get(state.original_id) if state.original_id else None

    def messages_in(self, channel_id: int | str) -> list[JSON]:
        return [m for m in self.messages.values() if m["channel_id"] == str(channel_id)]

    def dms_to(self, user_id: int | str) -> list[JSON]:
        channel_id = self.dm_channels.get(str(user_id))
        return self.messages_in(channel_id) if channel_id else []

    @property
    def connections(self) -> list[GatewayConnection]:
        return list(self._connections)

    async def wait_for_connection(self, count: int = 1, timeout: float = WAIT) -> GatewayConnection:
        """Wait until ``count`` connections have been READY or RESUMED; the newest of them."""

        def probe() -> GatewayConnection | None:
            ready = [c for c in self._connections if c.ready]
            return ready[-1] if len(ready) >= count else None

        return await self._wait_until(probe, timeout, f"{count} ready gateway connection(s)")

    async def _wait_until(self, probe: Callable[[], T | None], timeout: float, what: str) -> T:
        found: list[T] = []

        def check() -> bool:
            value = probe()
            if value is not None:
                found.append(value)
            return value is not None

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(check)
        except TimeoutError:
            seen = ", ".join(f"{r.method} {r.path} {r.status}" for r in self.requests[-10:])
            raise TimeoutError(
                f"nothing ({what}) within {timeout}s; last requests: {seen}"
            ) from None
        return found[-1]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----------------------------------------------------------------- ids and objects

    def snowflake(self) -> str:
        """A new, increasing snowflake-like id."""
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_id = max(now, self._last_id + 1)
        return str(self._last_id)

    def user(self, user_id: int | str | None = None, username: str | None = None) -> JSON:
        """The user object for an id (default: the configured member), created on first use."""
        key = str(user_id or self.user_id)
        if key not in self.users or username:
            self.users[key] = make_user(key, username)
        return self.users[key]

    def member(
        self, user_id: int | str | None = None, permissions: str = MEMBER_PERMISSIONS
    ) -> JSON:
        return {
            "user": self.user(user_id),
            "roles": [],
            "flags": 0,
            "permissions": permissions,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }

    def text_channel(self, guild_id: str | None = None) -> JSON:
        guild = guild_id or self.guild_id
        return {
            "id": self.guild_channels.get(guild, self.channel_id),
            "type": 0,
            "guild_id": guild,
            "name": "learning",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }

    def dm_channel(self, user_id: int | str) -> JSON:
        key = str(user_id)
        if key not in self.dm_channels:
            self.dm_channels[key] = self.snowflake()
        channel_id = self.dm_channels[key]
        return {
            "id": channel_id,
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self.user(key)],
        }

    def guild(self, guild_id: str | None = None) -> JSON:
        """A full guild object as GUILD_CREATE carries it."""
        gid = guild_id or self.guild_id
        everyone = {
            "id": gid,
            "name": "@everyone",
            "permissions": MEMBER_PERMISSIONS,
            "position": 0,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        channel = {k: v for k, v in self.text_channel(gid).items() if k != "guild_id"}
        return {
            "id": gid,
            "name": "Fake Guild",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.user_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "features": [],
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "joined_at": now_iso(),
            "large": False,
            "unavailable": False,
            "member_count": 2,
            "members": [self.member(self.bot_user["id"])],
            "channels": [channel],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def seed_message(
        self, channel_id: int | str | None = None, body: JSON | None = None, *, flags: int = 0
    ) -> JSON:
        """Store a message (authored by the bot) as if it already existed in Discord."""
        channel = str(channel_id or self.channel_id)
        return self._store(self._new_message(channel, body or {}, flags=flags))

    def _new_message(
        self,
        channel_id: str,
        body: JSON,
        *,
        flags: int = 0,
        message_type: int = 0,
        webhook: bool = False,
        message_id: str | None = None,
    ) -> JSON:
        message: JSON = {
            "id": message_id or self.snowflake(),
            "channel_id": channel_id,
            "author": self.bot_user,
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": self._attachments(body),
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "type": message_type,
            "flags": flags | int(body.get("flags") or 0),
        }
        if channel_id not in self.dm_channels.values():
            message["guild_id"] = self.guild_of(channel_id)
        if webhook:
            message["webhook_id"] = self.application_id
            message["application_id"] = self.application_id
        return message

    def _attachments(self, body: JSON) -> list[JSON]:
        attachments = []
        for item in body.get("attachments") or []:
            filename = str(item.get("filename") or "file")
            attachment_id = self.snowflake()
            url = f"{self.base_url}/attachments/{attachment_id}/{filename}"
            attachments.append(
                {
                    "id": attachment_id,
                    "filename": filename,
                    "size": 0,
                    "url": url,
                    "proxy_url": url,
                    "description": item.get("description"),
                }
            )
        return attachments

    def _store(self, message: JSON) -> JSON:
        self.messages[message["id"]] = message
        return message

    def _edit(self, message: JSON, body: JSON) -> JSON:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] or ("" if key == "content" else [])
        if "attachments" in body:
            message["attachments"] = self._attachments(body)
        if "flags" in body and body["flags"] is not None:
            message["flags"] = int(body["flags"]) | (message["flags"] & EPHEMERAL)
        message["flags"] &= ~LOADING
        message["edited_timestamp"] = now_iso()
        return message

    # ----------------------------------------------------------------- interactions

    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        user_id: int | str | None = None,
        permissions: str = MEMBER_PERMISSIONS,
        guild: bool = True,
        connection: GatewayConnection | None = None,
    ) -> SentInteraction:
        """Dispatch a slash command (type 2) as if a user ran ``/name``."""
        command = self._find_command(name, guild)
        data = self._command_data(name, command)
        data["options"] = _options(command, options)
        return await self._send_interaction(
            APPLICATION_COMMAND, data, user_id, permissions, guild, connection
        )

    async def autocomplete(
        self,
        name: str,
        focused: str,
        value: str,
        options: Mapping[str, Any] | None = None,
        *,
        user_id: int | str | None = None,
        permissions: str = MEMBER_PERMISSIONS,
        guild: bool = True,
        connection: GatewayConnection | None = None,
    ) -> SentInteraction:
        """Dispatch an autocomplete request (type 4) for option ``focused`` typed as ``value``."""
        command = self._find_command(name, guild)
        data = self._command_data(name, command)
        data["options"] = _options(command, {**(options or {}), focused: value})
        for option in data["options"]:
            if option["name"] == focused:
                option["focused"] = True
        return await self._send_interaction(
            AUTOCOMPLETE, data, user_id, permissions, guild, connection
        )

    async def press(
        self,
        custom_id: str,
        message_id: int | str | None = None,
        *,
        user_id: int | str | None = None,
        permissions: str = MEMBER_PERMISSIONS,
        guild: bool = True,
        ephemeral: bool = False,
        component_type: int = 2,
        values: list[str] | None = None,
        connection: GatewayConnection | None = None,
    ) -> SentInteraction:
        """Dispatch a component interaction (type 3): a press of the button ``custom_id``.

        The interaction carries the stored message ``message_id``; without one (or for an
        unknown id) a minimal message holding the button is made and stored. If the message
        no longer holds that custom_id (a stale button), the button is added to the copy sent,
        so that discord.py's DynamicItem/persistent view lookup still finds it.
        """
        channel_id = self.channel_id if guild else self.dm_channel(user_id or self.user_id)["id"]
        message = self._message_for_press(custom_id, message_id, channel_id, ephemeral)
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self._send_interaction(
            MESSAGE_COMPONENT,
            data,
            user_id,
            permissions,
            guild,
            connection,
            message=message,
            channel_id=message["channel_id"],
        )

    async def send_raw(
        self, name: str, payload: Any, *, connection: GatewayConnection | None = None
    ) -> Dispatch:
        """Dispatch any event (for example a malformed INTERACTION_CREATE) as given."""
        if name == "INTERACTION_CREATE" and isinstance(payload, dict):
            self._register_raw_interaction(payload)
        return await self._dispatch(self._target(connection), name, payload)

    def _command_data(self, name: str, command: JSON | None) -> JSON:
        """The ``data`` of a slash command interaction (with guild_id for a guild command)."""
        data: JSON = {"id": command["id"] if command else self.snowflake(), "name": name}
        data["type"] = 1
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    def _find_command(self, name: str, guild: bool) -> JSON | None:
        scopes = [self.guild_id, None] if guild else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    def _message_for_press(
        self, custom_id: str, message_id: int | str | None, channel_id: str, ephemeral: bool
    ) -> JSON:
        stored = self.messages.get(str(message_id)) if message_id is not None else None
        if stored is None:
            body = {"components": [button_row(custom_id)]}
            flags = EPHEMERAL if ephemeral else 0
            new_id = str(message_id) if message_id is not None else None
            stored = self._store(
                self._new_message(channel_id, body, flags=flags, message_id=new_id)
            )
        message = copy.deepcopy(stored)
        if custom_id not in set(custom_ids(message["components"])):
            message["components"] = [*message["components"][:4], button_row(custom_id)]
        return message

    async def _send_interaction(
        self,
        kind: int,
        data: JSON,
        user_id: int | str | None,
        permissions: str,
        guild: bool,
        connection: GatewayConnection | None,
        *,
        message: JSON | None = None,
        channel_id: str | None = None,
    ) -> SentInteraction:
        target = connection or self.shard_connection(self.guild_id if guild else None)
        payload = self.interaction_payload(
            kind,
            data,
            user_id=user_id,
            permissions=permissions,
            guild=guild,
            channel_id=channel_id,
            message=message,
        )
        state = self._register_interaction(payload, message["id"] if message else None)
        dispatch = await self._dispatch(target, "INTERACTION_CREATE", payload)
        return SentInteraction(state.sent.id, state.sent.token, kind, payload, dispatch.at)

    def interaction_payload(
        self,
        kind: int,
        data: JSON,
        *,
        user_id: int | str | None = None,
        permissions: str = MEMBER_PERMISSIONS,
        guild: bool = True,
        channel_id: str | None = None,
        message: JSON | None = None,
    ) -> JSON:
        """A valid INTERACTION_CREATE payload, not dispatched (for building malformed ones)."""
        who = str(user_id or self.user_id)
        payload: JSON = {
            "id": self.snowflake(),
            "application_id": self.application_id,
            "type": kind,
            "data": data,
            "token": "itok." + secrets.token_urlsafe(24),
            "version": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": MEMBER_PERMISSIONS,
            "locale": "en-US",
            "entitlements": [],
        }
        if guild:
            channel = self.text_channel()
            payload |= {
                "guild_id": self.guild_id,
                "guild": {"id": self.guild_id, "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "member": self.member(who, permissions),
                "authorizing_integration_owners": {"0": self.guild_id},
                "context": 0,
            }
        else:
            channel = self.dm_channel(who)
            payload |= {
                "user": self.user(who),
                "authorizing_integration_owners": {"0": "0"},
                "context": 1,
            }
        if channel_id is not None:
            channel["id"] = channel_id
        payload["channel_id"] = channel["id"]
        payload["channel"] = channel
        if message is not None:
            payload["message"] = message
        return payload

    def _register_interaction(self, payload: JSON, message_id: str | None) -> _InteractionState:
        sent = SentInteraction(
            str(payload["id"]), str(payload["token"]), int(payload["type"]), payload, 0.0
        )
        state = _InteractionState(sent, str(payload.get("channel_id", "")), message_id)
        self._interactions[sent.id] = state
        self._interactions[sent.token] = state
        return state

    def _register_raw_interaction(self, payload: JSON) -> None:
        if {"id", "token", "type"} <= payload.keys():
            message = payload.get("message")
            message_id = message.get("id") if isinstance(message, dict) else None
            self._register_interaction(payload, message_id)

    def _interaction_state(self, interaction: SentInteraction | str) -> _InteractionState:
        key = interaction.id if isinstance(interaction, SentInteraction) else interaction
        return self._interactions[key]

    # ----------------------------------------------------------------- shards

    def add_guild(self, guild_id: int | str, channel_id: int | str | None = None) -> str:
        """Another guild the bot is in, with its one text channel; its channel id."""
        channel = str(channel_id) if channel_id is not None else self.snowflake()
        self.guild_channels[str(guild_id)] = channel
        return channel

    def use_guild(self, guild_id: int | str) -> None:
        """Later slash/press calls come from this guild (and its channel)."""
        self.guild_id = str(guild_id)
        self.channel_id = self.guild_channels[self.guild_id]

    def guild_of(self, channel_id: str) -> str:
        for guild_id, channel in self.guild_channels.items():
            if channel == channel_id:
                return guild_id
        return self.guild_id

    def shard_of(self, guild_id: int | str | None, count: int | None = None) -> int:
        """Discord's routing: (guild_id >> 22) % shard_count; DMs (no guild) on shard 0."""
        if guild_id is None:
            return 0
        return (int(guild_id) >> 22) % (count or self.shards)

    def guilds_on(self, session: GatewaySession) -> list[str]:
        shard = session.identify.get("shard")
        if not isinstance(shard, list):
            return list(self.guild_channels)
        return [g for g in self.guild_channels if self.shard_of(g, shard[1]) == shard[0]]

    def shard_connection(self, guild_id: int | str | None) -> GatewayConnection:
        """The newest ready connection of the shard that receives this guild's events."""
        for candidate in reversed(self._connections):
            if not (candidate.ready and candidate.open and candidate.session):
                continue
            shard = candidate.session.identify.get("shard")
            if not isinstance(shard, list) or self.shard_of(guild_id, shard[1]) == shard[0]:
                return candidate
        raise RuntimeError(f"no shard of guild {guild_id} is connected to the fake gateway")

    def _identify_refusal(self, shard: Any) -> str | None:
        """Why Discord would refuse this IDENTIFY: a bad shard field, or a second IDENTIFY
        in the shard's bucket (shard_id % max_concurrency) within identify_window."""
        if shard is None:
            return "sharding required" if self.shards > 1 else None
        if (not isinstance(shard, list) or len(shard) != 2
                or not all(isinstance(x, int) for x in shard)
                or not 0 <= shard[0] < shard[1]):
            return "invalid shard"
        now = time.monotonic()
        bucket = shard[0] % self.max_concurrency
        last = self._bucket_at.get(bucket)
        if last is not None and now - last < self.identify_window:
            return f"bucket {bucket} identified {now - last:.2f} s ago"
        self._bucket_at[bucket] = now
        self.identifies.append((now, shard))
        self.session_starts -= 1
        return None

    async def _refuse_identify(self, connection: GatewayConnection, shard: Any, why: str) -> None:
        """As Discord: a bad shard closes the connection (4010 / 4011); too fast an
        IDENTIFY gets op 9 INVALID_SESSION (d=false) and must wait."""
        self.refused_identifies.append((time.monotonic(), shard, why))
        if why.startswith("bucket"):
            await connection.send({"op": 9, "d": False})
        else:
            code = 4011 if why == "sharding required" else 4010
            await connection.ws.close(code=code, message=why.encode())

    # ----------------------------------------------------------------- gateway

    async def request_reconnect(self, connection: GatewayConnection | None = None) -> None:
        """Send op 7 RECONNECT: discord.py reconnects and RESUMEs its session."""
        await self._target(connection).send({"op": 7, "d": None})

    async def close_connection(
        self, connection: GatewayConnection | None = None, code: int = 4000
    ) -> None:
        """Close a gateway connection from the server side."""
        await self._target(connection).ws.close(code=code)

    def _target(self, connection: GatewayConnection | None) -> GatewayConnection:
        if connection is not None:
            return connection
        for candidate in reversed(self._connections):
            if candidate.ready and candidate.open:
                return candidate
        raise RuntimeError("no client is connected to the fake gateway")

    async def _dispatch(self, connection: GatewayConnection, name: str, payload: Any) -> Dispatch:
        session = connection.session
        if session is None:
            raise RuntimeError(f"gateway connection {connection.id} has no session")
        session.seq += 1
        record = Dispatch(name, payload, connection.id, session.seq, time.perf_counter())
        self.dispatches.append(record)
        await connection.send({"op": 0, "t": name, "s": session.seq, "d": payload})
        return record

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0)
        await ws.prepare(request)
        connection = GatewayConnection(len(self._connections) + 1, ws, dict(request.query))
        self._connections.append(connection)
        try:
            await connection.send(
                {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(connection, json.loads(message.data))
        finally:
            connection.closed = True
            await self._notify()
        return ws

    async def _on_frame(self, connection: GatewayConnection, frame: JSON) -> None:
        op = frame.get("op")
        raw = frame.get("d")
        d: JSON = raw if isinstance(raw, dict) else {}
        self.gateway_frames.append(GatewayFrame(connection.id, op, raw, time.perf_counter()))
        if op == 1:
            await connection.send({"op": 11})
        elif op == 2:
            await self._identify(connection, d)
        elif op == 6:
            await self._resume(connection, d)
        elif op == 8:
            await self._send_member_chunk(connection, d)
        await self._notify()

    async def _identify(self, connection: GatewayConnection, d: JSON) -> None:
        if self.token is not None and d.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        refusal = self._identify_refusal(d.get("shard"))
        if refusal is not None:
            await self._refuse_identify(connection, d.get("shard"), refusal)
            return
        session = GatewaySession(secrets.token_hex(16), d)
        self._sessions[session.session_id] = session
        connection.session = session
        await self._dispatch(connection, "READY", self._ready_payload(session))
        connection.ready = True
        for guild_id in self.guilds_on(session):
            await self._dispatch(connection, "GUILD_CREATE", self.guild(guild_id))

    def _ready_payload(self, session: GatewaySession) -> JSON:
        payload: JSON = {
            "v": 10,
            "user": {**self.bot_user, "verified": True, "mfa_enabled": False},
            "guilds": [{"id": g, "unavailable": True} for g in self.guilds_on(session)],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "geo_ordered_rtc_regions": [],
        }
        if session.identify.get("shard") is not None:
            payload["shard"] = session.identify["shard"]
        return payload

    async def _resume(self, connection: GatewayConnection, d: JSON) -> None:
        session = self._sessions.get(str(d.get("session_id")))
        if session is None:
            await connection.send({"op": 9, "d": False})
            return
        connection.session = session
        connection.ready = True
        await self._dispatch(connection, "RESUMED", {})

    async def _send_member_chunk(self, connection: GatewayConnection, d: JSON) -> None:
        chunk = {
            "guild_id": str(d.get("guild_id")),
            "members": [self.member(self.bot_user["id"])],
            "chunk_index": 0,
            "chunk_count": 1,
            "nonce": d.get("nonce"),
        }
        await self._dispatch(connection, "GUILD_MEMBERS_CHUNK", chunk)

    # ----------------------------------------------------------------- REST plumbing

    def _routes(self) -> list[web.RouteDef]:
        p = API_PREFIX
        commands = f"{p}/applications/{{app_id}}/commands"
        guild_commands = f"{p}/applications/{{app_id}}/guilds/{{guild_id}}/commands"
        webhook = f"{p}/webhooks/{{app_id}}/{{token}}"
        message = f"{p}/channels/{{channel_id}}/messages/{{message_id}}"
        return [
            web.get(GATEWAY_PATH, self._gateway),
            web.get(f"{p}/users/@me", self._get_me),
            web.get(f"{p}/users/{{user_id}}", self._get_user),
            web.get(f"{p}/oauth2/applications/@me", self._get_application),
            web.get(f"{p}/gateway", self._get_gateway),
            web.get(f"{p}/gateway/bot", self._get_gateway_bot),
            web.put(commands, self._put_commands),
            web.get(commands, self._get_commands),
            web.put(guild_commands, self._put_commands),
            web.get(guild_commands, self._get_commands),
            web.post(f"{p}/interactions/{{interaction_id}}/{{token}}/callback", self._callback),
            web.post(webhook, self._followup),
            web.get(f"{webhook}/messages/{{message_id}}", self._get_webhook_message),
            web.patch(f"{webhook}/messages/{{message_id}}", self._edit_webhook_message),
            web.delete(f"{webhook}/messages/{{message_id}}", self._delete_webhook_message),
            web.post(f"{p}/users/@me/channels", self._create_dm),
            web.get(f"{p}/channels/{{channel_id}}", self._get_channel),
            web.post(f"{p}/channels/{{channel_id}}/messages", self._create_message),
            web.get(message, self._get_message),
            web.patch(message, self._edit_message),
            web.delete(message, self._delete_message),
        ]

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            response: web.StreamResponse = await handler(request)
            return response
        at = time.perf_counter()
        body, files = await _read_body(request)
        response = self._refusal(request) or await self._handle(handler, request)
        path = request.path[len(API_PREFIX) :]
        query = dict(request.query)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.requests.append(RecordedRequest(
            request.method, path, query, body, files, response.status, at,
            peer[1] if peer else 0))
        await self._notify()
        return response

    def _refusal(self, request: web.Request) -> web.Response | None:
        """An injected failure, or a 401 for a wrong bot token."""
        path = request.path[len(API_PREFIX) :]
        for injection in self._injections:
            if injection.matches(request.method, path):
                self._injections.remove(injection)
                return _json(injection.body, injection.status, injection.headers)
        auth = request.headers.get("Authorization")
        if self.token is not None and auth is not None and auth != f"Bot {self.token}":
            return _error(401, "401: Unauthorized", 0)
        return None

    async def _handle(
        self, handler: Callable[[web.Request], Any], request: web.Request
    ) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            return _error(404, "Unknown", 0)
        return response

    def _checked(self, body: JSON) -> web.Response | None:
        if not self.validate_limits:
            return None
        problems = message_problems(body)
        return _invalid_form_body(problems) if problems else None

    # ----------------------------------------------------------------- REST: identity

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json({**self.bot_user, "verified": True, "mfa_enabled": False})

    async def _get_user(self, request: web.Request) -> web.Response:
        return _json(self.user(request.match_info["user_id"]))

    async def _get_application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": self.application_id,
                "name": self.bot_user["username"],
                "icon": None,
                "description": "",
                "summary": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.user(self.user_id),
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "bot": self.bot_user,
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": self.session_starts, "reset_after": 0,
                 "max_concurrency": self.max_concurrency}
        return _json({"url": self.gateway_url, "shards": self.shards,
                      "session_start_limit": limit})

    # ----------------------------------------------------------------- REST: commands

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild_id = request.match_info.get("guild_id")
        payload, _ = await _read_body(request)
        if not isinstance(payload, list):
            return _error(400, "Invalid Form Body", 50035)
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self.commands.get(guild_id, [])}
        stored = []
        for command in payload:
            key = (command.get("name"), command.get("type", 1))
            stored.append(self._command_object(command, previous.get(key), guild_id))
        self.commands[guild_id] = stored
        return _json(stored)

    def _command_object(self, command: JSON, command_id: str | None, guild_id: str | None) -> JSON:
        stored: JSON = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **command,
            "id": command_id or self.snowflake(),
            "application_id": self.application_id,
            "version": self.snowflake(),
        }
        if guild_id is not None:
            stored["guild_id"] = guild_id
        return stored

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self.commands.get(request.match_info.get("guild_id"), []))

    # ----------------------------------------------------------------- REST: interactions

    async def _callback(self, request: web.Request) -> web.Response:
        state = self._interactions.get(request.match_info["interaction_id"])
        if state is None or state.sent.token != request.match_info["token"] or state.expired:
            return _error(404, "Unknown interaction", 10062)
        if state.responded:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        body = await _body(request)
        kind = int(body.get("type") or 0)
        data = body.get("data") or {}
        refusal = self._callback_refusal(state, kind, data)
        refusal = refusal or await self._upload_refusal(request, data)
        if refusal is not None:
            return refusal
        state.responded = True
        message = self._callback_message(state, kind, data)
        await self._keep_uploads(request, data, message)
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)  # Discord sends the callback object only if asked
        return _json(self._callback_reply(state, kind, message))

    def _callback_refusal(
        self, state: _InteractionState, kind: int, data: JSON
    ) -> web.Response | None:
        if kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE) and state.message_id is None:
            return _error(400, "Interaction has no message to update", 50035)
        if kind == AUTOCOMPLETE_RESULT and len(data.get("choices") or []) > 25:
            return _invalid_form_body([("data.choices", "Must be 25 or fewer in length.")])
        if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            return self._checked(data)
        return None

    def _callback_message(self, state: _InteractionState, kind: int, data: JSON) -> JSON | None:
        message_type = 20 if state.sent.type == APPLICATION_COMMAND else 0
        message: JSON | None
        if kind == CHANNEL_MESSAGE:
            message = self._new_message(state.channel_id, data, message_type=message_type)
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(
                state.channel_id, {}, flags=flags, message_type=message_type
            )
        elif kind == UPDATE_MESSAGE and state.message_id in self.messages:
            message = self._edit(self.messages[state.message_id], data)
        elif kind == DEFERRED_UPDATE_MESSAGE:
            message = self.messages.get(state.message_id or "")
        else:
            return None
        if message is not None:
            self._store(message)
            state.original_id = message["id"]
        return message

    def _callback_reply(self, state: _InteractionState, kind: int, message: JSON | None) -> JSON:
        interaction: JSON = {"id": state.sent.id, "type": state.sent.type}
        resource: JSON = {"type": kind}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = kind == DEFERRED_CHANNEL_MESSAGE
            interaction["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
            resource["message"] = message
        return {"interaction": interaction, "resource": resource}

    def _webhook_state(self, request: web.Request) -> _InteractionState | web.Response:
        state = self._interactions.get(request.match_info["token"])
        if state is None or request.match_info["app_id"] != self.application_id:
            return _error(404, "Unknown Webhook", 10015)
        if state.expired:
            return _error(401, "Invalid Webhook Token", 50027)
        return state

    def _webhook_message(self, request: web.Request) -> JSON | web.Response:
        state = self._webhook_state(request)
        if isinstance(state, web.Response):
            return state
        message_id = request.match_info["message_id"]
        if message_id == "@original":
            message_id = state.original_id or ""
        message = self.messages.get(message_id)
        return message if message is not None else _error(404, "Unknown Message", 10008)

    async def _followup(self, request: web.Request) -> web.Response:
        state = self._webhook_state(request)
        if isinstance(state, web.Response):
            return state
        body = await _body(request)
        refusal = self._checked(body) or await self._upload_refusal(request, body)
        if refusal is not None:
            return refusal
        message = self._store(self._new_message(state.channel_id, body, webhook=True))
        await self._keep_uploads(request, body, message)
        if request.query.get("wait") not in ("1", "true", "True"):
            return web.Response(status=204)
        return _json(message)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        return message if isinstance(message, web.Response) else _json(message)

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        if isinstance(message, web.Response):
            return message
        body = await _body(request)
        refusal = self._checked(body) or await self._upload_refusal(request, body)
        if refusal is not None:
            return refusal
        edited = self._edit(message, body)
        await self._keep_uploads(request, body, edited)
        return _json(edited)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        message = self._webhook_message(request)
        if isinstance(message, web.Response):
            return message
        self.messages.pop(message["id"], None)
        return web.Response(status=204)

    # ----------------------------------------------------------------- REST: uploads

    async def _upload_refusal(self, request: web.Request, body: JSON) -> web.Response | None:
        uploads = await read_uploads(request)
        if isinstance(uploads, web.Response):
            return uploads
        return upload_problems(uploads, body, self.upload_limit)

    async def _keep_uploads(self, request: web.Request, body: JSON, message: JSON | None) -> None:
        """Give the message's attachments their uploaded size and type; keep the bytes."""
        uploads = await read_uploads(request)
        if message is None or isinstance(uploads, web.Response) or not uploads:
            return
        by_index = {u.index: u for u in uploads}
        listed = body.get("attachments") or [{"id": u.index} for u in uploads]
        if not body.get("attachments"):
            message["attachments"] = self._attachments(
                {"attachments": [{"id": u.index, "filename": u.filename} for u in uploads]})
        for item, attachment in zip(listed, message["attachments"], strict=False):
            upload = by_index.get(int(item.get("id", -1)))
            if upload is not None:
                attachment.update(size=len(upload.data), content_type=upload.content_type)
                self.uploaded[attachment["id"]] = upload

    def attachment_data(self, attachment: JSON) -> bytes:
        """The bytes uploaded for an attachment of a stored message."""
        return self.uploaded[attachment["id"]].data


    # ----------------------------------------------------------------- REST: channels

    async def _create_dm(self, request: web.Request) -> web.Response:
        recipient = (await _body(request)).get("recipient_id")
        if recipient is None:
            return _error(400, "Invalid Form Body", 50035)
        return _json(self.dm_channel(recipient))

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        if channel_id in self.guild_channels.values():
            return _json(self.text_channel(self.guild_of(channel_id)))
        for user_id, dm_id in self.dm_channels.items():
            if dm_id == channel_id:
                return _json(self.dm_channel(user_id))
        return _error(404, "Unknown Channel", 10003)

    def _dm_refusal(self, channel_id: str) -> web.Response | None:
        for user_id, code in self.closed_dms.items():
            if self.dm_channels.get(user_id) == channel_id:
                return _error(403, "Cannot send messages to this user", code)
        return None

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        body = await _body(request)
        refusal = self._dm_refusal(channel_id) or self._checked(body)
        refusal = refusal or await self._upload_refusal(request, body)
        if refusal is not None:
            return refusal
        message = self._store(self._new_message(channel_id, body))
        await self._keep_uploads(request, body, message)
        return _json(message)

    def _channel_message(self, request: web.Request) -> JSON | None:
        message = self.messages.get(request.match_info["message_id"])
        if message is None or message["channel_id"] != request.match_info["channel_id"]:
            return None
        return message

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        return _json(message) if message else _error(404, "Unknown Message", 10008)

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return _error(404, "Unknown Message", 10008)
        body = await _body(request)
        refusal = self._checked(body)
        return refusal or _json(self._edit(message, body))

    async def _delete_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if message is None:
            return _error(404, "Unknown Message", 10008)
        del self.messages[message["id"]]
        return web.Response(status=204)
