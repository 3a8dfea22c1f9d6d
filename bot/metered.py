"""A Store that times every call (pathbot_store_seconds{op}) and counts finished quizzes.

Wraps whichever store bootstrap opened, so every engine is measured the same way and no
engine knows about Prometheus. `pathbot run` uses it unless PATHBOT_METRICS=0.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from bot import metrics
from bot.core.ports import Store
from bot.core.records import QuizResult

Call = Callable[..., Awaitable[Any]]


class MeteredStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if name.startswith("_") or not inspect.iscoroutinefunction(found):
            return found  # plain attributes are read through each time
        timed = _finishing(found) if name == "record_answer" else _timed(name, found)
        setattr(self, name, timed)  # found once: later calls skip __getattr__
        return timed


def metered(store: Store) -> Store:
    return cast(Store, MeteredStore(store))


def _timed(op: str, call: Call) -> Call:
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await call(*args, **kwargs)
        finally:
            metrics.store_call(op, time.perf_counter() - started)

    return timed


def _finishing(call: Call) -> Call:
    """record_answer: also counts a quiz finished when it stored the result."""
    timed = _timed("record_answer", call)

    async def record_answer(*args: Any, **kwargs: Any) -> Any:
        wrote = await timed(*args, **kwargs)
        result = kwargs.get("result", args[4] if len(args) > 4 else None)
        if wrote and isinstance(result, QuizResult):
            metrics.quiz_finished(result.user.platform)
        return wrote

    return record_answer
