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
from bot.core.records import AnswerOutcome, QuizResult

Call = Callable[..., Awaitable[Any]]


class MeteredStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if name.startswith("_") or not inspect.iscoroutinefunction(found):
            return found  # plain attributes are read through each time
        wrap = SPECIAL.get(name)
        timed = wrap(found) if wrap else _timed(name, found)
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


def _answering(call: Call) -> Call:
    """answer (every question but the last): timed as op="record_answer" when it stored
    the answer, as op="answer" when it refused the press. So op="record_answer" still
    counts every answer stored, as when each press was get_session then record_answer,
    and a refused press is not counted as a write."""

    async def answer(*args: Any, **kwargs: Any) -> Any:
        started, op = time.perf_counter(), "answer"  # also when the call raises
        try:
            outcome = await call(*args, **kwargs)
            if isinstance(outcome, AnswerOutcome) and outcome.wrote:
                op = "record_answer"
            return outcome
        finally:
            metrics.store_call(op, time.perf_counter() - started)

    return answer


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


SPECIAL: dict[str, Callable[[Call], Call]] = {"record_answer": _finishing, "answer": _answering}
