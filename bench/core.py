"""Answers per second through the service on a real database, against a bare loop.

    python3 dev.py bench core [--users 50] [--answers 20000] [--synchronous NORMAL]
    python3 dev.py bench core --db postgresql://postgres@127.0.0.1:5432/test [--pool 10]

N simulated people answer quizzes concurrently through `Service.press` (each press checks
and records the answer in one store call, Store.answer, a job of the group commit that
concurrent presses share; every tenth answer finishes a quiz: the session is read, then
the answer and the result are stored in one transaction). In the
same run, a bare aiosqlite loop inserts the same number of single rows with one commit each,
on the same machine and pragmas. Both rates are printed, with the ratio service / bare.

With `--db postgresql://…` the service runs on PostgresStore (a pool of `--pool`
connections) in a fresh schema, and the bare loop is one asyncpg connection doing one
single-row INSERT (its own commit) per answer in another; both schemas are dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import aiosqlite
import asyncpg

from bot.bundled import bundled_dir
from bot.config import mask_dsn
from bot.core import actions
from bot.core.content import load_content
from bot.core.models import Place, UserRef
from bot.core.ports import Store
from bot.core.service import Service
from bot.storage.postgres import PostgresStore
from bot.storage.sqlite import SqliteStore

PLACE = Place("bench", "scope", "channel")


async def person(service: Service, card_id: str, n: int, answers: int, out: list[float]) -> None:
    user = UserRef("bench", "", f"user{n}")
    card = (await service.press(user, actions.build("start", card_id), PLACE)).card
    for i in range(answers):
        button = card.buttons[0][i % len(card.buttons[0])]
        started = time.perf_counter()
        card = (await service.press(user, button.action_id, PLACE)).card
        out.append(time.perf_counter() - started)
        if card.title.startswith("Your result"):
            card = (await service.press(user, card.buttons[0][2].action_id, PLACE)).card


async def bench_service(
    store: Store, users: int, total: int, server: ServerCpu | None = None,
) -> tuple[float, list[float]]:
    """Answers per second, each answer's latency."""
    service = Service(load_content(bundled_dir("content")), store)
    card_id, _ = await service.open_quiz(PLACE)
    latencies: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*[person(service, card_id, n, total // users, latencies)
                           for n in range(users)])
    elapsed = time.perf_counter() - started
    CPU["service"] = (time.process_time() - cpu) / len(latencies)
    if server is not None:
        CPU["service server"] = await server.used() / len(latencies)
    await store.close()
    return len(latencies) / elapsed, latencies


# CPU seconds per answer (insert), this process and the PostgreSQL backends that served it.
CPU: dict[str, float] = {}


class ServerCpu:
    """CPU time of the local PostgreSQL backends with one application_name, from /proc
    (the server runs on this machine): the other half of the work."""

    def __init__(self, dsn: str, app: str) -> None:
        self.dsn, self.app = dsn, app
        self.start: dict[int, float] = {}

    async def pids(self) -> list[int]:
        conn = await asyncpg.connect(self.dsn)
        try:
            found = await conn.fetch("SELECT pid FROM pg_stat_activity"
                                     " WHERE application_name = $1", self.app)
        finally:
            await conn.close()
        return [int(row[0]) for row in found]

    async def begin(self) -> None:
        self.start = {pid: proc_cpu(pid) for pid in await self.pids()}

    async def used(self) -> float:
        return sum(proc_cpu(pid) - self.start.get(pid, 0.0) for pid in await self.pids())


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (0 if it is gone or /proc is not there)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench_bare(folder: Path, total: int, sync: str) -> float:
    async with aiosqlite.connect(folder / "bare.sqlite3", isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute(f"PRAGMA synchronous={sync}")
        await conn.execute("CREATE TABLE answers (session_id TEXT, question INT, option INT, "
                           "answered_at REAL, PRIMARY KEY (session_id, question))")
        started = time.perf_counter()
        for i in range(total):
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute("INSERT INTO answers VALUES (?, ?, ?, ?)",
                               (f"s{i // 10}", i % 10, 1, time.time()))
            await conn.execute("COMMIT")
        return total / (time.perf_counter() - started)


async def bench_bare_postgres(dsn: str, total: int) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TABLE answers (session_id TEXT, question INT, option INT, "
                           "answered_at DOUBLE PRECISION, PRIMARY KEY (session_id, question))")
        insert = await conn.prepare("INSERT INTO answers VALUES ($1, $2, $3, $4)")
        started, cpu = time.perf_counter(), time.process_time()
        server = proc_cpu(conn.get_server_pid())
        for i in range(total):
            await insert.fetch(f"s{i // 10}", i % 10, 1, time.time())
        CPU["bare"] = (time.process_time() - cpu) / total
        CPU["bare server"] = (proc_cpu(conn.get_server_pid()) - server) / total
        return total / (time.perf_counter() - started)
    finally:
        await conn.close()


async def schema(dsn: str, name: str, drop: bool = False) -> str:
    """Create (or drop) a schema; the DSN that uses it."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"DROP SCHEMA {name} CASCADE" if drop else f"CREATE SCHEMA {name}")
    finally:
        await conn.close()
    return f"{dsn}{'&' if '?' in dsn else '?'}search_path={name}"


async def run_postgres(dsn: str, users: int, total: int, pool: int) -> None:
    tag = secrets.token_hex(4)
    service_dsn = await schema(dsn, f"bench_svc_{tag}")
    bare_dsn = await schema(dsn, f"bench_bare_{tag}")
    app = f"pathbot_bench_{tag}"
    try:
        store = await PostgresStore.open(f"{service_dsn}&application_name={app}",
                                         pool_size=pool)
        server = ServerCpu(dsn, app)
        await server.begin()
        rate, lat = await bench_service(store, users, total, server)
        bare = await bench_bare_postgres(bare_dsn, len(lat))
    finally:
        for kind in ("svc", "bare"):
            await schema(dsn, f"bench_{kind}_{tag}", drop=True)
    print(f"core benchmark: {len(lat)} answers, {users} concurrent users, PostgreSQL "
          f"({mask_dsn(dsn)}), pool of {pool}")
    report(rate, lat, bare)


async def run_sqlite(users: int, total: int, sync: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = await SqliteStore.open(folder / "service.sqlite3", synchronous=sync)
        rate, lat = await bench_service(store, users, total)
        bare = await bench_bare(folder, len(lat), sync)
    print(f"core benchmark: {len(lat)} answers, {users} concurrent users, WAL, "
          f"synchronous={sync}")
    report(rate, lat, bare)
    print(f"  transactions: {store.commits / len(lat):9.3f} per answer (write transactions "
          "committed by the store, all presses included)")


def report(rate: float, lat: list[float], bare: float) -> None:
    print(f"  service  : {rate:9.0f} answers/s   p50 {percentile(lat, 50) * 1e3:.2f} ms   "
          f"p99 {percentile(lat, 99) * 1e3:.2f} ms   mean {statistics.mean(lat) * 1e3:.2f} ms")
    print(f"  bare loop: {bare:9.0f} inserts/s (one INSERT + commit each)")
    print(f"  ratio service/bare: {rate / bare:.2f}   (targets: >= 5000 answers/s, >= 0.50)")
    if "bare server" in CPU:
        print("  CPU per answer (µs): " + ", ".join(
            f"{name} {seconds * 1e6:.0f}" for name, seconds in CPU.items())
            + "  (this process; 'server': its PostgreSQL backends, from /proc)")
    elif "service" in CPU:  # SQLite: aiosqlite's thread is in this process's time
        print(f"  CPU per answer: {CPU['service'] * 1e6:.0f} µs (this process, all threads)")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


async def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--users", type=int, default=50)
    args.add_argument("--answers", type=int, default=20000)
    args.add_argument("--synchronous", default="NORMAL", choices=("NORMAL", "FULL"))
    args.add_argument("--db", default="", help="postgresql://… to measure PostgreSQL")
    args.add_argument("--pool", type=int, default=10, help="PostgreSQL pool size")
    opts = args.parse_args()
    if opts.db:
        await run_postgres(opts.db, opts.users, opts.answers, opts.pool)
    else:
        await run_sqlite(opts.users, opts.answers, opts.synchronous)


if __name__ == "__main__":
    asyncio.run(main())
