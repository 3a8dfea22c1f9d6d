"""SIGTERM in the middle of a burst of 200 Slack presses on a real `pathbot run`: every
press that was acked is stored and answered, nothing is half-written, exit 0."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.db import raw
from tests.fakes.minimal_slack_app import SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import post_signed, slash_command_body
from tests.ops.burst import AT_ONCE, QUESTIONS, USERS, Burst, take_quiz
from tests.ops.slack_user import SlackUser
from tests.process import Pathbot, slack_env

SIGTERM_AFTER = 110  # acked presses

async def test_sigterm_mid_burst_loses_no_acked_press(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    bot = await Pathbot.start(slack_env(fake, db_url), tmp_path)
    try:
        card = await SlackUser(fake, http, bot.base).open_quiz()
        burst, slots = Burst(limit=200), asyncio.Semaphore(AT_ONCE)

        async def person(index: int) -> None:
            async with slots:
                await take_quiz(SlackUser(fake, http, bot.base, f"U0PERSON{index:02d}"),
                                card, burst)

        async def terminate() -> None:
            while len(burst.acked) < SIGTERM_AFTER:
                await asyncio.sleep(0.005)
            bot.send()

        await asyncio.wait_for(asyncio.gather(
            terminate(), *(person(i) for i in range(USERS))), 120)
        code = await bot.wait()
    finally:
        await bot.stop()
    assert code == 0, bot.text
    assert "stopped cleanly" in bot.text
    assert len(burst.acked) >= SIGTERM_AFTER and burst.refused, burst  # cut mid-burst
    assert set(burst.refused) <= {503, 0}  # 503 while draining, then the port is closed
    assert burst.unanswered == []
    await assert_stored(db_url, burst.acked)


async def assert_stored(db: str, acked: list[tuple[str, str]]) -> None:
    sessions = {row[0]: (row[1], row[2])
                for row in await raw(db, "SELECT id, user_id, status FROM sessions")}
    answers = {(r[0], r[1]): r[2]
               for r in await raw(db, "SELECT session_id, question, option FROM answers")}
    results = {r[0] for r in await raw(db, "SELECT session_id FROM results")}
    started = {user for user, action in acked if action.startswith("pb:start:")}
    assert started <= {user for user, _ in sessions.values()}
    for _, action in acked:
        if action.startswith("pb:ans:"):
            _, _, session, question, option = action.split(":")
            assert answers.get((session, int(question))) == int(option), action
    finished = 0
    for session, (_, status) in sessions.items():  # whole or nothing, never half
        count = sum(1 for s, _ in answers if s == session)
        assert {q for s, q in answers if s == session} == set(range(count))
        assert (status == "finished") == (count == QUESTIONS) == (session in results)
        finished += status == "finished"
    assert finished >= 1  # the burst finished quizzes before the SIGTERM


async def test_work_past_the_grace_is_cut_with_exit_1_and_a_line_naming_it(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    env = slack_env(fake, db_url, PATHBOT_SHUTDOWN_GRACE="1")
    bot = await Pathbot.start(env, tmp_path)
    try:
        fake.rate_limit_next("users.info", retry_after=20)  # /stats asks it: a slow press
        body = slash_command_body("/stats", response_url=fake.new_response_url())
        url = f"{bot.base}/slack/events"
        assert await post_signed(http, url, body, SIGNING_SECRET) == (200, "")
        await fake.wait_for_call("users.info")
        bot.send()
        await bot.until(lambda text: "stopping: finishing" in text)
        status, ready = await bot.get(http, "/readyz")
        assert (status, ready) == (503, '{"ready": false, "not_ready": ["shutting down"]}')
        late = await post_signed(http, url, body, SIGNING_SECRET)
        assert late[0] == 503  # new work is refused while draining: Slack sends it again
        code = await bot.wait()
    finally:
        await bot.stop()
    assert code == 1, bot.text
    assert "cut: 1 slack command still running" in bot.text
