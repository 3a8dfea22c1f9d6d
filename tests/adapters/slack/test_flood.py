"""A sustained flood of junk at `pathbot run`'s /slack/events (issue 8, items 1-2): the
real process, the real listener. Every request is refused with 400/401; the log grows by
a few lines (never by the bodies) and the process's memory stays flat."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import aiohttp

from tests.fakes.minimal_slack_app import SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import sign, slash_command_body
from tests.process import Pathbot, slack_env

FLOOD = 4_000  # bench/hostile.py sends 10,000 and prints the figures
WARM_UP = 500  # requests before the baseline: the allocator's pools fill up first
CONCURRENCY = 16


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def junk(fake: FakeSlack) -> list[tuple[bytes, dict[str, str]]]:
    stale_body = slash_command_body("/quiz", response_url=fake.new_response_url())
    return [
        (b"payload=%7B%7B%7B", {}),
        (b"{not json", {"Content-Type": "application/json"}),
        (b"payload=[1]", {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}),
        (b"\xff\xfe\x00\x80" * 64, {}),
        (b"payload=" + b"A" * 100_000, {}),
        (stale_body, sign(SIGNING_SECRET, stale_body, int(time.time()) - 3600)),
        (b"payload=%7B%7D", sign("not-the-secret", b"payload=%7B%7D")),
    ]


async def flood(http: aiohttp.ClientSession, url: str,
                requests: list[tuple[bytes, dict[str, str]]], count: int) -> set[int]:
    statuses: set[int] = set()
    cycle = itertools.islice(itertools.cycle(requests), count)

    async def worker() -> None:
        for body, headers in cycle:
            async with http.post(url, data=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded", **headers}) as resp:
                await resp.read()
                statuses.add(resp.status)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return statuses


async def test_a_junk_flood_costs_no_log_and_no_memory(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    bot = await Pathbot.start(slack_env(fake, db_url), tmp_path)
    log = bot.log  # the whole stderr, read in the background as it comes
    try:
        url = f"{bot.base}/slack/events"
        requests = junk(fake)
        await flood(http, url, requests, WARM_UP)
        rss_before, log_before = rss_kib(bot.proc.pid), len(log)
        statuses = await flood(http, url, requests, FLOOD)
        rss_after, log_after = rss_kib(bot.proc.pid), len(log)
    finally:
        await bot.stop()
    assert statuses <= {400, 401}, statuses
    assert log_after - log_before < 1_000_000, bytes(log[log_before:log_before + 2000])
    assert b"Traceback" not in log and b"AAAA" not in log
    assert rss_after - rss_before < 10 * 1024, (rss_before, rss_after)
    assert bot.proc.returncode == 0
    print(f"log +{log_after - log_before} bytes, RSS +{rss_after - rss_before} KiB")
