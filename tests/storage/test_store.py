"""The Store contract, on both engines (tests/storage/conftest.py): a real SQLite file in a
temporary folder, and a fresh schema on a real PostgreSQL server. No mocks."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.core.models import UserRef
from bot.core.ports import Store
from bot.core.records import Forgotten, QuizCard, QuizResult, QuizSession, RoleScore
from tests.db import INTEGRITY, open_db, raw

ALICE = UserRef("discord", "", "111")
BOB = UserRef("discord", "", "222")
ALICE_ON_SLACK = UserRef("slack", "T1", "111")  # same user id, another platform: someone else


def make_session(
    sid: str, user: UserRef = ALICE, card: str = "c1", at: float = 10.0,
    version: str | None = None,
) -> QuizSession:
    """A session; each id gets its own content version by default, because a person has at
    most one active session per card and content version."""
    return QuizSession(sid, user, "g1", "ch1", card, version or f"v-{sid}",
                       created_at=at, updated_at=at)


def make_result(
    sid: str, user: UserRef = ALICE, top: str = "ai_engineer", at: float = 100.0,
    card: str = "c1", scope: str = "g1",
) -> QuizResult:
    other = "ml_engineer" if top == "ai_engineer" else "ai_engineer"
    scores = (RoleScore(top, 60, 6), RoleScore(other, 40, 4))
    return QuizResult(sid, user, scope, card, "v1", scores, top, at)


async def start(
    store: Store, sid: str, user: UserRef = ALICE, card: str = "c1",
    platform: str = "discord", scope: str = "g1", at: float = 10.0,
) -> QuizSession:
    """A new session on `card`, creating the card first if needed."""
    if await store.get_quiz_card(card) is None:
        await store.create_quiz_card(QuizCard(card, platform, scope, "ch1", "", 1.0))
    session = make_session(sid, user, card, at)
    await store.create_session(session)
    return session


async def finish(
    store: Store, sid: str, user: UserRef = ALICE, top: str = "ai_engineer",
    at: float = 100.0, card: str = "c1", scope: str = "g1",
) -> None:
    """A session finished after one answer, with a result."""
    await start(store, sid, user, card, platform=user.platform, scope=scope)
    assert await store.record_answer(sid, 0, 0, at, make_result(sid, user, top, at, card, scope))


# -- opening --------------------------------------------------------------------------------


async def test_reopen_applies_nothing_and_keeps_the_session(db_url: str) -> None:
    first = await open_db(db_url)
    session = await start(first, "s1")
    assert await first.record_answer("s1", 0, 2, 20.0)
    await first.close()

    second = await open_db(db_url)
    try:
        assert second.applied_migrations == ()
        assert await second.get_session("s1") == replace(session, answers=(2,), updated_at=20.0)
        assert await second.record_answer("s1", 1, 0, 30.0)  # the same buttons keep working
        stored = await second.get_session("s1")
        assert stored is not None and stored.answers == (2, 0)
    finally:
        await second.close()


# -- sessions --------------------------------------------------------------------------------


async def test_session_round_trip(store: Store) -> None:
    session = await start(store, "s1")
    assert await store.get_session("s1") == session
    assert await store.get_session("nope") is None


async def test_create_session_checks_its_input(store: Store) -> None:
    with pytest.raises(INTEGRITY):  # every session starts from a stored card
        await store.create_session(make_session("s1", card="no-such-card"))
    await start(store, "s1")
    with pytest.raises(ValueError, match="without answers"):
        await store.create_session(make_session("s2").with_answer(1, 11.0))
    with pytest.raises(INTEGRITY):
        await store.create_session(make_session("s1", version="other"))  # ids are unique


async def test_a_double_start_creates_one_session(store: Store, db_url: str) -> None:
    await store.create_quiz_card(QuizCard("c9", "discord", "g1", "ch1", created_at=1.0))
    created = await asyncio.gather(*(
        store.create_session(make_session(f"twin{i}", card="c9", version="v1"))
        for i in range(5)))
    assert created.count(True) == 1
    assert len(await raw(db_url, "SELECT id FROM sessions WHERE card_id = 'c9'")) == 1
    # Another content version, or the same one after finishing, may start anew.
    assert await store.create_session(make_session("next", card="c9", version="v2"))


async def test_find_active_session_is_the_newest_unfinished_one(store: Store) -> None:
    await start(store, "old", at=10.0)
    await start(store, "new", at=20.0)
    await start(store, "other-card", card="c2", at=30.0)
    await start(store, "bobs", user=BOB, at=40.0)
    found = await store.find_active_session(ALICE, "c1")
    assert found is not None and found.id == "new"

    assert await store.record_answer("new", 0, 1, 50.0, make_result("new"))
    found = await store.find_active_session(ALICE, "c1")
    assert found is not None and found.id == "old"
    assert await store.find_active_session(ALICE_ON_SLACK, "c1") is None
    assert await store.find_active_session(ALICE, "c3") is None


# -- answers ---------------------------------------------------------------------------------


async def test_twenty_concurrent_identical_presses_store_one_answer(
    store: Store, db_url: str
) -> None:
    await start(store, "s1")
    wrote = await asyncio.gather(*(store.record_answer("s1", 0, 1, 20.0) for _ in range(20)))
    assert wrote.count(True) == 1
    assert await raw(db_url, "SELECT question, option FROM answers") == [(0, 1)]


async def test_concurrent_different_options_store_one(store: Store) -> None:
    await start(store, "s1")
    options = [i % 4 for i in range(20)]
    wrote = await asyncio.gather(*(store.record_answer("s1", 0, o, 20.0) for o in options))
    assert wrote.count(True) == 1
    session = await store.get_session("s1")
    assert session is not None and session.answers == (options[wrote.index(True)],)


async def test_two_connections_racing_store_one_answer(
    store: Store, db_url: str
) -> None:
    """As two bot processes on one database would: the engine's locking, not an asyncio.Lock
    (two SQLite connections, or two asyncpg pools)."""
    await start(store, "s1")
    other = await open_db(db_url)
    try:
        calls = [s.record_answer("s1", 0, i % 3, 20.0) for i in range(10) for s in (store, other)]
        wrote = await asyncio.gather(*calls)
    finally:
        await other.close()
    assert wrote.count(True) == 1
    assert await raw(db_url, "SELECT count(*) FROM answers") == [(1,)]


async def test_stale_and_future_questions_are_refused(store: Store) -> None:
    await start(store, "s1")
    assert await store.record_answer("s1", 0, 1, 20.0)
    assert not await store.record_answer("s1", 0, 2, 30.0)  # already answered
    assert not await store.record_answer("s1", 2, 2, 30.0)  # not the current question
    assert not await store.record_answer("s1", -1, 2, 30.0)
    assert not await store.record_answer("nope", 0, 2, 30.0)
    session = await store.get_session("s1")
    assert session is not None
    assert (session.answers, session.updated_at) == ((1,), 20.0)  # nothing written


async def test_last_answer_finishes_and_stores_the_result(store: Store) -> None:
    await start(store, "s1")
    assert await store.record_answer("s1", 0, 1, 20.0)
    result = make_result("s1", at=30.0)
    assert await store.record_answer("s1", 1, 0, 30.0, result)

    session = await store.get_session("s1")
    assert session is not None
    assert (session.status, session.answers, session.updated_at) == ("finished", (1, 0), 30.0)
    assert await store.get_result("s1") == result
    assert not await store.record_answer("s1", 2, 0, 40.0)  # finished: no more answers
    assert not await store.undo_answer("s1", 2, 40.0)  # nor going back
    assert not await store.record_answer("s1", 1, 0, 40.0, result)  # a double press


async def test_a_failing_result_rolls_back_the_answer(store: Store) -> None:
    await start(store, "s1")
    broken = make_result("s1", card="no-such-card")  # violates the foreign key
    with pytest.raises(INTEGRITY):
        await store.record_answer("s1", 0, 1, 20.0, broken)
    session = await store.get_session("s1")
    assert session is not None
    assert (session.status, session.answers) == ("active", ())
    assert await store.get_result("s1") is None
    assert await store.record_answer("s1", 0, 1, 20.0, make_result("s1"))  # still usable


async def test_result_for_another_session_is_a_bug(store: Store) -> None:
    await start(store, "s1")
    with pytest.raises(ValueError, match="session"):
        await store.record_answer("s1", 0, 1, 20.0, make_result("s2"))


async def test_undo_then_answer_again(store: Store) -> None:
    await start(store, "s1")
    assert await store.record_answer("s1", 0, 1, 20.0)
    assert await store.record_answer("s1", 1, 2, 21.0)
    assert not await store.undo_answer("s1", 1, 22.0)  # question 1 is not the current one
    assert await store.undo_answer("s1", 2, 22.0)
    assert not await store.undo_answer("s1", 2, 23.0)  # a double press of Back
    session = await store.get_session("s1")
    assert session is not None and (session.answers, session.updated_at) == ((1,), 22.0)

    assert await store.record_answer("s1", 1, 3, 24.0)
    assert await store.undo_answer("s1", 2, 25.0)
    assert await store.undo_answer("s1", 1, 26.0)
    assert not await store.undo_answer("s1", 0, 27.0)  # nothing before the first question
    session = await store.get_session("s1")
    assert session is not None and session.answers == ()


async def test_cancelled_writes_leave_no_open_transaction(store: Store) -> None:
    """A cancelled call must not leave a transaction open for the next one."""
    await start(store, "s1")
    for delay in range(12):
        task = asyncio.create_task(store.record_answer("s1", 0, 1, 20.0))
        for _ in range(delay):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.undo_answer("s1", 1, 21.0)
    assert await store.record_answer("s1", 0, 2, 30.0)
    assert await store.undo_answer("s1", 1, 31.0)
    session = await store.get_session("s1")
    assert session is not None and session.answers == ()


# -- results, tallies, stats -----------------------------------------------------------------


async def test_list_results_newest_first_with_limit(store: Store) -> None:
    await finish(store, "a", at=100.0)
    await finish(store, "b", at=300.0)
    await finish(store, "c", at=200.0)
    await finish(store, "d", at=300.0)  # same time as b, stored later: newer
    await finish(store, "bob", user=BOB, at=400.0)
    assert [r.session_id for r in await store.list_results(ALICE)] == ["d", "b", "c", "a"]
    assert [r.session_id for r in await store.list_results(ALICE, limit=2)] == ["d", "b"]
    assert await store.list_results(ALICE, limit=0) == []
    assert await store.list_results(ALICE_ON_SLACK) == []


async def test_card_tally_counts_each_persons_latest_result(store: Store) -> None:
    await finish(store, "a1", top="ml_engineer", at=100.0)
    await finish(store, "a2", top="ai_engineer", at=200.0)  # Alice changed her mind
    await finish(store, "b1", user=BOB, top="ml_engineer", at=150.0)
    await finish(store, "b2", user=BOB, top="ai_engineer", at=150.0)  # same time: b2 is newer
    await finish(store, "c1", user=UserRef("discord", "", "333"), top="ml_engineer")
    await finish(store, "on-c2", user=BOB, top="ml_engineer", at=900.0, card="c2")
    assert await store.card_tally("c1") == {"ai_engineer": 2, "ml_engineer": 1}
    assert await store.card_tally("c2") == {"ml_engineer": 1}
    assert await store.card_tally("nope") == {}


async def test_stats_count_latest_result_per_person_in_one_scope(store: Store) -> None:
    await finish(store, "a1", top="ml_engineer", at=100.0)
    await finish(store, "a2", top="ai_engineer", at=200.0, card="c2")  # other card, same guild
    await finish(store, "b1", user=BOB, top="ml_engineer", at=150.0)
    await finish(store, "elsewhere", user=BOB, top="ai_engineer", at=900.0, card="g2-card",
                 scope="g2")
    await finish(store, "slack", user=ALICE_ON_SLACK, top="ml_engineer", card="s-card",
                 scope="g1")
    assert await store.stats("discord", "g1") == {"ai_engineer": 1, "ml_engineer": 1}
    assert await store.stats("discord", "g2") == {"ai_engineer": 1}
    assert await store.stats("slack", "g1") == {"ml_engineer": 1}
    assert await store.stats("slack", "nope") == {}


async def test_mark_shared_only_once(store: Store) -> None:
    await finish(store, "s1")
    assert await store.mark_shared("s1")
    assert not await store.mark_shared("s1")
    assert not await store.mark_shared("nope")
    result = await store.get_result("s1")
    assert result is not None and result.shared
    assert await store.get_result("nope") is None


# -- cards, DMs, forget ----------------------------------------------------------------------


async def test_quiz_card_round_trip(store: Store) -> None:
    card = QuizCard("c1", "slack", "T1", "C9", "", 5.0)
    await store.create_quiz_card(card)
    assert await store.get_quiz_card("c1") == card
    await store.set_card_message("c1", "1712345.000100")
    assert await store.get_quiz_card("c1") == replace(card, message_ref="1712345.000100")
    assert await store.get_quiz_card("nope") is None


async def test_dms_closed_round_trip(store: Store) -> None:
    assert not await store.dms_closed(ALICE)
    await store.set_dms_closed(ALICE, 10.0)
    await store.set_dms_closed(ALICE, 20.0)  # again: still one row
    assert await store.dms_closed(ALICE)
    assert not await store.dms_closed(BOB)
    assert not await store.dms_closed(ALICE_ON_SLACK)


async def rows_about(db_url: str, user: UserRef) -> dict[str, int]:
    who = (user.platform, user.workspace, user.user_id)
    match = "platform = ? AND workspace = ? AND user_id = ?"
    counts = {
        table: (await raw(db_url, f"SELECT count(*) FROM {table} WHERE {match}", *who))[0][0]
        for table in ("sessions", "results", "dm_status")
    }
    counts["answers"] = (await raw(
        db_url,
        f"SELECT count(*) FROM answers WHERE session_id IN (SELECT id FROM sessions WHERE {match})"
        f" OR session_id IN (SELECT session_id FROM results WHERE {match})",
        *who, *who,
    ))[0][0]
    return {table: int(str(n)) for table, n in counts.items()}


async def test_forget_removes_every_row_about_the_user(
    store: Store, db_url: str
) -> None:
    for user in (ALICE, BOB, ALICE_ON_SLACK):
        key = f"{user.platform}-{user.user_id}"
        await finish(store, f"{key}-done", user=user)  # 1 answer, 1 result
        await start(store, f"{key}-open", user=user)
        assert await store.record_answer(f"{key}-open", 0, 1, 20.0)
        assert await store.record_answer(f"{key}-open", 1, 1, 21.0)  # 2 answers
        await store.set_dms_closed(user, 30.0)
    before = await rows_about(db_url, BOB)
    assert await rows_about(db_url, ALICE) == {
        "sessions": 2, "results": 1, "dm_status": 1, "answers": 3}

    assert await store.forget(ALICE) == Forgotten(2 + 1 + 1 + 3, ("c1",))
    assert await rows_about(db_url, ALICE) == {
        "sessions": 0, "results": 0, "dm_status": 0, "answers": 0}
    assert await rows_about(db_url, BOB) == before
    assert await rows_about(db_url, ALICE_ON_SLACK) == before
    assert await raw(db_url, "SELECT count(*) FROM quiz_cards") == [(1,)]  # not personal
    assert await store.card_tally("c1") == {"ai_engineer": 2}
    assert await store.forget(ALICE) == Forgotten(0)


# -- the tally's edit lease (several processes on one database) -------------------------------


async def test_tally_edits_take_turns_and_never_go_back(store: Store, db_url: str) -> None:
    other = await open_db(db_url)  # a second process
    carol = UserRef("discord", "", "333")
    try:
        await finish(store, "a1")
        first = await store.claim_tally_edit("c1", 100.0, 15.0)
        assert first.status == "edit" and dict(first.tally) == {"ai_engineer": 1}
        assert (await other.claim_tally_edit("c1", 100.0, 15.0)).status == "busy"
        await finish(other, "b1", user=BOB)  # a result while the first edit runs
        assert await store.end_tally_edit("c1", first.seq)  # changed meanwhile: edit again
        second = await other.claim_tally_edit("c1", 101.0, 15.0)
        assert second.status == "edit" and second.seq > first.seq
        assert dict(second.tally) == {"ai_engineer": 2}
        assert not await other.end_tally_edit("c1", second.seq)
        assert not await store.end_tally_edit("c1", first.seq)  # a late end: no going back
        assert (await store.claim_tally_edit("c1", 102.0, 15.0)).status == "current"

        await finish(store, "c1-carol", user=carol)  # a lease left by a process that died
        assert (await store.claim_tally_edit("c1", 200.0, 15.0)).status == "edit"
        assert (await other.claim_tally_edit("c1", 210.0, 15.0)).status == "busy"
        expired = await other.claim_tally_edit("c1", 216.0, 15.0)
        assert expired.status == "edit" and dict(expired.tally) == {"ai_engineer": 3}
        assert not await other.end_tally_edit("c1", None)  # the edit failed: released
        assert (await store.claim_tally_edit("c1", 217.0, 15.0)).status == "edit"
        assert not await store.end_tally_edit("c1", expired.seq)

        await store.forget(BOB)  # forgetting changes the tally too
        after = await other.claim_tally_edit("c1", 300.0, 15.0)
        assert after.status == "edit" and dict(after.tally) == {"ai_engineer": 2}
        assert (await other.claim_tally_edit("nope", 300.0, 15.0)).status == "current"
    finally:
        await other.close()
