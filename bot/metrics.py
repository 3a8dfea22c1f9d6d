"""The one place pathbot's Prometheus metrics are declared: one registry per process.

Labels are the whole set below (platform, kind, outcome, op, shard): never a user, guild,
channel or team id, which would make a series per person (cardinality, privacy).
Everything here is cheap to call on the hot path; `set_enabled(False)` (PATHBOT_METRICS=0)
turns every recording into a no-op, for the benchmarks that measure what metrics cost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `*_created` series
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

# Receipt to answer: Slack acks at once, Discord within its 3 s; most answers take ms.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STORE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)

INTERACTIONS = Counter(
    "pathbot_interactions", "Commands and button presses handled, by outcome "
    "(ok, refused: a message the person can act on, error: a bug, apologised for)",
    ["platform", "kind", "outcome"], registry=REGISTRY)
INTERACTION_SECONDS = Histogram(
    "pathbot_interaction_seconds", "From receiving a command or press to its answer sent",
    ["platform", "kind"], buckets=LATENCY_BUCKETS, registry=REGISTRY)
QUIZZES_FINISHED = Counter(
    "pathbot_quizzes_finished", "Quizzes finished (a result stored)", ["platform"],
    registry=REGISTRY)
DMS = Counter(
    "pathbot_dm", "Learning-path DMs: sent, closed (the person's DMs are closed), transient "
    "(the platform busy or unreachable)", ["platform", "outcome"], registry=REGISTRY)
STORE_SECONDS = Histogram(
    "pathbot_store_seconds", "Time of one store call, by operation", ["op"],
    buckets=STORE_BUCKETS, registry=REGISTRY)
STORE_BATCH_SIZE = Histogram(
    "pathbot_store_batch_size", "Writes committed together in one group-commit transaction",
    buckets=BATCH_BUCKETS, registry=REGISTRY)

_on = True


def set_enabled(on: bool) -> None:
    global _on
    _on = on


def enabled() -> bool:
    return _on


# The labelled children, found once: `labels()` takes a lock and builds a key each call.
_children: dict[tuple[str, ...], Any] = {}


def _child(metric: Counter | Histogram, *labels: str) -> Any:
    key = (metric._name, *labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


def interaction(platform: str, kind: str, outcome: str, seconds: float) -> None:
    if _on:
        _child(INTERACTIONS, platform, kind, outcome).inc()
        _child(INTERACTION_SECONDS, platform, kind).observe(seconds)


def quiz_finished(platform: str) -> None:
    if _on:
        _child(QUIZZES_FINISHED, platform).inc()


def dm(platform: str, outcome: str) -> None:
    """outcome: sent | closed | transient."""
    if _on:
        _child(DMS, platform, outcome).inc()


def store_call(op: str, seconds: float) -> None:
    if _on:
        _child(STORE_SECONDS, op).observe(seconds)


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
