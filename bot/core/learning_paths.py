"""Learning-path advice: the path of a role, and what the person's answers say about them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import Content, LearningPath
from bot.core.quiz import chosen


@dataclass(frozen=True)
class PathAdvice:
    path: LearningPath
    role_name: str
    has: tuple[str, ...]  # skill names the answers suggest the person already has
    lacks: tuple[str, ...]  # skill names the answers suggest they should work on


def advise(content: Content, role_id: str, answers: Sequence[int] = ()) -> PathAdvice:
    """The role's path (stages in content order) with a note drawn from quiz answers.

    A skill counts as "has" when an answer shows it and none says it is needed; only
    skills that appear in this path are mentioned, in the path's order.
    """
    path = content.path_for(role_id)
    picks = chosen(content, answers)
    shown = {skill for option in picks for skill in option.shows}
    needed = {skill for option in picks for skill in option.needs}
    in_path = list(dict.fromkeys(skill for stage in path.stages for skill in stage.skills))
    has = tuple(content.skill_name(s) for s in in_path if s in shown and s not in needed)
    lacks = tuple(content.skill_name(s) for s in in_path if s in needed)
    return PathAdvice(path, content.role(role_id).name, has, lacks)
