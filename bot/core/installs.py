"""A Slack workspace's installation of the shared app (OAuth), as the store keeps it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Installation:
    """One workspace's install. `bot_token` is what the store holds: the token itself, or
    its encrypted form when PATHBOT_SECRET_KEY is set (the adapter seals and opens it; the
    store never knows which). `scopes` is Slack's comma-separated list."""

    team_id: str
    enterprise_id: str
    bot_token: str = field(repr=False)
    bot_user_id: str
    bot_id: str
    scopes: str
    installer: str  # the Slack user id of who pressed "Allow"
    installed_at: float
