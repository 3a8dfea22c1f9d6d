"""Pruning: unfinished quiz sessions untouched for PATHBOT_SESSION_TTL_DAYS are deleted
(in short transactions, by the store), by `pathbot run` at start-up and hourly; their
buttons then say the quiz expired. Finished results are never pruned."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
import pytest

from bot.core import actions
from bot.core.models import Content, Place, UserRef
from bot.core.ports import Store
from bot.core.service import Service
from bot.storage.sqlite import SqliteStore
from bot.upkeep import DAY, prune_stale_sessions
from tests.adapters.slack.harness import CHANNEL
from tests.db import open_db, raw
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import DEFAULT_TEAM_ID
from tests.ops.slack_user import SlackUser
from tests.process import Pathbot, slack_env

NOW = time.time()
OLD = NOW - 40 * DAY
PLACE = Place("slack", DEFAULT_TEAM_ID, CHANNEL)


def person(user_id: str) -> UserRef:
    return UserRef("slack", DEFAULT_TEAM_ID, user_id)


async def session_at(content: Content, store: Store, user: UserRef, when: float,
                     answers: int) -> str:
    """A session started and answered `answers` times at `when`; its id."""
    service = Service(content, store, clock=lambda: when)
    card_id, _ = await service.open_quiz(PLACE)
    await service.press(user, actions.build("start", card_id), PLACE)
    session = await store.find_active_session(user, card_id)
    assert session is not None
    for question in range(answers):
        await service.press(user, actions.build("ans", session.id, question, 0), PLACE)
    return session.id


async def ids(db: str, table: str, column: str) -> set[str]:
    return {str(row[0]) for row in await raw(db, f"SELECT DISTINCT {column} FROM {table}")}


async def test_store_prunes_stale_unfinished_sessions(
    content: Content, store: Store, db_url: str
) -> None:
    questions = len(content.questions)
    stale = [await session_at(content, store, person(f"U0OLD{i}"), OLD, 2) for i in range(5)]
    finished = await session_at(content, store, person("U0DONE"), OLD, questions)
    fresh = await session_at(content, store, person("U0NEW"), NOW - 29 * DAY, 1)
    assert await prune_stale_sessions(store, 30, NOW) == 5
    assert await prune_stale_sessions(store, 30, NOW) == 0
    assert await ids(db_url, "sessions", "id") == {finished, fresh}
    answered = await ids(db_url, "answers", "session_id")
    assert answered == {finished, fresh}  # answers went with them
    assert await ids(db_url, "results", "session_id") == {finished}
    assert not set(stale) & answered


@pytest.mark.sqlite_only("SqliteStore prunes in rowid windows, one transaction each")
async def test_sqlite_prunes_in_windows_of_rows(content: Content, tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "pathbot.sqlite3")
    try:
        for i in range(5):
            await session_at(content, store, person(f"U0OLD{i}"), OLD, 2)
        await session_at(content, store, person("U0DONE"), OLD, len(content.questions))
        await session_at(content, store, person("U0NEW"), NOW - 29 * DAY, 1)
        store.prune_window = 2  # seven sessions: four transactions of two rows
        commits = store.commits
        assert await prune_stale_sessions(store, 30, NOW) == 5
        assert store.commits == commits + 4
    finally:
        await store.close()


async def test_pathbot_run_prunes_and_the_old_buttons_say_the_quiz_expired(
    fake: FakeSlack, http: aiohttp.ClientSession, content: Content, tmp_path: Path,
    db_url: str,
) -> None:
    store = await open_db(db_url)
    alice = SlackUser(fake, http, "", "U0ALICE1")
    try:
        stale = await session_at(content, store, person(alice.user), OLD, 1)
        finished = await session_at(content, store, person("U0DONE"), OLD,
                                    len(content.questions))
        fresh = await session_at(content, store, person("U0NEW"), NOW, 1)
    finally:
        await store.close()
    env = slack_env(fake, db_url, PATHBOT_SESSION_TTL_DAYS="30", PATHBOT_METRICS="0")
    bot = await Pathbot.start(env, tmp_path)
    try:
        await bot.until(lambda text: "pruned 1 unfinished quiz sessions" in text)
        assert (await bot.get(http, "/metrics"))[0] == 404  # PATHBOT_METRICS=0: none
        assert (await bot.get(http, "/readyz"))[0] == 200
        alice.url = f"{bot.base}/slack/events"
        answer = await alice.press(actions.build("ans", stale, 1, 0))
    finally:
        assert await bot.stop() == 0, bot.text
    assert "That quiz no longer exists: it expired" in str(answer)
    assert "Press Start on the quiz card" in str(answer)
    assert await ids(db_url, "sessions", "id") == {finished, fresh}
    assert finished in await ids(db_url, "results", "session_id")
