"""PostgreSQL going away under a running Slack adapter (HTTP mode, fake Slack): the press in
flight gets the apology, nothing is half written, and the next press works without a
restart, on the same store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import asyncpg

from bot.core.errors import APOLOGY
from tests.adapters.slack.harness import SlackHarness, button, make_config, text_of
from tests.fakes.slack_fake import FakeSlack
from tests.pg import SERVER


async def wait_for_lock_wait(conn: asyncpg.Connection) -> None:
    """Until another backend of this database waits on a lock (the press, blocked)."""
    for _ in range(200):
        if await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the press never reached the database")


async def server(sql: str) -> None:
    """Run `sql` from the server's default database (a database cannot lock itself out)."""
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_a_press_in_flight_gets_the_apology_then_pathbot_goes_on(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, pg_dsn: str
) -> None:
    bot = await SlackHarness.start(fake, make_config(tmp_path, fake, pg_dsn), http)
    admin = await asyncpg.connect(pg_dsn)
    try:
        question = await bot.answer(await bot.start_quiz(), 0)  # on question 2 of 10
        answers = await admin.fetchval("SELECT count(*) FROM answers")

        blocker = admin.transaction()
        await blocker.start()  # hold the session row: the next answer waits on it
        await admin.execute("SELECT 1 FROM sessions FOR UPDATE")
        url = await bot.send_press(button(question, "pb:ans:", 1))
        await wait_for_lock_wait(admin)
        # The server goes away for pathbot: its connections are killed, new ones refused
        # (the store's retry of the batch, job by job, fails too).
        database = await admin.fetchval("SELECT current_database()")
        await server(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()")
        apology = await fake.wait_for_response_url(url)
        assert APOLOGY in text_of(apology.payload)
        await blocker.rollback()
        assert await admin.fetchval("SELECT count(*) FROM answers") == answers
        await server(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')

        await asyncio.sleep(0.1)  # the pool notices its closed sockets
        again = await bot.answer(question, 1)  # the same button, pressed again
        assert "3/10" in text_of(again)
        assert await admin.fetchval("SELECT count(*) FROM answers") == answers + 1
    finally:
        await admin.close()
        await bot.stop()
