"""Button action ids: built and parsed here only. Format `pb:<verb>:<args>`, ≤ 100 chars.

The id carries the session (or quiz card) and the question it belongs to, so a press can
be checked against SQLite after a restart; nothing waits in memory for a button.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Literal

from bot.core.errors import InvalidAction
from bot.core.limits import ACTION_ID

Verb = Literal["start", "ans", "back", "share", "path", "retake", "forget", "keep"]
PREFIX = "pb"
_TOKEN = r"[A-Za-z0-9_-]{1,32}"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "start": re.compile(rf"pb:start:(?P<ref>{_TOKEN})"),
    "ans": re.compile(rf"pb:ans:(?P<ref>{_TOKEN}):(?P<q>\d{{1,3}}):(?P<o>\d{{1,2}})"),
    "back": re.compile(rf"pb:back:(?P<ref>{_TOKEN}):(?P<q>\d{{1,3}})"),
    "share": re.compile(rf"pb:share:(?P<ref>{_TOKEN})"),
    "path": re.compile(rf"pb:path:(?P<ref>{_TOKEN})"),
    "retake": re.compile(rf"pb:retake:(?P<ref>{_TOKEN})"),
    "forget": re.compile(r"pb:forget:(?P<ref>confirm)"),
    "keep": re.compile(r"pb:keep:(?P<ref>cancel)"),
}
# One pattern for adapters that route every pathbot button to a single handler
# (discord.ui.DynamicItem template, slack-bolt action matcher).
ANY_ACTION = re.compile(r"pb:(?P<verb>[a-z]+):(?P<rest>[A-Za-z0-9_:-]{1,90})")


# Presses answered in a new private message: Start (on the public card), and Share and
# the path button, so the result card keeps its buttons. Every other press replaces the
# private message its button was on (the quiz flow advancing in place).
OPENS_NEW_MESSAGE = frozenset({"start", "share", "path"})


def replaces_message(action_id: str) -> bool:
    """Whether the answer to this press replaces the message the button was on."""
    match = ANY_ACTION.fullmatch(action_id)
    return match is not None and match["verb"] not in OPENS_NEW_MESSAGE


@dataclass(frozen=True)
class Action:
    verb: Verb
    ref: str  # session id, quiz card id, or a fixed word for forget/keep
    question: int = -1
    option: int = -1


def new_id() -> str:
    """A short random id for sessions and quiz cards (12 url-safe characters)."""
    return secrets.token_urlsafe(9)


def build(verb: Verb, ref: str, question: int = -1, option: int = -1) -> str:
    parts = [PREFIX, verb, ref]
    if question >= 0:
        parts.append(str(question))
    if option >= 0:
        parts.append(str(option))
    action_id = ":".join(parts)
    if len(action_id) > ACTION_ID or not _PATTERNS[verb].fullmatch(action_id):
        raise ValueError(f"cannot build action id from {parts}")
    return action_id


def parse(action_id: str) -> Action:
    """The action, or InvalidAction for anything we did not build (tampered or foreign)."""
    if len(action_id) > ACTION_ID:
        raise InvalidAction()
    verb = action_id.split(":", 2)[1] if action_id.count(":") >= 2 else ""
    pattern = _PATTERNS.get(verb)
    match = pattern.fullmatch(action_id) if pattern else None
    if match is None:
        raise InvalidAction()
    groups = match.groupdict()
    return Action(
        verb=verb,  # type: ignore[arg-type]  # checked: it is a key of _PATTERNS
        ref=groups["ref"],
        question=int(groups.get("q") or -1),
        option=int(groups.get("o") or -1),
    )
