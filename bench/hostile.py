"""Hostile-input benchmark (issue 8): a junk flood at `pathbot run`, and `content check`
on hostile files. Figures against a baseline measured in the same run.

    .venv/bin/python bench/hostile.py [--n 10000] [--concurrency 16]

Flood: `pathbot run` in HTTP mode (its own process, a fake Slack on 127.0.0.1); first
`--n` GET /healthz (the baseline: the cheapest route), then `--n` junk POSTs to
/slack/events (unsigned, stale, bad signature, not UTF-8, 100 KB bodies). Prints requests
per second for both and their ratio, the statuses seen, and how much the log and the
process's RSS grew during the junk (targets: < 1 MB, < 10 MB).
Content: seconds for `check_content` on the bundled folder (baseline), on the largest
file allowed, on an alias bomb and on a 50 MB file (target: well under a second each).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.bundled import bundled_dir  # noqa: E402
from bot.core.content import check_content  # noqa: E402
from bot.core.yaml_reader import MAX_FILE_BYTES  # noqa: E402
from tests.adapters.slack.test_flood import junk, rss_kib  # noqa: E402
from tests.core.test_content_limits import alias_bomb  # noqa: E402
from tests.fakes.slack_fake import PROXY_ENV_VARS, FakeSlack  # noqa: E402
from tests.process import Pathbot, slack_env  # noqa: E402


async def hammer(http: aiohttp.ClientSession, n: int, concurrency: int,
                 send: list[tuple[str, str, bytes, dict[str, str]]]) -> tuple[float, set[int]]:
    statuses: set[int] = set()
    cycle = itertools.islice(itertools.cycle(send), n)

    async def worker() -> None:
        for method, url, body, headers in cycle:
            async with http.request(method, url, data=body or None, headers=headers) as resp:
                await resp.read()
                statuses.add(resp.status)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - started), statuses


async def flood(n: int, concurrency: int) -> None:
    for name in PROXY_ENV_VARS:
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeSlack() as fake, aiohttp.ClientSession() as http:
            db = str(Path(tmp) / "pathbot.sqlite3")
            bot = await Pathbot.start(slack_env(fake, db), Path(tmp))
            try:
                form = {"Content-Type": "application/x-www-form-urlencoded"}
                bad = [("POST", f"{bot.base}/slack/events", body, {**form, **headers})
                       for body, headers in junk(fake)]
                await hammer(http, 500, concurrency, bad)  # warm-up
                healthz, _ = await hammer(http, n, concurrency,
                                          [("GET", f"{bot.base}/healthz", b"", {})])
                rss, size = rss_kib(bot.proc.pid), len(bot.log)
                rate, statuses = await hammer(http, n, concurrency, bad)
                grew_rss, grew_log = rss_kib(bot.proc.pid) - rss, len(bot.log) - size
            finally:
                await bot.stop()
    print(f"flood of {n} junk requests, concurrency {concurrency}:")
    print(f"  /healthz baseline: {healthz:8.0f} req/s")
    print(f"  junk refused:      {rate:8.0f} req/s   ratio junk/healthz {rate / healthz:.2f}")
    print(f"  statuses {sorted(statuses)}; log +{grew_log} bytes (target < 1,000,000); "
          f"RSS +{grew_rss} KiB (target < 10,240)")


def largest_allowed() -> str:
    """Valid-looking YAML just under the size limit (skills, which have no count limit)."""
    lines = ["skills:\n"]
    size, i = len(lines[0]), 0
    while True:
        line = f"  - {{id: skill_{i}, name: \"Skill number {i}\"}}\n"
        if size + len(line) > MAX_FILE_BYTES:
            return "".join(lines)
        lines.append(line)
        size, i = size + len(line), i + 1


def content(tmp: Path) -> None:
    cases: list[tuple[str, str | None]] = [
        ("bundled content (baseline)", ""),
        (f"largest allowed file ({MAX_FILE_BYTES // 1024} KiB)", largest_allowed()),
        ("alias bomb (4 million options)", alias_bomb()),
        ("50 MB file", None),
    ]
    print("content check:")
    baseline = 0.0
    for i, (name, text) in enumerate(cases):
        folder = tmp / f"case{i}"
        shutil.copytree(bundled_dir("content"), folder)
        extra = folder / "zz_extra.yaml"
        if text is None:
            with extra.open("wb") as huge:
                huge.truncate(50 * 1024 * 1024)
        elif text:
            extra.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        _, problems = check_content(folder)
        took = time.perf_counter() - started
        baseline = baseline or took
        print(f"  {name:38s} {took * 1000:8.1f} ms   x{took / baseline:6.1f} baseline   "
              f"{len(problems)} problem(s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content(Path(tmp))
    asyncio.run(flood(args.n, args.concurrency))
    return 0


if __name__ == "__main__":
    sys.exit(main())
