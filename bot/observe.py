"""Per-interaction bookkeeping, entered once where an adapter receives a command or press:

    with observe.interaction("slack", "button", verb="ans", team=team_id):
        await ack()
        ...                              # observe.refused() / observe.failed() on the way

It (1) sets the log context (contextvars: every log line inside carries platform, guild or
team, interaction, command or verb), (2) records pathbot_interactions_total and
pathbot_interaction_seconds, and (3) counts the work in flight, which the graceful drain
of `pathbot run` waits for. `draining()` tells adapters to take no new work.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from contextvars import ContextVar
from types import TracebackType

from bot import metrics
from bot.core.actions import ANY_ACTION
from bot.core.errors import DomainError

log = logging.getLogger(__name__)

Fields = dict[str, str]
NO_FIELDS: Fields = {}
# The interaction being handled; its `fields` are the log context. One variable, not two:
# it is set and reset on every press.
_CURRENT: ContextVar[Interaction | None] = ContextVar("pathbot_interaction", default=None)


def log_context() -> Fields:
    """The log context of the interaction being handled here ({} outside one); read only."""
    current = _CURRENT.get()
    return NO_FIELDS if current is None else current.fields


class InFlight:
    """What is running now (interactions, HTTP requests), and an event when nothing is."""

    def __init__(self) -> None:
        self.live: dict[object, str] = {}
        self.draining = False
        self._idle: asyncio.Event | None = None

    def add(self, item: object, what: str) -> None:
        self.live[item] = what

    def discard(self, item: object) -> None:
        self.live.pop(item, None)
        if not self.live and self._idle is not None:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """True once nothing is in flight; False if `timeout` seconds pass first."""
        if not self.live:
            return True
        self._idle = asyncio.Event()
        try:
            await asyncio.wait_for(self._idle.wait(), max(timeout, 0.0))
        except TimeoutError:
            return not self.live
        finally:
            self._idle = None
        return True

    def describe(self) -> str:
        """The work in flight, counted by kind: "2 slack button, 1 discord command"."""
        counts = Counter(self.live.values())
        return ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))


INFLIGHT = InFlight()


def draining() -> bool:
    return INFLIGHT.draining


def verb_of(action_id: str) -> str:
    match = ANY_ACTION.fullmatch(action_id)
    return match["verb"] if match else "invalid"


class Interaction:
    """A context manager (see the module docstring); the outcome is ok unless marked."""

    __slots__ = ("_token", "fields", "kind", "outcome", "platform", "started")

    def __init__(self, platform: str, kind: str, fields: Fields) -> None:
        self.platform = platform
        self.kind = kind
        self.fields = fields
        self.outcome = "ok"
        self.started = 0.0

    def __enter__(self) -> Interaction:
        self.started = time.perf_counter()
        self._token = _CURRENT.set(self)
        INFLIGHT.add(self, f"{self.platform} {self.kind}")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is not None and self.outcome == "ok":
            self.outcome = "error"
        seconds = time.perf_counter() - self.started
        INFLIGHT.discard(self)
        metrics.interaction(self.platform, self.kind, self.outcome, seconds)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s: %s", self.kind, self.outcome, self.fields.get("command")
                      or self.fields.get("verb"), extra={"ms": round(seconds * 1000, 1)})
        _CURRENT.reset(self._token)


def interaction(platform: str, kind: str, **context: str | int | None) -> Interaction:
    """kind: command | button. `context`: shard, guild, team, interaction, command, verb;
    never a user id (logged at INFO)."""
    fields = {"platform": platform}
    for key, value in context.items():
        if value is not None and value != "":
            fields[key] = value if type(value) is str else str(value)
    return Interaction(platform, kind, fields)


def failed_by(exc: BaseException) -> None:
    """The current interaction ended with `exc`: refused (a DomainError) or an error."""
    if isinstance(exc, DomainError):
        refused()
    else:
        failed()


def refused() -> None:
    """The current interaction ended in a message the person can act on (a DomainError)."""
    current = _CURRENT.get()
    if current is not None:
        current.outcome = "refused"


def failed() -> None:
    """The current interaction hit a bug (logged, and the person got an apology)."""
    current = _CURRENT.get()
    if current is not None:
        current.outcome = "error"
