"""A listener's work after its ack, in a task of its own, so bolt answers Slack at the ack.

The app runs with `process_before_response=True`: bolt sends its HTTP response (or Socket
Mode envelope ack) as soon as the listener returns, instead of polling every 10 ms for the
listener's `ack()` while the work goes on (bolt's default), a poll that the work itself
delays under load (docs/slack.md). The listener returns once the work has acked; the rest
(the service, the answer) runs on in its task. The work enters `observe.interaction`
before it acks, so the graceful drain waits for it like any interaction in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Ack = Callable[[], Awaitable[None]]
Work = Callable[[Ack], Coroutine[Any, Any, None]]

_RUNNING: set[asyncio.Task[None]] = set()  # strong references: the loop keeps weak ones


async def run_after_ack(ack: Ack, work: Work) -> None:
    """Start `work(ack)`; return once it has acked (or ended: its error, raised here)."""
    acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def ack_once() -> None:
        await ack()
        if not acked.done():
            acked.set_result(None)

    task: asyncio.Task[None] = asyncio.create_task(work(ack_once))
    _RUNNING.add(task)
    task.add_done_callback(_finished)
    await asyncio.wait({acked, task}, return_when=asyncio.FIRST_COMPLETED)
    if not acked.done():
        task.result()  # it ended before acking: its exception goes to bolt, as before
        acked.cancel()


def _finished(task: asyncio.Task[None]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("slack listener failed after its ack", exc_info=task.exception())
