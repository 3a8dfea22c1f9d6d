"""`pathbot db backup FILE` while a real `pathbot run` takes a burst of Slack presses: the
copy opens, passes `pathbot db migrate`, and holds every result committed before it began."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_fake import FakeSlack
from tests.ops.burst import AT_ONCE, Burst, take_quiz
from tests.ops.slack_user import SlackUser
from tests.process import Pathbot, base_env, slack_env

pytestmark = pytest.mark.sqlite_only("`pathbot db backup` copies a SQLite file (PostgreSQL: "
                                     "pg_dump, which the second test checks it says)")


async def pathbot(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_backup_during_a_burst_holds_every_committed_result(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    env = slack_env(fake, str(tmp_path / "pathbot.sqlite3"))
    copy = tmp_path / "backups" / "pathbot-copy.sqlite3"
    copy.parent.mkdir()
    bot = await Pathbot.start(env, tmp_path)
    try:
        card = await SlackUser(fake, http, bot.base).open_quiz()
        burst = Burst(limit=5000)  # presses until the backup is done (bounded all the same)

        async def person(index: int) -> None:
            for round_ in range(500):
                if burst.stopped or burst.sent >= burst.limit:
                    return
                user = SlackUser(fake, http, bot.base, f"U0P{index:02d}R{round_:03d}")
                await take_quiz(user, card, burst)

        async def backup_midway() -> tuple[float, float, tuple[int, str]]:
            while len(burst.finished) < 3:
                await asyncio.sleep(0.005)
            began = time.monotonic()
            done = await pathbot(env, tmp_path, "db", "backup", str(copy))
            burst.stopped = True
            return began, time.monotonic(), done

        people = asyncio.gather(*(person(i) for i in range(AT_ONCE)))
        began, ended, (code, out) = await asyncio.wait_for(backup_midway(), 60)
        await asyncio.wait_for(people, 60)
    finally:
        assert await bot.stop() == 0, bot.text
    assert code == 0, out
    assert f"copied to {copy}" in out and "results " in out
    assert any(began < when < ended for when, _ in burst.finished)  # quizzes finished meanwhile
    committed = {session for when, session in burst.finished if when < began}
    assert len(committed) >= 3
    with sqlite3.connect(copy) as conn:
        stored = {row[0] for row in conn.execute("SELECT session_id FROM results")}
    assert committed <= stored
    migrated = await pathbot(base_env(str(copy)), tmp_path, "db",
                             "migrate")
    assert migrated[0] == 0 and "up to date" in migrated[1], migrated


async def test_backup_refuses_what_it_cannot_do_and_writes_nothing(tmp_path: Path) -> None:
    env = base_env(str(tmp_path / "pathbot.sqlite3"))
    code, out = await pathbot(env, tmp_path, "db", "backup", str(tmp_path / "copy.sqlite3"))
    assert code == 2 and "there is no database at" in out
    assert (await pathbot(env, tmp_path, "db", "migrate"))[0] == 0  # now there is one
    taken = tmp_path / "taken.sqlite3"
    taken.write_text("keep me")
    code, out = await pathbot(env, tmp_path, "db", "backup", str(taken))
    assert code == 2 and "already exists" in out and taken.read_text() == "keep me"
    code, out = await pathbot(base_env(str(taken)), tmp_path, "db",
                              "backup", str(tmp_path / "copy.sqlite3"))
    assert code == 1 and "SQLite could not copy" in out  # not a database: nothing written
    assert not (tmp_path / "copy.sqlite3").exists()
    assert not list(tmp_path.glob(".copy.sqlite3*"))
    pg = base_env("postgresql://pathbot:hunter2hunter@db/pathbot")
    code, out = await pathbot(pg, tmp_path, "db", "backup", str(tmp_path / "pg.dump"))
    assert code == 2 and "pg_dump" in out and "hunter2hunter" not in out
    assert not (tmp_path / "pg.dump").exists()
