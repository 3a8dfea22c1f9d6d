"""Domain types: the content (roles, comparison, quiz, learning paths) and who a user is.

All frozen: content is loaded once, validated, and shared read-only by every adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserRef:
    """A person on one platform. Discord ids are global (workspace ""), Slack's per team."""

    platform: str
    workspace: str
    user_id: str


@dataclass(frozen=True)
class Place:
    """Where a command was used: `scope` is the Discord guild or Slack team ("" for a DM)."""

    platform: str
    scope: str
    channel_id: str


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    emoji: str
    tagline: str
    summary: str
    how_they_work: tuple[str, ...]
    day_to_day: tuple[str, ...]
    example: str
    key_skills: tuple[str, ...]
    suits: str
    color: int


@dataclass(frozen=True)
class Dimension:
    """One row of the comparison: a value per role id."""

    id: str
    name: str
    values: tuple[tuple[str, str], ...]

    def value_for(self, role_id: str) -> str:
        return dict(self.values)[role_id]


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    weights: tuple[tuple[str, int], ...]
    shows: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def weight(self, role_id: str) -> int:
        return dict(self.weights).get(role_id, 0)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Skill:
    id: str
    name: str


@dataclass(frozen=True)
class Stage:
    id: str
    title: str
    goal: str
    skills: tuple[str, ...]
    project: str
    resources: tuple[str, ...]


@dataclass(frozen=True)
class LearningPath:
    role_id: str
    intro: str
    stages: tuple[Stage, ...]
    finished: str = ""  # the congratulation when every stage is done


@dataclass(frozen=True)
class Content:
    """Everything under content/, validated. `version` is a hash of the files' bytes."""

    version: str
    title: str
    source: str
    roles: tuple[Role, ...]
    dimensions: tuple[Dimension, ...]
    choosing: tuple[str, ...]
    bottom_line: str
    quiz_title: str
    questions: tuple[Question, ...]
    skills: tuple[Skill, ...]
    paths: tuple[LearningPath, ...]
    role_index: dict[str, Role] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "role_index", {r.id: r for r in self.roles})

    def role(self, role_id: str) -> Role:
        return self.role_index[role_id]

    def find_role(self, text: str) -> Role | None:
        """A role by id or name, case- and space-insensitively; a unique prefix also counts
        ("ml" finds ML Engineer)."""
        wanted = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
        if not wanted:
            return None
        names = {role.id: (role.id.replace("_", " "), role.name.lower()) for role in self.roles}
        exact = [r for r in self.roles if wanted in names[r.id]]
        prefix = [r for r in self.roles if any(n.startswith(wanted) for n in names[r.id])]
        found = exact or prefix
        return found[0] if len(found) == 1 else None

    def dimension(self, text: str) -> Dimension | None:
        wanted = text.strip().lower()
        for dim in self.dimensions:
            if wanted in {dim.id, dim.name.lower()}:
                return dim
        return None

    def path_for(self, role_id: str) -> LearningPath:
        return next(p for p in self.paths if p.role_id == role_id)

    def skill_name(self, skill_id: str) -> str:
        return next((s.name for s in self.skills if s.id == skill_id), skill_id)
