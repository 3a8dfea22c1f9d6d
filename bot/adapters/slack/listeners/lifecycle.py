"""app_uninstalled and tokens_revoked (OAuth mode): the workspace's installation goes at
once; on app_uninstalled everything pathbot stored about the workspace goes too.

Bolt lets these two events through without `authorize` (the token is already dead) and
acks events itself."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.installs import Installs


def _team(body: dict[str, Any]) -> str:
    return str(body.get("team_id") or "")


def register(app: AsyncApp, installs: Installs) -> None:
    @app.event("app_uninstalled")
    async def uninstalled(body: dict[str, Any]) -> None:
        if team := _team(body):
            await installs.uninstalled(team, forget_data=True)

    @app.event("tokens_revoked")
    async def revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        # Only bot tokens matter: pathbot stores no user tokens.
        raw = event.get("tokens")
        tokens: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if (team := _team(body)) and tokens.get("bot"):
            await installs.uninstalled(team, forget_data=False)
