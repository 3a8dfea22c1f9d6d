"""What the service keeps between button presses: sessions, results, in-channel quiz cards."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from bot.core.models import UserRef

SessionStatus = Literal["active", "finished"]


@dataclass(frozen=True)
class QuizSession:
    """One person's run through the quiz. `answers[i]` is the option index for question i."""

    id: str
    user: UserRef
    scope: str
    channel_id: str
    card_id: str
    content_version: str
    answers: tuple[int, ...] = ()
    status: SessionStatus = "active"
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def position(self) -> int:
        """Index of the question to answer next."""
        return len(self.answers)

    def with_answer(self, option: int, now: float) -> QuizSession:
        return replace(self, answers=(*self.answers, option), updated_at=now)


@dataclass(frozen=True)
class AnswerOutcome:
    """What `Store.answer` did: `wrote` (this call stored the answer) and, when it did not,
    the session as it stands, read in the same transaction (the refusal's reason is in it;
    None when there is no such session). When it wrote, `session` is None: the caller
    knows where the quiz stands (the next question), and not reading it back is most of
    what a press costs the store."""

    wrote: bool
    session: QuizSession | None


@dataclass(frozen=True)
class RoleScore:
    role_id: str
    percent: int
    points: int


@dataclass(frozen=True)
class QuizResult:
    """A finished quiz. `scores` sum to 100 percent, highest first; `top_role` wins ties."""

    session_id: str
    user: UserRef
    scope: str
    card_id: str
    content_version: str
    scores: tuple[RoleScore, ...]
    top_role: str
    created_at: float
    shared: bool = False


@dataclass(frozen=True)
class TallyClaim:
    """What `Store.claim_tally_edit` gave: "edit" (this process holds the card's lease and
    shows `tally`, as of change `seq`), "busy" (another process is editing it: try again
    later) or "current" (the message already shows the latest tally: nothing to do)."""

    status: Literal["edit", "busy", "current"]
    seq: int = 0
    tally: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Forgotten:
    """What `forget` deleted: the row count, and the quiz cards whose tally counted the user."""

    rows: int
    card_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuizCard:
    """An in-channel "Which path fits you?" message. `message_ref` is "channel:message"
    (the platform's ids, see `location`), "" until the message is posted."""

    id: str
    platform: str
    scope: str
    channel_id: str
    message_ref: str = ""
    created_at: float = 0.0

    @staticmethod
    def ref(channel_id: str, message_id: str) -> str:
        return f"{channel_id}:{message_id}"

    def location(self) -> tuple[str, str]:
        """(channel id, message id) of the posted card; ("", "") before it is posted."""
        channel_id, _, message_id = self.message_ref.partition(":")
        return channel_id, message_id


NudgeStop = Literal["", "user", "done", "closed"]


@dataclass(frozen=True)
class Nudge:
    """A person's reminder schedule: their next unfinished stage of `role` by DM, every
    `every` seconds, sent where they took the quiz (platform and workspace of `user`, and
    `scope`: the server or workspace). `stopped` is "" while on, else why it stopped."""

    user: UserRef
    role: str
    scope: str
    every: float
    due_at: float
    stopped: NudgeStop = ""
