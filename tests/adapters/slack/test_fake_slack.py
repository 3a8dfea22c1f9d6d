"""The fake Slack drives the real slack-bolt AsyncApp and slack_sdk clients end to end."""

from __future__ import annotations

import re
import time
from typing import Any

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.minimal_slack_app import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    build_minimal_app,
    make_client,
    serve_http,
    start_socket_mode,
    stop_socket_mode,
)
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    block_actions_body,
    block_actions_payload,
    post_body,
    post_signed,
    sign,
    slash_command_body,
    slash_command_payload,
)


def _app(fake: FakeSlack, **kwargs: Any) -> AsyncApp:
    return AsyncApp(signing_secret=SIGNING_SECRET, client=make_client(fake.api_url), **kwargs)


def _compare_app(fake: FakeSlack, seen: list[dict[str, Any]]) -> AsyncApp:
    app = _app(fake)

    @app.command("/compare")
    async def compare(ack: Any, body: dict[str, Any], client: Any, request: Any) -> None:
        await ack()
        retry = request.headers.get("x-slack-retry-num", [None])[0]  # headers: lists
        seen.append({"body": body, "retry": retry})
        await client.chat_postMessage(channel=body["channel_id"], text=f"cmp {body['text']}")

    return app


# ---------------------------------------------------------------- HTTP mode


async def test_signed_slash_command_is_acked_and_posts(
    fake: FakeSlack, http: aiohttp.ClientSession
) -> None:
    seen: list[dict[str, Any]] = []
    async with serve_http(_compare_app(fake, seen)) as bot:
        assert fake.calls() == []  # AsyncApp makes no Web API call at start-up
        body = slash_command_body("/compare", "skills", response_url=fake.new_response_url())
        status, text = await post_signed(http, bot.url, body, SIGNING_SECRET)
        assert (status, text) == (200, "")
        post = await fake.wait_for_call("chat.postMessage")
        assert post.args["channel"] == DEFAULT_CHANNEL_ID
        assert post.args["text"] == "cmp skills"
        assert post.token == BOT_TOKEN and post.ok
        # auth.test is called lazily, before the first listener runs, then cached
        assert [c.method for c in fake.calls()] == ["auth.test", "chat.postMessage"]

        again = slash_command_body("/compare", "focus", response_url=fake.new_response_url())
        status, _ = await post_signed(http, bot.url, again, SIGNING_SECRET, retry_num=1)
        assert status == 200
        await fake.wait_for_call("chat.postMessage", lambda c: c.args["text"] == "cmp focus")
    assert len(fake.calls("auth.test")) == 1
    assert seen[0]["body"]["user_id"] == DEFAULT_USER_ID
    assert seen[0]["body"]["team_id"] == DEFAULT_TEAM_ID
    assert [s["retry"] for s in seen] == [None, "1"]


def _signed_headers(case: str, body: bytes) -> dict[str, str]:
    now = int(time.time())
    if case == "wrong secret":
        return sign("not-the-secret", body)
    if case == "stale timestamp":
        return sign(SIGNING_SECRET, body, now - 5 * 60 - 1)
    if case == "future timestamp":
        return sign(SIGNING_SECRET, body, now + 60 * 60)  # 5 min + 1 s could age into range
    if case == "body changed":
        return sign(SIGNING_SECRET, body + b"&x=1")
    return {}


@pytest.mark.parametrize(
    "case", ["wrong secret", "stale timestamp", "future timestamp", "body changed", "missing"]
)
async def test_badly_signed_requests_get_401(
    fake: FakeSlack, http: aiohttp.ClientSession, case: str
) -> None:
    seen: list[dict[str, Any]] = []
    async with serve_http(_compare_app(fake, seen)) as bot:
        body = slash_command_body("/compare", "", response_url=fake.new_response_url())
        status, _ = await post_body(http, bot.url, body, _signed_headers(case, body))
    assert status == 401
    assert fake.calls() == [] and seen == []


async def test_block_action_reaches_regex_listener_and_responds(
    fake: FakeSlack, http: aiohttp.ClientSession
) -> None:
    app = _app(fake)
    pressed: list[dict[str, Any]] = []

    @app.action(re.compile(r"^quiz:"))
    async def answer(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        pressed.append({"action": action, "body": body})
        await respond(text=f"you chose {action['value']}", replace_original=False)

    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    card = await client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="Which path fits you?")
    url = fake.new_response_url()
    async with serve_http(app) as bot:
        body = block_actions_body(
            "quiz:s1:q1:a", "ai", response_url=url, message=card["message"], block_id="q1"
        )
        status, _ = await post_signed(http, bot.url, body, SIGNING_SECRET)
        assert status == 200
        posted = await fake.wait_for_response_url(url)
    assert posted.payload["text"] == "you chose ai"
    assert posted.payload["replace_original"] is False
    assert posted.status == 200
    assert pressed[0]["action"]["action_id"] == "quiz:s1:q1:a"
    assert pressed[0]["action"]["block_id"] == "q1"
    container = pressed[0]["body"]["container"]
    assert container["message_ts"] == card["ts"] and container["is_ephemeral"] is False


async def test_minimal_app_acks_commands_and_actions(
    fake: FakeSlack, http: aiohttp.ClientSession
) -> None:
    app = build_minimal_app(make_client(fake.api_url))
    url = fake.new_response_url()
    async with serve_http(app) as bot:
        for body in (
            slash_command_body("/anything", "x", response_url=url),
            block_actions_body("any:action", "v", response_url=url),
        ):
            assert await post_signed(http, bot.url, body, SIGNING_SECRET) == (200, "")
    assert [c.method for c in fake.calls()] == ["auth.test"]
    assert fake.responses() == []


# ---------------------------------------------------------------- Socket Mode


def _socket_app(fake: FakeSlack) -> AsyncApp:
    app = _app(fake)

    @app.command("/quiz")
    async def quiz(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack("starting")
        await client.chat_postMessage(channel=body["channel_id"], text=f"quiz {body['text']}")

    @app.action(re.compile(r"^start:"))
    async def start(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="question 1/8", replace_original=False)

    return app


async def test_socket_mode_envelopes_acks_and_reconnect(fake: FakeSlack) -> None:
    handler = await start_socket_mode(_socket_app(fake))
    try:
        await fake.wait_for_socket_connections(1)
        (opened,) = fake.calls("apps.connections.open")
        assert opened.token == APP_TOKEN
        assert fake.socket_messages == []  # the SDK sends nothing until it acks

        payload = slash_command_payload("/quiz", "one", response_url=fake.new_response_url())
        envelope_id = await fake.socket_send("slash_commands", payload)
        ack = await fake.socket_ack(envelope_id)
        assert ack.payload == {"text": "starting"}
        await fake.wait_for_call("chat.postMessage", lambda c: c.args["text"] == "quiz one")

        await fake.socket_disconnect("refresh_requested")
        await fake.wait_for_socket_connections(2)
        await fake.wait_for_open_sockets(1)
        assert len(fake.calls("apps.connections.open")) == 2

        url = fake.new_response_url()
        press = block_actions_payload("start:quiz", "go", response_url=url)
        envelope_id = await fake.socket_send("interactive", press)
        ack = await fake.socket_ack(envelope_id)
        assert ack.payload is None and ack.raw == {"envelope_id": envelope_id}
        assert (await fake.wait_for_response_url(url)).payload["text"] == "question 1/8"
    finally:
        await stop_socket_mode(handler)
    await fake.wait_for_open_sockets(0)


# ---------------------------------------------------------------- Web API behaviour


async def test_rate_limited_call_is_retried_after_retry_after(fake: FakeSlack) -> None:
    client = make_client(fake.api_url, rate_limit_retries=1)
    fake.rate_limit_next("chat.postMessage", retry_after=1)
    response = await client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="tally")
    assert response["ok"] is True
    first, second = fake.calls("chat.postMessage")
    assert (first.status, first.response["error"]) == (429, "ratelimited")
    assert second.ok and second.time - first.time >= 1.0


async def test_rate_limit_without_retry_handler_raises(fake: FakeSlack) -> None:
    fake.rate_limit_next("chat.update", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await make_client(fake.api_url).chat_update(channel="C1", ts="1.1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"


async def test_dm_failures_admins_and_message_store(fake: FakeSlack) -> None:
    client = make_client(fake.api_url)
    fake.fail_dm("U0CLOSED")
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_open(users="U0CLOSED")
    assert raised.value.response["error"] == "cannot_dm_bot"
    dm = await client.conversations_open(users="U0OPEN")
    assert dm["channel"]["id"] == "D0OPEN"

    fake.set_admin("U0BOSS")
    assert (await client.users_info(user="U0BOSS"))["user"]["is_admin"] is True
    plain = (await client.users_info(user="U0BOB"))["user"]
    assert (plain["is_admin"], plain["team_id"]) == (False, DEFAULT_TEAM_ID)

    first = await client.chat_postMessage(channel="C1", text="a")
    second = await client.chat_postMessage(channel="C1", text="b")
    assert float(second["ts"]) > float(first["ts"])
    updated = await client.chat_update(channel="C1", ts=first["ts"], text="a2")
    assert updated["text"] == "a2"
    assert (fake.message("C1", first["ts"]) or {}).get("text") == "a2"
    ephemeral = await client.chat_postEphemeral(channel="C1", user="U0BOB", text="psst")
    for ts in ("9.000001", ephemeral["message_ts"]):
        with pytest.raises(SlackApiError) as raised:
            await client.chat_update(channel="C1", ts=ts, text="x")
        assert raised.value.response["error"] == "message_not_found"


async def test_tokens_blocks_and_injected_failures(fake: FakeSlack) -> None:
    client = make_client(fake.api_url)
    with pytest.raises(SlackApiError) as raised:
        await client.apps_connections_open(app_token=BOT_TOKEN)
    assert raised.value.response["error"] == "not_allowed_token_type"

    too_many = [{"type": "divider"}] * 51
    long_button = {
        "type": "button",
        "action_id": "a",
        "text": {"type": "plain_text", "text": "x" * 76},
    }
    for blocks in (too_many, [{"type": "actions", "elements": [long_button]}]):
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel="C1", text="t", blocks=blocks)
        assert raised.value.response["error"] == "invalid_blocks"

    fake.fail_next("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C1", text="t")
    assert (await client.chat_postMessage(channel="C1", text="t"))["ok"] is True


async def test_response_url_limits(fake: FakeSlack, http: aiohttp.ClientSession) -> None:
    url = fake.new_response_url()
    statuses = []
    for i in range(6):
        async with http.post(url, json={"text": f"#{i}"}) as resp:
            statuses.append(resp.status)
    assert statuses == [200] * 5 + [404]
    assert [p.payload["text"] for p in fake.responses(url)][:2] == ["#0", "#1"]

    expired = fake.new_response_url()
    fake.expire_response_url(expired)
    async with http.post(expired, json={"text": "late"}) as resp:
        assert (resp.status, await resp.text()) == (404, "expired_url")


def test_sign_matches_slack_sdk_verifier() -> None:
    body = slash_command_body("/role", "ml engineer", response_url="http://x/r")
    headers = sign(SIGNING_SECRET, body)
    verifier = SignatureVerifier(SIGNING_SECRET)
    assert verifier.is_valid_request(body, headers)
    assert b"text=ml+engineer" in body and b"command=%2Frole" in body
