"""Build Slack's HTTP requests (slash commands, block_actions) and sign them like Slack does.

Pure helpers, no server: the payload builders return what Slack sends, as a dict (for Socket
Mode envelopes) or as the exact `application/x-www-form-urlencoded` body (for HTTP mode).
`sign()` produces the `v0` HMAC-SHA256 headers over `v0:{timestamp}:{body}`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

DEFAULT_TEAM_ID = "T0PATHBOT"
DEFAULT_TEAM_DOMAIN = "pathbot-test"
DEFAULT_APP_ID = "A0PATHBOT"
DEFAULT_CHANNEL_ID = "C0GENERAL"
DEFAULT_CHANNEL_NAME = "general"
DEFAULT_USER_ID = "U0ALICE"
VERIFICATION_TOKEN = "legacy-verification-token"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

_counter = itertools.count(1)


def _unique() -> int:
    return next(_counter)


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's (`{seconds}.{number}.{hex}`)."""
    n = _unique()
    return f"{int(time.time())}.{1000 + n}.{n:032x}"


def new_action_ts() -> str:
    """A timestamp string like Slack's `action_ts` (seconds.microseconds)."""
    return f"{time.time():.6f}"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` keyed with the signing secret."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds to every HTTP request (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(secret, body, ts),
    }


def form_body(fields: dict[str, str]) -> bytes:
    """Form-encode like Slack (spaces as `+`, `/` as `%2F`), keeping the field order."""
    return urlencode(fields).encode()


def slash_command_payload(
    command: str,
    text: str = "",
    *,
    response_url: str,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    user_name: str | None = None,
    channel_name: str = DEFAULT_CHANNEL_NAME,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    trigger_id: str | None = None,
) -> dict[str, str]:
    """The fields of a slash command, in Slack's order (also the Socket Mode payload)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def slash_command_body(command: str, text: str = "", **fields: Any) -> bytes:
    """Form-encoded slash command body; keywords as in `slash_command_payload`."""
    return form_body(slash_command_payload(command, text, **fields))


def message_container(
    message_ts: str, channel_id: str = DEFAULT_CHANNEL_ID, *, is_ephemeral: bool = False
) -> dict[str, Any]:
    """The `container` of a button press inside a message."""
    return {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel_id,
        "is_ephemeral": is_ephemeral,
    }


def _action(action_id: str, value: str, block_id: str, text: str) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": new_action_ts(),
    }


def _container_for(
    message: dict[str, Any] | None, container: dict[str, Any] | None, channel_id: str
) -> dict[str, Any]:
    if container is not None:
        return container
    if message is not None:
        return message_container(str(message.get("ts", "")), channel_id)
    return message_container(new_action_ts(), channel_id, is_ephemeral=True)


def block_actions_payload(
    action_id: str,
    value: str = "",
    *,
    response_url: str,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    message: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    block_id: str = "actions",
    button_text: str = "Button",
    user_name: str | None = None,
    channel_name: str = DEFAULT_CHANNEL_NAME,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
) -> dict[str, Any]:
    """A `block_actions` payload for one button press.

    With `message` (an in-channel message dict with `ts`), the payload carries the message and
    a non-ephemeral container; without it the press comes from an ephemeral message
    (`container.is_ephemeral` true, no `message`, as Slack sends it). `container` overrides.
    """
    name = user_name or user_id.lower()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": name, "name": name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": _container_for(message, container, channel_id),
        "trigger_id": new_trigger_id(),
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [_action(action_id, value, block_id, button_text)],
    }
    if message is not None:
        payload["message"] = message
    return payload


def payload_body(payload: dict[str, Any]) -> bytes:
    """Interactivity requests are a form with one field, `payload`, holding JSON."""
    return form_body({"payload": json.dumps(payload, separators=(",", ":"))})


def block_actions_body(action_id: str, value: str = "", **fields: Any) -> bytes:
    """Form-encoded `block_actions` body; keywords as in `block_actions_payload`."""
    return payload_body(block_actions_payload(action_id, value, **fields))


def event_callback_payload(
    event: dict[str, Any],
    *,
    team_id: str = DEFAULT_TEAM_ID,
    api_app_id: str = DEFAULT_APP_ID,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An Events API `event_callback` wrapper around `event` (JSON body in HTTP mode)."""
    n = _unique()
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{n:08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "is_bot": True, "is_enterprise_install": False}],
    }


def retry_headers(retry_num: int | None, retry_reason: str = "http_timeout") -> dict[str, str]:
    """`X-Slack-Retry-Num`/`-Reason`, which Slack adds when it resends a request."""
    if retry_num is None:
        return {}
    return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}


async def post_body(
    session: aiohttp.ClientSession | None,
    url: str,
    body: bytes,
    headers: dict[str, str],
    content_type: str = FORM_CONTENT_TYPE,
) -> tuple[int, str]:
    """POST `body` as is (no signing); returns (status, response text)."""
    all_headers = {"Content-Type": content_type, **headers}
    if session is None:
        async with aiohttp.ClientSession() as own:
            return await post_body(own, url, body, headers, content_type)
    async with session.post(url, data=body, headers=all_headers) as resp:
        return resp.status, await resp.text()


async def post_signed(
    session: aiohttp.ClientSession | None,
    url: str,
    body: bytes,
    secret: str,
    *,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    content_type: str = FORM_CONTENT_TYPE,
) -> tuple[int, str]:
    """POST `body` signed with `secret` (a fresh session when `session` is None)."""
    headers = {**sign(secret, body, timestamp), **retry_headers(retry_num, retry_reason)}
    return await post_body(session, url, body, headers, content_type)
