"""How long one /stats chart takes, against matplotlib's floor, in the same run.

    python3 dev.py bench chart [--charts 10]

Measures, each in this process: the first chart (imports matplotlib and loads its fonts:
what the first /stats after start-up pays), then `--charts` more charts of a busy
workspace (the three panels, both roles, 8 weeks), and as the baseline the same number of
blank figures of the same size saved as PNG (what any matplotlib picture costs here). It
prints the median and worst per chart, and the ratio chart / blank. The drawing runs in a
thread in pathbot (asyncio.to_thread), so this time is latency for the admin, never a
stalled event loop.
"""

from __future__ import annotations

import argparse
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


if __name__ == "__main__":
    main()
