"""/stats in the console: the table, and the chart written to a file whose path is printed."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.adapters.console import Console
from bot.core.models import Content
from bot.core.service import Service
from tests.chart_checks import assert_chart
from tests.cli.test_cli import full_quiz_script, pathbot
from tests.conftest import REPO


def test_stats_prints_the_table_and_where_the_chart_is(
    tmp_path: Path, db_url: str, content: Content
) -> None:
    charts = tmp_path / "charts"
    charts.mkdir()
    done = pathbot(["console"], tmp_path, full_quiz_script() + "/stats\n", db=db_url,
                   TMPDIR=str(charts))
    assert done.returncode == 0, done.stderr
    assert "How people here came out" in done.stdout
    assert "1 person has a result here" in done.stdout
    saved = re.search(r"\(chart saved to (.+\.png)\)", done.stdout)
    assert saved is not None, done.stdout
    path = Path(saved[1])
    assert path.parent == charts.resolve() and path.name.startswith("pathbot-stats-")
    assert_chart(path.read_bytes(), content, every_role=False)


def test_stats_with_no_results_says_so_and_saves_nothing(tmp_path: Path, db_url: str) -> None:
    done = pathbot(["console"], tmp_path, "/stats\n", db=db_url, TMPDIR=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Nobody here has finished the quiz yet" in done.stdout
    assert "chart saved" not in done.stdout and not list(tmp_path.glob("*.png"))


async def test_a_chart_that_cannot_be_saved_leaves_the_table(service: Service) -> None:
    out = io.StringIO()
    console = Console(service, out, user_id="admin", files_dir=REPO / "no" / "such" / "dir")
    for line in ["/quiz", "1", *["1"] * len(service.content.questions), "/stats"]:
        await console.handle(line)
    shown = out.getvalue()
    assert "1 person has a result here" in shown
    assert "! Could not save the chart" in shown and "chart saved" not in shown
