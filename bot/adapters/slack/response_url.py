"""POST a message to a request's `response_url`, through the app's shared aiohttp session.

What slack_sdk's AsyncWebhookClient does, without its cost per call: it is built per URL
(user agent, proxy from the environment, retry state, request objects for its retry
handlers, the body walked for SDK objects), which made it the largest part of pathbot's
CPU per button press after bolt itself. Here the headers are built once, the body is
encoded once, and the retry handlers (the client's: a lost connection once, 429s after
Retry-After) are consulted exactly as the SDK does, but only when an attempt failed.
The outcome is the SDK's: the HTTP status (any status; Delivery decides what a refusal
means), or the exception of the last attempt.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.internal_utils import get_user_agent

HEADERS = {"Content-Type": "application/json;charset=utf-8", "User-Agent": get_user_agent()}
SDK_TIMEOUT = 30  # seconds: the SDK's own session, used only when the app has none open
MAX_ATTEMPTS = 100  # the SDK's safety bound; the handlers' own limits end far sooner


async def post(client: AsyncWebClient, url: str, body: dict[str, Any]) -> int:
    """POST `body` as JSON to `url`; Slack's HTTP status. Retried as the client's
    retry handlers say; raises what the last attempt raised."""
    data = json.dumps(body).encode()
    session = client.session
    if session is None or session.closed:  # not started (tests, tools): a session of its own
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SDK_TIMEOUT),
                                         trust_env=client.trust_env_in_session) as own:
            return await _post(client, own, url, body, data)
    return await _post(client, session, url, body, data)


async def _post(client: AsyncWebClient, session: aiohttp.ClientSession, url: str,
                body: dict[str, Any], data: bytes) -> int:
    state = RetryState()
    for _ in range(MAX_ATTEMPTS):
        state.next_attempt_requested = False
        try:
            async with session.post(url, data=data, headers=HEADERS, proxy=client.proxy,
                                    ssl=True if client.ssl is None else client.ssl) as res:
                answer = await res.read()  # read through: the connection goes back to the pool
                if res.status < 400:  # the busy path: no retry bookkeeping at all
                    return res.status
                failed = HttpResponse(status_code=res.status, headers=dict(res.headers),
                                      data=answer)
        except Exception as exc:
            if not await _retried(client, state, url, body, None, exc):
                raise
            continue
        if not await _retried(client, state, url, body, failed, None):
            return failed.status_code
    raise RuntimeError(f"response_url: no answer after {MAX_ATTEMPTS} attempts")


async def _retried(client: AsyncWebClient, state: RetryState, url: str, body: dict[str, Any],
                   response: HttpResponse | None, error: Exception | None) -> bool:
    """Whether a handler took the failure and waited for the next attempt (the SDK's loop:
    the first handler that can retry prepares it, and asks for it by setting the state)."""
    request = HttpRequest(method="POST", url=url, headers=dict(HEADERS), body_params=body)
    for handler in client.retry_handlers:
        if await handler.can_retry_async(state=state, request=request, response=response,
                                         error=error):
            await handler.prepare_for_next_attempt_async(state=state, request=request,
                                                         response=response, error=error)
            break
    return state.next_attempt_requested
