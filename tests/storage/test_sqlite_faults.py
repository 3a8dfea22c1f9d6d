"""The database as an unlucky operator finds it: damaged, read-only, on a full disk, or
locked by another program. Start-up says so in one line (exit 3); a held lock delays
presses, never fails them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import actions
from bot.core.models import Content, Place, UserRef
from bot.core.ports import StoreBusy
from bot.core.service import Service
from bot.storage.errors import StoreUnusable
from bot.storage.sqlite import SqliteStore
from tests.conftest import REPO

pytestmark = pytest.mark.sqlite_only("a damaged, read-only, full or locked SQLite file")

NO_TOKENS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")


def pathbot(args: list[str], db: Path, *, file_limit: int | None = None,
            stdin: str = "") -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in NO_TOKENS}
    environ["PATHBOT_DB"] = str(db)

    def limit_files() -> None:  # in the child: files may not grow past `file_limit` bytes
        if file_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=REPO, env=environ, timeout=60,
                          preexec_fn=limit_files)


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """chattr +i: read-only even for root (these tests may run as root, which ignores
    permission bits). Skips where the filesystem or the user cannot do that."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def one_line_exit_3(done: subprocess.CompletedProcess[str], db: Path, todo: str) -> None:
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(db) in lines[0] and todo in lines[0], lines


async def test_a_damaged_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "pathbot.sqlite3"
    db.write_bytes(b"this is not a database, just some bytes\n" * 200)
    with pytest.raises(StoreUnusable, match="restore it from a backup"):
        await SqliteStore.open(db)
    for command in (["db", "migrate"], ["console"]):
        one_line_exit_3(pathbot(command, db, stdin="/quit\n"), db, "restore it from a backup")


async def test_a_read_only_database_fails_at_start_not_on_every_press(tmp_path: Path) -> None:
    db = tmp_path / "pathbot.sqlite3"
    store = await SqliteStore.open(db)
    await store.close()
    with immutable(db):
        with pytest.raises(StoreUnusable, match="cannot write it"):
            await SqliteStore.open(db)
        one_line_exit_3(pathbot(["db", "migrate"], db), db, "cannot write it")
        one_line_exit_3(pathbot(["console"], db, stdin="/quiz\n"), db, "cannot write it")


def test_a_read_only_folder_is_named_with_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "pathbot.sqlite3"
    with immutable(folder):
        one_line_exit_3(pathbot(["db", "migrate"], db), db, "cannot write it")
        nested = folder / "more" / "pathbot.sqlite3"
        one_line_exit_3(pathbot(["db", "migrate"], nested), nested, "cannot write it")


def test_a_full_disk_at_start_up_is_named_with_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "pathbot.sqlite3"
    done = pathbot(["db", "migrate"], db, file_limit=8192)
    one_line_exit_3(done, db, "free space")
    assert pathbot(["db", "migrate"], db).returncode == 0  # space again: it starts


PLACE = Place("discord", "guild1", "chan1")
HOLD = 6.0  # seconds: longer than one busy_timeout (5 s), so the store must try again


@contextlib.contextmanager
def write_lock_held(db: Path) -> Iterator[None]:
    """Another program, same file, holds the write lock until the block ends."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_a_held_write_lock_delays_presses_and_loses_none(
    tmp_path: Path, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "pathbot.sqlite3"
    store = await SqliteStore.open(db)
    try:
        service = Service(content, store)
        card_id, _ = await service.open_quiz(PLACE)
        start = actions.build("start", card_id)
        with write_lock_held(db):
            presses = [asyncio.create_task(
                service.press(UserRef("discord", "guild1", f"u{i}"), start, PLACE))
                for i in range(20)]
            await asyncio.sleep(HOLD)
            assert not any(p.done() for p in presses)  # waiting, not failed
        replies = await asyncio.gather(*presses)
        assert all(r.card.title.endswith(f"1/{len(content.questions)}") for r in replies)
        for i in range(20):
            user = UserRef("discord", "guild1", f"u{i}")
            assert await store.find_active_session(user, card_id) is not None
        waits = [r for r in caplog.records if "holds the write lock" in r.getMessage()]
        assert 1 <= len(waits) <= 3  # one line per waiting transaction, not per press
    finally:
        await store.close()


async def test_a_lock_held_past_the_wait_gives_one_busy_answer(
    tmp_path: Path, content: Content
) -> None:
    db = tmp_path / "pathbot.sqlite3"
    store = await SqliteStore.open(db)
    try:
        service = Service(content, store)
        card_id, _ = await service.open_quiz(PLACE)
        store.lock_wait = 0.0  # give up after the first try (busy_timeout)
        start = actions.build("start", card_id)
        with write_lock_held(db), pytest.raises(StoreBusy, match="try again in a minute"):
            await service.press(UserRef("discord", "guild1", "u1"), start, PLACE)
        reply = await service.press(UserRef("discord", "guild1", "u1"), start, PLACE)
        assert reply.card.title.endswith(f"1/{len(content.questions)}")
    finally:
        await store.close()
