"""Between the store's records and database rows: statements and their parameters out,
records back. Shared by both engines: a row is anything indexed by column name (sqlite3.Row,
asyncpg.Record); statements are written with SQLite's `:name` parameters, and `dollar()`
turns one into PostgreSQL's `$n` form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import groupby
from typing import Any, Protocol

from bot.core.models import UserRef
from bot.core.records import QuizCard, QuizResult, QuizSession, RoleScore


class Row(Protocol):
    def __getitem__(self, key: str, /) -> Any: ...


PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


@lru_cache(maxsize=64)
def dollar(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with each `:name` as `$n` (numbered by first appearance), and the names in
    order: `args(names, params)` gives the positional arguments."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return PARAM.sub(number, sql), tuple(names)


def check_result(session_id: str, result: QuizResult | None) -> None:
    """record_answer's guard (both engines): a result belongs to the session answered."""
    if result is not None and result.session_id != session_id:
        raise ValueError(f"result is for session {result.session_id}, not {session_id}")


def args(names: tuple[str, ...], params: Mapping[str, Any]) -> list[Any]:
    return [params[name] for name in names]


# One person's rows (every table keys people the same way).
USER = "platform = :platform AND workspace = :workspace AND user_id = :user_id"

# Top role -> people, counting each person's latest result among the rows `{where}` selects.
TALLY = """
SELECT top_role, count(*) AS people FROM (
    SELECT top_role, row_number() OVER (
        PARTITION BY platform, workspace, user_id ORDER BY created_at DESC, id DESC
    ) AS newest
    FROM results WHERE {where}
) AS latest WHERE newest = 1
GROUP BY top_role ORDER BY people DESC, top_role"""

# What /forget deletes of the quiz, children first (rows removed by ON DELETE CASCADE
# would not be counted); path_sql.FORGET adds progress and reminders.
FORGET_QUIZ = (
    f"DELETE FROM answers WHERE session_id IN (SELECT id FROM sessions WHERE {USER})",
    f"DELETE FROM results WHERE {USER}",
    f"DELETE FROM sessions WHERE {USER}",
    f"DELETE FROM dm_status WHERE {USER}",
)
FORGET_CARDS = f"SELECT DISTINCT card_id FROM results WHERE {USER} ORDER BY card_id"

# Sessions with their answers in one statement (one row per answer, or one row with a NULL
# option when there are none), so that a read needs no transaction.
SELECT_SESSIONS = """
SELECT s.*, a.option FROM sessions AS s
LEFT JOIN answers AS a ON a.session_id = s.id
WHERE s.id IN ({ids}) ORDER BY s.id, a.question"""

# Only if the person has no active session on this card for this content version, so a
# double press of Start or Retake creates one session (the group commit runs jobs in order).
INSERT_SESSION = """
INSERT INTO sessions (id, platform, workspace, user_id, scope, channel_id, card_id,
                      content_version, status, created_at, updated_at)
SELECT :id, :platform, :workspace, :user_id, :scope, :channel_id, :card_id,
       :content_version, 'active', :created_at, :updated_at
WHERE NOT EXISTS (
    SELECT 1 FROM sessions
    WHERE platform = :platform AND workspace = :workspace AND user_id = :user_id
      AND card_id = :card_id AND content_version = :content_version AND status = 'active')"""

INSERT_RESULT = """
INSERT INTO results (session_id, platform, workspace, user_id, scope, card_id,
                     content_version, scores, top_role, created_at, shared)
VALUES (:session_id, :platform, :workspace, :user_id, :scope, :card_id,
        :content_version, :scores, :top_role, :created_at, :shared)"""


def user_params(user: UserRef) -> dict[str, str]:
    return {"platform": user.platform, "workspace": user.workspace, "user_id": user.user_id}


def user(row: Row) -> UserRef:
    return UserRef(row["platform"], row["workspace"], row["user_id"])


def sessions(found: Iterable[Row]) -> dict[str, QuizSession]:
    """Sessions by id from SELECT_SESSIONS's rows (one per answer, by id and question)."""
    return {sid: session(list(group)) for sid, group in groupby(found, lambda r: str(r["id"]))}


def session(rows: list[Row]) -> QuizSession:
    """A session from its rows: one per answer in question order, or one with option NULL."""
    return session_with(rows[0], tuple(int(r["option"]) for r in rows
                                       if r["option"] is not None))


def session_with(row: Row, answers: tuple[int, ...]) -> QuizSession:
    """A session from its sessions row and its answers in question order."""
    return QuizSession(
        id=row["id"], user=user(row), scope=row["scope"], channel_id=row["channel_id"],
        card_id=row["card_id"], content_version=row["content_version"], answers=answers,
        status="finished" if row["status"] == "finished" else "active",
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


def session_params(quiz: QuizSession) -> dict[str, Any]:
    return {
        "id": quiz.id, **user_params(quiz.user), "scope": quiz.scope,
        "channel_id": quiz.channel_id, "card_id": quiz.card_id,
        "content_version": quiz.content_version, "created_at": quiz.created_at,
        "updated_at": quiz.updated_at,
    }


def result_params(res: QuizResult) -> dict[str, Any]:
    scores = [[s.role_id, s.percent, s.points] for s in res.scores]
    return {
        "session_id": res.session_id, **user_params(res.user), "scope": res.scope,
        "card_id": res.card_id, "content_version": res.content_version,
        "scores": json.dumps(scores), "top_role": res.top_role,
        "created_at": res.created_at, "shared": int(res.shared),
    }


def result(row: Row) -> QuizResult:
    scores: Iterable[list[Any]] = json.loads(row["scores"])
    return QuizResult(
        session_id=row["session_id"], user=user(row), scope=row["scope"],
        card_id=row["card_id"], content_version=row["content_version"],
        scores=tuple(RoleScore(str(r), int(p), int(pts)) for r, p, pts in scores),
        top_role=row["top_role"], created_at=row["created_at"], shared=bool(row["shared"]),
    )


def card(row: Row) -> QuizCard:
    return QuizCard(
        id=row["id"], platform=row["platform"], scope=row["scope"],
        channel_id=row["channel_id"], message_ref=row["message_ref"],
        created_at=row["created_at"],
    )
