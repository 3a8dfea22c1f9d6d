"""What only PostgreSQL needs: its migrations (advisory lock, same numbers), several
processes on one database, start-up errors with the password masked, losing the server."""

from __future__ import annotations

import asyncio
import random
import re
from pathlib import Path

import asyncpg
import pytest

from bot import metrics
from bot.core.models import UserRef
from bot.storage.errors import StoreRefused, StoreUnavailable
from bot.storage.migrate import (
    MigrationFailed,
    SchemaTooNew,
    load_migrations,
    migrations_dir,
    whole_file,
)
from bot.storage.postgres_migrate import apply_pg_migrations, postgres_migrations_dir
from tests.cli.test_cli import pathbot
from tests.db import open_db, raw
from tests.pg import SERVER, with_database
from tests.storage.test_store import make_result, start

VERSIONS = [m.version for m in load_migrations(migrations_dir())]


def test_both_engines_have_the_same_migration_numbers() -> None:
    sqlite = [(m.version, m.name) for m in load_migrations(migrations_dir())]
    postgres = [(m.version, m.name)
                for m in load_migrations(postgres_migrations_dir(), split=whole_file)]
    assert sqlite == postgres


async def test_replicas_starting_at_once_apply_each_migration_once(pg_dsn: str) -> None:
    stores = await asyncio.gather(*(open_db(pg_dsn) for _ in range(3)))
    try:
        applied = sorted(v for s in stores for v in s.applied_migrations)
        assert applied == VERSIONS
        assert await raw(pg_dsn, "SELECT version FROM schema_migrations ORDER BY 1") == [
            (v,) for v in VERSIONS]
    finally:
        for store in stores:
            await store.close()


async def test_newer_database_is_refused(pg_dsn: str) -> None:
    store = await open_db(pg_dsn)
    await store.close()
    await raw(pg_dsn, "INSERT INTO schema_migrations VALUES (99, 'future', 0)")
    with pytest.raises(SchemaTooNew, match="99"):
        await open_db(pg_dsn)


async def test_a_failing_migration_is_rolled_back_entirely(pg_dsn: str, tmp_path: Path) -> None:
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (x INTEGER);")
    (tmp_path / "0002_two.sql").write_text("CREATE TABLE two (x INTEGER); SELECT nope;")
    conn = await asyncpg.connect(pg_dsn)
    try:
        with pytest.raises(MigrationFailed, match=r"0002_two\.sql failed"):
            await apply_pg_migrations(conn, tmp_path)
        assert await conn.fetchval("SELECT max(version) FROM schema_migrations") == 1
        assert await conn.fetchval("SELECT to_regclass('two')") is None
    finally:
        await conn.close()


async def test_back_racing_answers_from_two_processes_never_leaves_a_gap(pg_dsn: str) -> None:
    """Two stores with their own pools, as two replicas: every press of Back and of an
    answer for the same question lands in some order, and the answers stay 0..n-1."""
    one, two = await open_db(pg_dsn), await open_db(pg_dsn)
    rng = random.Random(9)
    try:
        await start(one, "s1")
        for step in range(40):
            session = await one.get_session("s1")
            assert session is not None
            n = session.position
            presses = [rng.choice((one, two)).record_answer("s1", n, rng.randrange(3), step)
                       for _ in range(3)]
            presses += [rng.choice((one, two)).undo_answer("s1", n, step) for _ in range(2)]
            rng.shuffle(presses)
            await asyncio.gather(*presses)
            stored = await raw(pg_dsn, "SELECT question FROM answers ORDER BY 1")
            assert [q for (q,) in stored] == list(range(len(stored))), step
    finally:
        await one.close()
        await two.close()


async def test_double_presses_from_two_processes_store_one_answer_each(pg_dsn: str) -> None:
    one, two = await open_db(pg_dsn), await open_db(pg_dsn)
    try:
        for sid in ("a", "b", "c"):
            await start(one, sid)
        for question in range(4):
            calls = [store.record_answer(sid, question, question % 3, 1.0)
                     for sid in ("a", "b", "c") for store in (one, two, one, two)]
            wrote = await asyncio.gather(*calls)
            assert wrote.count(True) == 3
        finished = [store.record_answer("a", 4, 0, 2.0, make_result("a")) for store in (one, two)]
        assert sorted(await asyncio.gather(*finished)) == [False, True]
        assert await raw(pg_dsn, "SELECT session_id, count(*) FROM answers GROUP BY 1 "
                                 "ORDER BY 1") == [("a", 5), ("b", 4), ("c", 4)]
        assert await raw(pg_dsn, "SELECT count(*) FROM results") == [(1,)]
    finally:
        await one.close()
        await two.close()


async def test_the_store_recovers_when_its_connections_are_killed(pg_dsn: str) -> None:
    store = await open_db(pg_dsn)
    try:
        await start(store, "s1")
        assert await store.record_answer("s1", 0, 1, 1.0)
        await raw(pg_dsn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        outcomes: list[bool] = []
        for _ in range(3):  # a call may meet a dead connection once; then the pool reconnects
            try:
                outcomes.append(await store.record_answer("s1", 1, 2, 2.0))
                break
            except Exception:  # what asyncpg raises depends on when it saw the socket close
                outcomes.append(False)
                await asyncio.sleep(0.1)
        assert outcomes[-1] is True
        session = await store.get_session("s1")
        assert session is not None and session.answers == (1, 2)
    finally:
        await store.close()


# -- start-up errors ---------------------------------------------------------------------------


def server_dsn(database: str, user: str = "postgres", password: str = "") -> str:
    dsn = with_database(SERVER, database)
    login = f"{user}:{password}" if password else user
    scheme, rest = dsn.split("://", 1)
    return f"{scheme}://{login}@{rest.rsplit('@', 1)[-1]}"


async def test_refused_and_unreachable_servers_raise_one_clear_error(pg_database: str) -> None:
    with pytest.raises(StoreRefused, match="database does not exist") as missing:
        await open_db(server_dsn("no_such_db_pathbot", password="hunter2-secret"))
    assert "hunter2-secret" not in str(missing.value) and "***" in str(missing.value)
    with pytest.raises(StoreRefused, match="refused the login"):
        await open_db(server_dsn("test", user="no_such_role_pathbot"))
    with pytest.raises(StoreUnavailable, match="does not answer"):
        await open_db("postgresql://postgres:hunter2-secret@127.0.0.1:1/test")


def test_cli_exit_codes_and_masked_password(tmp_path: Path, pg_database: str) -> None:
    missing = pathbot(["db", "migrate"], tmp_path,
                      PATHBOT_DB=server_dsn("no_such_db_pathbot", password="hunter2-secret"))
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "database does not exist" in missing.stderr
    down = pathbot(["db", "migrate"], tmp_path,
                   PATHBOT_DB="postgresql://postgres:hunter2-secret@127.0.0.1:1/test")
    assert down.returncode == 1 and "does not answer" in down.stderr
    for done in (missing, down):
        assert "hunter2-secret" not in done.stdout + done.stderr
    run = pathbot(["run"], tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s3cr3t",
                  PATHBOT_HTTP_PORT="0", PATHBOT_DB=server_dsn("test", "no_such_role_pathbot",
                                                               "hunter2-secret"))
    assert run.returncode == 2 and "refused the login" in run.stderr, run.stderr
    assert "hunter2-secret" not in run.stdout + run.stderr
    ok = pathbot(["db", "migrate"], tmp_path, PATHBOT_DB=pg_database)
    assert ok.returncode == 0, ok.stderr
    assert f"applied now: {', '.join(f'{v:04d}' for v in VERSIONS)}" in ok.stdout


async def test_a_burst_of_writes_is_one_statement_and_a_bad_job_fails_alone(
    pg_dsn: str,
) -> None:
    """The group commit sends a batch as one statement (pathbot_write per job, in order);
    if one job fails, the statement is rolled back whole and the jobs run again one by
    one: the bad one fails alone, with nothing of it written, the others commit."""
    store = await open_db(pg_dsn)
    users = {sid: UserRef("discord", "g1", f"user-{sid}") for sid in "abc"}
    try:
        for sid, user in users.items():
            await start(store, sid, user)
        batches = _batch_histogram()
        wrote = await asyncio.gather(*[store.record_answer(sid, 0, 1, 2.0) for sid in "abc"])
        assert wrote == [True, True, True]
        count, total = _batch_histogram()
        assert (count - batches[0], total - batches[1]) == (1, 3)  # one round, three jobs
        unknown_card = make_result("c", users["c"], card="no-such-card")
        outcome = await asyncio.gather(
            store.record_answer("a", 1, 2, 3.0),
            store.record_answer("c", 1, 0, 3.0, unknown_card),  # the result's card: FK
            store.undo_answer("a", 2, 4.0),  # sees the answer two jobs before it
            store.record_answer("b", 1, 0, 3.0),
            return_exceptions=True)
        assert outcome[0] is True and outcome[2] is True and outcome[3] is True
        assert isinstance(outcome[1], asyncpg.ForeignKeyViolationError)
        assert await raw(pg_dsn, "SELECT session_id, count(*) FROM answers GROUP BY 1 "
                                 "ORDER BY 1") == [("a", 1), ("b", 2), ("c", 1)]
        assert await raw(pg_dsn, "SELECT status FROM sessions WHERE id = 'c'") == [("active",)]
        assert await raw(pg_dsn, "SELECT count(*) FROM results") == [(0,)]
    finally:
        await store.close()


def _batch_histogram() -> tuple[float, float]:
    """(batches, jobs) committed by group commits in this process so far."""
    found = {sample.name: sample.value for metric in metrics.REGISTRY.collect()
             if metric.name == "pathbot_store_batch_size" for sample in metric.samples}
    return found["pathbot_store_batch_size_count"], found["pathbot_store_batch_size_sum"]


SESSION_STATE = re.compile(
    r"pg_(try_)?advisory_lock(_shared)?\s*\(|\bLISTEN\s+\w+\s*;|[\"']\s*LISTEN\s|add_listener|"
    r"WITH HOLD|set_config\s*\(|[\"']\s*SET\s+(?!LOCAL\b)", re.IGNORECASE)


def test_pooled_connections_need_no_reset() -> None:
    """postgres_connect.PoolConnection hands connections back without asyncpg's reset query
    (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL). That holds only while no code leaves
    session state on a connection: session-level advisory locks, LISTEN, held cursors or
    session settings. Transaction-scoped ones (pg_advisory_xact_lock, SET LOCAL) are fine."""
    repo = Path(__file__).resolve().parents[2]
    sources = [*(repo / "bot").rglob("*.py"), *(repo / "migrations" / "postgres").glob("*.sql")]
    found = [f"{path.relative_to(repo)}: {match.group(0)!r}" for path in sources
             for match in SESSION_STATE.finditer(path.read_text())]
    assert found == []
