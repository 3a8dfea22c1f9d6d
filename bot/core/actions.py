"""Button action ids: built and parsed here only. Format `pb:<verb>:<args>`, ≤ 100 chars.

The id carries the session (or quiz card) and the question it belongs to, so a press can
be checked against SQLite after a restart; nothing waits in memory for a button.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.core.cards import Reply
from bot.core.errors import InvalidAction
from bot.core.limits import ACTION_ID
from bot.core.models import Place, UserRef

if TYPE_CHECKING:  # the service imports this table; at run time it is only called
    from bot.core.service import Service

Verb = Literal["start", "ans", "back", "share", "path", "retake", "forget", "keep",
               "done", "undo", "remind", "quiet"]
PREFIX = "pb"
_TOKEN = r"[A-Za-z0-9_-]{1,32}"
_REF = rf"(?P<ref>{_TOKEN})"
_QUESTION = r"(?P<q>\d{1,3})"
_VERSION = r"(?P<v>[0-9a-f]{12})"  # the content version the button was built with
_OWNER = r"(?P<w>[0-9a-f]{8})"  # whose path it is (owner_tag)
_STAGE = rf"{_REF}:(?P<q>\d{{1,2}}):{_VERSION}:{_OWNER}"  # role, stage index


@dataclass(frozen=True, slots=True)  # slots: one object per press for the collector, not two
class Press:
    """One press of a pathbot button: who, which action, where; `mention` names the
    person in a shared card."""

    user: UserRef
    action: Action
    place: Place
    mention: str = ""


@dataclass(frozen=True)
class VerbSpec:
    """A row of the button table: the id's arguments after `pb:<verb>:`, whether the answer
    replaces the message the button was on (the private quiz flow advancing in place) or
    comes as a new private message (Start on the public card; Share and the path button, so
    the result card keeps its buttons), and the service call that answers it."""

    args: str
    replaces_message: bool
    run: Callable[[Service, Press], Awaitable[Reply]]


VERBS: dict[str, VerbSpec] = {
    "start": VerbSpec(_REF, False, lambda s, p: s.on_start(p)),
    "ans": VerbSpec(rf"{_REF}:{_QUESTION}:(?P<o>\d{{1,2}})", True, lambda s, p: s.on_answer(p)),
    "back": VerbSpec(rf"{_REF}:{_QUESTION}", True, lambda s, p: s.on_back(p)),
    "share": VerbSpec(_REF, False, lambda s, p: s.on_share(p)),
    "path": VerbSpec(_REF, False, lambda s, p: s.on_path(p)),
    "retake": VerbSpec(_REF, True, lambda s, p: s.on_retake(p)),
    "forget": VerbSpec(r"(?P<ref>confirm)", True, lambda s, p: s.on_forget(p)),
    "keep": VerbSpec(r"(?P<ref>cancel)", True, lambda s, p: s.on_keep(p)),
    # The learning path's buttons: the answer is the path card again, updated in place.
    "done": VerbSpec(_STAGE, True, lambda s, p: s.on_stage(p, done=True)),
    "undo": VerbSpec(_STAGE, True, lambda s, p: s.on_stage(p, done=False)),
    "remind": VerbSpec(rf"{_REF}:{_VERSION}:{_OWNER}", True, lambda s, p: s.on_remind(p)),
    "quiet": VerbSpec(rf"{_REF}:{_OWNER}", True, lambda s, p: s.on_quiet(p)),
}
_PATTERNS = {verb: re.compile(rf"{PREFIX}:{verb}:{spec.args}") for verb, spec in VERBS.items()}
# One pattern for adapters that route every pathbot button to a single handler
# (discord.ui.DynamicItem template, slack-bolt action matcher).
ANY_ACTION = re.compile(r"pb:(?P<verb>[a-z]+):(?P<rest>[A-Za-z0-9_:-]{1,90})")


def replaces_message(action_id: str) -> bool:
    """Whether the answer to this press replaces the message the button was on."""
    match = ANY_ACTION.fullmatch(action_id)
    spec = VERBS.get(match["verb"]) if match else None
    return spec is not None and spec.replaces_message


@dataclass(frozen=True, slots=True)
class Action:
    verb: Verb
    ref: str  # session id, quiz card id, role id, or a fixed word for forget/keep
    question: int = -1  # the question, or the stage of a learning path
    option: int = -1
    version: str = ""  # content version (learning-path buttons)
    owner: str = ""  # owner_tag of the person whose path it is


def owner_tag(user: UserRef) -> str:
    """A short fingerprint of a person, carried by their learning-path buttons so that
    nobody else can press them (8 hex characters: not the id itself)."""
    who = f"{user.platform}:{user.workspace}:{user.user_id}".encode()
    return hashlib.sha256(who).hexdigest()[:8]


def new_id() -> str:
    """A short random id for sessions and quiz cards (12 url-safe characters)."""
    return secrets.token_urlsafe(9)


def build(verb: Verb, ref: str, question: int = -1, option: int = -1, *,
          version: str = "", owner: str = "") -> str:
    # Appends to one list and checks one pattern: this runs for every button of every
    # card (five per question card), so no comprehension or list concatenation here.
    parts = [PREFIX, verb, ref]
    if question >= 0:
        parts.append(str(question))
    if option >= 0:
        parts.append(str(option))
    if version:
        parts.append(version)
    if owner:
        parts.append(owner)
    action_id = ":".join(parts)
    if len(action_id) > ACTION_ID or not _PATTERNS[verb].fullmatch(action_id):
        raise ValueError(f"cannot build action id from {parts}")
    return action_id


def answer_ids(session_id: str, question: int, options: int) -> tuple[str, ...]:
    """The ids of a question's option buttons, 0 to options-1."""
    return tuple(build("ans", session_id, question, i) for i in range(options))


def parse(action_id: str) -> Action:
    """The action, or InvalidAction for anything we did not build (tampered or foreign)."""
    if len(action_id) > ACTION_ID:
        raise InvalidAction()
    parts = action_id.split(":", 2)  # pb, verb, the rest
    pattern = _PATTERNS.get(parts[1]) if len(parts) == 3 else None
    match = pattern.fullmatch(action_id) if pattern else None
    if match is None:
        raise InvalidAction()
    groups = match.groupdict()
    q, o = groups.get("q"), groups.get("o")
    return Action(
        verb=parts[1],  # type: ignore[arg-type]  # checked: it is a key of _PATTERNS
        ref=groups["ref"],
        question=int(q) if q else -1,
        option=int(o) if o else -1,
        version=groups.get("v") or "",
        owner=groups.get("w") or "",
    )
