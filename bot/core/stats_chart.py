"""The /stats chart: counts in, PNG bytes out.

`chart_data` is pure arithmetic on what the store answered; `draw` makes the picture with
matplotlib's Agg backend, imported inside it so that start-up (and `import
bot.core.service`) never loads matplotlib. `draw` blocks for a few hundred milliseconds:
the service runs it in a thread. It uses matplotlib's object API (a Figure of its own, no
pyplot state), so several charts may be drawn at once.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.models import Content
from bot.core.quiz import percentages

if TYPE_CHECKING:  # for the annotations only: matplotlib is imported when a chart is drawn
    from matplotlib.axes import Axes
    from matplotlib.ticker import FixedLocator

WEEKS = 8
WEEK = 7 * 24 * 3600
ALT_LIMIT = 1000  # Slack's alt_txt limit (Discord allows 1024)
FILENAME = "pathbot-stats.png"
SIZE_INCHES = (10.0, 7.5)
DPI = 100  # 1000 x 750 pixels: sharp on a phone, ~60 KB
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class RoleSeries:
    name: str
    color: str  # "#rrggbb", the role's colour from content
    people: int  # latest result per person
    stages: int  # stages on the role's learning path
    progress: tuple[int, ...]  # progress[i]: people with i + 1 stages done


@dataclass(frozen=True)
class ChartData:
    title: str
    roles: tuple[RoleSeries, ...]
    weeks: tuple[tuple[str, int], ...]  # (Monday's date, quizzes finished that week), oldest first

    @property
    def people(self) -> int:
        return sum(r.people for r in self.roles)


def week_starts(now: float) -> list[float]:
    """The Mondays (00:00 UTC) of the last WEEKS weeks, oldest first; the last is this week."""
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    return [(monday - timedelta(weeks=n)).timestamp() for n in range(WEEKS - 1, -1, -1)]


def per_week(finished: list[float], now: float) -> tuple[tuple[str, int], ...]:
    starts = week_starts(now)
    counts = [0] * len(starts)
    for at in finished:
        index = int((at - starts[0]) // WEEK)
        if 0 <= index < len(counts):
            counts[index] += 1
    labels = [f"{day.day} {day:%b}" for day in (datetime.fromtimestamp(s, UTC) for s in starts)]
    return tuple(zip(labels, counts, strict=True))


def chart_data(
    content: Content, counts: dict[str, int], finished: list[float],
    progress: dict[str, dict[int, int]], now: float,
) -> ChartData:
    """What the chart shows, for the roles in content (a removed role's rows are left out)."""
    roles = []
    for role in content.roles:
        stages = len(content.path_for(role.id).stages)
        done = progress.get(role.id, {})
        # A path shortened since someone ticked its stages: they have done all of it.
        clamped = [0] * stages
        for n, people in done.items():
            if n > 0 and stages:
                clamped[min(n, stages) - 1] += people
        roles.append(RoleSeries(role.name, f"#{role.color:06x}", counts.get(role.id, 0),
                                stages, tuple(clamped)))
    return ChartData("How people here came out", tuple(roles), per_week(finished, now))


def alt_text(data: ChartData) -> str:
    """The chart in words, for screen readers (at most ALT_LIMIT characters)."""
    results = ", ".join(f"{r.name} {r.people}" for r in data.roles)
    weeks = ", ".join(f"{label}: {n}" for label, n in data.weeks)
    paths = "; ".join(
        f"{r.name}: " + (", ".join(f"{n} with {i} done" for i, n in enumerate(r.progress, 1)
                                   if n) or "nobody yet")
        for r in data.roles)
    text = (f"Chart. Latest result per person: {results}. Quizzes finished per week "
            f"(weeks from Monday, UTC): {weeks}. Learning-path stages done: {paths}.")
    return text if len(text) <= ALT_LIMIT else text[: ALT_LIMIT - 1] + "…"


def draw(data: ChartData) -> bytes:
    """The chart as PNG bytes (blocking: call it in a thread). One at a time per process:
    drawing is mostly Python holding the GIL, so two at once would only take turns and
    slow the event loop twice as much."""
    with _DRAWING:
        return _draw(data)


def _draw(data: ChartData) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)  # fixed margins: a layout engine doubles the time
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(2, 2, height_ratios=(1, 1.1), left=0.13, right=0.98, top=0.88,
                               bottom=0.08, hspace=0.55, wspace=0.22)
    _results_panel(figure.add_subplot(grid[0, 0]), data)
    _weeks_panel(figure.add_subplot(grid[0, 1]), data)
    _progress_panel(figure.add_subplot(grid[1, :]), data)
    figure.suptitle(data.title, fontsize=15, fontweight="bold")
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor="white")
    return out.getvalue()


# -- the panels -----------------------------------------------------------------------------
NEUTRAL = "#5B6B8C"
INK = "#222222"
MUTED = "#666666"


def _tidy(ax: Axes, title: str) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_title(title, fontsize=12, loc="left", color=INK)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=10, colors=INK)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True))


def _results_panel(ax: Axes, data: ChartData) -> None:
    names = [r.name for r in data.roles][::-1]  # first role on top
    people = [r.people for r in data.roles][::-1]
    bars = ax.barh(names, people, color=[r.color for r in data.roles][::-1], height=0.6)
    shares = percentages(people)  # as the text table rounds them: they sum to 100
    ax.bar_label(bars, [f" {n} ({share}%)" for n, share in zip(people, shares, strict=True)],
                 fontsize=10)
    ax.set_xlim(0, max([*people, 1]) * 1.3)
    _tidy(ax, "Latest result per person")
    ax.yaxis.set_major_locator(_fixed(len(names)))
    ax.set_xlabel("people", fontsize=10)


def _fixed(count: int) -> FixedLocator:
    from matplotlib.ticker import FixedLocator

    return FixedLocator(list(range(count)))


def _weeks_panel(ax: Axes, data: ChartData) -> None:
    labels = [label for label, _ in data.weeks]
    counts = [n for _, n in data.weeks]
    bars = ax.bar(range(len(labels)), counts, color=NEUTRAL, width=0.7)
    ax.bar_label(bars, [str(n) if n else "" for n in counts], fontsize=9)
    ax.set_ylim(0, max([*counts, 1]) * 1.2)
    _tidy(ax, f"Quizzes finished per week (last {len(labels)} weeks)")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_xlabel("week starting (Monday, UTC)", fontsize=10)
    if not any(counts):
        ax.text(0.5, 0.5, f"None in these {len(labels)} weeks.", ha="center", va="center",
                fontsize=11, color=MUTED, transform=ax.transAxes)


def _progress_panel(ax: Axes, data: ChartData) -> None:
    _tidy(ax, "Learning paths: people by stages done")
    longest = max((r.stages for r in data.roles), default=0)
    if not any(any(r.progress) for r in data.roles) or not longest:
        ax.text(0.5, 0.5, "Nobody has ticked a learning-path stage yet.", ha="center",
                va="center", fontsize=12, color=MUTED, transform=ax.transAxes)
        ax.set_axis_off()
        return
    width = 0.8 / len(data.roles)
    for i, role in enumerate(data.roles):
        xs = [n + (i - (len(data.roles) - 1) / 2) * width for n in range(1, role.stages + 1)]
        bars = ax.bar(xs, role.progress, width=width * 0.95, color=role.color, label=role.name)
        ax.bar_label(bars, [str(n) if n else "" for n in role.progress], fontsize=9)
    ax.set_xticks(range(1, longest + 1), [f"{n} of {longest}" if n == longest else str(n)
                                          for n in range(1, longest + 1)])
    top = max(max(r.progress, default=0) for r in data.roles)
    ax.set_ylim(0, top * 1.2)
    ax.set_xlabel("stages done", fontsize=10)
    ax.set_ylabel("people", fontsize=10)
    ax.legend(frameon=False, fontsize=10)
