"""Before a request reaches a listener: who the bot is (`Identity`, bolt's `authorize`), and
whether this request was handled already (`DropRedeliveries`, a global bolt middleware)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.api_errors import UNREADABLE_200, error_code
from bot.adapters.slack.context import retry_number

log = logging.getLogger(__name__)

SEEN_DELIVERIES = 10_000
SEEN_FOR = 10 * 60.0  # seconds a trigger_id is remembered: past Slack's 5-minute window


class DropRedeliveries(AsyncMiddleware):
    """Global middleware: ack a request already received (same `trigger_id`), and do no more.

    Slack resends (with X-Slack-Retry-Num) when it did not see our ack in time, and a
    replayed request (captured and sent again within Slack's five-minute signature window)
    carries no retry header at all: either way the first delivery was handled, and running
    it again would post a second quiz card or answer twice. So a `trigger_id` seen in the
    last `ttl` seconds is dropped whatever the headers say; a real second press or command
    has a trigger_id of its own. At most `size` ids are kept (the oldest go first).
    """

    def __init__(self, size: int = SEEN_DELIVERIES, ttl: float = SEEN_FOR,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.ttl, self.clock = size, ttl, clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        key = str(req.body.get("trigger_id") or "")
        if key and self._seen_recently(key):
            log.info("slack: ignoring a repeated request (redelivery #%d)",
                     retry_number(req.headers))
            return BoltResponse(status=200, body="")
        return await next()

    def _seen_recently(self, key: str) -> bool:
        now = self.clock()
        while self._seen and (len(self._seen) >= self.size
                              or next(iter(self._seen.values())) < now - self.ttl):
            self._seen.popitem(last=False)
        if key in self._seen:
            return True
        self._seen[key] = now
        return False


class Identity:
    """Who the bot token belongs to: auth.test, asked at start-up and remembered.

    Passed to bolt as `authorize`, so no request waits on Slack before its ack. When Slack
    could not answer at start-up, requests go on with the token alone (all pathbot needs)
    while auth.test is asked again in the background, at most once per `retry_every`.
    """

    def __init__(self, client: AsyncWebClient, retry_every: float = 30.0) -> None:
        self.client = client
        self.retry_every = retry_every
        self.result: AuthorizeResult | None = None
        self._task: asyncio.Task[None] | None = None
        self._tried_at = -1e9

    async def check(self) -> AuthorizeResult:
        """auth.test now (start-up); raises what the call raises."""
        response = await self.client.auth_test()
        self.result = AuthorizeResult.from_auth_test_response(
            bot_token=self.client.token, auth_test_response=response)
        return self.result

    async def fetch(self) -> AuthorizeResult:
        """The remembered answer, or the token alone (and a background retry): never waits."""
        if self.result is not None:
            return self.result
        idle = self._task is None or self._task.done()
        if idle and time.monotonic() - self._tried_at >= self.retry_every:
            self._task = asyncio.create_task(self._retry())
        return AuthorizeResult(enterprise_id=None, team_id=None, bot_token=self.client.token)

    async def _retry(self) -> None:
        self._tried_at = time.monotonic()
        try:
            await self.check()
            log.info("slack: auth.test answered; Slack is reachable again")
        except (SlackApiError, UNREADABLE_200, aiohttp.ClientError, TimeoutError) as exc:
            what = error_code(exc) if isinstance(exc, SlackApiError | UNREADABLE_200) \
                else type(exc).__name__
            log.warning("slack: auth.test failed again (%s); retrying in %.0f s",
                        what, self.retry_every)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
