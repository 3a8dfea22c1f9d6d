"""The quiz, pure: press checks, scores as percentages, the tie rule and the explanation.

Scoring: each chosen option adds its weight to each role. Percentages are the points'
shares rounded by largest remainder, so they always sum to 100 (an all-zero run splits
evenly). Tie rule: when roles share the highest points, the one listed first in
content/roles wins and the result says it was a tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.errors import AlreadyAnswered, ContentChanged, InvalidAction, NotYourQuiz
from bot.core.models import Content, Option, UserRef
from bot.core.records import QuizSession, RoleScore

MAX_DRIVERS = 3


@dataclass(frozen=True)
class Outcome:
    scores: tuple[RoleScore, ...]  # highest first; ties in content order
    top_role: str
    tied_with: tuple[str, ...]  # other roles with the same points as the top role
    drivers: tuple[tuple[str, str], ...]  # (question text, chosen label) that favoured the top


def ensure_owner(session: QuizSession, user: UserRef) -> None:
    if session.user != user:
        raise NotYourQuiz()


def ensure_can_answer(
    session: QuizSession, user: UserRef, question: int, version: str
) -> None:
    """Refuse a press that is not the owner's, is stale, or is from older content."""
    ensure_owner(session, user)
    if session.content_version != version:
        raise ContentChanged()
    if session.status != "active" or question != session.position:
        raise AlreadyAnswered()


def chosen(content: Content, answers: Sequence[int]) -> list[Option]:
    """The options picked, question by question; an out-of-range index is a tampered id."""
    if len(answers) > len(content.questions):
        raise InvalidAction()
    picks = []
    for question, index in zip(content.questions, answers, strict=False):
        if not 0 <= index < len(question.options):
            raise InvalidAction()
        picks.append(question.options[index])
    return picks


def percentages(points: Sequence[int]) -> list[int]:
    """Shares of 100 by largest remainder; equal split when every count is zero."""
    total = sum(points)
    if total == 0:
        points, total = [1] * len(points), len(points)
    exact = [p * 100 / total for p in points]
    floors = [int(x) for x in exact]
    order = sorted(range(len(points)), key=lambda i: (floors[i] - exact[i], i))
    for i in order[: 100 - sum(floors)]:
        floors[i] += 1
    return floors


def outcome(content: Content, answers: Sequence[int]) -> Outcome:
    picks = chosen(content, answers)
    role_ids = [role.id for role in content.roles]
    points = [sum(option.weight(role_id) for option in picks) for role_id in role_ids]
    percents = percentages(points)
    order = sorted(range(len(role_ids)), key=lambda i: (-points[i], i))
    scores = tuple(RoleScore(role_ids[i], percents[i], points[i]) for i in order)
    top = scores[0]
    tied = tuple(s.role_id for s in scores[1:] if s.points == top.points)
    return Outcome(scores, top.role_id, tied, _drivers(content, answers, top.role_id))


def _drivers(content: Content, answers: Sequence[int], top: str) -> tuple[tuple[str, str], ...]:
    """The answers that gave the top role the biggest lead over the best other role."""
    others = [role.id for role in content.roles if role.id != top]
    ranked = []
    for position, (question, option) in enumerate(
        zip(content.questions, chosen(content, answers), strict=False)
    ):
        lead = option.weight(top) - max(option.weight(x) for x in others)
        if lead > 0:
            ranked.append((-lead, position, question.text, option.label))
    ranked.sort()
    return tuple((text, label) for _, _, text, label in ranked[:MAX_DRIVERS])
