"""Who and where a Slack request comes from, read from bolt's `body` (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.actions import replaces_message
from bot.core.models import Place, UserRef

PLATFORM = "slack"


@dataclass(frozen=True)
class Origin:
    """The person, the channel, and where to answer them (the request's `response_url`)."""

    user: UserRef
    place: Place
    response_url: str

    @property
    def user_id(self) -> str:
        return self.user.user_id

    @property
    def channel_id(self) -> str:
        return self.place.channel_id

    @property
    def mention(self) -> str:
        return f"<@{self.user.user_id}>"


def from_command(body: dict[str, Any]) -> Origin:
    """A slash command's form fields."""
    team = str(body.get("team_id") or "")
    return Origin(
        UserRef(PLATFORM, team, str(body.get("user_id", ""))),
        Place(PLATFORM, team, str(body.get("channel_id", ""))),
        str(body.get("response_url") or ""),
    )


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the payload, or {} when a signed but odd payload has something else."""
    return value if isinstance(value, dict) else {}


def from_action(body: dict[str, Any]) -> Origin:
    """A `block_actions` payload (the team may be absent on org-wide installs: use the user's)."""
    user = _object(body.get("user"))
    team = str(_object(body.get("team")).get("id") or user.get("team_id") or "")
    channel = _object(body.get("channel")).get("id") or _object(body.get("container")).get(
        "channel_id", "")
    return Origin(
        UserRef(PLATFORM, team, str(user.get("id", ""))),
        Place(PLATFORM, team, str(channel)),
        str(body.get("response_url") or ""),
    )


def replaces_original(body: dict[str, Any], action_id: str) -> bool:
    """Whether the answer to this press replaces the message the button was on: the
    person's own messages only, a private (ephemeral) one or one in their DM with the bot
    (the learning path); never a channel message (the quiz card stays for everyone)."""
    container = body.get("container") or {}
    in_dm = str(container.get("channel_id", "")).startswith("D")
    mine = bool(container.get("is_ephemeral")) or in_dm
    return mine and replaces_message(action_id)


def retry_number(headers: dict[str, Any]) -> int:
    """Slack's `X-Slack-Retry-Num` (0 for a first delivery); bolt's headers hold lists."""
    value = headers.get("x-slack-retry-num")
    first = value[0] if isinstance(value, list | tuple) and value else value
    try:
        return int(first or 0)
    except (TypeError, ValueError):
        return 0
