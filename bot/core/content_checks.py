"""Checks across the whole content once every file has been read: ids, references, quiz."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.core import limits
from bot.core.models import Content, Question
from bot.core.yaml_reader import At, Reader

if TYPE_CHECKING:
    from bot.core.content import Origins


def check_semantics(r: Reader, c: Content, o: Origins) -> None:
    _check_ids(r, c, o)
    _check_refs(r, c, o)
    _check_roles_and_dimensions(r, c, o)
    _check_quiz(r, c, o)
    _check_paths(r, c, o)


def _where(o: Origins, obj: object) -> At:
    return o.of.get(id(obj), o.key_at.get("", At("content", 1, "")))


def _key(o: Origins, key: str) -> At:
    """Where a top-level list starts (its first file), for problems about the whole list."""
    return o.key_at.get(key) or At(o.key_at[""].file if "" in o.key_at else "content", 1, key)


def _unique(r: Reader, o: Origins, kind: str, items: Iterable[object], key: str = "id") -> None:
    seen: set[str] = set()
    for item in items:
        value = str(getattr(item, key))
        if value and value in seen:  # "" is a placeholder for a problem already reported
            r.fail(_where(o, item), f"duplicate {kind} id {value!r}")
        seen.add(value)


def _check_ids(r: Reader, c: Content, o: Origins) -> None:
    _unique(r, o, "role", c.roles)
    _unique(r, o, "dimension", c.dimensions)
    _unique(r, o, "question", c.questions)
    _unique(r, o, "skill", c.skills)
    _unique(r, o, "path for role", c.paths, key="role_id")
    for question in c.questions:
        _unique(r, o, "option", question.options)
    for path in c.paths:
        _unique(r, o, "stage", path.stages)


def _check_refs(r: Reader, c: Content, o: Origins) -> None:
    known = {"role": list(dict.fromkeys(x.id for x in c.roles)),
             "skill": list(dict.fromkeys(x.id for x in c.skills))}
    for kind, ident, at in o.refs:
        if ident and ident not in known[kind]:
            r.fail(at, f"unknown {kind} {ident!r} (known: {', '.join(known[kind]) or 'none'})")


def _check_roles_and_dimensions(r: Reader, c: Content, o: Origins) -> None:
    low, high = limits.ROLES
    if not low <= len(c.roles) <= high:
        r.fail(_key(o, "roles"), f"{len(c.roles)} roles; between {low} and {high} needed")
    for dim in c.dimensions:
        present = {role_id for role_id, _ in dim.values}
        for role in c.roles:
            if role.id not in present:
                r.fail(_where(o, dim), f"no value for role '{role.id}'")
    if not c.dimensions:
        r.fail(_key(o, "dimensions"), "at least one comparison dimension is needed")


def _check_quiz(r: Reader, c: Content, o: Origins) -> None:
    low, high = limits.QUESTIONS
    if not low <= len(c.questions) <= high:
        r.fail(_key(o, "questions"), f"{len(c.questions)} questions; {low}-{high} needed")
    role_ids = [role.id for role in c.roles]
    for question in c.questions:
        _check_question(r, o, question, role_ids)
    if not r.problems:
        for role_id in role_ids:
            if not can_win(c.questions, role_ids, role_id):
                r.fail(_key(o, "questions"),
                       f"role '{role_id}' can never come out on top: raise its weights")


def _check_question(r: Reader, o: Origins, question: Question, role_ids: list[str]) -> None:
    low, high = limits.OPTIONS_PER_QUESTION
    at = _where(o, question)
    if not low <= len(question.options) <= high:
        r.fail(at, f"{len(question.options)} options; between {low} and {high} needed")
    if not discriminates(question, role_ids):
        r.fail(at, "does not discriminate: every option moves the roles' points by the same "
                   "amounts, so no answer changes the result; make the weights differ")
    for option in question.options:
        if not any(option.weight(role_id) for role_id in role_ids):
            r.fail(_where(o, option), "every weight is 0: give at least one role a point")


def can_win(
    questions: Sequence[Question], role_ids: list[str], role_id: str, limit: int = 200_000
) -> bool:
    """Whether some answer sequence makes `role_id` the top role (ties: content order).

    Exact: walks every reachable points vector (they collapse quickly: small integer
    weights). Past `limit` vectors it cannot prove a role unreachable and says True.
    """
    states: set[tuple[int, ...]] = {tuple(0 for _ in role_ids)}
    for question in questions:
        vectors = {tuple(o.weight(r) for r in role_ids) for o in question.options}
        states = {tuple(a + b for a, b in zip(s, v, strict=True)) for s in states for v in vectors}
        if len(states) > limit:
            return True
    index = role_ids.index(role_id)
    return any(points.index(max(points)) == index for points in states)


def discriminates(question: Question, role_ids: list[str]) -> bool:
    """Some answer changes the gap between two roles (equal shifts for all never do)."""
    return any(
        len({o.weight(a) - o.weight(b) for o in question.options}) > 1
        for i, a in enumerate(role_ids) for b in role_ids[i + 1:]
    )


def _check_paths(r: Reader, c: Content, o: Origins) -> None:
    with_path = {p.role_id for p in c.paths}
    for role in c.roles:
        if role.id not in with_path:
            r.fail(_where(o, role), f"role '{role.id}' has no learning path in 'paths'")
    for path in c.paths:
        if len(path.stages) < limits.MIN_STAGES:
            r.fail(_where(o, path), f"{len(path.stages)} stages; at least {limits.MIN_STAGES}")
        if len(path.stages) > limits.MAX_STAGES:
            r.fail(_where(o, path), f"{len(path.stages)} stages; at most {limits.MAX_STAGES} "
                                    "(a Done button each fits on a Discord message)")
