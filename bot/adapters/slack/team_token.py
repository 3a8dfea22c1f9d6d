"""Whose token a Web API call carries: the workspace of the request (or DM) being served.

With one app installed in many workspaces (OAuth), every call must use the token of the
workspace it is about. Delivery and the tally edits share one `TeamClient`; its `token` is
the one `serving(token)` set for the current task (bolt's `authorize` sets it for a request,
and the listener tasks bolt starts after it inherit it, as asyncio tasks copy the context),
else the client's own (SLACK_BOT_TOKEN in single-workspace mode)."""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

_CURRENT: ContextVar[str | None] = ContextVar("pathbot_slack_token", default=None)


def serving(token: str) -> Token[str | None]:
    """Calls made from this task (and tasks it starts) carry `token`."""
    return _CURRENT.set(token)


def done_serving(mark: Token[str | None]) -> None:
    _CURRENT.reset(mark)


class TeamClient(AsyncWebClient):
    """An AsyncWebClient whose token is the current workspace's (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._own_token: str | None = None
        super().__init__(*args, **kwargs)

    @property
    def token(self) -> str | None:
        return _CURRENT.get() or self._own_token

    @token.setter
    def token(self, value: str | None) -> None:
        self._own_token = value
