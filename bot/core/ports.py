"""The ports core needs from outside: the async Store the service keeps everything in.

Implemented in bot/storage/ (SQLite: sqlite.py; PostgreSQL: postgres.py); bot/bootstrap.py
picks one from the configuration. Core declares the port so it never imports a storage
engine. Every guarantee below holds with several processes on one database; each
docstring says how, on SQLite (one writer at a time: `BEGIN IMMEDIATE`) and on PostgreSQL
(READ COMMITTED, where a check and a write in separate statements could interleave with
another process's)."""

from __future__ import annotations

from typing import Protocol

from bot.core.errors import DomainError
from bot.core.installs import Installation
from bot.core.models import UserRef
from bot.core.records import (
    AnswerOutcome,
    Forgotten,
    Nudge,
    NudgeStop,
    QuizCard,
    QuizResult,
    QuizSession,
    TallyClaim,
)


class Store(Protocol):
    applied_migrations: tuple[int, ...]  # what opening it applied, for `pathbot db migrate`

    async def create_session(self, session: QuizSession) -> bool:
        """Insert a new active session with no answers (its quiz card must exist). False,
        writing nothing, when the user already has an active session on that card for the
        same content version: a double press of Start or Retake makes one session.
        SQLite: INSERT … WHERE NOT EXISTS under the write lock. PostgreSQL: a partial unique
        index on active sessions and ON CONFLICT DO NOTHING."""

    async def get_session(self, session_id: str) -> QuizSession | None:
        """The session with its answers in question order, or None."""

    async def find_active_session(self, user: UserRef, card_id: str) -> QuizSession | None:
        """The user's newest unfinished session started from this card, if any."""

    async def record_answer(
        self, session_id: str, question: int, option: int, now: float,
        result: QuizResult | None = None,
    ) -> bool:
        """Store the answer to `question` only if it is the session's current question and
        the session is active. With `result` (the last question), also finish the session
        and store the result, in the same transaction. True if this call wrote; False for a
        duplicate/stale press (nothing written). Exactly one answer per (session,
        question), and answers always 0..n-1, under concurrent presses from any processes:
        SQLite: one conditional INSERT (count = question) under the write lock; PostgreSQL:
        a function that locks the session row (FOR UPDATE) before counting. Both run in
        a group commit (a burst shares transactions); True is told only after COMMIT."""

    async def answer(
        self, session_id: str, user: UserRef, content_version: str, question: int,
        option: int, now: float,
    ) -> AnswerOutcome:
        """A press of an answer that does not finish the quiz, checked and stored in one
        call (one job of the group commit, where an answer press used to cost a read and a
        write). Stores `question` = `option` only if the session exists, is active, is
        `user`'s (as ensure_owner), has `content_version`, and has exactly `question`
        answers; all of it checked in the transaction that writes, so record_answer's
        guarantees hold (one answer per (session, question), answers 0..n-1, Back racing
        an answer leaves no gap). When it refused, the outcome carries the session as it
        stands, read in that same transaction (the caller tells why), or None if there is
        no such session; when it wrote, no session (the caller knows the next question).
        SQLite: one conditional INSERT (the checks in its WHERE), and the session's SELECT
        only if it refused, one job under the write lock; PostgreSQL: one pathbot_job call
        (migration 0009) in the batch statement, which locks the session row (FOR UPDATE)
        before checking and counting, then reads it back."""

    async def undo_answer(self, session_id: str, question: int, now: float) -> bool:
        """Go back: delete the answer to `question - 1` only if `question` is the current
        question of an active session. True if this call wrote. Races with an answer
        never leave a gap: as record_answer (the same write lock or session row lock)."""

    async def mark_shared(self, session_id: str) -> bool:
        """Flag the session's result as shared. True only the first time."""

    async def get_result(self, session_id: str) -> QuizResult | None: ...

    async def list_results(self, user: UserRef, limit: int = 10) -> list[QuizResult]:
        """The user's results, newest first."""

    async def create_quiz_card(self, card: QuizCard) -> None: ...

    async def set_card_message(self, card_id: str, message_ref: str) -> None: ...

    async def get_quiz_card(self, card_id: str) -> QuizCard | None: ...

    async def card_tally(self, card_id: str) -> dict[str, int]:
        """Top role -> number of people, counting each person's latest result on the card."""

    async def claim_tally_edit(self, card_id: str, now: float, lease: float) -> TallyClaim:
        """Take the card's edit lease until `now + lease` if no live lease is held and its
        results changed since the last edit shown; then the tally to show. Several
        processes sharing a database edit one card one at a time, each reading the tally
        while holding the lease, so a later edit never shows an older tally than an earlier
        one. A result stored (or forgotten) bumps the card's change counter in its own
        transaction. SQLite: one BEGIN IMMEDIATE transaction. PostgreSQL: one conditional
        UPDATE (the row lock orders concurrent claims), then the tally."""

    async def end_tally_edit(self, card_id: str, seq: int | None) -> bool:
        """Release the lease; `seq` is what the message now shows (None: the edit failed).
        True when the results changed meanwhile: edit again."""

    async def claim_identify(self, bucket: int, shard: int, now: float, spacing: float) -> float:
        """0.0: Discord shard `shard` may send IDENTIFY now (recorded for its bucket
        `shard % max_concurrency` and for the shard); else the seconds to wait before asking
        again. The rule is bot/core/identify.py; one lock orders concurrent claims of every
        process sharing the database, so one bucket identifies at most once per `spacing`."""

    async def stats(self, platform: str, scope: str) -> dict[str, int]:
        """Top role -> number of people in the server/workspace (latest result per person)."""

    async def set_dms_closed(self, user: UserRef, now: float) -> None: ...

    async def dms_closed(self, user: UserRef) -> bool: ...

    async def forget(self, user: UserRef) -> Forgotten:
        """Delete every row about the user (sessions, answers, results, DM note, path
        progress, reminders) in one transaction; what was deleted. Atomic on both engines
        (PostgreSQL locks the user's sessions first, so an answer in flight lands before or
        not at all); bumps the tally change counter of the cards it affects."""

    # -- learning-path progress and reminders ------------------------------------------

    async def set_stage(
        self, user: UserRef, role: str, stage: str, scope: str, done: bool, now: float
    ) -> bool:
        """Mark the stage of the user's path for `role` done (or not done). True only if
        this call changed it: a double press, or two processes, change it once."""

    async def stages_done(self, user: UserRef, role: str) -> frozenset[str]:
        """The stage ids the user marked done on the path for `role`."""

    async def progress_counts(self, platform: str, scope: str) -> dict[str, dict[int, int]]:
        """Role -> {number of stages done: people}, for the people who last ticked a stage
        in this server/workspace."""

    async def finished_since(self, platform: str, scope: str, since: float) -> list[float]:
        """When each quiz here was finished (result times), since `since`."""

    async def set_nudge(self, nudge: Nudge) -> None:
        """Create or replace the user's reminder schedule."""

    async def get_nudge(self, user: UserRef) -> Nudge | None: ...

    async def stop_nudge(self, user: UserRef, reason: NudgeStop) -> bool:
        """Stop the user's reminders (keeping the row: `reason` is shown once by /path).
        True if they were on."""

    async def clear_nudge(self, user: UserRef) -> None:
        """Delete the user's reminder schedule, whatever its state."""

    async def claim_due_nudges(self, now: float, limit: int = 100) -> list[Nudge]:
        """Reminders that are on and due at `now`, each moved to `now + every` in the same
        write, so that of several processes exactly one gets each, and a reminder missed
        while pathbot was down is sent once, not once per missed interval."""

    async def reschedule_nudge(self, user: UserRef, due_at: float) -> None:
        """Make the user's reminder (if on) due at `due_at` (a transient DM failure: again
        at the next tick)."""

    async def prune_sessions(self, touched_before: float) -> int:
        """Delete every unfinished session (with its answers) last touched before
        `touched_before` (Unix seconds); how many. In batches, each its own short
        transaction, so presses go on in between. A finished session (a result) is never
        deleted, nor one touched since, so several replicas may prune at once."""

    # -- Slack installations (OAuth) --------------------------------------------------

    async def save_installation(self, installation: Installation) -> None:
        """Create or replace the workspace's installation (a reinstall replaces it)."""

    async def get_installation(self, team_id: str) -> Installation | None: ...

    async def delete_installation(self, team_id: str) -> bool:
        """Delete the workspace's installation; True if there was one."""

    async def save_oauth_state(self, state: str, expires_at: float) -> None:
        """Remember an OAuth state until `expires_at` (and drop the expired ones)."""

    async def consume_oauth_state(self, state: str, now: float) -> bool:
        """True exactly once for a state saved and not yet expired: one conditional
        DELETE, so two replicas (or a replayed redirect) cannot both use it."""

    async def forget_workspace(self, platform: str, workspace: str) -> int:
        """Delete everything about the workspace's users (sessions, answers, results, DM
        notes, path progress, reminders) and the quiz cards posted there (with every
        session and result on them), in one transaction; how many rows."""

    async def close(self) -> None: ...


class StoreBusy(DomainError):
    """Another program held the database's write lock for longer than the store waits
    (a minute): nothing was written. Shown to the person like any DomainError."""

    def __init__(self) -> None:
        super().__init__("The database is busy right now (another program is holding it), "
                         "so nothing was saved. Please try again in a minute.")
