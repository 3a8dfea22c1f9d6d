"""PATHBOT_LOG_FORMAT=json on a real `pathbot run`: one JSON object per line, the
interaction's context on every line logged while handling it, secrets masked."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import aiohttp

from bot.logs import setup_logging
from tests.adapters.slack.harness import button
from tests.fakes.minimal_slack_app import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import DEFAULT_TEAM_ID
from tests.ops.slack_user import ALICE, SlackUser
from tests.process import Pathbot, slack_env


def records(text: str) -> list[dict[str, Any]]:
    lines = [line for line in text.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert all(isinstance(r, dict) for r in parsed)
    return parsed


async def test_json_logs_carry_the_interaction_context(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    env = slack_env(fake, db_url, PATHBOT_LOG_FORMAT="json", PATHBOT_LOG_LEVEL="DEBUG")
    bot = await Pathbot.start(env, tmp_path)
    try:
        fake.fail_dm(ALICE, "cannot_dm_bot")
        alice = SlackUser(fake, http, bot.base)
        card = await alice.open_quiz()
        start = await alice.press(button(card, "pb:start:"), card)
        await alice.command("/path", "ml")  # the DM fails: logged inside the interaction
        assert "pb:ans:" in str(start)
    finally:
        code = await bot.stop()
    assert code == 0, bot.text
    logged = records(bot.text)
    for record in logged:
        assert {"ts", "level", "logger", "message"} <= set(record), record
    dm_failed = next(r for r in logged if "DM failed" in r["message"])
    assert dm_failed["level"] == "INFO"
    assert dm_failed["platform"] == "slack" and dm_failed["team"] == DEFAULT_TEAM_ID
    assert dm_failed["command"] == "/path"
    closed = [r for r in logged if r["logger"] == "bot.observe"]
    assert {(r["platform"], r.get("command") or r.get("verb")) for r in closed} >= {
        ("slack", "/quiz"), ("slack", "start"), ("slack", "/path")}
    assert all(isinstance(r["ms"], float | int) for r in closed)
    started = next(r for r in logged if r["message"] == "slack adapter started")
    assert "platform" not in started  # outside any interaction: no context
    for record in logged:
        if record["level"] not in ("DEBUG",):
            assert ALICE not in json.dumps(record), record  # user ids only at DEBUG
    assert BOT_TOKEN not in bot.text and SIGNING_SECRET not in bot.text


def test_tokens_and_dsn_passwords_are_masked_in_both_formats() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        for fmt in ("text", "json"):
            setup_logging("INFO", ["xoxb-secret-123"], fmt)
            stream = io.StringIO()
            root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
            log = logging.getLogger("test.mask")
            log.warning("db postgresql://pathbot:hunter2hunter@db:5432/pathbot token %s",
                        "xoxb-secret-123")
            try:
                raise RuntimeError("connect to postgres://u:s3cretpw@h/db failed")
            except RuntimeError:
                log.exception("boom")
            text = stream.getvalue()
            assert "hunter2hunter" not in text and "s3cretpw" not in text, text
            assert "xoxb-secret-123" not in text
            assert "postgresql://pathbot:[redacted]@db:5432/pathbot" in text
            if fmt == "json":
                assert all(json.loads(line)["logger"] == "test.mask"
                           for line in text.splitlines())
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
