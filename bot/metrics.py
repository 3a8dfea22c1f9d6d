"""The one place pathbot's Prometheus metrics are declared: one registry per process.

Labels are the whole set below (platform, kind, outcome, op, shard): never a user, guild,
channel or team id, which would make a series per person (cardinality, privacy).
Everything here is cheap to call on the hot path; `set_enabled(False)` (PATHBOT_METRICS=0)
turns every recording into a no-op, for the benchmarks that measure what metrics cost.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, ProcessCollector, disable_created_metrics
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.utils import floatToGoString

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `*_created` series
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

# Receipt to answer: Slack acks at once, Discord within its 3 s; most answers take ms.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STORE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)


class Counts:
    """A counter with labels, kept in plain numbers and exported at scrape time.

    prometheus_client's Counter and Histogram take a lock and walk their buckets in Python
    on every call (about 1-3 µs each, several per button press: bench/discord_burst.py).
    Everything pathbot records runs on its one event loop thread, and so does the scrape
    (GET /metrics), so nothing here needs a lock. The exported series are the same as
    prometheus_client's own types would give (`_total`; `_bucket`/`_count`/`_sum`).
    """

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.documentation, self.labels = name, documentation, labels
        self.values: dict[tuple[str, ...], float] = {}
        REGISTRY.register(self)

    def inc(self, labels: tuple[str, ...] = ()) -> None:
        self.values[labels] = self.values.get(labels, 0.0) + 1.0

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labels)
        for labels, value in list(self.values.items()):
            family.add_metric(labels, value)
        yield family


class Distribution:
    """A histogram with labels, in plain numbers (see Counts): per label set, how many
    observations fell in each bucket (not cumulative until exported) and their sum."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...] = (), *,
                 buckets: tuple[float, ...]) -> None:
        self.name, self.documentation, self.labels = name, documentation, labels
        self.bounds = (*buckets, float("inf"))
        # `le` as prometheus_client writes it ("0.005", "1.0", "+Inf"), once
        self.names = tuple(floatToGoString(b) for b in self.bounds)  # type: ignore[no-untyped-call]
        self.series: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}
        REGISTRY.register(self)

    def observe(self, value: float, labels: tuple[str, ...] = ()) -> None:
        found = self.series.get(labels)
        if found is None:
            found = self.series[labels] = ([0] * len(self.bounds), [0.0])
        found[0][bisect_left(self.bounds, value)] += 1  # the first bound >= value: `le`
        found[1][0] += value

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labels)
        for labels, (counts, total) in list(self.series.items()):
            running, buckets = 0, []
            for name, count in zip(self.names, counts, strict=True):
                running += count
                buckets.append((name, float(running)))
            family.add_metric(labels, buckets, total[0])
        yield family


INTERACTIONS = Counts(
    "pathbot_interactions", "Commands and button presses handled, by outcome "
    "(ok, refused: a message the person can act on, error: a bug, apologised for)",
    ("platform", "kind", "outcome"))
INTERACTION_SECONDS = Distribution(
    "pathbot_interaction_seconds", "From receiving a command or press to its answer sent",
    ("platform", "kind"), buckets=LATENCY_BUCKETS)
QUIZZES_FINISHED = Counts(
    "pathbot_quizzes_finished", "Quizzes finished (a result stored)", ("platform",))
DMS = Counts(
    "pathbot_dm", "Learning-path DMs: sent, closed (the person's DMs are closed), transient "
    "(the platform busy or unreachable)", ("platform", "outcome"))
STORE_SECONDS = Distribution(
    "pathbot_store_seconds", "Time of one store call, by operation", ("op",),
    buckets=STORE_BUCKETS)
STORE_BATCH_SIZE = Distribution(
    "pathbot_store_batch_size", "Writes committed together in one group-commit transaction",
    buckets=BATCH_BUCKETS)

_on = True


def set_enabled(on: bool) -> None:
    global _on
    _on = on


def enabled() -> bool:
    return _on


def interaction(platform: str, kind: str, outcome: str, seconds: float) -> None:
    if _on:
        INTERACTIONS.inc((platform, kind, outcome))
        INTERACTION_SECONDS.observe(seconds, (platform, kind))


def quiz_finished(platform: str) -> None:
    if _on:
        QUIZZES_FINISHED.inc((platform,))


def dm(platform: str, outcome: str) -> None:
    """outcome: sent | closed | transient."""
    if _on:
        DMS.inc((platform, outcome))


def store_call(op: str, seconds: float) -> None:
    if _on:
        STORE_SECONDS.observe(seconds, (op,))


def store_batch(size: int) -> None:
    if _on:
        STORE_BATCH_SIZE.observe(size)


@dataclass(frozen=True)
class Link:
    """One connection to a platform: a Discord shard, Slack Socket Mode, Slack HTTP mode."""

    platform: str
    shard: str
    up: bool
    latency: float | None = None  # Discord's heartbeat round trip, seconds


class LinkCollector:
    """pathbot_up and pathbot_gateway_latency_seconds, read from the adapters at scrape
    time (a gauge set on events could go stale; this cannot)."""

    def __init__(self, links: Callable[[], Iterable[Link]]) -> None:
        self.links = links

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("pathbot_up", "1 when connected and ready, else 0",
                               labels=["platform", "shard"])
        latency = GaugeMetricFamily("pathbot_gateway_latency_seconds",
                                    "Discord gateway heartbeat latency", labels=["shard"])
        for link in self.links():
            up.add_metric([link.platform, link.shard], 1.0 if link.up else 0.0)
            if link.latency is not None and link.latency != float("inf"):
                latency.add_metric([link.shard], link.latency)
        yield up
        yield latency


def watch_links(links: Callable[[], Iterable[Link]]) -> Callable[[], None]:
    """Export the links' state; returns the function that stops exporting it."""
    collector = LinkCollector(links)
    REGISTRY.register(collector)
    return lambda: REGISTRY.unregister(collector)
