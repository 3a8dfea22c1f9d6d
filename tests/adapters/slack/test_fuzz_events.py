"""Fuzz /slack/events with hypothesis: random bodies, headers and form fields, unsigned and
signed, against the real adapter on a real aiohttp listener. Never a 500, never a traceback,
and every answer in bounded time (hypothesis' deadline)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.adapters.slack.harness import SlackHarness, make_config
from tests.fakes.minimal_slack_app import SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import sign

FUZZ = settings(max_examples=200, deadline=timedelta(seconds=5), derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
CONTENT_TYPES = st.sampled_from(["application/x-www-form-urlencoded", "application/json",
                                 "text/plain", "multipart/form-data", ""])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
KEYS = st.sampled_from(["type", "command", "payload", "trigger_id", "user", "team", "actions",
                        "channel", "container", "response_url", "user_id", "team_id", "text"])


def payload_fields(obj: dict[str, Any]) -> dict[str, str]:
    """A block_actions-like payload with random values in Slack's fields."""
    base: dict[str, Any] = {"type": "block_actions", "actions": [{"action_id": "pb:start:x"}]}
    return {"payload": json.dumps({**base, **obj})}


FORMS = st.one_of(
    st.dictionaries(KEYS, st.text(max_size=30), max_size=6),
    st.dictionaries(KEYS, JSON, max_size=6).map(payload_fields),
    st.fixed_dictionaries({"command": st.sampled_from(["/quiz", "/stats", "/x"]),
                           "text": st.text(max_size=30), "user_id": st.text(max_size=8)}),
)
BODIES = st.one_of(st.binary(max_size=300), FORMS.map(lambda f: urlencode(f).encode()),
                   JSON.map(lambda j: json.dumps(j).encode()))


@pytest.fixture
async def harness(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> Any:
    started = await SlackHarness.start(fake, make_config(tmp_path, fake, db_url), http)
    yield started
    await started.stop()


async def _post(harness: SlackHarness, body: bytes, headers: dict[str, str]) -> int:
    async with harness.http.post(harness.url, data=body, headers=headers) as resp:
        await resp.read()
        return resp.status


async def test_random_requests_never_get_a_500(
    harness: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[bool, int]] = []

    @FUZZ
    @given(body=BODIES, content_type=CONTENT_TYPES, signed=st.booleans(),
           stamp=st.one_of(st.none(), HEADER_TEXT), signature=st.one_of(st.none(), HEADER_TEXT),
           retry=st.one_of(st.none(), HEADER_TEXT))
    def one(body: bytes, content_type: str, signed: bool, stamp: str | None,
            signature: str | None, retry: str | None) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        if signed:
            headers.update(sign(SIGNING_SECRET, body))
        else:
            headers.update({k: v for k, v in (("X-Slack-Request-Timestamp", stamp),
                                              ("X-Slack-Signature", signature)) if v is not None})
        if retry is not None:
            headers["X-Slack-Retry-Num"] = retry
        status = asyncio.run_coroutine_threadsafe(_post(harness, body, headers), loop).result(10)
        seen.append((signed, status))
        assert status < 500, (body[:80], headers)
        assert signed or status == 401

    loop = asyncio.get_running_loop()
    started = time.monotonic()
    await asyncio.to_thread(one)
    await harness.adapter.delivery.coalescer.flush()
    await asyncio.sleep(0.2)  # listeners acked: let their work finish before looking
    assert time.monotonic() - started < 120
    assert {s for s, _ in seen} == {True, False}
    tracebacks = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert tracebacks == [], [r.getMessage()[:200] for r in tracebacks]
