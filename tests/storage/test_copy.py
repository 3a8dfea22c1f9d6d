"""`pathbot db copy SRC DST` as a user runs it (a subprocess): SQLite -> PostgreSQL ->
SQLite, with /results, /stats, the tally and old quiz buttons behaving as before."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from bot.core import actions
from bot.core.cards import Card
from bot.core.models import Content, Place, UserRef
from bot.core.ports import Store
from bot.core.service import Service
from bot.storage.copy import TABLES as COPIED
from tests.cli.test_cli import pathbot
from tests.core.test_service import finish, start
from tests.db import open_db, raw

PLACE = Place("discord", "guild1", "chan1")
ALICE = UserRef("discord", "", "alice")
BOB = UserRef("discord", "", "bob")
TABLES = tuple(name for name, _ in COPIED)


@contextlib.asynccontextmanager
async def serving(url: str, content: Content) -> AsyncIterator[tuple[Store, Service]]:
    """The store pathbot would open for `url` and a service on it; closed afterwards."""
    store = await open_db(url)
    try:
        yield store, Service(content, store)
    finally:
        await store.close()


async def fill(url: str, content: Content) -> tuple[str, Card]:
    """Alice finished and shared a quiz, Bob is half way through one; Alice's DMs are
    closed. Bob's session id and his current question card (its buttons are "old")."""
    async with serving(url, content) as (store, service):
        result = await finish(service, ALICE)
        await service.press(ALICE, next(b.action_id for b in result.all_buttons()
                                        if "Share" in b.label), PLACE)
        await finish(service, UserRef("discord", "", "carol"), pick=1)
        card = await start(service, BOB)
        for _ in range(3):
            card = (await service.press(BOB, card.buttons[0][0].action_id, PLACE)).card
        await store.set_dms_closed(ALICE, 50.0)
        return actions.parse(card.buttons[0][0].action_id).ref, card


async def view(url: str, content: Content, bob_session: str) -> dict[str, object]:
    """What users see, through the service."""
    async with serving(url, content) as (store, service):
        card_id = (await store.list_results(ALICE))[0].card_id
        return {
            "results": await service.results(ALICE),
            "stats": await service.stats(PLACE, True),
            "tally": await store.card_tally(card_id),
            "card": await store.get_quiz_card(card_id),
            "bob": await store.get_session(bob_session),
            "dms_closed": await store.dms_closed(ALICE),
            "rows": {t: (await raw(url, f"SELECT count(*) FROM {t}"))[0][0] for t in TABLES},
        }


async def test_copy_both_ways_keeps_everything(
    tmp_path: Path, pg_dsn: str, content: Content
) -> None:
    first = str(tmp_path / "first.sqlite3")
    bob_session, bob_card = await fill(first, content)
    before = await view(first, content, bob_session)

    to_pg = pathbot(["db", "copy", first, pg_dsn], tmp_path)
    assert to_pg.returncode == 0, to_pg.stderr
    assert "answers" in to_pg.stdout and "ok: copied" in to_pg.stdout
    assert await view(pg_dsn, content, bob_session) == before

    back = f"sqlite://{tmp_path / 'back.sqlite3'}"
    to_sqlite = pathbot(["db", "copy", pg_dsn, back], tmp_path)
    assert to_sqlite.returncode == 0, to_sqlite.stderr
    assert await view(str(tmp_path / "back.sqlite3"), content, bob_session) == before
    assert await raw(str(tmp_path / "back.sqlite3"), "SELECT max(version) FROM "
                     "schema_migrations") == await raw(first, "SELECT max(version) FROM "
                                                              "schema_migrations")

    # Bob's old buttons go on working on the copy
    async with serving(pg_dsn, content) as (store, service):
        await service.press(BOB, bob_card.buttons[0][1].action_id, PLACE)
        session = await store.get_session(bob_session)
        assert session is not None and session.answers == (0, 0, 0, 1)
        await finish(service, BOB)  # a new result gets a new id after the copied ones


async def test_copy_into_a_database_with_data_is_refused(
    tmp_path: Path, pg_dsn: str, content: Content
) -> None:
    src = str(tmp_path / "src.sqlite3")
    await fill(src, content)
    assert pathbot(["db", "copy", src, pg_dsn], tmp_path).returncode == 0
    rows = await raw(pg_dsn, "SELECT count(*) FROM answers")
    again = pathbot(["db", "copy", src, pg_dsn], tmp_path)
    assert again.returncode == 1
    assert "is not empty" in again.stderr and "nothing was written" in again.stderr
    assert await raw(pg_dsn, "SELECT count(*) FROM answers") == rows
    missing = pathbot(["db", "copy", str(tmp_path / "nope.sqlite3"), pg_dsn], tmp_path)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert not (tmp_path / "nope.sqlite3").exists()


async def test_every_table_is_copied(db_url: str, engine: str) -> None:
    await (await open_db(db_url)).close()
    tables = ("SELECT name FROM sqlite_master WHERE type = 'table'" if engine == "sqlite" else
              "SELECT table_name FROM information_schema.tables"
              " WHERE table_schema = current_schema()")
    found = {n for (n,) in await raw(db_url, tables)} - {"schema_migrations"}
    assert sorted(found) == sorted(TABLES)
