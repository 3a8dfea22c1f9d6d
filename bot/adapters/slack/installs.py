"""The workspaces the shared app is installed in: bolt's `authorize` in OAuth mode, the
token of each workspace, and forgetting one on uninstall.

Installations live in pathbot's own database (Store: migration 0006), so every replica
sees an install at once. Each replica caches an installation it read for `ttl` seconds
(not its absence): a request costs no query, an uninstall drops the entry here at once,
and another replica's entry lives at most `ttl` more seconds (Slack refuses the revoked
token meanwhile anyway)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from slack_bolt.authorization import AuthorizeResult

from bot.adapters.slack.sealing import Sealer, Unreadable
from bot.core.installs import Installation
from bot.core.ports import Store

log = logging.getLogger(__name__)

CACHE_FOR = 60.0  # seconds
PLATFORM = "slack"


class Installs:
    def __init__(self, store: Store, sealer: Sealer, ttl: float = CACHE_FOR,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store, self.sealer, self.ttl, self.clock = store, sealer, ttl, clock
        self._cache: dict[str, tuple[float, AuthorizeResult]] = {}

    async def save(self, installation: Installation) -> None:
        sealed = replace(installation, bot_token=self.sealer.seal(installation.bot_token))
        await self.store.save_installation(sealed)
        self._cache.pop(installation.team_id, None)

    async def authorize(self, team_id: str | None) -> AuthorizeResult | None:
        """The workspace's bot token and ids, or None when it is not installed."""
        if not team_id:
            return None
        now = self.clock()
        cached = self._cache.get(team_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        result = await self._load(team_id)
        if result is not None:  # "not installed" is not cached: an install on another
            self._cache[team_id] = (now, result)  # replica counts at once
        return result

    async def _load(self, team_id: str) -> AuthorizeResult | None:
        found = await self.store.get_installation(team_id)
        if found is None:
            return None
        try:
            token = self.sealer.open(found.bot_token)
        except Unreadable as exc:
            log.error("slack: a stored installation token cannot be read (%s)", exc)
            return None
        return AuthorizeResult(enterprise_id=found.enterprise_id or None, team_id=team_id,
                               bot_token=token, bot_user_id=found.bot_user_id,
                               bot_id=found.bot_id or None, bot_scopes=found.scopes)

    async def token(self, team_id: str) -> str | None:
        result = await self.authorize(team_id)
        return result.bot_token if result is not None else None

    async def uninstalled(self, team_id: str, *, forget_data: bool) -> None:
        """app_uninstalled (and the data goes too) or tokens_revoked (the install only)."""
        self._cache.pop(team_id, None)
        removed = await self.store.delete_installation(team_id)
        rows = await self.store.forget_workspace(PLATFORM, team_id) if forget_data else 0
        self._cache.pop(team_id, None)  # a request may have read it back meanwhile
        what = "uninstalled; its data deleted" if forget_data else "revoked its tokens"
        log.info("slack: a workspace %s (installation %s, %d rows)", what,
                 "removed" if removed else "already gone", rows)
