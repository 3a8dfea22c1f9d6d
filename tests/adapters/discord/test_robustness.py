"""Failures: malformed gateway events, exceptions in handlers, expired tokens, 429s."""

from __future__ import annotations

import pytest

from bot.core.errors import APOLOGY
from tests.adapters.discord.conftest import Harness, buttons, title
from tests.fakes.discord_fake import EPHEMERAL, FakeDiscord


async def test_malformed_interaction_is_dropped_and_the_next_one_answered(
    bot: Harness, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    broken = fake.interaction_payload(2, {"id": fake.snowflake(), "name": "compare", "type": 1})
    del broken["token"]
    await fake.send_raw("INTERACTION_CREATE", broken)

    shown = await bot.reply(await fake.slash("compare"))

    assert title(shown) == bot.content.title
    assert len(fake.connections) == 1  # the same connection: nothing restarted
    assert "dropped a malformed INTERACTION_CREATE" in caplog.text


async def test_unexpected_error_gets_a_private_apology_and_is_logged(
    bot: Harness, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    quiz = await bot.post_quiz()
    private, question = await bot.start_quiz(quiz)
    await bot.stores[-1].close()  # the database goes away under the bot

    assert await bot.refusal(await fake.slash("results")) == APOLOGY
    assert await bot.refusal(await bot.press(buttons(question)[0], private)) == APOLOGY
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 2 and all(r.exc_info for r in errors)
    assert "unexpected error handling /results" in errors[0].getMessage()

    shown = await bot.reply(await fake.slash("compare"))  # still running
    assert title(shown) == bot.content.title


async def test_expired_token_posts_the_quiz_with_the_bot_token(
    bot: Harness, fake: FakeDiscord
) -> None:
    sent = await fake.slash("quiz")
    fake.expire_interaction(sent)

    posted = await fake.wait_for(
        lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages")

    assert posted.status == 200 and title(posted.json) == bot.content.quiz_title
    await bot.until(bot.card_posted)
    channel, message = (await bot.card_refs())[0].split(":")
    assert channel == fake.channel_id and message in fake.messages


async def test_rate_limited_callback_is_retried(bot: Harness, fake: FakeDiscord) -> None:
    fake.rate_limit_next(r"/callback$", retry_after=0.05)
    sent = await fake.slash("forget")

    shown = await bot.reply(sent)

    assert shown["flags"] & EPHEMERAL
    assert [r.status for r in fake.calls("POST", f"/interactions/{sent.id}/")] == [429, 200]


async def test_rate_limited_or_failing_answer_edit_is_retried(
    bot: Harness, fake: FakeDiscord
) -> None:
    """An answer's edit of the pressed message goes without `with_response` (slim.py) but
    through discord.py's request all the same: a 429 waits and a 5xx retries."""
    private, _ = await bot.start_quiz(await bot.post_quiz())
    fake.rate_limit_next(r"/callback$", retry_after=0.05)
    sent = await bot.press(buttons(fake.messages[private])[0], private)
    assert title(await bot.reply(sent)).endswith("2/10")
    assert [r.status for r in fake.calls("POST", f"/interactions/{sent.id}/")] == [429, 204]

    fake.fail_next(r"/callback$", status=502)
    sent = await bot.press(buttons(fake.messages[private])[0], private)
    assert title(await bot.reply(sent, timeout=5)).endswith("3/10")
    assert [r.status for r in fake.calls("POST", f"/interactions/{sent.id}/")] == [502, 204]
