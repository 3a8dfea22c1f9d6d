"""How long one /stats chart takes, against matplotlib's floor, in the same run.

    python3 dev.py bench chart [--charts 10]

Measures, each in this process: the first chart (imports matplotlib and loads its fonts:
what the first /stats after start-up pays), then `--charts` more charts of a busy
workspace (the three panels, both roles, 8 weeks), and as the baseline the same number of
blank figures of the same size saved as PNG (what any matplotlib picture costs here). It
prints the median and worst per chart, and the ratio chart / blank. Then, since pathbot
draws in a thread (asyncio.to_thread), how much the event loop is held up meanwhile (the
drawing thread and the loop share the GIL): the gap between 1 ms sleeps while charts are
drawn, against the same loop idle.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time

from bot.bundled import bundled_dir
from bot.core import stats_chart
from bot.core.content import load_content


def busy_workspace() -> stats_chart.ChartData:
    content = load_content(bundled_dir("content"))
    now = time.time()
    finished = [now - i * 4000 for i in range(1200)]  # ~8 weeks of quizzes
    progress = {"ai_engineer": {1: 40, 2: 25, 3: 12, 4: 5, 5: 2},
                "ml_engineer": {1: 30, 2: 14, 3: 9, 4: 3}}
    return stats_chart.chart_data(content, {"ai_engineer": 180, "ml_engineer": 120},
                                  finished, progress, now)


def blank() -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=stats_chart.SIZE_INCHES, dpi=stats_chart.DPI)
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor="white")
    return out.getvalue()


def timed(work: object, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return times


async def loop_gaps(draw: bool, runs: int) -> tuple[float, float]:
    """The event loop's p50 and worst gap between 1 ms sleeps while `runs` charts are drawn
    in a thread (as pathbot does), or, for the baseline, while the loop idles as long."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    data = busy_workspace()
    for _ in range(runs):
        if draw:
            await asyncio.to_thread(stats_chart.draw, data)
        else:
            await asyncio.sleep(0.3)
    done.set()
    await task
    return statistics.median(gaps) * 1000, max(gaps) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--charts", type=int, default=10)
    runs = max(1, parser.parse_args().charts)
    data = busy_workspace()
    started = time.perf_counter()
    png = stats_chart.draw(data)
    first = time.perf_counter() - started
    charts = timed(lambda: stats_chart.draw(data), runs)
    blanks = timed(blank, runs)
    chart_ms, blank_ms = statistics.median(charts) * 1000, statistics.median(blanks) * 1000
    print(f"first chart (imports matplotlib): {first * 1000:.0f} ms, {len(png) // 1024} KB")
    print(f"chart: median {chart_ms:.0f} ms, worst {max(charts) * 1000:.0f} ms ({runs} runs)")
    print(f"blank figure (baseline): median {blank_ms:.0f} ms, worst {max(blanks) * 1000:.0f} ms")
    print(f"ratio chart / blank: {chart_ms / blank_ms:.1f}")
    idle, busy = asyncio.run(loop_gaps(False, 3)), asyncio.run(loop_gaps(True, 3))
    print(f"event loop gap between 1 ms sleeps: idle p50 {idle[0]:.1f} ms / worst "
          f"{idle[1]:.1f} ms; while charts draw in a thread p50 {busy[0]:.1f} ms / worst "
          f"{busy[1]:.1f} ms")


if __name__ == "__main__":
    main()
