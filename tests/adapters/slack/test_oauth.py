"""Issue 10, Slack: any workspace installs the shared app by OAuth, on SQLite and PostgreSQL.

Two workspaces install through /slack/install and /slack/oauth_redirect; each one's
requests are answered with its own token; one uninstalls: its requests are refused and its
data is gone, the other is untouched. Every bad state gives 400 and stores nothing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack.app import NOT_INSTALLED
from bot.bootstrap import build_service
from bot.core.card_builders import notice
from bot.core.dm import DmOutcome
from bot.core.models import UserRef
from tests.adapters.slack.harness import SlackHarness, button
from tests.adapters.slack.oauth_harness import (
    event,
    fresh_state,
    get,
    install,
    oauth_config,
    quiz,
)
from tests.db import raw
from tests.fakes.slack_fake import FakeSlack

ENGINES = pytest.mark.parametrize("engine", ["sqlite", "postgres"])
ONE, TWO = "T0ONE", "T0TWO"


@pytest.fixture
async def bot(fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path,
              db_url: str) -> AsyncIterator[SlackHarness]:
    fake.oauth.only_issued = True  # a token Slack never minted is refused
    harness = await SlackHarness.start(fake, oauth_config(tmp_path, fake, db_url), http)
    try:
        yield harness
    finally:
        await harness.stop()


async def count(db: str, table: str, where: str = "1 = 1", *params: str) -> int:
    return int((await raw(db, f"SELECT count(*) FROM {table} WHERE {where}", *params))[0][0])


async def finish_quiz(bot: SlackHarness, team: str, user: str) -> None:
    """/quiz in `team`, then `user` answers every question: a result on the card."""
    await quiz(bot, team)
    call = await bot.fake.wait_for_call(
        "chat.postMessage", lambda c: "pb:start:" in str(c.args)
        and c.token == bot.fake.oauth.token_of(team))
    bot.quiz_message = bot.fake.message(call.args["channel"], call.response["ts"]) or {}
    start = button(bot.quiz_message, "pb:start:")
    payload = (await bot.press(start, user=user, public=True, team_id=team)).payload
    for _ in bot.service.content.questions:
        payload = (await bot.press(button(payload, "pb:ans:"), user=user,
                                   team_id=team)).payload
    assert "pb:" in str(payload)


@ENGINES
async def test_two_workspaces_each_with_its_own_token_then_one_uninstalls(
    bot: SlackHarness, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    token_one, token_two = await install(bot, ONE), await install(bot, TWO)
    stored = await raw(db_url, "SELECT team_id, bot_token, installer FROM slack_installations"
                       " ORDER BY team_id")
    assert [(t, i) for t, _, i in stored] == [(ONE, "U0INSTALLER"), (TWO, "U0INSTALLER")]
    assert all(s.startswith("fernet:") and s not in (token_one, token_two)
               for _, s, _ in stored)  # encrypted at rest (PATHBOT_SECRET_KEY)

    await finish_quiz(bot, ONE, "U0ANN")
    await finish_quiz(bot, TWO, "U0BEN")
    for token in (token_one, token_two):  # the tally edit, each with its own token
        await bot.fake.wait_for_call("chat.update", lambda c, t=token: c.token == t)
    assert {c.token for c in bot.fake.calls() if c.method != "oauth.v2.access"} \
        <= {token_one, token_two}

    # Reminders DM through the user's own workspace.
    outcome = await bot.adapter.send_dm(UserRef("slack", TWO, "U0BEN"), notice("Hi", "x"))
    assert outcome is DmOutcome.SENT
    assert bot.fake.calls("conversations.open")[-1].token == token_two

    bot.fake.oauth.revoke(ONE)  # Slack revokes the token as it uninstalls
    caplog.set_level(logging.INFO)
    await event(bot, ONE, {"type": "app_uninstalled"})
    for _ in range(50):  # bolt runs the listener after its ack
        if not await count(db_url, "slack_installations", "team_id = ?", ONE):
            break
        await _pause()
    assert await count(db_url, "slack_installations", "team_id = ?", ONE) == 0
    await _settle(db_url, ONE)
    for table in ("sessions", "results", "path_progress", "nudges", "dm_status"):
        assert await count(db_url, table, "workspace = ?", ONE) == 0, table
        assert await count(db_url, table, "workspace = ?", TWO) >= (table in (
            "sessions", "results")), table
    assert await count(db_url, "quiz_cards", "scope = ?", ONE) == 0
    assert await count(db_url, "quiz_cards", "scope = ?", TWO) == 1
    lines = [r for r in caplog.records if "workspace" in r.getMessage()
             and r.name.startswith("bot.")]
    assert len(lines) == 1 and "U0ANN" not in lines[0].getMessage()
    assert token_one not in caplog.text and token_two not in caplog.text

    # The uninstalled workspace is refused politely, nothing stored; the other goes on.
    before = len(bot.fake.calls("chat.postMessage"))
    refused = await bot.fake.wait_for_response_url(await quiz(bot, ONE))
    assert NOT_INSTALLED in str(refused.payload)
    assert len(bot.fake.calls("chat.postMessage")) == before
    assert await count(db_url, "quiz_cards", "scope = ?", ONE) == 0
    await quiz(bot, TWO)
    await bot.fake.wait_for_call("chat.postMessage", lambda c: c.token == token_two
                                 and len(bot.fake.calls("chat.postMessage")) > before)


async def _pause() -> None:
    await asyncio.sleep(0.05)


async def _settle(db_url: str, team: str) -> None:
    """The data goes in the same listener, just after the installation row."""
    for _ in range(50):
        if not await count(db_url, "results", "workspace = ?", team):
            return
        await _pause()


@ENGINES
async def test_tokens_revoked_removes_the_installation_only(
    bot: SlackHarness, db_url: str
) -> None:
    await install(bot, ONE)
    await finish_quiz(bot, ONE, "U0ANN")
    bot.fake.oauth.revoke(ONE)
    await event(bot, ONE, {"type": "tokens_revoked", "tokens": {"bot": ["U0BOTT0ONE"]}})
    for _ in range(50):
        if not await count(db_url, "slack_installations"):
            break
        await _pause()
    assert await count(db_url, "slack_installations") == 0
    assert await count(db_url, "results", "workspace = ?", ONE) == 1
    # A reinstall brings it back with a new token.
    token = await install(bot, ONE)
    await quiz(bot, ONE)
    await bot.fake.wait_for_call("chat.postMessage", lambda c: c.token == token)


@ENGINES
async def test_every_bad_state_is_a_400_and_stores_nothing(
    bot: SlackHarness, db_url: str
) -> None:
    oauth = bot.fake.oauth
    await bot.service.store.save_oauth_state("expired-state", time.time() - 1)
    used = await fresh_state(bot)
    assert (await get(bot, "/slack/oauth_redirect", code=oauth.grant(ONE),
                      state=used))[0] == 200
    assert await bot.service.store.delete_installation(ONE)
    exchanges = len(bot.fake.calls("oauth.v2.access"))
    cases = {
        "missing": {"code": oauth.grant(TWO)},
        "forged": {"code": oauth.grant(TWO), "state": "made-up-by-someone"},
        "reused": {"code": oauth.grant(TWO), "state": used},
        "expired": {"code": oauth.grant(TWO), "state": "expired-state"},
        "error from Slack": {"error": "access_denied", "state": await fresh_state(bot)},
        "no code": {"state": await fresh_state(bot)},
    }
    for what, query in cases.items():
        status, page = await get(bot, "/slack/oauth_redirect", **query)
        assert status == 400, what
        assert "Nothing was stored" in page, what
    assert len(bot.fake.calls("oauth.v2.access")) == exchanges  # no code was exchanged
    # A code Slack refuses (used already): 400 as well.
    status, _ = await get(bot, "/slack/oauth_redirect", code="code-never-granted",
                          state=await fresh_state(bot))
    assert status == 400
    assert await count(db_url, "slack_installations") == 0
    # Each state is single-use even when the flow failed: none is left.
    assert await count(db_url, "oauth_states") == 0


async def test_bolt_keeps_no_file_stores_of_its_own(
    fake: FakeSlack, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt reads SLACK_CLIENT_ID/SECRET from the environment and would build a file-based
    OAuth flow: pathbot's own flow and database stores are the only ones."""
    config = oauth_config(tmp_path, fake, db_url)
    monkeypatch.setenv("SLACK_CLIENT_ID", config.slack_client_id)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", config.slack_client_secret)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    caplog.set_level(logging.INFO)
    service = await build_service(config)
    try:
        adapter = SlackAdapter(config, service)
        assert adapter.app.oauth_flow is None and adapter.app.installation_store is None
        assert "file-based" not in caplog.text
        assert not (tmp_path / "home").exists()
    finally:
        await service.store.close()
