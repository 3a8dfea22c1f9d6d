"""Group commit and shared reads of SqliteStore, on real SQLite files: no mocks.

Transactions are counted twice: by the store (`commits`) and by SQLite itself, through a
trace callback on the store's connection that sees every BEGIN, COMMIT and ROLLBACK.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine
from itertools import groupby
from pathlib import Path
from typing import Any, cast

import aiosqlite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import UserRef
from bot.core.records import QuizSession
from bot.storage.batch import Job, commit_jobs, run_jobs
from bot.storage.migrate import apply_migrations, migrations_dir
from bot.storage.sqlite import SqliteStore
from tests.storage.test_sqlite_store import raw_rows
from tests.storage.test_store import make_result, start

pytestmark = pytest.mark.sqlite_only("SqliteStore's group commit, traced through SQLite")


class Trace:
    """The statements SQLite runs on the store's connection (called on aiosqlite's thread)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.on_statement: Callable[[str], None] = lambda sql: None

    def __call__(self, sql: str) -> None:
        self.statements.append(" ".join(sql.split()))
        self.on_statement(sql)

    def count(self, statement: str) -> int:
        return sum(1 for sql in self.statements if sql == statement)

    def transactions(self) -> tuple[int, int, int]:
        return self.count("BEGIN IMMEDIATE"), self.count("COMMIT"), self.count("ROLLBACK")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pathbot.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(db_path)
    yield opened
    await opened.close()


@pytest.fixture
async def trace(store: SqliteStore) -> Trace:
    traced = Trace()
    assert store._conn is not None
    await store._conn.set_trace_callback(traced)
    return traced


async def test_a_lone_answer_is_one_statement_in_one_transaction(
    store: SqliteStore, trace: Trace
) -> None:
    await start(store, "s1")
    trace.statements.clear()
    commits = store.commits
    assert await store.record_answer("s1", 0, 1, 20.0)
    assert store.commits == commits + 1
    assert trace.transactions() == (1, 1, 0)
    # The trace shows a statement again for each trigger program it runs: no UPDATE is sent.
    kinds = [kind for kind, _ in groupby(sql.split()[0] for sql in trace.statements)]
    assert kinds == ["BEGIN", "INSERT", "COMMIT"]
    session = await store.get_session("s1")
    assert session is not None and session.updated_at == 20.0  # by the trigger


async def test_concurrent_answers_share_one_transaction_and_each_gets_its_answer(
    store: SqliteStore, trace: Trace, db_path: Path
) -> None:
    sids = [f"s{i:02}" for i in range(30)]
    for sid in sids:
        await start(store, sid)
    trace.statements.clear()
    commits = store.commits
    # Per session, in this order: the answer, a double press, a question not yet reached,
    # the next question (current once the first answer is in), its double press.
    presses = [(0, 1, True), (0, 2, False), (2, 0, False), (1, 3, True), (1, 0, False)]
    calls = [(sid, q, option) for sid in sids for q, option, _ in presses]
    wrote = await asyncio.gather(
        *(store.record_answer(sid, q, option, 20.0 + q) for sid, q, option in calls)
    )
    assert wrote == [expected for _ in sids for _, _, expected in presses]
    assert store.commits == commits + 1  # 150 calls, one transaction
    assert trace.transactions() == (1, 1, 0)
    assert raw_rows(db_path, "SELECT session_id, question, option FROM answers") == [
        (sid, q, option) for sid in sids for q, option in ((0, 1), (1, 3))
    ]
    assert raw_rows(db_path, "SELECT DISTINCT updated_at FROM sessions") == [(21.0,)]


async def test_concurrent_reads_share_one_select(store: SqliteStore, trace: Trace) -> None:
    sids = [f"s{i:02}" for i in range(20)]
    for n, sid in enumerate(sids):
        await start(store, sid)
        for q in range(n % 3):
            assert await store.record_answer(sid, q, n % 4, 20.0)
    trace.statements.clear()
    asked = [*sids, "nope", sids[3]]
    found = await asyncio.gather(*(store.get_session(sid) for sid in asked))
    assert [s.id if s else None for s in found] == [*sids, None, sids[3]]
    assert [len(s.answers) for s in found if s] == [n % 3 for n in range(20)] + [0]
    assert found[4] is not None and found[4].answers == (0,)
    assert found[5] is not None and found[5].answers == (1, 1)
    assert len(trace.statements) == 1 and trace.statements[0].startswith("SELECT s.*")


async def test_concurrent_starts_read_the_card_and_active_sessions_once_each(
    store: SqliteStore, trace: Trace
) -> None:
    """What Start reads (the quiz card, the person's active session on it) is shared by
    concurrent presses: one SELECT of each, whatever the number of people."""
    people = [UserRef("discord", "", f"u{i}") for i in range(30)]
    for n, person in enumerate(people[:10]):
        await start(store, f"s{n:02}", person, card="c1", at=10.0 + n)
    await start(store, "other-card", people[1], card="c2")
    trace.statements.clear()
    cards = await asyncio.gather(*(store.get_quiz_card(c) for c in ("c1", "c2", "c1", "x")))
    active = await asyncio.gather(*(store.find_active_session(p, "c1") for p in people),
                                  store.find_active_session(people[1], "c2"))
    assert [c.id if c else None for c in cards] == ["c1", "c2", "c1", None]
    assert [s.id if s else None for s in active] == (
        [f"s{n:02}" for n in range(10)] + [None] * 20 + ["other-card"])
    assert len(trace.statements) == 2


async def test_a_failing_job_does_not_sink_the_others(
    store: SqliteStore, trace: Trace, db_path: Path
) -> None:
    for sid in ("good1", "bad-result", "bad-option", "good2"):
        await start(store, sid)
    trace.statements.clear()
    commits = store.commits
    outcomes = await asyncio.gather(
        store.record_answer("good1", 0, 1, 20.0),
        # The answer goes in, then the result breaks a foreign key (a follow-up statement).
        store.record_answer("bad-result", 0, 1, 20.0, make_result("bad-result", card="nope")),
        store.record_answer("good1", 0, 2, 20.0),  # a double press: False, alone or not
        store.record_answer("bad-option", 0, -1, 20.0),  # CHECK (option >= 0): the gate
        store.record_answer("good2", 0, 3, 20.0, make_result("good2")),
        # True inside the batch, after bad-result's answer; alone, once that is rolled back,
        # there is no question 0 yet: False, never a True for a write that was rolled back.
        store.record_answer("bad-result", 1, 0, 21.0),
        return_exceptions=True,
    )
    assert outcomes[0] is True and outcomes[2] is False and outcomes[4] is True
    assert outcomes[5] is False
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert "FOREIGN KEY" in str(outcomes[1])
    assert isinstance(outcomes[3], sqlite3.IntegrityError)
    assert "CHECK" in str(outcomes[3])
    # The batch, rolled back; then each job alone: four commit, two roll back.
    assert trace.transactions() == (7, 4, 3)
    assert store.commits == commits + 4
    assert raw_rows(db_path, "SELECT session_id, option FROM answers ORDER BY 1") == [
        ("good1", 1), ("good2", 3),
    ]
    assert raw_rows(db_path, "SELECT session_id FROM results") == [("good2",)]
    bad = await store.get_session("bad-result")
    assert bad is not None and (bad.status, bad.answers) == ("active", ())


async def test_a_commit_that_fails_reports_no_write(
    store: SqliteStore, trace: Trace, db_path: Path
) -> None:
    """SQLite refuses COMMIT (an authorizer says no): no caller hears True, nothing is kept."""
    for sid in ("s1", "s2"):
        await start(store, sid)
    assert store._conn is not None

    def no_commit(action: int, arg1: str | None, *_: str | None) -> int:
        refuse = action == sqlite3.SQLITE_TRANSACTION and arg1 == "COMMIT"
        return sqlite3.SQLITE_DENY if refuse else sqlite3.SQLITE_OK

    await store._conn.set_authorizer(no_commit)
    trace.statements.clear()
    commits = store.commits
    outcomes = await asyncio.gather(
        store.record_answer("s1", 0, 1, 20.0),
        store.record_answer("s2", 0, 1, 20.0, make_result("s2")),
        store.record_answer("s1", 1, 1, 21.0),
        return_exceptions=True,
    )
    assert all(isinstance(o, sqlite3.DatabaseError) for o in outcomes), outcomes
    assert "not authorized" in str(outcomes[0])
    assert trace.transactions() == (4, 0, 4)  # the batch, then each job alone
    assert store.commits == commits
    assert raw_rows(db_path, "SELECT count(*) FROM answers") == [(0,)]
    await store._conn.set_authorizer(None)
    assert await store.record_answer("s1", 0, 1, 30.0)


async def test_reads_never_see_a_batch_that_is_rolled_back(store: SqliteStore) -> None:
    await start(store, "bad")
    await start(store, "good")
    broken = make_result("bad", card="nope")
    calls = [store.record_answer("bad", 0, 1, 20.0, broken),
             store.record_answer("good", 0, 1, 20.0)]
    reads = [store.get_session(sid) for _ in range(10) for sid in ("bad", "good")]
    done = await asyncio.gather(*calls, *reads, return_exceptions=True)
    assert isinstance(done[0], sqlite3.IntegrityError) and done[1] is True
    seen = [s for s in done[2:] if isinstance(s, QuizSession)]
    assert len(seen) == len(reads)
    assert all(s.answers == () for s in seen if s.id == "bad")  # not even for a moment


async def test_a_caller_cancelled_before_its_turn_is_skipped(
    store: SqliteStore, db_path: Path
) -> None:
    for sid in ("s1", "s2", "s3"):
        await start(store, sid)
    commits = store.commits
    tasks = [asyncio.create_task(store.record_answer(s, 0, 1, 20.0)) for s in ("s1", "s2", "s3")]
    await asyncio.sleep(0)  # the three are queued; the group commit has not started yet
    tasks[1].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert done[0] is True and done[2] is True
    assert isinstance(done[1], asyncio.CancelledError)
    assert raw_rows(db_path, "SELECT session_id FROM answers ORDER BY 1") == [("s1",), ("s3",)]
    assert store.commits == commits + 1


async def test_a_caller_cancelled_during_its_batch_does_not_break_it(
    store: SqliteStore, trace: Trace, db_path: Path
) -> None:
    """Cancelled once its statement ran: the others are answered, its write still commits."""
    await start(store, "s1")
    await start(store, "s2")
    trace.statements.clear()
    loop = asyncio.get_running_loop()
    ran = asyncio.Event()

    def on_statement(sql: str) -> None:
        if sql.lstrip().startswith("INSERT"):
            loop.call_soon_threadsafe(ran.set)

    trace.on_statement = on_statement
    first = asyncio.create_task(store.record_answer("s1", 0, 1, 20.0))
    second = asyncio.create_task(store.record_answer("s2", 0, 2, 20.0))
    await ran.wait()  # the batch (both calls) is running: its statements have started
    first.cancel()
    done = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(done[0], asyncio.CancelledError) and done[1] is True
    assert raw_rows(db_path, "SELECT session_id FROM answers ORDER BY 1") == [("s1",), ("s2",)]
    assert trace.transactions() == (1, 1, 0)
    assert await store.record_answer("s1", 1, 0, 30.0)  # and the store goes on


async def test_cancelling_callers_at_any_moment_keeps_the_store_usable(
    store: SqliteStore,
) -> None:
    await start(store, "a")
    await start(store, "b")
    for delay in range(16):
        a, b = await store.get_session("a"), await store.get_session("b")
        assert a is not None and b is not None
        hit = asyncio.create_task(store.record_answer("a", len(a.answers), 1, float(delay)))
        other = asyncio.create_task(store.record_answer("b", len(b.answers), 2, float(delay)))
        for _ in range(delay):
            await asyncio.sleep(0)
        hit.cancel()
        done = await asyncio.gather(hit, other, return_exceptions=True)
        assert done[0] is True or isinstance(done[0], asyncio.CancelledError)
        assert done[1] is True
        after = await store.get_session("a")
        assert after is not None
        assert after.answers in (a.answers, (*a.answers, 1))
        assert after.answers == (*a.answers, 1) or done[0] is not True
    assert store._conn is not None and not store._conn.in_transaction


async def test_close_waits_for_the_writes_already_submitted(db_path: Path) -> None:
    store = await SqliteStore.open(db_path)
    for sid in ("s1", "s2", "s3"):
        await start(store, sid)
    tasks = [asyncio.create_task(store.record_answer(s, 0, 1, 20.0)) for s in ("s1", "s2", "s3")]
    await asyncio.sleep(0)
    await store.close()
    assert await asyncio.gather(*tasks) == [True, True, True]
    assert raw_rows(db_path, "SELECT count(*) FROM answers") == [(3,)]
    with pytest.raises(RuntimeError, match="closed"):
        await store.record_answer("s1", 1, 1, 30.0)


async def test_jobs_give_the_same_answers_in_one_round_trip_or_one_per_statement(
    tmp_path: Path,
) -> None:
    """run_jobs on aiosqlite's thread (the default) and its fallback, statement by statement."""
    outcomes = []
    for in_thread in (True, False):
        db = tmp_path / f"{in_thread}.sqlite3"
        async with aiosqlite.connect(db, isolation_level=None) as conn:
            await apply_migrations(conn, migrations_dir())
            await conn.execute("INSERT INTO quiz_cards (id, platform, scope, channel_id,"
                               " message_ref, created_at) VALUES ('c1', 'discord', 'g1', 'ch',"
                               " '', 1)")
            await conn.execute(
                "INSERT INTO sessions VALUES ('s1', 'discord', '', '1', 'g1', 'ch', 'c1', 'v1',"
                " 'active', 1, 1)"
            )
            insert = ("INSERT INTO answers SELECT ?, ?, 0, 5"
                      " WHERE ? = (SELECT count(*) FROM answers)")
            stamp = ("UPDATE sessions SET status = 'finished'", ())
            jobs = [
                Job((insert, ("s1", q, want)), (stamp,) if q == 1 else (), asyncio.Future())
                for q, want in ((0, 0), (0, 0), (1, 1), (2, 1))
            ]
            await conn.execute("BEGIN IMMEDIATE")
            wrote = await run_jobs(conn, jobs, in_thread)
            await conn.execute("COMMIT")
            state = await conn.execute_fetchall("SELECT status, updated_at FROM sessions")
            outcomes.append((wrote, [tuple(row) for row in state]))
    assert outcomes[0] == outcomes[1] == ([True, False, True, False], [("finished", 5.0)])


class PublicApi:
    """An aiosqlite connection through its public API only (no `_execute`), as commit_jobs
    would find one if aiosqlite's private call went away."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Any = ()) -> aiosqlite.Cursor:
        return await self.conn.execute(sql, params)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction


async def test_commit_jobs_commits_or_rolls_back_in_one_trip_or_through_the_public_api(
    tmp_path: Path,
) -> None:
    """commit_jobs: BEGIN, the jobs and COMMIT; a failing job rolls back the whole call."""
    for public in (False, True):
        async with aiosqlite.connect(tmp_path / f"{public}.sqlite3", isolation_level=None) as raw:
            conn = cast(aiosqlite.Connection, PublicApi(raw)) if public else raw
            await raw.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            good = [Job(("INSERT INTO t VALUES (?)", (x,)), (), asyncio.Future()) for x in (1, 2)]
            assert await commit_jobs(conn, good) == [True, True]
            clash = [Job(("INSERT INTO t VALUES (3)", ()), (), asyncio.Future()),
                     Job(("INSERT INTO t VALUES (1)", ()), (), asyncio.Future())]
            with pytest.raises(sqlite3.IntegrityError):
                await commit_jobs(conn, clash)
            assert not raw.in_transaction
            found = await raw.execute_fetchall("SELECT x FROM t ORDER BY x")
            assert [row[0] for row in found] == [1, 2]


OPS = st.lists(
    st.tuples(st.sampled_from(["answer", "undo"]), st.sampled_from(["s1", "s2"]),
              st.integers(-1, 4), st.integers(0, 3)),
    max_size=30,
)


@settings(max_examples=30, deadline=None)
@given(OPS)
def test_concurrent_calls_get_what_they_would_get_one_after_another(
    ops: list[tuple[str, str, int, int]],
) -> None:
    asyncio.run(_replay_concurrently(ops))


async def _replay_concurrently(ops: list[tuple[str, str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pathbot.sqlite3"
        store = await SqliteStore.open(path)
        try:
            model: dict[str, list[int]] = {"s1": [], "s2": []}
            for sid in model:
                await start(store, sid)
            expected: list[bool] = []
            calls: list[Coroutine[Any, Any, bool]] = []
            for step, (kind, sid, question, option) in enumerate(ops):
                answers = model[sid]
                if kind == "answer":
                    ok = question == len(answers)
                    answers += [option] if ok else []
                    calls.append(store.record_answer(sid, question, option, float(step)))
                else:
                    ok = question >= 1 and question == len(answers)
                    answers[:] = answers[:-1] if ok else answers
                    calls.append(store.undo_answer(sid, question, float(step)))
                expected.append(ok)
            assert await asyncio.gather(*calls) == expected
            for sid, answers in model.items():
                session = await store.get_session(sid)
                assert session is not None and session.answers == tuple(answers)
        finally:
            await store.close()
