"""Batching for the store: concurrent writes share one transaction, concurrent reads one query.

Why: the store's connection runs on aiosqlite's thread, and every call to it is a round trip
(a queue put, a thread wake-up, a wake-up of the event loop): that, not SQLite, is what a
press costs. Both classes below have one drain task at a time, started by the first call,
that takes everything queued so far and runs it together, while the calls arriving in the
meantime queue up for the next round. No timer: a lone call runs at once.

`GroupCommit`: a write is a `Job`, a gate statement and follow-up statements that run only
if the gate changed exactly one row; the job's answer (True: it wrote) is that test. A job
may also carry a `read`, a SELECT run in the same transaction when its gate refused, whose
rows it hands back (`submit_read`: an answer press, and the session that says why it was
refused, in one job). A round
opens a write transaction (the store's `_write()`: its lock, `BEGIN IMMEDIATE`), takes the
jobs queued so far, runs them in order (in one round trip: `run_jobs`), commits, and only
then resolves their futures, so a caller never hears True for a write that was rolled back.
Each job gets the answer it would get in a transaction of its own in the same order: it sees
the rows of the jobs before it.
If a round fails (a statement of one job raises, or COMMIT does), it is rolled back and each
of its jobs runs again alone, in order, in its own transaction: the bad job fails on its own
and its caller gets its own exception; the others commit. A round that failed because
another program kept the write lock (the store already waited a minute) fails all its jobs
at once: run alone, each would only wait as long again.

`ReadGroup`: `get(key)` waits for a `load(keys)` call made for every key asked meanwhile.

Cancellation: a caller cancelled before its round starts is skipped; once its round has
started, the round goes on without it (its write may still commit, as a write cancelled
during its COMMIT always could). If a drain task itself is cancelled (shutdown), `_write()`
rolls back and every caller still waiting is cancelled.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import aiosqlite

from bot import metrics

K = TypeVar("K")
V = TypeVar("V")
Params = Mapping[str, Any] | Sequence[Any]
Statement = tuple[str, Params]
Transaction = Callable[[], AbstractAsyncContextManager[Any]]  # yields a connection
RunJobs = Callable[[Any, "list[Job]"], Awaitable[list[bool]]]


@dataclass(frozen=True, eq=False)
class Job:
    gate: Statement
    then: tuple[Statement, ...]
    future: asyncio.Future[bool]
    read: Statement | None = None  # run last, in the job's transaction, if the gate refused
    # What `read` returned (PostgresStore: what the gate's call returned besides "wrote"),
    # replaced each time the job runs (emptied when it writes): a job rerun alone after its
    # round failed reads again.
    found: list[Any] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class Ask(Generic[K, V]):
    key: K
    future: asyncio.Future[V]


class _Waiting(Protocol):
    @property
    def future(self) -> asyncio.Future[Any]: ...


W = TypeVar("W", bound=_Waiting)


class _Drain(Generic[W]):
    """One drain task at a time runs rounds while calls are queued."""

    def __init__(self) -> None:
        self._pending: list[W] = []
        self._running: list[W] = []
        self._task: asyncio.Task[None] | None = None

    def _queue(self, item: W) -> None:
        self._pending.append(item)
        if self._task is None:
            self._task = asyncio.create_task(self._drain())

    async def wait(self) -> None:
        """Until the calls made so far (and any made meanwhile) are done."""
        while (task := self._task) is not None:
            await asyncio.wait({task})  # cancelling wait() leaves the task running

    async def _drain(self) -> None:
        try:
            while self._pending:
                if all(item.future.done() for item in self._pending):
                    self._pending.clear()  # every caller gave up: nothing to do
                else:
                    await self._round()
        finally:
            # Left with items only if this task was cancelled: so are their callers.
            for item in (*self._running, *self._pending):
                item.future.cancel()
            self._running, self._pending = [], []
            self._task = None

    async def _round(self) -> None:
        raise NotImplementedError

    def _take(self, limit: int | None = None) -> list[W]:
        """Move (up to `limit` of) the items still awaited from the queue to the round."""
        live = [item for item in self._pending if not item.future.done()]
        if limit is None:
            self._running, self._pending = live, []
        else:
            self._running, self._pending = live[:limit], live[limit:]
        return self._running


class GroupCommit(_Drain[Job]):
    """Runs submitted jobs in shared transactions opened with `transaction()`.

    With `locked` (the store's lock and its connection, outside any transaction), a round
    is ONE round trip to aiosqlite's thread: BEGIN IMMEDIATE, the jobs and COMMIT (or
    ROLLBACK) run there together (`commit_jobs`), instead of three in turn. Under a burst
    each round trip waits for a turn of a busy event loop, so this is what brings a press's
    write back soonest. A round handed to the thread finishes there even if the drain task
    is cancelled meanwhile (as a cancelled COMMIT always could).
    """

    def __init__(self, transaction: Transaction, run: RunJobs | None = None,
                 locked: Transaction | None = None) -> None:
        """`run(conn, jobs)` runs the jobs on the transaction's connection: `run_jobs` for
        aiosqlite (the default); PostgresStore passes its own."""
        super().__init__()
        self._transaction = transaction
        self._run: RunJobs = run or run_jobs
        self._locked = locked

    async def _commit(self, taken: list[Job]) -> list[bool]:
        """One round's transaction; `taken` receives the jobs it took (so that the caller
        can settle them if it fails); which of them wrote. The one-trip path first; if
        another program holds the write lock, the patient path (the store's
        `transaction()` keeps trying for a while) runs the same jobs."""
        if self._locked is not None:
            try:
                async with self._locked() as conn:
                    taken[:] = self._take()
                    return await commit_jobs(conn, taken)
            except Exception as error:
                if not is_busy(error):
                    raise
            async with self._transaction() as conn:
                return await self._run(conn, taken)
        async with self._transaction() as conn:
            taken[:] = self._take()  # after BEGIN: the calls made meanwhile join
            return await self._run(conn, taken)

    async def submit(self, gate: Statement, then: Sequence[Statement] = ()) -> bool:
        """Run `gate`, and `then` if the gate changed one row, in a shared transaction.
        True if the gate changed one row; raises what the job raised when run alone."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue(Job(gate, tuple(then), future))
        return await future

    async def submit_read(
        self, gate: Statement, then: Sequence[Statement] = (), read: Statement | None = None
    ) -> tuple[bool, list[Any]]:
        """`submit`, then `read` in the same transaction if the gate refused: (wrote, the
        rows it read; none when it wrote)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        job = Job(gate, tuple(then), future, read)
        self._queue(job)
        wrote = await future
        return wrote, job.found

    async def _round(self) -> None:
        batch: list[Job] = []
        try:
            wrote = await self._commit(batch)
        except Exception as error:
            if is_busy(error):  # the lock, not a job: alone, each would wait as long again
                for job in batch or self._take():
                    _settle(job.future, error)
                return
            await self._one_by_one(batch or self._take())
            return
        metrics.store_batch(len(batch))
        for job, changed in zip(batch, wrote, strict=True):
            _settle(job.future, changed)

    async def _one_by_one(self, batch: list[Job]) -> None:
        for job in batch:
            if job.future.done():
                continue  # its caller was cancelled: do not write for nobody
            try:
                async with self._transaction() as conn:
                    (changed,) = await self._run(conn, [job])
            except Exception as error:
                _settle(job.future, error)
            else:
                _settle(job.future, changed)


class ReadGroup(_Drain[Ask[K, V]], Generic[K, V]):
    """`get(key)`: `load(keys)` for every key asked meanwhile, up to `limit` keys a call;
    `default` for a key the load does not return. If a load raises, its callers get that."""

    def __init__(
        self, load: Callable[[list[K]], Awaitable[Mapping[K, V]]], default: V, limit: int = 200
    ) -> None:
        super().__init__()
        self._load, self._default, self._limit = load, default, limit

    async def get(self, key: K) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._queue(Ask(key, future))
        return await future

    async def _round(self) -> None:
        asks = self._take(self._limit)
        try:
            found = await self._load(list(dict.fromkeys(ask.key for ask in asks)))
        except Exception as error:
            for ask in asks:
                _settle(ask.future, error)
            return
        for ask in asks:
            _settle(ask.future, found.get(ask.key, self._default))


def is_busy(error: BaseException) -> bool:
    """Another connection holds the write lock (SQLITE_BUSY), after waiting for it."""
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error)
    return isinstance(error.__cause__, sqlite3.OperationalError) and is_busy(error.__cause__)


def _settle(future: asyncio.Future[V], outcome: V | Exception) -> None:
    if future.done():  # cancelled meanwhile
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


async def run_jobs(
    conn: aiosqlite.Connection, jobs: list[Job], in_thread: bool = True
) -> list[bool]:
    """Run the jobs in order on `conn`, inside the caller's transaction.

    In one round trip when `in_thread`: aiosqlite has no public call to run a function on
    its thread, so this uses the private `_execute(fn, *args)` that every public method of
    aiosqlite goes through, with its sqlite3 connection `_connection` (pyproject pins
    aiosqlite < 0.23; tests/storage/test_batch.py runs both ways). Should either be missing,
    it falls back to one round trip per statement, through the public API.
    """
    execute = getattr(conn, "_execute", None)
    database = getattr(conn, "_connection", None)
    if in_thread and callable(execute) and isinstance(database, sqlite3.Connection):
        outcome: list[bool] = await execute(_run_jobs, database, jobs)
        return outcome
    wrote: list[bool] = []
    for job in jobs:
        changed = (await conn.execute(*job.gate)).rowcount == 1
        for sql, params in job.then if changed else ():
            await conn.execute(sql, params)
        if job.read is not None:  # a rerun that writes must not keep the refusal's rows
            job.found[:] = [] if changed else await conn.execute_fetchall(*job.read)
        wrote.append(changed)
    return wrote


async def commit_jobs(conn: aiosqlite.Connection, jobs: list[Job]) -> list[bool]:
    """BEGIN IMMEDIATE, the jobs, COMMIT: in one round trip when aiosqlite's private
    `_execute` is there (as `run_jobs`), else statement by statement. On any failure the
    transaction is rolled back and the error raised."""
    execute = getattr(conn, "_execute", None)
    database = getattr(conn, "_connection", None)
    if callable(execute) and isinstance(database, sqlite3.Connection):
        outcome: list[bool] = await execute(_commit_jobs, database, jobs)
        return outcome
    await conn.execute("BEGIN IMMEDIATE")
    try:
        wrote = await run_jobs(conn, jobs, in_thread=False)
        await conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
    return wrote


def _commit_jobs(database: sqlite3.Connection, jobs: list[Job]) -> list[bool]:
    """`commit_jobs` on aiosqlite's thread."""
    database.execute("BEGIN IMMEDIATE")
    try:
        wrote = _run_jobs(database, jobs)
        database.execute("COMMIT")
    except BaseException:
        if database.in_transaction:
            database.execute("ROLLBACK")
        raise
    return wrote


def _run_jobs(database: sqlite3.Connection, jobs: list[Job]) -> list[bool]:
    """`run_jobs` on aiosqlite's thread: the jobs' statements, nothing else."""
    wrote: list[bool] = []
    for job in jobs:
        changed = database.execute(*job.gate).rowcount == 1
        for sql, params in job.then if changed else ():
            database.execute(sql, params)
        if job.read is not None:  # a rerun that writes must not keep the refusal's rows
            job.found[:] = [] if changed else database.execute(*job.read).fetchall()
        wrote.append(changed)
    return wrote
