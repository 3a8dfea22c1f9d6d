"""listeners/after_ack.py: the listener returns once its work has acked; the work goes on
in its own task; an error before the ack reaches bolt, one after it is logged."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.slack.listeners.after_ack import Ack, run_after_ack


async def test_the_listener_returns_at_the_ack_and_the_work_goes_on() -> None:
    acks: list[str] = []
    release, finished = asyncio.Event(), asyncio.Event()

    async def ack() -> None:
        acks.append("ack")

    async def work(ack: Ack) -> None:
        await ack()
        await release.wait()  # the service and the answer, still to come
        finished.set()

    await asyncio.wait_for(run_after_ack(ack, work), 5)
    assert acks == ["ack"] and not finished.is_set()

    release.set()
    await asyncio.wait_for(finished.wait(), 5)


async def test_an_error_before_the_ack_reaches_bolt() -> None:
    async def ack() -> None:
        raise AssertionError("never acked")

    async def work(ack: Ack) -> None:
        raise ValueError("broken before the ack")

    with pytest.raises(ValueError, match="broken before the ack"):
        await asyncio.wait_for(run_after_ack(ack, work), 5)


async def test_an_error_after_the_ack_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    failed = asyncio.Event()

    async def ack() -> None:
        pass

    async def work(ack: Ack) -> None:
        await ack()
        await asyncio.sleep(0)
        failed.set()
        raise ValueError("broken after the ack")

    await run_after_ack(ack, work)
    await asyncio.wait_for(failed.wait(), 5)
    for _ in range(10):  # the task's done callback runs on a later turn of the loop
        await asyncio.sleep(0)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == ["slack listener failed after its ack"]
