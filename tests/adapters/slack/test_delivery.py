"""Delivery's response_url calls: each answer reaches its own URL; 429s are retried."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.adapters.slack.app import build_client
from bot.adapters.slack.context import Origin
from bot.adapters.slack.delivery import Delivery
from bot.core.card_builders import notice
from bot.core.coalesce import Coalescer
from bot.core.models import Place, UserRef
from tests.adapters.slack.harness import make_config
from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_fake import FakeSlack


def _origin(url: str, user: str = "U1") -> Origin:
    return Origin(UserRef("slack", "T1", user), Place("slack", "T1", "C1"), url)


async def test_concurrent_answers_each_reach_their_own_response_url(
    fake: FakeSlack, tmp_path: Path
) -> None:
    client = build_client(make_config(tmp_path, fake))
    async with aiohttp.ClientSession() as session:
        client.session = session
        out = Delivery(client, None, Coalescer(1.0))  # type: ignore[arg-type]
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
    async with RateLimitedOnce() as url_server, aiohttp.ClientSession() as session:
        client.session = session
        out = Delivery(client, None, Coalescer(1.0))  # type: ignore[arg-type]
        await out.private(_origin(f"{url_server.base_url}/r"), notice("", "hi"))
        await out.close()
    assert url_server.seen == 2
    assert fake.calls("chat.postEphemeral") == []  # answered on the response_url after all
