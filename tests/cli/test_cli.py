"""The `pathbot` command as a user runs it: a subprocess, piped stdin, a real database
(`db_url`: a SQLite file, or a PostgreSQL schema in the PostgreSQL pass)."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import REPO, THREE_ROLES
from tests.db import raw

NO_TOKENS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")


def pathbot(
    args: list[str], tmp_path: Path, stdin: str = "", db: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """`pathbot ARGS` in tmp_path on the database `db` (PATHBOT_DB: the `db_url` fixture, or
    for a command that opens none, a SQLite file in tmp_path)."""
    environ = {k: v for k, v in os.environ.items() if k not in NO_TOKENS}
    environ.update({"PATHBOT_DB": db or str(tmp_path / "db.sqlite3"), **env})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=tmp_path, env=environ, timeout=60)


def full_quiz_script(picks: str = "1") -> str:
    return "\n".join(["/quiz", "1", *[picks] * 10]) + "\n"


async def count(db: str, table: str) -> int:
    return int((await raw(db, f"SELECT count(*) FROM {table}"))[0][0])


async def test_console_journey_with_piped_input(tmp_path: Path, db_url: str) -> None:
    script = ("/compare\n/compare math_depth\n/role ml\n" + full_quiz_script() +
              "/results\n/path\n/path ai\n/forget\n1\n/results\n")
    done = pathbot(["console"], tmp_path, script, db=db_url)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Math depth" in out and "📊 ML Engineer: Model first" in out
    assert "Which path fits you? · 10/10" in out
    assert "Your result:" in out and "Share to channel" in out
    assert "2026" in out or "UTC" in out  # /results lists the dated result
    assert out.count("(sent to you by direct message)") == 2
    assert "Learning path: AI Engineer" in out
    assert "Everything pathbot stored about you is gone" in out
    assert out.rstrip().endswith("No results yet. Take the quiz with /quiz.")
    assert await count(db_url, "results") == await count(db_url, "sessions") == 0


async def test_console_stores_each_answer_as_it_is_given(tmp_path: Path, db_url: str) -> None:
    first = pathbot(["console"], tmp_path, "/quiz\n1\n1\n1\n", db=db_url)
    assert first.returncode == 0 and "3/10" in first.stdout
    second = pathbot(["console"], tmp_path, "/results\n", db=db_url)
    assert "No results yet" in second.stdout
    assert await count(db_url, "answers") == 2


def test_console_reports_bad_input_and_goes_on(tmp_path: Path, db_url: str) -> None:
    done = pathbot(["console"], tmp_path, "/role astronaut\n7\n/nope\n/quit\n/compare\n",
                   db=db_url)
    assert done.returncode == 0
    assert "There is no role called 'astronaut'" in done.stdout
    assert "nothing to choose" in done.stdout
    assert "Unknown command '/nope'" in done.stdout
    assert "Side" not in done.stdout and "Starting point" not in done.stdout  # quit stopped it


async def test_console_numbers_refer_to_the_last_card_only(tmp_path: Path, db_url: str) -> None:
    # Cancel, then /results and /compare (no buttons): "1" must not press the old
    # "Yes, delete my data".
    done = pathbot(["console"], tmp_path, full_quiz_script() + "/forget\n2\n/results\n"
                   "/compare\n1\n/results\n", db=db_url)
    assert done.returncode == 0, done.stderr
    assert "nothing to choose" in done.stdout
    assert "Everything pathbot stored about you is gone" not in done.stdout
    assert await count(db_url, "results") == 1


def test_content_check_ok_and_broken(tmp_path: Path) -> None:
    ok = pathbot(["content", "check"], tmp_path)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: 2 roles")
    three = pathbot(["content", "check", str(THREE_ROLES)], tmp_path)
    assert three.returncode == 0 and "3 roles" in three.stdout
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "roles.yaml").write_text("roles:\n  - id: x\n    nme: X\n", encoding="utf-8")
    bad = pathbot(["content", "check", str(broken)], tmp_path)
    assert bad.returncode == 1
    assert "roles.yaml:3: roles[0].nme: unknown key" in bad.stdout


def test_console_refuses_to_start_on_invalid_content(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "meta.yaml").write_text("title: [oops\n", encoding="utf-8")
    done = pathbot(["console"], tmp_path, "/compare\n", PATHBOT_CONTENT=str(broken))
    assert done.returncode == 1
    assert "content is invalid" in done.stderr and "meta.yaml:" in done.stderr


def test_run_on_a_port_in_use_says_so(tmp_path: Path, db_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = pathbot(["run"], tmp_path, db=db_url, SLACK_BOT_TOKEN="xoxb-not-used",
                       SLACK_SIGNING_SECRET="not-used", SLACK_API_URL="http://127.0.0.1:9/",
                       PATHBOT_HTTP_HOST="127.0.0.1", PATHBOT_HTTP_PORT=str(port))
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_with_discord_unreachable_exits_1_with_a_next_step(
    tmp_path: Path, db_url: str
) -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        done = pathbot(["run"], tmp_path, db=db_url, DISCORD_TOKEN="not-used",
                       DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
                       PATHBOT_HTTP_PORT="0")
    assert done.returncode == 1, done.stderr
    assert "could not connect to Discord" in done.stderr
    assert "Check the network" in done.stderr and "Traceback" not in done.stderr


async def test_db_migrate_and_run_without_credentials(tmp_path: Path, db_url: str) -> None:
    migrated = pathbot(["db", "migrate"], tmp_path, db=db_url)
    assert migrated.returncode == 0 and "up to date" in migrated.stdout
    versions = [v for (v,) in await raw(db_url, "SELECT version FROM schema_migrations")]
    assert versions == sorted(versions) and versions[0] == 1
    run = pathbot(["run"], tmp_path, db=db_url)
    assert run.returncode == 2
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN"):
        assert name in run.stderr


@pytest.mark.sqlite_only("without PATHBOT_DB, pathbot makes a SQLite file in data/")
def test_default_database_is_under_the_working_directory(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in (*NO_TOKENS, "PATHBOT_DB")}
    done = subprocess.run([sys.executable, "-m", "bot", "db", "migrate"], text=True,
                          capture_output=True, cwd=tmp_path, env=environ, timeout=60)
    assert done.returncode == 0
    assert (tmp_path / "data" / "pathbot.sqlite3").is_file()
    assert REPO not in tmp_path.parents


async def test_console_walks_the_path_and_prints_due_reminders(
    tmp_path: Path, db_url: str
) -> None:
    """Done and Remind me in the console; a reminder due (PATHBOT_NUDGE_EVERY=1s) is printed
    before the next prompt, once, and its next due time is stored (a restart cannot
    repeat it)."""
    environ = {k: v for k, v in os.environ.items() if k not in NO_TOKENS}
    environ.update({"PATHBOT_DB": db_url, "PATHBOT_NUDGE_EVERY": "1s"})
    console = subprocess.Popen([sys.executable, "-m", "bot", "console"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=tmp_path, env=environ)
    assert console.stdin is not None
    for line in ("/path ai", "1", "6"):  # the path by "DM", Done 1, Remind me
        console.stdin.write(line + "\n")
        console.stdin.flush()
    deadline = time.monotonic() + 30  # bounded wait for Remind me to be stored
    while not (stored := await _due_times(db_url)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # the reminder is due 1 s after Remind me
    out, err = await asyncio.to_thread(console.communicate, "/help\n", timeout=60)
    assert console.returncode == 0, err
    assert "Stage 2 of 5" in out and "[6] Stop reminders" in out
    assert out.count("(a reminder, sent to you by direct message)") == 1
    assert "Your AI Engineer path: Stage 2 of 5" in out

    # Sending moved the stored due time a whole interval on: a restart cannot resend it.
    (first_due,) = stored
    (now_due,) = await _due_times(db_url)
    assert now_due >= first_due + 1.0


async def _due_times(db: str) -> list[float]:
    try:
        return [float(due) for (due,) in await raw(db, "SELECT due_at FROM nudges")]
    except (sqlite3.OperationalError, asyncpg.UndefinedTableError):  # no tables yet
        return []


async def test_two_consoles_on_one_database_send_a_due_reminder_once(
    tmp_path: Path, db_url: str
) -> None:
    """Two processes, one database: the reminder due is claimed (and printed) by one."""
    environ = {k: v for k, v in os.environ.items() if k not in NO_TOKENS}
    environ["PATHBOT_DB"] = db_url
    first = pathbot(["console"], tmp_path, "/path ai\n6\n", db=db_url,
                    PATHBOT_NUDGE_EVERY="1h")
    assert "[6] Stop reminders" in first.stdout, first.stderr
    await raw(db_url, "UPDATE nudges SET due_at = ?", time.time() - 1)  # due now, next in 1 h
    consoles = [subprocess.Popen([sys.executable, "-m", "bot", "console"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=environ)
                for _ in range(2)]
    outs = [(await asyncio.to_thread(c.communicate, "/help\n", timeout=60))[0]
            for c in consoles]
    assert all(c.returncode == 0 for c in consoles)
    assert sum(out.count("(a reminder, sent to you by direct message)") for out in outs) == 1
