"""Store.answer, an answer press checked and stored in one call, on both engines
(tests/storage/conftest.py): a real SQLite file, and a fresh schema on a real PostgreSQL
server. Two stores opened on one database are two processes' worth: each has its own
connection (SQLite) or pool (PostgreSQL). No mocks."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path

import aiosqlite
import pytest

from bot.core.models import UserRef
from bot.core.ports import Store
from bot.core.records import AnswerOutcome, QuizSession
from bot.storage.batch import Job, run_jobs
from tests.db import open_db, raw
from tests.storage.test_postgres import _batch_histogram
from tests.storage.test_store import ALICE, ALICE_ON_SLACK, BOB, make_result, start


async def answers(db_url: str, sid: str = "s1") -> list[tuple[int, int]]:
    return [(int(q), int(o)) for q, o in await raw(
        db_url, "SELECT question, option FROM answers WHERE session_id = ? ORDER BY 1", sid)]


async def test_answer_writes_and_reads_nothing_back(store: Store) -> None:
    session = await start(store, "s1")
    version = session.content_version
    assert await store.answer("s1", ALICE, version, 0, 2, 20.0) == AnswerOutcome(True, None)
    assert await store.get_session("s1") == replace(session, answers=(2,), updated_at=20.0)
    assert await store.answer("s1", ALICE, version, 1, 0, 30.5) == AnswerOutcome(True, None)
    assert await store.get_session("s1") == replace(session, answers=(2, 0), updated_at=30.5)
    # The last answer goes on through record_answer, with the result: the same session.
    assert await store.record_answer("s1", 2, 1, 40.0, make_result("s1"))
    stored = await store.get_session("s1")
    assert stored is not None and stored.answers == (2, 0, 1) and stored.status == "finished"


async def test_an_unknown_session_writes_nothing_and_is_none(store: Store, db_url: str) -> None:
    await start(store, "s1")
    assert await store.answer("nope", ALICE, "v-s1", 0, 1, 20.0) == AnswerOutcome(False, None)
    assert await raw(db_url, "SELECT count(*) FROM answers") == [(0,)]


# (who presses, their content version, the question) of a press refused after answer 0.
REFUSALS: dict[str, tuple[UserRef, str, int]] = {
    "another person": (BOB, "v-s1", 1),
    "the same id on another platform": (ALICE_ON_SLACK, "v-s1", 1),
    "another content version": (ALICE, "v-other", 1),
    "a question already answered": (ALICE, "v-s1", 0),
    "a question ahead": (ALICE, "v-s1", 2),
}


@pytest.mark.parametrize("refusal", REFUSALS)
async def test_each_refusal_writes_nothing_and_returns_the_session_as_it_stands(
    store: Store, db_url: str, refusal: str
) -> None:
    session = await start(store, "s1")
    assert (await store.answer("s1", ALICE, "v-s1", 0, 2, 20.0)).wrote
    user, version, question = REFUSALS[refusal]
    done = await store.answer("s1", user, version, question, 1, 99.0)
    as_it_stands = replace(session, answers=(2,), updated_at=20.0)
    assert done == AnswerOutcome(False, as_it_stands)
    assert await store.get_session("s1") == as_it_stands  # not even touched
    assert await answers(db_url) == [(0, 2)]


async def test_a_finished_session_writes_nothing_and_is_returned_finished(
    store: Store, db_url: str
) -> None:
    session = await start(store, "s1")
    assert await store.record_answer("s1", 0, 1, 20.0, make_result("s1"))
    done = await store.answer("s1", ALICE, "v-s1", 1, 0, 30.0)
    finished = replace(session, answers=(1,), status="finished", updated_at=20.0)
    assert done == AnswerOutcome(False, finished)
    assert await answers(db_url) == [(0, 1)]


async def test_double_presses_from_two_processes_store_one_answer(
    store: Store, db_url: str
) -> None:
    """Every press of one question, spread over two stores at once: one writes; the others
    get the session as the winner left it, with the winner's option."""
    two = await open_db(db_url)
    try:
        sids = ("a", "b", "c")
        for sid in sids:
            await start(store, sid)
        for question in range(4):
            presses = [(sid, option, by) for sid in sids for option in range(4)
                       for by in (store, two)]
            outcomes = await asyncio.gather(*(
                by.answer(sid, ALICE, f"v-{sid}", question, option, float(question))
                for sid, option, by in presses))
            for sid in sids:
                mine = [o for (s, _, _), o in zip(presses, outcomes, strict=True) if s == sid]
                winners = [(option, o) for (s, option, _), o in zip(presses, outcomes, strict=True)
                           if s == sid and o.wrote]
                assert len(winners) == 1 and winners[0][1].session is None, (sid, question)
                chosen = await store.get_session(sid)
                assert chosen is not None and chosen.position == question + 1
                assert chosen.answers[-1] == winners[0][0]
                for loser in (o for o in mine if not o.wrote):  # read after the winner's
                    assert loser.session is not None
                    assert loser.session.answers == chosen.answers
        for sid in sids:
            assert [q for q, _ in await answers(db_url, sid)] == [0, 1, 2, 3]
    finally:
        await two.close()


async def test_answers_racing_back_from_two_processes_never_leave_a_gap(
    store: Store, db_url: str
) -> None:
    """Presses of an answer and of Back for the same question, in every order, from two
    stores: whatever lands, the answers stay 0..n-1, and each refused answer's outcome
    shows the session as it stood."""
    two = await open_db(db_url)
    rng = random.Random(9)
    try:
        await start(store, "s1")
        for step in range(40):
            session = await store.get_session("s1")
            assert session is not None
            n = session.position
            stores = (store, two)
            presses: list[Coroutine[object, object, object]] = [
                rng.choice(stores).answer("s1", ALICE, "v-s1", n, rng.randrange(3), step)
                for _ in range(3)]
            presses += [rng.choice(stores).undo_answer("s1", n, step) for _ in range(2)]
            rng.shuffle(presses)
            outcomes = await asyncio.gather(*presses)
            stored = [q for q, _ in await answers(db_url)]
            assert stored == list(range(len(stored))), step
            for outcome in outcomes:
                if isinstance(outcome, AnswerOutcome):
                    assert (outcome.session is None) is outcome.wrote  # refused: as it stood
    finally:
        await two.close()


async def test_a_burst_of_answers_is_one_batch(store: Store, db_url: str) -> None:
    users = {sid: UserRef("discord", "g1", f"user-{sid}") for sid in "abcdef"}
    started: dict[str, QuizSession] = {}
    for sid, user in users.items():
        started[sid] = await start(store, sid, user)
    batches, jobs = _batch_histogram()
    outcomes = await asyncio.gather(*(
        store.answer(sid, user, f"v-{sid}", 0, 1, 5.0) for sid, user in users.items()))
    assert _batch_histogram() == (batches + 1, jobs + len(users))  # one round, every press
    assert outcomes == [AnswerOutcome(True, None)] * len(users)
    assert [await store.get_session(sid) for sid in users] == [
        replace(started[sid], answers=(1,), updated_at=5.0) for sid in users]
    assert await raw(db_url, "SELECT count(*) FROM answers") == [(len(users),)]


@pytest.mark.sqlite_only("batch.run_jobs on an aiosqlite connection")
@pytest.mark.parametrize("in_thread", [True, False])
async def test_a_job_reads_in_its_transaction_on_the_thread_or_through_the_public_api(
    tmp_path: Path, in_thread: bool
) -> None:
    """A job's `read` runs after its statements only if its gate refused, in both ways
    run_jobs runs jobs (one hop to aiosqlite's thread, or statement by statement); a job
    that writes keeps no rows from an earlier run (a rerun after its round failed)."""
    async with aiosqlite.connect(tmp_path / "jobs.sqlite3", isolation_level=None) as conn:
        await conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        insert = "INSERT INTO t VALUES (?) ON CONFLICT DO NOTHING"
        count = ("SELECT count(*) FROM t", ())
        jobs = [Job((insert, (x,)), (), asyncio.get_running_loop().create_future(), count)
                for x in (1, 1, 2)]
        for job in jobs:
            job.found[:] = ["read in an earlier run"]
        await conn.execute("BEGIN IMMEDIATE")
        assert await run_jobs(conn, jobs, in_thread) == [True, False, True]
        await conn.execute("COMMIT")
    assert [[tuple(row) for row in job.found] for job in jobs] == [[], [(1,)], []]
