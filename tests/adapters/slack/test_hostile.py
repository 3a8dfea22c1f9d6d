"""Hostile and broken input at /slack/events, and a Slack that answers with error pages.

Issue 8, items 1-3, 7 and 8: every malformed or unsigned request gets 400/401 (never 500),
no traceback and no request data in the log; a non-JSON error page from Slack is a passing
failure, never "DMs closed"; a replayed slash command runs once.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

import aiohttp
import pytest

from bot.core.models import UserRef
from bot.storage.sqlite import SqliteStore
from tests.adapters.slack.harness import ALICE, SlackHarness, button, make_config, text_of
from tests.fakes.minimal_slack_app import SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import (
    block_actions_body,
    block_actions_payload,
    payload_body,
    post_body,
    post_signed,
    sign,
    slash_command_body,
)
from tests.process import Pathbot, slack_env

JUNK = [b"payload=%7B%7B%7B", b"{not json", b"payload=[1]", b"\xff\xfe\x00garbage\x80",
        b"payload=%7B%22type%22%3A%22block_actions%22", b"", b"payload=null", b"=&=&&"]


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r for r in caplog.records if r.exc_info] == []
    assert all(r.levelno < logging.ERROR for r in caplog.records)


@pytest.mark.parametrize("body", JUNK)
async def test_unsigned_garbage_gets_401(
    bot: SlackHarness, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    for content_type in ("application/x-www-form-urlencoded", "application/json"):
        status, _ = await post_body(bot.http, bot.url, body, {}, content_type)
        assert status == 401
        stamp = {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}
        assert (await post_body(bot.http, bot.url, body, stamp, content_type))[0] == 401
    no_tracebacks(caplog)


@pytest.mark.parametrize("body", JUNK)
async def test_signed_garbage_gets_400(
    bot: SlackHarness, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    for content_type in ("application/x-www-form-urlencoded", "application/json"):
        status, _ = await post_signed(bot.http, bot.url, body, SIGNING_SECRET,
                                      content_type=content_type)
        assert status == 400
    no_tracebacks(caplog)
    assert (await bot.command("/compare", "math_depth")).payload  # still serving


async def test_300_rejected_requests_make_one_short_log_line(
    bot: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = bot.fake.new_response_url()
    secret_bits = (url, ALICE, bot.fake.team_id)
    stale = slash_command_body("/quiz", response_url=url)
    big = b"payload=" + b"A" * 900_000
    for i in range(300):
        body = (stale, big, JUNK[i % len(JUNK)])[i % 3]
        headers = sign(SIGNING_SECRET, body, int(time.time()) - 3600) if i % 3 == 0 else {}
        assert (await post_body(bot.http, bot.url, body, headers))[0] == 401
    ours = [r for r in caplog.records if "slack" in r.name or "bolt" in r.name]
    assert len(ours) <= 1, [r.getMessage()[:200] for r in ours]
    assert all(len(r.getMessage()) < 300 for r in ours)
    text = caplog.text
    assert not any(bit in text for bit in secret_bits)
    no_tracebacks(caplog)


async def test_a_replayed_slash_command_runs_once(bot: SlackHarness) -> None:
    body = slash_command_body("/quiz", response_url=bot.fake.new_response_url())
    assert await bot.post(body) == (200, "")
    assert await bot.post(body) == (200, "")  # the same request again, no retry header
    assert await bot.post(body, retry_num=1) == (200, "")
    await bot.fake.wait_for_call("chat.postMessage")
    await bot.command("/compare")  # later requests are handled: the first one is done
    assert len(bot.fake.calls("chat.postMessage")) == 1


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/html", "<html><body>503 Service Temporarily Unavailable</body></html>"),
    ("text/plain", "upstream connect error"),
    ("application/json", "{broken"),
    ("text/html", ""),
])
async def test_an_error_page_from_conversations_open_is_not_closed_dms(
    bot: SlackHarness, content_type: str, body: str
) -> None:
    bot.fake.fail_http("conversations.open", 503, body, content_type=content_type)
    first = await bot.command("/path", "ml")
    assert "couldn't DM you just now" in text_of(first.payload)
    assert not await bot.service.store.dms_closed(UserRef("slack", bot.fake.team_id, ALICE))
    second = await bot.command("/path", "ml")  # DMed this time
    assert "Check your DMs" in text_of(second.payload)


async def test_unknown_dm_errors_are_transient_known_ones_closed(bot: SlackHarness) -> None:
    bot.fake.fail_next("conversations.open", "some_new_error")
    assert "just now" in text_of((await bot.command("/path", "ml")).payload)
    bot.fake.fail_dm(ALICE, "user_disabled")
    assert "DMs are closed" in text_of((await bot.command("/path", "ml")).payload)
    assert await bot.service.store.dms_closed(UserRef("slack", bot.fake.team_id, ALICE))


async def test_users_info_error_page_means_no_admin_not_an_apology(
    bot: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.fail_http("users.info", 503, "Service Unavailable", content_type="text/plain")
    answer = await bot.command("/stats")
    assert "Only admins can see /stats" in text_of(answer.payload)
    bot.fake.fail_http("users.info", 200, "not json", content_type="text/plain")
    answer = await bot.command("/stats")
    assert "Only admins can see /stats" in text_of(answer.payload)
    no_tracebacks(caplog)


@pytest.mark.parametrize("content_type", ["text/plain", "text/html"])
async def test_auth_test_error_page_at_start_up_starts_and_acks_at_once(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str,
    content_type: str,
) -> None:
    fake.fail_http("auth.test", 503, "Service Unavailable", content_type=content_type,
                   times=1000)
    harness = await SlackHarness.start(fake, make_config(tmp_path, fake, db_url), http)
    try:
        for _ in range(3):
            url = fake.new_response_url()
            body = block_actions_body("pb:start:abcdef", response_url=url)
            assert await harness.post(body) == (200, "")  # acked without waiting on Slack
            answer = await fake.wait_for_response_url(url)
            assert "not valid" in text_of(answer.payload)
        assert len(fake.calls("auth.test")) == 2  # start-up, one background retry
    finally:
        await harness.stop()


async def test_a_card_from_another_workspace_cannot_be_started(bot: SlackHarness) -> None:
    message = await bot.open_quiz()
    start = button(message, "pb:start:")
    url = bot.fake.new_response_url()
    body = payload_body(block_actions_payload(start, response_url=url, user_id="U0MALLORY",
                                              team_id="T2OTHER"))
    assert await bot.post(body) == (200, "")
    answer = await bot.fake.wait_for_response_url(url)
    assert "not valid" in text_of(answer.payload)
    assert await bot.service.store.stats("slack", "T2OTHER") == {}
    mallory = UserRef("slack", "T2OTHER", "U0MALLORY")
    assert await bot.service.store.find_active_session(mallory, start.split(":")[-1]) is None


async def test_a_body_over_1_mib_gets_413_and_no_log(
    bot: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"payload=" + b"A" * (1024 * 1024 + 1)
    assert (await post_signed(bot.http, bot.url, body, SIGNING_SECRET))[0] == 413
    assert "AAAA" not in caplog.text
    no_tracebacks(caplog)


@pytest.mark.sqlite_only("SQLite's write lock held by another program on the file")
async def test_a_lock_held_too_long_gives_one_busy_answer(bot: SlackHarness) -> None:
    store = bot.service.store
    assert isinstance(store, SqliteStore)
    await bot.open_quiz()
    store.lock_wait = 0.0  # one try (busy_timeout), then the busy answer
    other = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    try:  # off the loop: the bot may be finishing a write (the card's ts) meanwhile
        await asyncio.to_thread(other.execute, "BEGIN IMMEDIATE")
        url = await bot.send_press(button(bot.quiz_message, "pb:start:"), public=True)
        answer = await bot.fake.wait_for_response_url(url, timeout=20)
        assert "database is busy" in text_of(answer.payload)
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
    await asyncio.sleep(0.2)
    assert len(bot.fake.responses(url)) == 1  # one answer, no apology after it


async def test_pathbot_run_starts_when_auth_test_answers_an_error_page(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    fake.fail_http("auth.test", 503, "upstream connect error", content_type="text/plain",
                   times=1000)
    bot = await Pathbot.start(slack_env(fake, db_url), tmp_path)
    try:
        url = fake.new_response_url()
        body = slash_command_body("/role", "ml", response_url=url)
        events = f"{bot.base}/slack/events"
        assert await post_signed(http, events, body, SIGNING_SECRET) == (200, "")
        assert "ML Engineer" in str((await fake.wait_for_response_url(url)).payload)
    finally:
        await bot.stop()
    assert bot.proc.returncode == 0, bot.text
    assert b"Traceback" not in bot.log
    assert b"checking SLACK_BOT_TOKEN failed (unreadable_answer (HTTP 503))" in bot.log
