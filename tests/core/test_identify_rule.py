"""The IDENTIFY rule (bot/core/identify.py): bucket spacing and the crash-loop backoff."""

from __future__ import annotations

from bot.core.identify import CALM, MAX_BACKOFF, IdentifyState, backoff, plan


def test_a_new_bucket_and_shard_identify_at_once() -> None:
    assert plan(IdentifyState(None, None), 100.0, 5.0) == (0.0, 0)


def test_a_bucket_waits_for_the_spacing_after_its_last_identify() -> None:
    assert plan(IdentifyState(98.0, None), 100.0, 5.0) == (3.0, 0)
    assert plan(IdentifyState(95.0, None), 100.0, 5.0) == (0.0, 0)


def test_a_crash_loop_backs_off_doubling_up_to_the_cap() -> None:
    waits = [backoff(streak, 5.0) for streak in range(12)]
    assert waits[:4] == [0.0, 0.0, 10.0, 20.0]
    assert waits[-1] == MAX_BACKOFF and waits == sorted(waits)
    # the third quick identify of one shard waits 10 s after its last one
    assert plan(IdentifyState(None, 100.0, streak=2), 101.0, 5.0) == (9.0, 3)


def test_a_shard_that_stayed_up_starts_over() -> None:
    calm_after = 100.0 + backoff(5, 5.0) + CALM
    assert plan(IdentifyState(None, 100.0, streak=5), calm_after + 1, 5.0) == (0.0, 0)
    assert plan(IdentifyState(None, 100.0, streak=0), 101.0, 5.0) == (0.0, 1)
