"""Installing the shared app in a workspace (OAuth v2), pathbot's own small flow.

    GET /slack/install         an "Add to Slack" page: a fresh single-use state (in the
                               database, ten minutes) in Slack's authorize link
    GET /slack/oauth_redirect  Slack sends the person back here with `code` and `state`:
                               the state is used up, the code exchanged with oauth.v2.access
                               (at SLACK_API_URL), auth.test asked with the new token (the
                               bot id), and the installation stored

Any missing, reused, expired or unknown state, an `error=` from Slack, or a code Slack
refuses is a plain 400 page, and nothing is stored. A page, not a redirect, at
/slack/install: the person sees what they are about to install. Nothing here logs a code,
state or token; one INFO line per install, without ids.
"""

from __future__ import annotations

import html
import logging
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.api_errors import UNREADABLE_200, error_code
from bot.adapters.slack.installs import Installs
from bot.adapters.slack.manifest import BOT_SCOPES
from bot.config import Config
from bot.core.installs import Installation
from bot.core.ports import Store

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
STATE_LIFETIME = 10 * 60.0  # seconds


def page(title: str, body: str, status: int = 200) -> web.Response:
    text = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>")
    return web.Response(status=status, text=text, content_type="text/html")


def refused(why: str) -> web.Response:
    return page("pathbot was not installed", f"<p>{html.escape(why)} Nothing was stored. "
                f"<a href=\"{INSTALL_PATH}\">Start again</a>.</p>", status=400)


class OAuthFlow:
    def __init__(self, config: Config, store: Store, installs: Installs,
                 client: AsyncWebClient, clock: Callable[[], float] = time.time) -> None:
        self.config, self.store, self.installs = config, store, installs
        self.client, self.clock = client, clock

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get(INSTALL_PATH, self.install_page),
                web.get(REDIRECT_PATH, self.redirect)]

    async def install_page(self, request: web.Request) -> web.Response:
        state = secrets.token_urlsafe(32)
        await self.store.save_oauth_state(state, self.clock() + STATE_LIFETIME)
        query = urlencode({"client_id": self.config.slack_client_id, "scope": BOT_SCOPES,
                           "state": state})
        link = html.escape(f"{AUTHORIZE_URL}?{query}")
        return page("Add pathbot to Slack",
                    "<p>pathbot helps your workspace choose between AI Engineer and ML "
                    "Engineer: /compare, a button quiz, learning paths by DM.</p>"
                    f"<p><a href=\"{link}\"><strong>Add to Slack</strong></a></p>"
                    "<p>The link works once, for ten minutes.</p>")

    async def redirect(self, request: web.Request) -> web.Response:
        query = request.query
        state, code, error = query.get("state", ""), query.get("code", ""), query.get("error")
        used = bool(state) and await self.store.consume_oauth_state(state, self.clock())
        if error is not None:
            return refused(f"Slack said: {error}.")
        if not used:
            return refused("This install link is unknown, used already or expired.")
        if not code:
            return refused("Slack sent no code.")
        try:
            installation = await self.exchange(code)
        except (SlackApiError, UNREADABLE_200) as exc:
            log.warning("slack: oauth.v2.access refused an install (%s)", error_code(exc))
            return refused(f"Slack refused the install ({error_code(exc)}).")
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack: Slack unreachable during an install (%s)", type(exc).__name__)
            return page("pathbot was not installed", "<p>Slack could not be reached. "
                        "Nothing was stored; please try again.</p>", status=502)
        if not installation.team_id or not installation.bot_token:
            return refused("Slack's answer named no workspace or token.")
        await self.installs.save(installation)
        log.info("slack: installed in a workspace%s",
                 " (token encrypted at rest)" if self.installs.sealer.encrypts else "")
        return page("pathbot is installed",
                    "<p>Type <code>/quiz</code> in a channel to start.</p>")

    async def exchange(self, code: str) -> Installation:
        """oauth.v2.access, then auth.test with the new token: the install to store."""
        answer = await self.client.oauth_v2_access(
            client_id=self.config.slack_client_id,
            client_secret=self.config.slack_client_secret, code=code)
        token = str(answer.get("access_token") or "")
        bot = AsyncWebClient(token=token, base_url=self.client.base_url,
                             session=self.client.session)
        who = await bot.auth_test()
        team = answer.get("team") or {}
        enterprise = answer.get("enterprise") or {}
        return Installation(
            team_id=str(team.get("id") or who.get("team_id") or ""),
            enterprise_id=str(enterprise.get("id") or ""), bot_token=token,
            bot_user_id=str(answer.get("bot_user_id") or who.get("user_id") or ""),
            bot_id=str(who.get("bot_id") or ""), scopes=str(answer.get("scope") or ""),
            installer=str((answer.get("authed_user") or {}).get("id") or ""),
            installed_at=self.clock())
