"""Delivery's response_url calls: each answer reaches its own URL; 429s are retried."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.adapters.slack.app import build_client
from bot.adapters.slack.context import Origin
from bot.adapters.slack.delivery import Delivery
from bot.core.coalesce import Coalescer
from bot.core.models import Place, UserRef
from bot.core.views import notice
from tests.adapters.slack.harness import make_config
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


async def test_a_rate_limited_response_url_is_retried(fake: FakeSlack, tmp_path: Path) -> None:
    seen: list[int] = []

    async def respond(request: web.Request) -> web.Response:
        seen.append(len(seen))
        if len(seen) == 1:
            return web.Response(status=429, headers={"Retry-After": "0"}, text="rate_limited")
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/r", respond)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    client = build_client(make_config(tmp_path, fake))  # with the rate-limit retries
    try:
        async with aiohttp.ClientSession() as session:
            client.session = session
            out = Delivery(client, None, Coalescer(1.0))  # type: ignore[arg-type]
            await out.private(_origin(f"http://127.0.0.1:{port}/r"), notice("", "hi"))
            await out.close()
    finally:
        await runner.cleanup()
    assert seen == [0, 1]
    assert fake.calls("chat.postEphemeral") == []  # answered on the response_url after all
