from __future__ import annotations

import asyncio

from bot.core.coalesce import Coalescer


async def test_bursts_run_once_now_and_once_trailing_with_latest_job() -> None:
    ran: list[int] = []
    coalescer = Coalescer(interval=0.05)

    def job(n: int):  # type: ignore[no-untyped-def]
        async def run() -> None:
            ran.append(n)
        return run

    for n in range(20):
        coalescer.submit("card", job(n))
        await asyncio.sleep(0)
    await coalescer.flush()
    assert ran[0] == 0 and ran[-1] == 19 and len(ran) <= 3
    coalescer.submit("other", job(99))
    await coalescer.flush()
    assert ran[-1] == 99


async def test_a_failing_job_is_logged_and_does_not_block_the_key() -> None:
    coalescer = Coalescer(interval=0)
    ran: list[str] = []

    async def boom() -> None:
        raise RuntimeError("edit failed")

    async def ok() -> None:
        ran.append("ok")

    coalescer.submit("k", boom)
    await coalescer.flush()
    coalescer.submit("k", ok)
    await coalescer.flush()
    assert ran == ["ok"]


async def test_nothing_runs_after_close() -> None:
    coalescer = Coalescer(interval=0.05)
    ran: list[str] = []

    async def job() -> None:
        ran.append("ran")

    coalescer.submit("card", job)
    await coalescer.flush()
    coalescer.submit("card", job)  # waits out the interval
    await asyncio.sleep(0)
    await coalescer.close()
    coalescer.submit("card", job)  # after close: ignored
    await asyncio.sleep(0.1)
    assert ran == ["ran"]


async def test_a_settled_key_is_forgotten_after_its_interval() -> None:
    coalescer = Coalescer(interval=0.05)

    async def edit() -> None:
        pass

    for n in range(2000):
        coalescer.submit(f"card{n}", edit)
    await coalescer.flush()
    for _ in range(100):  # bounded: well past the 0.05 s interval
        if not coalescer._last:
            break
        await asyncio.sleep(0.02)
    assert coalescer._last == {} and coalescer._pending == {} and coalescer._latest == {}
    await coalescer.close()
