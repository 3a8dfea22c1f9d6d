"""When a Discord shard may send IDENTIFY: the rule the shared store applies under its lock.

Discord allows one IDENTIFY per bucket (`shard_id % max_concurrency`) every 5 s, and 1,000 a
day (going over resets the token). Each bucket remembers its last IDENTIFY, so processes
sharing the database space theirs out. Each shard remembers its own last IDENTIFY and a
streak of quick repeats: a shard that identifies again and again (a crash loop) waits
longer each time, doubling up to MAX_BACKOFF, instead of burning the daily limit. A shard
that stayed up for CALM seconds past its allowed time starts over at no wait.
"""

from __future__ import annotations

from dataclasses import dataclass

FREE_REPEATS = 2  # quick re-identifies without backoff (a reconnect or two is normal)
MAX_BACKOFF = 600.0  # seconds
CALM = 60.0  # seconds


@dataclass(frozen=True)
class IdentifyState:
    bucket_at: float | None  # the bucket's last IDENTIFY (Unix seconds), if any
    shard_at: float | None  # this shard's last IDENTIFY, if any
    streak: int = 0  # this shard's quick repeats so far


def backoff(streak: int, spacing: float) -> float:
    if streak < FREE_REPEATS:
        return 0.0
    return float(min(spacing * 2.0 ** (streak - FREE_REPEATS + 1), MAX_BACKOFF))


def plan(state: IdentifyState, now: float, spacing: float) -> tuple[float, int]:
    """(seconds to wait, 0 meaning "identify now"; the shard's streak to store if now)."""
    earliest = now
    streak = 0
    if state.bucket_at is not None:
        earliest = max(earliest, state.bucket_at + spacing)
    if state.shard_at is not None:
        allowed = state.shard_at + backoff(state.streak, spacing)
        earliest = max(earliest, allowed)
        if now < allowed + CALM:
            streak = state.streak + 1
    return max(0.0, earliest - now), streak
