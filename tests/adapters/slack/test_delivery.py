"""Delivery's response_url calls: each answer reaches its own URL as JSON; 429s and a lost
connection are retried as slack_sdk's handlers say; a refusal is a status, not an error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.app import build_client
from bot.adapters.slack.context import Origin
from bot.adapters.slack.delivery import Delivery
from bot.core.card_builders import notice
from bot.core.coalesce import Coalescer
from bot.core.models import Place, UserRef
from tests.adapters.slack.harness import make_config
from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_fake import FakeSlack


@asynccontextmanager
async def delivering(client: AsyncWebClient) -> AsyncIterator[Delivery]:
    """A Delivery over `client` with its own aiohttp session, closed after."""
    async with aiohttp.ClientSession() as session:
        client.session = session
        yield Delivery(client, None, Coalescer(1.0))  # type: ignore[arg-type]


def _origin(url: str, user: str = "U1") -> Origin:
    return Origin(UserRef("slack", "T1", user), Place("slack", "T1", "C1"), url)


async def test_concurrent_answers_each_reach_their_own_response_url(
    fake: FakeSlack, tmp_path: Path
) -> None:
    client = build_client(make_config(tmp_path, fake))
    async with delivering(client) as out:
        urls = [fake.new_response_url() for _ in range(8)]
        await asyncio.gather(*(out.private(_origin(u), notice("", f"#{i}"), replace=i % 2 == 1)
                               for i, u in enumerate(urls)))
        for i, url in enumerate(urls):
            (posted,) = fake.responses(url)
            assert posted.payload["text"] == f"#{i}"
            assert posted.payload["replace_original"] is (i % 2 == 1)
        await out.close()


class RateLimitedOnce(LoopbackServer):
    """A response_url that answers 429 (Retry-After: 0) once, then 200."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/r", self.respond)
        return app

    async def respond(self, _request: web.Request) -> web.Response:
        self.seen += 1
        if self.seen == 1:
            return web.Response(status=429, headers={"Retry-After": "0"}, text="rate_limited")
        return web.Response(text="ok")


async def test_a_rate_limited_response_url_is_retried(fake: FakeSlack, tmp_path: Path) -> None:
    client = build_client(make_config(tmp_path, fake))  # with the rate-limit retries
    async with RateLimitedOnce() as url_server, delivering(client) as out:
        await out.private(_origin(f"{url_server.base_url}/r"), notice("", "hi"))
        await out.close()
    assert url_server.seen == 2
    assert fake.calls("chat.postEphemeral") == []  # answered on the response_url after all


class DropsFirst(LoopbackServer):
    """A response_url that closes the connection without answering the first `drops`
    requests, then answers 200; it keeps what it was sent."""

    def __init__(self, drops: int) -> None:
        super().__init__()
        self.drops = drops
        self.seen: list[tuple[str, bytes]] = []

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/r", self.respond)
        return app

    async def respond(self, request: web.Request) -> web.Response:
        self.seen.append((request.headers.get("Content-Type", ""), await request.read()))
        if len(self.seen) <= self.drops:
            assert request.transport is not None
            request.transport.close()  # the client sees ServerDisconnectedError
        return web.Response(text="ok")


async def test_a_lost_connection_to_the_response_url_is_retried_once(
    fake: FakeSlack, tmp_path: Path
) -> None:
    client = build_client(make_config(tmp_path, fake))  # slack_sdk's connection-error retry
    async with DropsFirst(drops=1) as url_server, delivering(client) as out:
        await out.private(_origin(f"{url_server.base_url}/r"), notice("", "hi"), replace=True)
        await out.close()
    assert len(url_server.seen) == 2
    for content_type, body in url_server.seen:  # the same JSON message both times
        assert content_type == "application/json;charset=utf-8"
        sent = json.loads(body)
        assert (sent["text"], sent["response_type"], sent["replace_original"]) == (
            "hi", "ephemeral", True)
    assert fake.calls("chat.postEphemeral") == []


async def test_a_response_url_that_never_answers_raises_after_one_retry(
    fake: FakeSlack, tmp_path: Path
) -> None:
    client = build_client(make_config(tmp_path, fake))
    async with DropsFirst(drops=99) as url_server, delivering(client) as out:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await out.private(_origin(f"{url_server.base_url}/r"), notice("", "hi"))
        await out.close()
    assert len(url_server.seen) == 2


async def test_a_refused_response_url_goes_through_the_web_api_without_retries(
    fake: FakeSlack, tmp_path: Path
) -> None:
    client = build_client(make_config(tmp_path, fake))
    async with delivering(client) as out:
        url = fake.new_response_url()
        fake.expire_response_url(url)
        await out.private(_origin(url), notice("", "late"))
        await out.close()
    assert [p.status for p in fake.responses(url)] == [404]
    (call,) = fake.calls("chat.postEphemeral")
    assert call.args["text"] == "late"


async def test_without_an_open_session_the_response_url_is_still_answered(
    fake: FakeSlack, tmp_path: Path
) -> None:
    client = build_client(make_config(tmp_path, fake))  # not started: no session
    out = Delivery(client, None, Coalescer(1.0))  # type: ignore[arg-type]
    url = fake.new_response_url()
    await out.private(_origin(url), notice("", "early"))
    await out.close()
    (posted,) = fake.responses(url)
    assert posted.payload["text"] == "early"
