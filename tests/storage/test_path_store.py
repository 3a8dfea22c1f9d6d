"""Learning-path progress and reminders in the store, on both engines (no mocks)."""

from __future__ import annotations

import asyncio

from bot.core.models import UserRef
from bot.core.ports import Store
from bot.core.records import Nudge
from tests.db import open_db
from tests.storage.test_store import ALICE, BOB, finish

ALICE_ON_SLACK = UserRef("slack", "T1", "111")


async def test_a_stage_changes_once_and_belongs_to_its_person(store: Store) -> None:
    twice = await asyncio.gather(*(
        store.set_stage(ALICE, "ai_engineer", "foundations", "g1", True, 5.0) for _ in range(4)))
    assert twice.count(True) == 1
    assert await store.stages_done(ALICE, "ai_engineer") == {"foundations"}
    assert await store.stages_done(BOB, "ai_engineer") == frozenset()
    assert await store.stages_done(ALICE_ON_SLACK, "ai_engineer") == frozenset()
    assert await store.stages_done(ALICE, "ml_engineer") == frozenset()

    assert await store.set_stage(ALICE, "ai_engineer", "foundations", "g1", False, 6.0)
    assert not await store.set_stage(ALICE, "ai_engineer", "foundations", "g1", False, 7.0)
    assert await store.stages_done(ALICE, "ai_engineer") == frozenset()


async def test_progress_counts_people_where_they_last_ticked(store: Store) -> None:
    for stage in ("a", "b"):
        await store.set_stage(ALICE, "ai_engineer", stage, "g1", True, 1.0)
    await store.set_stage(BOB, "ai_engineer", "a", "g1", True, 1.0)
    await store.set_stage(BOB, "ml_engineer", "a", "g2", True, 2.0)  # Bob is now in g2
    assert await store.progress_counts("discord", "g1") == {"ai_engineer": {2: 1}}
    assert await store.progress_counts("discord", "g2") == {
        "ai_engineer": {1: 1}, "ml_engineer": {1: 1}}
    assert await store.progress_counts("slack", "g1") == {}


async def test_finished_since(store: Store) -> None:
    await finish(store, "s1", at=100.0)
    await finish(store, "s2", user=BOB, at=200.0)
    await finish(store, "s3", user=BOB, at=300.0, scope="g2", card="c2")
    assert await store.finished_since("discord", "g1", 150.0) == [200.0]
    assert await store.finished_since("discord", "g1", 0.0) == [100.0, 200.0]


async def test_nudges_round_trip_stop_and_clear(store: Store) -> None:
    nudge = Nudge(ALICE, "ai_engineer", "g1", 60.0, 100.0)
    await store.set_nudge(nudge)
    assert await store.get_nudge(ALICE) == nudge
    assert await store.get_nudge(BOB) is None
    assert await store.stop_nudge(ALICE, "closed")
    assert not await store.stop_nudge(ALICE, "user")  # already stopped: the reason stays
    stopped = await store.get_nudge(ALICE)
    assert stopped is not None and stopped.stopped == "closed"
    await store.clear_nudge(ALICE)
    assert await store.get_nudge(ALICE) is None


async def test_a_due_nudge_is_claimed_once_and_missed_intervals_collapse(store: Store) -> None:
    await store.set_nudge(Nudge(ALICE, "ai_engineer", "g1", 60.0, 100.0))
    await store.set_nudge(Nudge(BOB, "ml_engineer", "g1", 60.0, 10_000.0))  # not due
    # Down for ten intervals: one claim, and the next due time is a full interval away.
    claims = await asyncio.gather(*(store.claim_due_nudges(700.0) for _ in range(5)))
    claimed = [n for batch in claims for n in batch]
    assert [(n.user, n.due_at) for n in claimed] == [(ALICE, 100.0)]
    after = await store.get_nudge(ALICE)
    assert after is not None and after.due_at == 760.0
    assert await store.claim_due_nudges(759.0) == []

    await store.reschedule_nudge(ALICE, 759.0)  # a passing DM failure: due at the next tick
    assert [n.user for n in await store.claim_due_nudges(759.0)] == [ALICE]
    await store.stop_nudge(ALICE, "user")
    assert [n.user for n in await store.claim_due_nudges(10_000.0)] == [BOB]  # Alice: off


async def test_two_stores_claim_each_due_nudge_once(db_url: str) -> None:
    first, second = await open_db(db_url), await open_db(db_url)
    try:
        users = [UserRef("discord", "", str(i)) for i in range(30)]
        for user in users:
            await first.set_nudge(Nudge(user, "ai_engineer", "g1", 60.0, 50.0))
        batches = await asyncio.gather(*(s.claim_due_nudges(100.0, limit=7)
                                         for s in (first, second) for _ in range(5)))
        claimed = [n.user for batch in batches for n in batch]
        assert sorted(claimed, key=lambda u: int(u.user_id)) == users
    finally:
        await first.close()
        await second.close()


async def test_forget_deletes_progress_and_reminders(store: Store) -> None:
    await store.set_stage(ALICE, "ai_engineer", "a", "g1", True, 1.0)
    await store.set_nudge(Nudge(ALICE, "ai_engineer", "g1", 60.0, 100.0))
    await store.set_stage(BOB, "ai_engineer", "a", "g1", True, 1.0)
    gone = await store.forget(ALICE)
    assert gone.rows == 2
    assert await store.stages_done(ALICE, "ai_engineer") == frozenset()
    assert await store.get_nudge(ALICE) is None
    assert await store.stages_done(BOB, "ai_engineer") == {"a"}
