"""Reading a failed Slack Web API call defensively, and what it means for a DM.

slack_sdk raises SlackApiError for any answer that is not `200 {"ok": true}`, but the
answer's data is not always a dict: a load balancer's 503 HTML page arrives as `{}`, a
`text/plain` body as a `str`. `error_code` reads every shape without raising.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core.dm import DmOutcome

# The only answers that say "this person cannot get a DM from the bot" (conversations.open
# and chat.postMessage). Everything else, including codes Slack may add, is TRANSIENT.
DM_CLOSED = frozenset({"cannot_dm_bot", "user_not_found", "user_not_visible",
                       "user_disabled", "invalid_user_combination"})
UNREADABLE = "unreadable_answer"  # ours: no JSON error code in the answer
# slack_sdk's own check of a *200* answer whose body is text calls `.get` on a str.
UNREADABLE_200 = AttributeError


def error_code(exc: SlackApiError | AttributeError) -> str:
    """Slack's `error` code, or "unreadable_answer (HTTP 503)" when the body holds none."""
    if not isinstance(exc, SlackApiError):
        return f"{UNREADABLE} (HTTP 200)"
    response: Any = exc.response
    data = getattr(response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    if isinstance(code, str) and code:
        return code
    return f"{UNREADABLE} (HTTP {getattr(response, 'status_code', '?')})"


def dm_outcome(code: str) -> DmOutcome:
    return DmOutcome.CLOSED if code in DM_CLOSED else DmOutcome.TRANSIENT
