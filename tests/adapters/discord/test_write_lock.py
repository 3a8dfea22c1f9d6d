"""Another program holds the SQLite write lock while someone answers on Discord (issue 8,
item 6): the press is deferred within Discord's 3 s, waits, and is stored and shown once
the lock frees; no apology, no "database is locked"."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.adapters.discord.conftest import Harness, buttons, title
from tests.fakes.discord_fake import FakeDiscord

HOLD = 6.0  # seconds: longer than one busy_timeout (5 s), so the store must try again

pytestmark = pytest.mark.sqlite_only("SQLite's write lock, held by another program on the file")


async def test_an_answer_waits_for_the_lock_deferred_then_stored(
    bot: Harness, fake: FakeDiscord
) -> None:
    quiz = await bot.post_quiz()
    private, question = await bot.start_quiz(quiz)
    other = sqlite3.connect(bot.db, isolation_level=None, check_same_thread=False)
    try:
        await asyncio.to_thread(other.execute, "BEGIN IMMEDIATE")  # off the bot's loop
        pressed = await bot.press(buttons(question)[0], private)
        assert (await fake.callback_for(pressed, timeout=3))["type"] == 6  # deferred in time
        await asyncio.sleep(HOLD)
        assert await bot.count("answers") == 0  # still waiting, not failed
    finally:
        other.execute("ROLLBACK")
        other.close()
    shown = await bot.reply(pressed, timeout=10)
    assert title(shown).endswith(f"2/{len(bot.content.questions)}")
    assert await bot.count("answers") == 1
