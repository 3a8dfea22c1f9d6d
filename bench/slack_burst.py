"""Burst benchmark: N signed block_actions over HTTP, pathbot vs a bolt app that only acks.

    .venv/bin/python bench/slack_burst.py [--n 1000] [--concurrency 10] [--rounds 10]
                                          [--in-process] [--metrics-cost]
                                          [--pathbot-db postgresql://…]

Both apps talk to the same fake Slack on 127.0.0.1 (in this process); each app runs in its
own process like a deployment (`--in-process`: all on this event loop). For pathbot, N
distinct users each press Start on one quiz card first (not measured); the measured
requests are each user's answer to question 1, sent to both apps in alternating rounds.
Ack latency is request sent -> HTTP response received. Prints p50/p99, requests per
second, the ratio pathbot/minimal, and checks that every request was acknowledged and
every press answered on its response_url. pathbot is wired as `pathbot run` wires it,
metrics on (the store timed, /metrics served). --metrics-cost compares it with pathbot
with PATHBOT_METRICS=0 ("no-metrics", its own database and users) instead of the minimal
app: what the Prometheus metrics cost. `--pathbot-db`: pathbot's database (default: a
fresh SQLite file); give a PostgreSQL DSN of a scratch database or `?search_path=` schema
(the comparison app always runs on its own SQLite file).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.quiet_driver import not_collecting  # noqa: E402
from bot import metrics  # noqa: E402
from bot.adapters.slack import EVENTS_PATH, SlackAdapter  # noqa: E402
from bot.bootstrap import build_service  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.heap import collect_when_idle, settle_heap  # noqa: E402
from bot.metered import metered  # noqa: E402
from bot.observe import INFLIGHT  # noqa: E402
from bot.web import build_web_app, start_web  # noqa: E402
from tests.fakes.minimal_slack_app import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    build_minimal_app,
    make_client,
    start_http_app,
    stop_http_app,
)
from tests.fakes.slack_fake import PROXY_ENV_VARS, FakeSlack  # noqa: E402
from tests.fakes.slack_requests import (  # noqa: E402
    DEFAULT_CHANNEL_ID,
    block_actions_body,
    post_signed,
    slash_command_body,
)

Send = Callable[[bytes], Awaitable[float]]


@dataclass(frozen=True)
class Figures:
    name: str
    latencies_ms: list[float]
    seconds: float
    acked: int

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def line(self) -> str:
        return (f"{self.name:<10} acked {self.acked}/{len(self.latencies_ms)}  "
                f"p50 {self.p50:6.1f} ms  p99 {self.p99:6.1f} ms  {self.rps:7.1f} req/s")


def sender(http: aiohttp.ClientSession, url: str) -> Callable[[bytes], Awaitable[float]]:
    async def send(body: bytes) -> float:
        began = time.perf_counter()
        status, text = await post_signed(http, url, body, SIGNING_SECRET)
        elapsed = (time.perf_counter() - began) * 1000
        if (status, text) != (200, ""):
            raise RuntimeError(f"not acknowledged: {status} {text[:80]!r}")
        return elapsed

    return send


async def burst(name: str, send: Send, bodies: list[bytes], concurrency: int) -> Figures:
    gate = asyncio.Semaphore(concurrency)
    acked = 0

    async def one(body: bytes) -> float:
        nonlocal acked
        async with gate:
            elapsed = await send(body)
            acked += 1
            return elapsed

    began = time.perf_counter()
    latencies = await asyncio.gather(*(one(b) for b in bodies))
    return Figures(name, list(latencies), time.perf_counter() - began, acked)


async def prepare_pathbot(fake: FakeSlack, send: Send, n: int, concurrency: int) -> list[bytes]:
    """/quiz once, then Start for N users; the N answer presses (each with its response_url)."""
    await send(slash_command_body("/quiz", response_url=fake.new_response_url()))
    posted = await fake.wait_for_call("chat.postMessage")
    card = fake.message(DEFAULT_CHANNEL_ID, posted.response["ts"])
    assert card is not None
    start = next(e["action_id"] for b in card["blocks"] if b["type"] == "actions"
                 for e in b["elements"])
    users = [f"U{i:07d}" for i in range(n)]
    urls = [fake.new_response_url() for _ in users]
    starts = [block_actions_body(start, response_url=u, user_id=user, message=card)
              for u, user in zip(urls, users, strict=True)]
    await burst("start", send, starts, concurrency)
    answers = []
    for url, user in zip(urls, users, strict=True):
        question = (await fake.wait_for_response_url(url, timeout=60)).payload
        answer = next(e["action_id"] for b in question["blocks"] if b["type"] == "actions"
                      for e in b["elements"])
        answers.append(block_actions_body(answer, response_url=fake.new_response_url(),
                                          user_id=user))
    return answers


async def answered(fake: FakeSlack, n: int, timeout: float = 120) -> float:
    """Seconds until `n` measured presses (since fake.clear) got their private answer."""
    began = time.perf_counter()
    deadline = began + timeout
    while sum(1 for p in fake.responses() if "2/" in str(p.payload.get("text"))) < n:
        if time.perf_counter() > deadline:
            raise TimeoutError("not every press was answered")
        await asyncio.sleep(0.05)
    return time.perf_counter() - began


@asynccontextmanager
async def serving(kind: str, api_url: str, db: str) -> AsyncIterator[str]:
    """Run pathbot's Slack adapter (HTTP mode; kind no-metrics: with metrics off) or the
    minimal app; yields its events URL."""
    if kind == "minimal":
        minimal = await start_http_app(build_minimal_app(make_client(api_url)))
        try:
            yield minimal.url
        finally:
            await stop_http_app(minimal)
        return
    config = load_config(environ={
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url, "PATHBOT_DB": db},
        cwd=Path(tempfile.gettempdir()) if "://" in db else Path(db).parent)
    metrics.set_enabled(kind == "pathbot")
    service = await build_service(config, wrap=metered if kind == "pathbot" else None)
    adapter = SlackAdapter(config, service)
    runner, port = await start_web(build_web_app(adapter.routes()), "127.0.0.1", 0)
    settle_heap()  # as `pathbot run` does before connecting
    collecting = asyncio.create_task(collect_when_idle(INFLIGHT))
    await adapter.start()
    try:
        yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
    finally:
        collecting.cancel()
        await adapter.stop()
        await runner.cleanup()
        await service.store.close()


async def serve_until_stdin_closes(kind: str, api_url: str, db: str) -> int:
    """The child process: serve, print the URL; print its CPU seconds for each line read
    from stdin; stop when the parent closes our stdin."""
    async with serving(kind, api_url, db) as url:
        print(url, flush=True)
        loop = asyncio.get_running_loop()
        while await loop.run_in_executor(None, sys.stdin.readline):
            print(cpu_seconds(), flush=True)
    return 0


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


@dataclass
class App:
    url: str
    child: asyncio.subprocess.Process | None = None

    async def cpu(self) -> float:
        """The app process's CPU seconds so far (this process's when in-process)."""
        if self.child is None:
            return cpu_seconds()
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write(b"cpu\n")
        return float(await self.child.stdout.readline())


@asynccontextmanager
async def app_server(kind: str, api_url: str, db: str, separate: bool) -> AsyncIterator[App]:
    """The app under test, in its own process (like a deployment) or in this one."""
    if not separate:
        async with serving(kind, api_url, db) as url:
            yield App(url)
        return
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", kind, "--api-url", api_url, "--db", db,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    try:
        url = (await child.stdout.readline()).decode().strip()
        if not url:
            raise RuntimeError(f"the {kind} app process did not start")
        yield App(url, child)
    finally:
        child.stdin.close()
        await child.wait()


async def interleaved(fake: FakeSlack, sends: dict[str, Send], bodies: dict[str, list[bytes]],
                      concurrency: int, rounds: int) -> tuple[Figures, Figures, float]:
    """Both apps in alternating rounds (so background load hits both alike); after each
    round, wait until every pathbot press of it is answered. Also returns the worst time
    from a round's last ack to its last answer."""
    base = next(name for name in sends if name != "pathbot")
    figures: dict[str, list[Figures]] = {base: [], "pathbot": []}
    pathbots = sum(name != "minimal" for name in sends)  # apps that answer on response_url
    worst = 0.0
    n = len(bodies["pathbot"])
    size = -(-n // rounds)
    for i, start in enumerate(range(0, n, size)):
        for name in (base, "pathbot") if i % 2 == 0 else ("pathbot", base):
            chunk = bodies[name][start : start + size]
            figures[name].append(await burst(name, sends[name], chunk, concurrency))
        done = min(start + size, n)
        worst = max(worst, await answered(fake, pathbots * done))
    return merge(figures[base]), merge(figures["pathbot"]), worst


def merge(parts: list[Figures]) -> Figures:
    return Figures(parts[0].name, [x for p in parts for x in p.latencies_ms],
                   sum(p.seconds for p in parts), sum(p.acked for p in parts))


async def run(n: int, concurrency: int, rounds: int, separate: bool, base: str,
              db_url: str = "") -> int:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        db = db_url or f"{tmp}/a.sqlite3"
        async with (FakeSlack() as fake, aiohttp.ClientSession() as http,
                    app_server("pathbot", fake.api_url, db, separate) as ours,
                    app_server(base, fake.api_url, f"{tmp}/b.sqlite3", separate) as theirs):
            sends = {"pathbot": sender(http, ours.url), base: sender(http, theirs.url)}
            bodies = {"pathbot": await prepare_pathbot(fake, sends["pathbot"], n, concurrency)}
            fake.clear()
            bodies[base] = (bodies["pathbot"] if base == "minimal" else
                            await prepare_pathbot(fake, sends[base], n, concurrency))
            if base == "minimal":  # it only acks: its warm-up presses change nothing
                await burst("warm-up", sends[base], bodies[base][:20], concurrency)
            fake.clear()
            with not_collecting():  # the load generator is the fake Slack too
                cpu = [await ours.cpu(), await theirs.cpu()]
                figures = await interleaved(fake, sends, bodies, concurrency, rounds)
                cpu = [await ours.cpu() - cpu[0], await theirs.cpu() - cpu[1]]
    report(*figures, n, concurrency, separate)
    if separate:
        ours_us, theirs_us = (c * 1e6 / n for c in cpu)
        print(f"app process CPU per press (answers sent included): pathbot {ours_us:.0f} µs, "
              f"{base} {theirs_us:.0f} µs, ratio {ours_us / theirs_us:.2f}x")
    return 0


def report(
    base: Figures, ours: Figures, done: float, n: int, concurrency: int, separate: bool
) -> None:
    where = "each app in its own process" if separate else "everything in one process"
    print(f"slack_burst: {n} signed block_actions, {concurrency} in flight, {where}")
    print(base.line())
    print(ours.line())
    print(f"ratio pathbot/{base.name}: p50 {ours.p50 / base.p50:.2f}x  "
          f"p99 {ours.p99 / base.p99:.2f}x  req/s {ours.rps / base.rps:.2f}x")
    print(f"every pathbot press answered on its response_url, at most {done * 1000:.0f} ms after "
          "its round's last ack")
    if base.name == "no-metrics":
        cost = max(ours.p50 / base.p50, ours.p99 / base.p99, base.rps / ours.rps) - 1
        print(f"metrics cost: {cost * 100:+.1f} % (target: within 5 %)")
    p99_ok = ours.p99 <= 100
    ratio_ok = ours.p99 / base.p99 <= 1.3 and ours.p50 / base.p50 <= 1.3
    print(f"targets: all acked {'yes' if ours.acked == base.acked == n else 'NO'}; "
          f"p99 <= 100 ms {'yes' if p99_ok else 'NO'}; within 1.3x {'yes' if ratio_ok else 'NO'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=10,
                        help="alternate the two apps in this many rounds")
    parser.add_argument("--in-process", action="store_true",
                        help="run both apps in this process, on the load generator's loop")
    parser.add_argument("--metrics-cost", action="store_true",
                        help="compare with pathbot without metrics, not the minimal app")
    parser.add_argument("--pathbot-db", default="",
                        help="pathbot's PATHBOT_DB (default: a fresh SQLite file)")
    parser.add_argument("--serve", choices=["pathbot", "no-metrics", "minimal"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name in PROXY_ENV_VARS:  # slack_sdk would send loopback traffic through a proxy
        os.environ.pop(name, None)
    if args.serve:
        logging.basicConfig(level=logging.WARNING)
        return asyncio.run(serve_until_stdin_closes(args.serve, args.api_url, args.db or ""))
    if args.metrics_cost and args.in_process:
        parser.error("--metrics-cost needs each app in its own process (metrics are global)")
    base = "no-metrics" if args.metrics_cost else "minimal"
    return asyncio.run(run(args.n, args.concurrency, args.rounds, not args.in_process, base,
                           args.pathbot_db))


if __name__ == "__main__":
    sys.exit(main())
