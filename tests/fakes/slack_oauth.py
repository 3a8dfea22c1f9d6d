"""Slack's OAuth side, for the fake Slack: `oauth.v2.access` and a token per workspace.

A test grants an install (`grant(team)`: the code Slack would put in the redirect); pathbot
exchanges it with `oauth.v2.access`, authenticated with the app's client id and secret
(HTTP Basic, as slack_sdk sends them, or form fields). The rules, as Slack states them: a
wrong client id or secret is refused (`invalid_client_id`, `bad_client_secret`); a code
works once (`invalid_code` after, or for a code never granted). Each exchange mints a bot
token of that workspace: `auth.test` answers with that workspace for it, and
`revoke(team)` (what uninstalling does) makes every call with it fail `token_revoked`.
With `only_issued`, a bot token the fake never minted is `invalid_auth`.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]
SCOPES = "commands,chat:write,chat:write.public,im:write,files:write,users:read"


class OAuthError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    installer: str
    bot_user_id: str
    bot_id: str


def basic_credentials(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


class SlackOAuth:
    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.client_id, self.client_secret = "1234.5678", "fake-client-secret"
        self.only_issued = False
        self._codes: dict[str, Team] = {}
        self._used: set[str] = set()
        self.tokens: dict[str, Team] = {}
        self.revoked: set[str] = set()
        self._n = itertools.count(1)

    def grant(self, team_id: str, *, name: str = "", installer: str = "U0INSTALLER") -> str:
        """A person allowed the install in `team_id`: the code for the redirect."""
        n = next(self._n)
        team = Team(team_id, name or team_id.lower(), installer, f"U0BOT{team_id}",
                    f"B0BOT{team_id}")
        code = f"code-{team_id}-{n}"
        self._codes[code] = team
        return code

    def token_of(self, team_id: str) -> str | None:
        """The newest live bot token minted for the workspace."""
        live = [t for t, team in self.tokens.items()
                if team.team_id == team_id and t not in self.revoked]
        return live[-1] if live else None

    def revoke(self, team_id: str) -> None:
        self.revoked |= {t for t, team in self.tokens.items() if team.team_id == team_id}

    def check_token(self, token: str) -> None:
        if token in self.revoked:
            raise OAuthError("token_revoked")
        if self.only_issued and token.startswith("xoxb-") and token not in self.tokens:
            raise OAuthError("invalid_auth")

    def access(self, args: JsonDict, credentials: tuple[str, str] | None) -> JsonDict:
        client_id, secret = credentials or (str(args.get("client_id", "")),
                                            str(args.get("client_secret", "")))
        if client_id != self.client_id:
            raise OAuthError("invalid_client_id")
        if secret != self.client_secret:
            raise OAuthError("bad_client_secret")
        code = str(args.get("code", ""))
        team = self._codes.get(code)
        if team is None or code in self._used:
            raise OAuthError("invalid_code")
        self._used.add(code)
        token = f"xoxb-{team.team_id}-{next(self._n)}"
        self.tokens[token] = team
        return {"ok": True, "access_token": token, "token_type": "bot", "scope": SCOPES,
                "bot_user_id": team.bot_user_id, "app_id": self.app_id,
                "team": {"id": team.team_id, "name": team.name}, "enterprise": None,
                "authed_user": {"id": team.installer}, "is_enterprise_install": False}

    def auth_test(self, token: str) -> JsonDict | None:
        """auth.test for a minted token; None for any other (the fake's default answer)."""
        team = self.tokens.get(token)
        if team is None:
            return None
        return {"ok": True, "url": f"https://{team.name}.slack.com/", "team": team.name,
                "user": "pathbot", "team_id": team.team_id, "user_id": team.bot_user_id,
                "bot_id": team.bot_id, "is_enterprise_install": False}
