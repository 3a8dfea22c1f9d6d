"""Load content/*.yaml into frozen domain types, reporting every problem with file and line.

Any file may hold any top-level key: the five text keys (title, source, quiz_title,
choosing, bottom_line) must appear once in the folder; the lists (roles, dimensions,
questions, skills, paths) are joined in file-name order. So a new role can be a YAML edit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core import limits
from bot.core.content_checks import check_semantics
from bot.core.errors import ContentError
from bot.core.models import (
    Content,
    Dimension,
    LearningPath,
    Option,
    Question,
    Role,
    Skill,
    Stage,
)
from bot.core.yaml_reader import At, Reader

TEXT_KEYS = ("title", "source", "quiz_title", "bottom_line")
LIST_KEYS = ("roles", "dimensions", "questions", "skills", "paths")
ALL_KEYS = (*TEXT_KEYS, "choosing", *LIST_KEYS)


@dataclass
class Origins:
    """Where each built object came from, for the semantic checks' messages."""

    of: dict[int, At] = field(default_factory=dict)
    key_at: dict[str, At] = field(default_factory=dict)  # top-level key -> first place; "" file
    refs: list[tuple[str, str, At]] = field(default_factory=list)  # (kind, id, where)

    def note(self, obj: object, at: At) -> None:
        self.of[id(obj)] = at


def content_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def content_version(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def load_content(directory: Path) -> Content:
    """The validated content, or ContentError listing every problem."""
    content, problems = check_content(directory)
    if problems or content is None:
        raise ContentError(problems)
    return content


def check_content(directory: Path) -> tuple[Content | None, list[str]]:
    reader = Reader()
    files = content_files(directory)
    if not files:
        return None, [f"{directory}:1: (folder): no .yaml files found"]
    origins = Origins()
    top = _gather(reader, files, origins)
    builder = _Builder(reader, origins)
    version = "" if reader.problems else content_version(files)  # not over a huge file
    content = builder.content(top, files, version)
    check_semantics(reader, content, origins)  # also after structural problems: one pass
    return (None if reader.problems else content), reader.problems


def _gather(
    reader: Reader, files: list[Path], origins: Origins
) -> dict[str, list[tuple[yaml.Node, At]]]:
    """Top-level entries of every file: key -> [(node, where)]."""
    top: dict[str, list[tuple[yaml.Node, At]]] = {key: [] for key in ALL_KEYS}
    origins.key_at[""] = At(files[0].name, 1, "")
    for file in files:
        root = reader.compose(file)
        if root is None:
            continue
        entries = reader.mapping(root, At(file.name, 1, ""), (), ALL_KEYS)
        for key, (node, at) in entries.items():
            origins.key_at.setdefault(key, at)
            if key in LIST_KEYS:
                top[key].extend(reader.sequence(node, at))
            else:
                top[key].append((node, at))
    first = files[0].name
    for key in (*TEXT_KEYS, "choosing"):
        if not top[key]:
            reader.fail(At(first, 1, key), f"missing field '{key}' (in any content file)")
        for _node, at in top[key][1:]:
            reader.fail(at, f"'{key}' is set in more than one place")
    return top


class _Builder:
    def __init__(self, reader: Reader, origins: Origins) -> None:
        self.r = reader
        self.origins = origins

    def content(
        self, top: dict[str, list[tuple[yaml.Node, At]]], files: list[Path], version: str
    ) -> Content:
        def text(key: str, max_len: int = limits.PARAGRAPH) -> str:
            return self.r.text(*top[key][0], max_len) if top[key] else ""

        choosing = (
            self.r.text_list(*top["choosing"][0], limits.LIST_ITEM) if top["choosing"] else ()
        )
        return Content(
            version=version,
            title=text("title", limits.NAME),
            source=text("source", limits.LIST_ITEM),
            roles=tuple(self.role(*item) for item in top["roles"]),
            dimensions=tuple(self.dimension(*item) for item in top["dimensions"]),
            choosing=choosing,
            bottom_line=text("bottom_line"),
            quiz_title=text("quiz_title", limits.NAME),
            questions=tuple(self.question(*item) for item in top["questions"]),
            skills=tuple(self.skill(*item) for item in top["skills"]),
            paths=tuple(self.path(*item) for item in top["paths"]),
        )

    def role(self, node: yaml.Node, at: At) -> Role:
        f = self.r.mapping(node, at, ("id", "name", "emoji", "tagline", "color", "summary",
                                      "how_they_work", "day_to_day", "example", "key_skills",
                                      "suits"))
        t = self._texts(f)
        role = Role(
            id=self._id(f), name=t("name", limits.NAME), emoji=t("emoji", 16),
            tagline=t("tagline", limits.NAME), summary=t("summary", limits.SUMMARY),
            how_they_work=self._list(f, "how_they_work"), day_to_day=self._list(f, "day_to_day"),
            example=t("example", limits.LIST_ITEM * 2), key_skills=self._list(f, "key_skills"),
            suits=t("suits", limits.PARAGRAPH), color=self._color(f),
        )
        self.origins.note(role, at)
        return role

    def dimension(self, node: yaml.Node, at: At) -> Dimension:
        f = self.r.mapping(node, at, ("id", "name", "values"))
        values: list[tuple[str, str]] = []
        if "values" in f:
            for role_id, value_node, value_at in self.r.keyed(*f["values"]):
                values.append((role_id, self.r.text(value_node, value_at, limits.DIMENSION_VALUE)))
                self.origins.refs.append(("role", role_id, value_at))
        dim = Dimension(id=self._id(f), name=self._texts(f)("name", limits.NAME),
                        values=tuple(values))
        self.origins.note(dim, at)
        return dim

    def question(self, node: yaml.Node, at: At) -> Question:
        f = self.r.mapping(node, at, ("id", "text", "options"))
        options = tuple(self.option(*item) for item in self._items(f, "options"))
        question = Question(id=self._id(f), text=self._texts(f)("text", limits.QUESTION_TEXT),
                            options=options)
        self.origins.note(question, at)
        return question

    def option(self, node: yaml.Node, at: At) -> Option:
        f = self.r.mapping(node, at, ("id", "label", "weights"), ("shows", "needs"))
        weights: list[tuple[str, int]] = []
        if "weights" in f:
            for role_id, value_node, value_at in self.r.keyed(*f["weights"]):
                weights.append((role_id, self.r.integer(value_node, value_at)))
                self.origins.refs.append(("role", role_id, value_at))
        option = Option(id=self._id(f), label=self._texts(f)("label", limits.BUTTON_LABEL),
                        weights=tuple(weights), shows=self._skill_refs(f, "shows"),
                        needs=self._skill_refs(f, "needs"))
        self.origins.note(option, at)
        return option

    def skill(self, node: yaml.Node, at: At) -> Skill:
        f = self.r.mapping(node, at, ("id", "name"))
        skill = Skill(id=self._id(f), name=self._texts(f)("name", limits.NAME))
        self.origins.note(skill, at)
        return skill

    def path(self, node: yaml.Node, at: At) -> LearningPath:
        f = self.r.mapping(node, at, ("role", "intro", "stages", "finished"))
        role_id = self.r.ident(*f["role"]) if "role" in f else ""
        if "role" in f:
            self.origins.refs.append(("role", role_id, f["role"][1]))
        stages = tuple(self.stage(*item) for item in self._items(f, "stages"))
        t = self._texts(f)
        path = LearningPath(role_id=role_id, intro=t("intro", limits.PARAGRAPH), stages=stages,
                            finished=t("finished", limits.PARAGRAPH))
        self.origins.note(path, at)
        return path

    def stage(self, node: yaml.Node, at: At) -> Stage:
        f = self.r.mapping(node, at, ("id", "title", "goal", "skills", "project", "resources"))
        t = self._texts(f)
        stage = Stage(
            id=self._id(f), title=t("title", limits.NAME), goal=t("goal", limits.PARAGRAPH),
            skills=self._skill_refs(f, "skills"), project=t("project", limits.PARAGRAPH),
            resources=self._list(f, "resources"),
        )
        self.origins.note(stage, at)
        return stage

    # -- small helpers over a mapping's entries -------------------------------------------
    Fields = dict[str, tuple[yaml.Node, At]]

    def _texts(self, f: Fields) -> _TextGetter:
        return _TextGetter(self.r, f)

    def _id(self, f: Fields) -> str:
        return self.r.ident(*f["id"]) if "id" in f else ""

    def _list(self, f: Fields, key: str) -> tuple[str, ...]:
        return self.r.text_list(*f[key], limits.LIST_ITEM) if key in f else ()

    def _items(self, f: Fields, key: str) -> list[tuple[yaml.Node, At]]:
        return self.r.sequence(*f[key]) if key in f else []

    def _skill_refs(self, f: Fields, key: str) -> tuple[str, ...]:
        if key not in f:
            return ()
        refs = self.r.id_list(*f[key])
        self.origins.refs.extend(("skill", skill_id, at) for skill_id, at in refs)
        return tuple(skill_id for skill_id, _ in refs)

    def _color(self, f: Fields) -> int:
        if "color" not in f:
            return 0
        value = self.r.text(*f["color"], 7)
        try:
            if len(value) == 7 and value.startswith("#"):
                return int(value[1:], 16)
        except ValueError:
            pass
        self.r.fail(f["color"][1], f"colour {value!r} must look like #1f6feb")
        return 0


@dataclass(frozen=True)
class _TextGetter:
    r: Reader
    f: dict[str, tuple[yaml.Node, At]]

    def __call__(self, key: str, max_len: int) -> str:
        return self.r.text(*self.f[key], max_len) if key in self.f else ""
