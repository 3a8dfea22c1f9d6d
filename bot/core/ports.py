"""The ports core needs from outside: the async Store the service keeps everything in.

Implemented in bot/storage/ (SQLite: sqlite.py); bot/bootstrap.py picks one from the
configuration. Core declares the port so it never imports a storage engine."""

from __future__ import annotations

from typing import Protocol

from bot.core.models import UserRef
from bot.core.records import Forgotten, QuizCard, QuizResult, QuizSession


class Store(Protocol):
    applied_migrations: tuple[int, ...]  # what opening it applied, for `pathbot db migrate`

    async def create_session(self, session: QuizSession) -> bool:
        """Insert a new active session with no answers (its quiz card must exist). False,
        writing nothing, when the user already has an active session on that card for the
        same content version: a double press of Start or Retake makes one session."""

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
        duplicate/stale press (nothing written)."""

    async def undo_answer(self, session_id: str, question: int, now: float) -> bool:
        """Go back: delete the answer to `question - 1` only if `question` is the current
        question of an active session. True if this call wrote."""

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

    async def stats(self, platform: str, scope: str) -> dict[str, int]:
        """Top role -> number of people in the server/workspace (latest result per person)."""

    async def set_dms_closed(self, user: UserRef, now: float) -> None: ...

    async def dms_closed(self, user: UserRef) -> bool: ...

    async def forget(self, user: UserRef) -> Forgotten:
        """Delete every row about the user in one transaction; what was deleted."""

    async def prune_sessions(self, touched_before: float) -> int:
        """Delete every unfinished session (with its answers) last touched before
        `touched_before` (Unix seconds); how many. In batches, each its own short
        transaction, so presses go on in between. A finished session (a result) is never
        deleted, nor one touched since, so several replicas may prune at once."""

    async def close(self) -> None: ...
