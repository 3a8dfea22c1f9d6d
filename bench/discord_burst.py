"""A burst of Discord button presses: pathbot against a minimal discord.py bot.

    .venv/bin/python bench/discord_burst.py [--n 1000] [--answers 10] [--rate 200]
                                            [--metrics-cost | --gc-cost | --floor |
                                             --capped]
                                            [--pairs K]

N distinct users press Start on one quiz card, then answer question after question, each
round a burst: all N presses are dispatched by the fake gateway (tests/fakes) at once,
and the next round starts when every press of this one has been answered. The same
presses (same payloads, same custom ids) then go to MinimalBot, which answers each with
one constant ephemeral message. Each bot runs alone in a child process, as in production;
the fake (on 127.0.0.1) and the driver run in this process, so the bot's CPU time and peak
RSS are its own. pathbot uses a real SQLite file in a temp folder.

Printed per bot: interactions answered, p50/p99 from dispatch to the interaction callback
(Discord's 3 s deadline), p99 to the content being visible (differs only when a press was
deferred), interactions per second, the bot process's CPU time per interaction and peak
RSS; then the ratios pathbot / minimal. A second, paced run (--rate per second, Start and
one answer) shows latency without queueing (this process does not collect garbage
meanwhile: see run_bot). --slowest K also prints the K slowest paced presses and when they
were dispatched (seconds into the paced run): a cluster is a stall, not a steady cost.
--metrics-cost compares pathbot with pathbot without metrics (PATHBOT_METRICS=0: no store
timing, no counters) instead of the minimal bot: what the Prometheus metrics cost;
--gc-cost compares it with pathbot under CPython's default collector thresholds (the
policy of bot/heap.py off); --capped with the minimal bot given pathbot's cap on HTTP
connections (like for like: discord.py's own connector has none); --floor compares it
with FloorBot (tests/fakes), the least
pathbot's job needs from discord.py: DynamicItem buttons answered with a question card
built once, through pathbot's client options and trimming, no store and no service.
Each bot's collections (count, total and longest pause per generation, by gc.callbacks)
are printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.quiet_driver import not_collecting  # noqa: E402
from bot import metrics  # noqa: E402
from bot.adapters.discord import DiscordAdapter  # noqa: E402
from bot.adapters.discord.client import http_connector, set_endpoints  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.core.content import load_content  # noqa: E402
from bot.core.service import Service  # noqa: E402
from bot.heap import collect_when_idle, settle_heap  # noqa: E402
from bot.metered import metered  # noqa: E402
from bot.observe import INFLIGHT  # noqa: E402
from bot.storage.sqlite import SqliteStore  # noqa: E402
from tests.fakes.discord_fake import FakeDiscord, SentInteraction, custom_ids  # noqa: E402
from tests.fakes.minimal_discord_bot import (  # noqa: E402
    FAST_GUILD_READY_TIMEOUT,
    FloorBot,
    MinimalBot,
)

TOKEN = "bench-token-0123456789"
BASELINES = ("minimal", "floor", "capped")  # reference bots of tests/fakes, not pathbot
DEFAULT_GC = gc.get_threshold()  # CPython's, before bot/heap.py changes them
FIRST_USER = 2_000_000_000_000_000_000
Press = tuple[str, str, int]  # custom_id, message id, user id


@dataclass
class Watch:
    """Reads the fake's request log incrementally: when each interaction was answered."""

    fake: FakeDiscord
    seen: int = 0
    callbacks: dict[str, tuple[int, float]] = field(default_factory=dict)  # id -> (type, at)
    edits: dict[str, float] = field(default_factory=dict)  # token -> first @original edit
    refused: int = 0

    def scan(self) -> None:
        requests = self.fake.requests
        for r in requests[self.seen :]:
            if r.status >= 300:
                self.refused += r.status != 429
                continue
            parts = r.path.split("/")
            if r.method == "POST" and r.path.startswith("/interactions/"):
                self.callbacks.setdefault(parts[2], (int(r.json["type"]), r.at))
            elif r.method == "PATCH" and r.path.endswith("/messages/@original"):
                self.edits.setdefault(parts[3], r.at)
        self.seen = len(requests)

    def visible_at(self, sent: SentInteraction) -> float | None:
        """When the person sees the answer: the callback, or the edit after a deferral."""
        kind, at = self.callbacks.get(sent.id, (0, 0.0))
        if kind in (4, 7, 8):
            return at
        return self.edits.get(sent.token) if kind in (5, 6) else None

    async def until_answered(self, sent: list[SentInteraction], timeout: float = 60) -> None:
        deadline = time.perf_counter() + timeout
        pending = list(sent)
        while pending and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
            self.scan()
            pending = [s for s in pending if self.visible_at(s) is None]


async def dispatch(fake: FakeDiscord, presses: list[Press], rate: float) -> list[SentInteraction]:
    """All at once (rate 0) or paced at `rate` per second."""
    sent: list[SentInteraction] = []
    started = time.perf_counter()
    for i, (custom_id, message_id, user) in enumerate(presses):
        if rate:
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        sent.append(await fake.press(custom_id, message_id, user_id=user))
    return sent


def first_button(fake: FakeDiscord, message_id: str) -> str:
    return next(custom_ids(fake.messages[message_id]["components"]))


class Driver:
    """Runs the rounds against one bot; `pathbot` decides where the next presses come from."""

    def __init__(
        self, fake: FakeDiscord, pathbot: bool, users: int, first_user: int = FIRST_USER
    ) -> None:
        self.fake = fake
        self.pathbot = pathbot
        self.users = [first_user + n for n in range(users)]
        self.watch = Watch(fake)
        self.sent: list[SentInteraction] = []
        self.private: dict[int, str] = {}  # user -> private quiz message (pathbot)

    async def quiz_message(self) -> str:
        if self.pathbot:
            command = await self.fake.slash("quiz")
            await self.watch.until_answered([command])
            message = self.fake.original_message(command)
            assert message is not None
            return str(message["id"])
        body = {"components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "Start", "custom_id": "pb:start:benchcard01"}]}]}
        return str(self.fake.seed_message(body=body)["id"])

    async def round(self, presses: list[Press], rate: float) -> list[SentInteraction]:
        sent = await dispatch(self.fake, presses, rate)
        await self.watch.until_answered(sent)
        self.sent += sent
        return sent

    async def run(self, answers: int, rate: float) -> float:
        """Start, then `answers` rounds; the elapsed seconds."""
        quiz = await self.quiz_message()
        start = first_button(self.fake, quiz)
        started = time.perf_counter()
        sent = await self.round([(start, quiz, u) for u in self.users], rate)
        for user, s in zip(self.users, sent, strict=True):
            message = self.fake.original_message(s)
            self.private[user] = str(message["id"]) if message else quiz
        for q in range(answers):
            await self.round([self.answer(user, q) for user in self.users], rate)
        return time.perf_counter() - started

    def answer(self, user: int, q: int) -> Press:
        message = self.private[user]
        if self.fake.messages.get(message, {}).get("components"):  # a card: its first option
            return first_button(self.fake, message), message, user
        return f"pb:ans:bench{user % 10**9}:{q}:0", message, user

    def slowest(self, count: int) -> list[tuple[float, float, str]]:
        """The `count` slowest presses: (ms to callback, s since the round's first dispatch,
        custom id), slowest first."""
        self.watch.scan()
        start = min((s.dispatched_at for s in self.sent), default=0.0)
        found = [((self.watch.callbacks[s.id][1] - s.dispatched_at) * 1000,
                  s.dispatched_at - start, str(s.payload.get("data", {}).get("custom_id", "")))
                 for s in self.sent if s.id in self.watch.callbacks]
        return sorted(found, reverse=True)[:count]

    def figures(self, elapsed: float) -> dict[str, Any]:
        self.watch.scan()
        answered = [s for s in self.sent if self.watch.visible_at(s) is not None]
        callback = sorted(self.watch.callbacks[s.id][1] - s.dispatched_at for s in answered)
        visible = sorted((self.watch.visible_at(s) or 0) - s.dispatched_at for s in answered)
        deferred = sum(self.watch.callbacks[s.id][0] in (5, 6) for s in answered)
        return {
            "interactions": len(self.sent), "answered": len(answered), "deferred": deferred,
            "refused": self.watch.refused,
            "p50_ms": pct(callback, 50), "p99_ms": pct(callback, 99),
            "p99_visible_ms": pct(visible, 99), "per_s": len(answered) / elapsed,
        }


def pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, len(values) * p // 100)] * 1000


# -- the bot process --------------------------------------------------------------------


class GcWatch:
    """The collector's pauses in this process, by generation (through `gc.callbacks`)."""

    def __init__(self) -> None:
        self.began = 0.0
        self.seconds = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self.longest = [0.0, 0.0, 0.0]
        gc.callbacks.append(self.observe)

    def observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.began = time.perf_counter()
            return
        took, gen = time.perf_counter() - self.began, info["generation"]
        self.seconds[gen] += took
        self.count[gen] += 1
        self.longest[gen] = max(self.longest[gen], took)

    def figures(self) -> dict[str, list[float]]:
        return {"gc_s": list(self.seconds), "gc_n": list(self.count),
                "gc_max_ms": [t * 1000 for t in self.longest]}


def usage(gc_watch: GcWatch | None = None) -> dict[str, Any]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": own.ru_utime + own.ru_stime, "peak_rss_mb": peak_rss_mb(own),
            **(gc_watch.figures() if gc_watch else {})}


def peak_rss_mb(own: resource.struct_rusage) -> float:
    """This process's own peak RSS. Not ru_maxrss on Linux: it survives execve, so a child
    started by this (by then large) driver would report the driver's size, not its own
    (every bot measured second in a run did, until 2026-12-06)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return own.ru_maxrss / 1024
    kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")),
               None)
    return int(kib) / 1024 if kib is not None else own.ru_maxrss / 1024


async def serve(kind: str, api_base: str, gateway_url: str) -> None:
    """Run one bot against the fake at these URLs until stdin closes; report CPU and RSS."""
    env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": api_base,
           "DISCORD_GATEWAY_URL": gateway_url}
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(environ=env, cwd=Path(tmp))
        if kind not in BASELINES:  # pathbot; no-metrics: without metrics; default-gc: --gc-cost
            metrics.set_enabled(kind != "no-metrics")
            store = await SqliteStore.open(Path(tmp) / "bench.sqlite3")
            served = store if kind == "no-metrics" else metered(store)  # as `pathbot run` does
            adapter = DiscordAdapter(config, Service(load_content(config.content_dir), served),
                                     guild_ready_timeout=FAST_GUILD_READY_TIMEOUT)
            settle_heap()  # as `pathbot run` does before connecting
            if kind == "default-gc":
                gc.set_threshold(*DEFAULT_GC)
            collecting = (None if kind == "default-gc"
                          else asyncio.create_task(collect_when_idle(INFLIGHT)))
            await adapter.start()
        else:
            set_endpoints(config)
            bot = (MinimalBot() if kind == "minimal" else FloorBot() if kind == "floor"
                   else MinimalBot(connector=http_connector()))  # capped
            task = asyncio.create_task(bot.start(TOKEN))
            while not bot.is_ready():  # wait_until_ready() needs a logged-in client
                await asyncio.sleep(0.01)
        gc_watch = GcWatch()
        print(json.dumps({"ready": usage()}), flush=True)
        await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin
        done = usage(gc_watch)
        if kind not in BASELINES:
            if collecting is not None:
                collecting.cancel()
            await adapter.stop()
            await store.close()
        else:
            await bot.close()
            await task
        print(json.dumps({"done": done}), flush=True)


# -- the parent: fake, driver, figures --------------------------------------------------


async def run_bot(
    kind: str, users: int, answers: int, rate: float, slowest: int = 0
) -> dict[str, Any]:
    """One bot in a child process, the fake and the driver here; the burst, then paced."""
    async with FakeDiscord(token=TOKEN) as fake:
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", kind, fake.api_base, fake.gateway_url,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=REPO)
        assert child.stdin is not None and child.stdout is not None
        ready = json.loads(await asyncio.wait_for(child.stdout.readline(), 60))["ready"]
        out: dict[str, Any] = {"kind": kind}
        burst = Driver(fake, kind not in BASELINES, users)
        paced = Driver(fake, kind not in BASELINES, users, first_user=FIRST_USER + users)
        # A pause of the driver would also turn the paced run into a burst of overdue presses.
        with not_collecting():
            out["burst"] = burst.figures(await burst.run(answers, 0.0))
            out["paced"] = paced.figures(await paced.run(1, rate))
        out["slowest"] = paced.slowest(slowest)
        child.stdin.close()
        done = json.loads((await child.stdout.readline()) or "{}").get("done", {})
        await child.wait()
        handled = out["burst"]["answered"] + out["paced"]["answered"]
        out["cpu_us"] = (done["cpu_s"] - ready["cpu_s"]) * 1e6 / handled
        out["peak_rss_mb"] = done["peak_rss_mb"]
        out["gc"] = {k: done[k] for k in ("gc_s", "gc_n", "gc_max_ms")}
        return out


def report(results: list[dict[str, Any]], answers: int, rate: float) -> None:
    by = {r["kind"]: r for r in results}
    base = results[1]["kind"]
    print(f"{'':10} {'run':6} {'answered':>15} {'deferred':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'p99 vis':>8} {'per s':>7}")
    for kind in ("pathbot", base):
        for label in ("burst", "paced"):
            f = by[kind][label]
            print(f"{kind:10} {label:6} {f['answered']:>7}/{f['interactions']:<7} "
                  f"{f['deferred']:>8} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f} "
                  f"{f['p99_visible_ms']:>8.1f} {f['per_s']:>7.0f}")
    for kind in ("pathbot", base):
        f = by[kind]
        print(f"{kind:10} bot process: {f['cpu_us']:.0f} µs CPU per interaction, "
              f"peak RSS {f['peak_rss_mb']:.1f} MB")
        g = f["gc"]
        print(f"{'':10} collector (generations 0/1/2): "
              + ", ".join(f"{n} in {s:.2f} s, longest {ms:.1f} ms"
                          for n, s, ms in zip(g["gc_n"], g["gc_s"], g["gc_max_ms"], strict=True)))
    p, m = by["pathbot"], by[base]
    for label in ("burst", "paced"):
        pl, ml = p[label], m[label]
        print(f"ratio pathbot/{base}, {label}: p50 {pl['p50_ms'] / ml['p50_ms']:.2f}x, "
              f"p99 {pl['p99_ms'] / ml['p99_ms']:.2f}x, "
              f"interactions/s {pl['per_s'] / ml['per_s']:.2f}x")
    print(f"ratio pathbot/{base}: CPU per interaction {p['cpu_us'] / m['cpu_us']:.2f}x, "
          f"peak RSS {p['peak_rss_mb'] / m['peak_rss_mb']:.2f}x")
    missing = sum(by[k][label]["interactions"] - by[k][label]["answered"]
                  for k in by for label in ("burst", "paced"))
    refused = sum(by[k][label]["refused"] for k in by for label in ("burst", "paced"))
    print(f"unanswered: {missing}; refused by the fake (4xx/5xx other than 429): {refused}")
    print(f"(burst: Start + {answers} answer rounds, each round's presses all at once; "
          f"paced: Start + 1 answer at {rate:.0f}/s; latency: dispatch to callback)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="distinct users (default 1000)")
    parser.add_argument("--answers", type=int, default=10, help="answer rounds after Start")
    parser.add_argument("--rate", type=float, default=200, help="paced run: presses per second")
    parser.add_argument("--slowest", type=int, default=0, metavar="K",
                        help="also print the K slowest paced presses and when they were sent")
    parser.add_argument("--pairs", type=int, default=1,
                        help="run the two bots this many times each, in ABBA order")
    parser.add_argument("--metrics-cost", action="store_true",
                        help="compare with pathbot without metrics, not the minimal bot")
    parser.add_argument("--gc-cost", action="store_true",
                        help="compare with pathbot under CPython's default collector "
                             "thresholds (bot/heap.py's policy off), not the minimal bot")
    parser.add_argument("--capped", action="store_true",
                        help="compare with the minimal bot given pathbot's cap on HTTP "
                             "connections (client.http_connector), not discord.py's none")
    parser.add_argument("--floor", action="store_true",
                        help="compare with FloorBot (DynamicItem buttons answered with a card, "
                             "none of pathbot's own work), not the minimal bot")
    parser.add_argument("--serve", nargs=3, metavar=("KIND", "API", "GATEWAY"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # "PyNaCl is not installed"
    if args.serve:
        asyncio.run(serve(*args.serve))
        return
    base = ("no-metrics" if args.metrics_cost else "default-gc" if args.gc_cost
            else "floor" if args.floor else "capped" if args.capped else "minimal")
    ratios = []
    for pair in range(args.pairs):  # ABBA: a load that drifts hits both kinds alike
        kinds = ("pathbot", base) if pair % 2 == 0 else (base, "pathbot")
        runs = {kind: asyncio.run(run_bot(kind, args.n, args.answers, args.rate, args.slowest))
                for kind in kinds}
        results = [runs["pathbot"], runs[base]]
        report(results, args.answers, args.rate)
        ratios.append(runs["pathbot"]["cpu_us"] / runs[base]["cpu_us"])
    if args.pairs > 1:
        print(f"CPU per interaction pathbot/{base}, per pair: "
              + ", ".join(f"{r:.2f}x" for r in ratios)
              + f"; mean {sum(ratios) / len(ratios):.2f}x")
    for r in results if args.slowest else ():
        print(f"{r['kind']}: slowest paced presses (ms to callback @ s into the paced run):")
        print("  " + ", ".join(f"{ms:.0f}@{at:.3f}s" for ms, at, _ in r["slowest"]))


if __name__ == "__main__":
    main()
