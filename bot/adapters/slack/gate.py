"""The door in front of bolt in HTTP mode: check the signature, then read the body.

Bolt parses a request before it checks its signature, and lets a parse error escape as a
500 with a traceback; it also logs the whole body of a rejected request at INFO. So every
request to /slack/events passes here first, and anything that is not a well-formed request
signed by Slack gets a short 400 or 401, no traceback, and at most one log line a minute
for all of them together (`Refusals`): no body, ids or URLs are ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger(__name__)

STALE_AFTER = 5 * 60  # seconds: Slack's replay window
LOG_EVERY = 60.0  # seconds between two log lines about refused requests
KINDS = ("type", "command", "ssl_check")  # a Slack request names what it is in one of these
SHAPES: dict[str, type] = {"event": dict, "view": dict, "workflow_step": dict, "type": str,
                           "command": str, "callback_id": str, "response_url": str,
                           "trigger_id": str}


@dataclass(frozen=True)
class Refused:
    """Why a request was refused: the HTTP status and a short reason (no request data)."""

    status: int
    reason: str


class Refusals:
    """Counts refused requests; logs the first at once, then one summary line a minute."""

    def __init__(self, every: float = LOG_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.every, self.clock = every, clock
        self._counts: Counter[str] = Counter()
        self._logged_at: float | None = None
        self.total = 0

    def note(self, refused: Refused) -> None:
        self.total += 1
        self._counts[f"{refused.status} {refused.reason}"] += 1
        now = self.clock()
        if self._logged_at is not None and now - self._logged_at < self.every:
            return
        summary = ", ".join(f"{n} x {what}" for what, n in self._counts.most_common())
        log.warning("slack: refused %d request(s) to /slack/events since the last line "
                    "(%s); request bodies are never logged", sum(self._counts.values()), summary)
        self._counts.clear()
        self._logged_at = now


def check_signature(secret: str, body: bytes,
                    headers: Mapping[str, str], now: float) -> Refused | None:
    """None when Slack signed `body` in the last five minutes. Over the raw bytes (slack_sdk's
    verifier decodes them first, and raises on bytes that are not UTF-8)."""
    stamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    if not stamp or not signature:
        return Refused(401, "unsigned")
    try:
        sent = int(stamp)
    except ValueError:
        return Refused(401, "unreadable timestamp")
    if abs(now - sent) > STALE_AFTER:
        return Refused(401, "stale timestamp")
    base = b"v0:%d:%s" % (sent, body)
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not secret or not hmac.compare_digest(expected.encode(), signature.encode()):
        return Refused(401, "bad signature")
    return None


def parse(body: bytes, query: str, headers: Mapping[str, str]) -> AsyncBoltRequest | Refused:
    """Bolt's request, once it is sure to be one bolt can read: text, and a JSON object.

    A button press (`payload=<JSON>`, form-encoded) reaches bolt as its JSON text: bolt
    reads JSON text as it reads the form (its own signature check, which needs the raw
    body, is off: checked here already), and decoding the form here costs a tenth of
    bolt's `parse_qsl`."""
    try:
        text = form_payload(body, headers) or body.decode("utf-8")
    except UnicodeDecodeError:
        return Refused(400, "body not UTF-8")
    try:
        request = AsyncBoltRequest(body=text, query=query, headers=dict(headers))
    except Exception:  # bolt's JSON or form parsing: the body is not what it says
        return Refused(400, "malformed body")
    if not well_formed(request.body):
        return Refused(400, "not a Slack request")
    return request


def form_payload(body: bytes, headers: Mapping[str, str]) -> str | None:
    """The JSON text of a one-field `payload=` form, decoded as bolt's `parse_qsl` decodes
    it; None for anything else (bolt parses those itself, as it always did).

    The percent escapes become unicode_escape's `\\xHH` (C, not a Python loop per escape);
    backslashes already there are doubled first, so they stay what they were. Only ASCII
    bodies (Slack's forms always are) with every escape well-formed take this way: on
    those both decodings agree byte for byte (tests/adapters/slack/test_gate.py)."""
    if (not body.startswith(b"payload=") or b"&" in body or not body.isascii()
            or headers.get("Content-Type", "").lower().startswith("application/json")):
        return None
    escaped = body[len(b"payload="):].replace(b"+", b" ").replace(b"\\", b"\\\\")
    try:
        raw = escaped.replace(b"%", b"\\x").decode("unicode_escape").encode("latin-1")
    except UnicodeDecodeError:  # a stray or short % escape: bolt's way keeps it as text
        return None
    text = raw.decode("utf-8", "replace")
    return text if text.startswith("{") else None  # bolt reads only "{..." as JSON


def well_formed(body: Any) -> bool:
    """What bolt reads without checking has the type Slack always gives it (a request
    signed by Slack never fails this; a fuzzer's or a broken proxy's does)."""
    if not isinstance(body, dict) or not any(isinstance(body.get(k), str) and body[k]
                                             for k in KINDS):
        return False
    for key, kind in SHAPES.items():
        if key in body and not isinstance(body[key], kind):
            return False
    actions = body.get("actions", [{"action_id": ""}])
    return isinstance(actions, list) and bool(actions) and all(
        isinstance(a, dict) and isinstance(a.get("action_id", ""), str) for a in actions)
