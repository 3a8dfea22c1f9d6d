"""/stats with its chart through the real Discord adapter and the fake Discord: attached to
the private reply (answered directly, or after a deferral by editing it), the text alone
when Discord refuses the file, a friendly text with nothing to chart."""

from __future__ import annotations

import logging

import pytest

from tests.adapters.discord.conftest import ALICE, Harness, text_of, title
from tests.chart_checks import assert_chart
from tests.fakes.discord_fake import EPHEMERAL, FakeDiscord, SentInteraction


async def finished_quiz(bot: Harness) -> None:
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz, ALICE)
    await bot.finish(private, ALICE)


async def stats_message(bot: Harness, fake: FakeDiscord) -> tuple[SentInteraction, dict]:
    sent = await bot.admin_slash("stats")
    await bot.reply(sent, timeout=60)  # the first chart imports matplotlib
    message = fake.original_message(sent)
    assert message is not None and message["flags"] & EPHEMERAL
    return sent, message


@pytest.mark.parametrize("ack_budget", [60.0, 0.0])  # answered directly; deferred, then edited
async def test_the_chart_is_attached_to_the_private_reply(
    harness: Harness, fake: FakeDiscord, ack_budget: float
) -> None:
    bot = harness
    await bot.start(ack_budget=ack_budget)
    await finished_quiz(bot)
    sent, message = await stats_message(bot, fake)

    assert "1 person has a result here" in text_of(message)  # the table, for screen readers
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "pathbot-stats.png"
    assert attachment["content_type"] == "image/png"
    assert attachment["description"].startswith("Chart. Latest result per person")
    assert_chart(fake.attachment_data(attachment), bot.content, every_role=False)
    callback = await fake.callback_for(sent)
    assert callback["type"] == (4 if ack_budget else 5)
    uploads = [r for r in fake.requests if r.files]
    assert [r.files for r in uploads] == [("pathbot-stats.png",)]


async def test_a_refused_file_leaves_the_text_alone(
    harness: Harness, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.start(ack_budget=60.0)
    await finished_quiz(harness)
    fake.upload_limit = 1000  # the chart is bigger
    _, message = await stats_message(harness, fake)

    assert "1 person has a result here" in text_of(message)
    assert not message["attachments"]
    assert [r.status for r in fake.requests if r.files] == [413]
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("refused the pathbot-stats.png attachment" in r.getMessage() for r in warned)


async def test_no_results_here_is_a_friendly_text_without_a_picture(
    bot: Harness, fake: FakeDiscord
) -> None:
    _, message = await stats_message(bot, fake)
    assert title(message) == "How people here came out"
    assert "Nobody here has finished the quiz yet" in text_of(message)
    assert not message["attachments"]
    assert not [r for r in fake.requests if r.files]
