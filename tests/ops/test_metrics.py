"""GET /metrics and /readyz of a real `pathbot run` (Slack HTTP mode on the fake), and the
Grafana dashboard checked against the metric names that response holds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.bundled import bundled_dir
from bot.core.content import load_content
from tests.adapters.slack.harness import button
from tests.conftest import REPO
from tests.fakes.minimal_slack_app import APP_TOKEN
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import DEFAULT_TEAM_ID
from tests.ops.promtext import samples, value
from tests.ops.slack_user import ALICE, SlackUser
from tests.process import Pathbot, slack_env

DASHBOARD = REPO / "deploy" / "grafana-dashboard.json"
LABELS = {"platform", "kind", "outcome", "op", "shard", "le", "quantile"}


async def test_metrics_and_readiness_of_a_running_pathbot(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    bot = await Pathbot.start(slack_env(fake, db_url), tmp_path)
    try:
        assert await bot.get(http, "/readyz") == (200, json.dumps({"ready": True}))
        alice = SlackUser(fake, http, bot.base)
        await alice.command("/compare")
        questions = len(load_content(bundled_dir("content")).questions)
        result = await alice.finish(await alice.open_quiz(), questions)
        await alice.press(button(result, "pb:path:"))  # a DM, sent
        await alice.press("pb:ans:nosuchsession:0:0")  # refused: no such session
        status, text = await bot.get(http, "/metrics")
    finally:
        code = await bot.stop()
    assert status == 200 and code == 0, bot.text
    found = samples(text)
    assert value(found, "pathbot_interactions_total", platform="slack", kind="command",
                 outcome="ok") == 2  # /compare, /quiz
    assert value(found, "pathbot_interactions_total", platform="slack", kind="button",
                 outcome="ok") == questions + 2  # Start, the answers, the path button
    assert value(found, "pathbot_interactions_total", platform="slack", kind="button",
                 outcome="refused") == 1
    assert value(found, "pathbot_interaction_seconds_count", platform="slack",
                 kind="button") == questions + 3
    assert value(found, "pathbot_quizzes_finished_total", platform="slack") == 1
    assert value(found, "pathbot_dm_total", platform="slack", outcome="sent") == 1
    assert value(found, "pathbot_store_seconds_count", op="record_answer") == questions
    assert value(found, "pathbot_store_batch_size_count") >= questions
    assert value(found, "pathbot_up", platform="slack", shard="0") == 1
    assert value(found, "process_cpu_seconds_total") > 0
    assert not any(name.endswith("_created") for name, _ in found)
    used = {label for _, labels in found for label, _ in labels}
    assert used <= LABELS, used - LABELS  # no user, team or channel ids, ever
    assert ALICE not in text and DEFAULT_TEAM_ID not in text
    assert_dashboard_uses_only(set(family_names(text)))


def family_names(text: str) -> list[str]:
    """Every family (declared even without samples) and every sample name."""
    names = []
    for family in text_string_to_metric_families(text):
        names += [family.name, *(s.name for s in family.samples)]
    return names


def assert_dashboard_uses_only(exported: set[str]) -> None:
    """Every metric a dashboard query names is one pathbot exports: no silent drift."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 8
    named = {m for e in exprs for m in re.findall(r"\b((?:pathbot|process)_[a-z_]+)", e)}
    assert {"pathbot_interactions_total", "pathbot_interaction_seconds_bucket",
            "pathbot_quizzes_finished_total", "pathbot_dm_total", "pathbot_up",
            "pathbot_store_seconds_bucket"} <= named
    missing = named - exported
    assert not missing, f"the dashboard queries metrics pathbot does not export: {missing}"


async def test_socket_mode_readiness(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    bot = await Pathbot.start(slack_env(fake, db_url, SLACK_APP_TOKEN=APP_TOKEN), tmp_path)
    try:
        ready = await bot.get(http, "/readyz")
        _, text = await bot.get(http, "/metrics")
    finally:
        code = await bot.stop()
    assert ready == (200, json.dumps({"ready": True})) and code == 0, bot.text
    assert value(samples(text), "pathbot_up", platform="slack", shard="0") == 1
