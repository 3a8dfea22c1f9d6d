"""/stats with its chart through the real Slack adapter and the fake Slack: the chart
uploaded to the admin's DM with files_upload_v2 (Slack's external upload flow) and the
private reply saying so; the text table alone when the upload fails; a friendly text when
there is nothing to chart."""

from __future__ import annotations

import pytest

from bot.adapters.slack.delivery import IMAGE_SENT
from tests.adapters.slack.harness import SlackHarness, text_of
from tests.chart_checks import assert_chart
from tests.fakes.slack_fake import FakeSlack, ResponseUrlPost
from tests.fakes.slack_requests import slash_command_body

ADMIN = "U0LISTED"  # in PATHBOT_SLACK_ADMINS (conftest)


async def stats(bot: SlackHarness) -> ResponseUrlPost:
    url = bot.fake.new_response_url()
    assert await bot.post(slash_command_body("/stats", "", response_url=url,
                                             user_id=ADMIN)) == (200, "")
    return await bot.fake.wait_for_response_url(url, timeout=60)  # the first chart: imports


async def test_the_chart_goes_to_the_admins_dm_and_the_reply_says_so(
    bot: SlackHarness, fake: FakeSlack
) -> None:
    await bot.finish()
    post = await stats(bot)

    assert post.payload["response_type"] == "ephemeral"
    text = text_of(post.payload)
    assert "1 person has a result here" in text and IMAGE_SENT in text
    dm = fake.dm_channel_id(ADMIN)
    (shared,) = fake.uploads.shared_in(dm)
    assert shared.filename == "pathbot-stats.png" and shared.alt_txt.startswith("Chart.")
    assert shared.data is not None and len(shared.data) == shared.length
    assert_chart(shared.data, bot.service.content, every_role=False)
    (message,) = [m for (channel, _), m in fake.messages.items() if channel == dm]
    assert message["files"][0]["mimetype"] == "image/png"
    assert [c.method for c in fake.calls() if c.method.startswith("files.")] == [
        "files.getUploadURLExternal", "files.completeUploadExternal"]


@pytest.mark.parametrize("failure", ["dm_closed", "too_big", "upload_refused", "complete"])
async def test_a_failed_upload_leaves_the_text_table_alone(
    bot: SlackHarness, fake: FakeSlack, failure: str
) -> None:
    await bot.finish()
    if failure == "dm_closed":
        fake.fail_dm(ADMIN)
    elif failure == "too_big":
        fake.uploads.limit = 1000
    elif failure == "upload_refused":  # the bytes never arrive: the POST answers 404
        fake.set_handler("files.getUploadURLExternal", lambda args: {
            **fake.uploads.get_upload_url(args), "upload_url": f"{fake.base_url}/upload/F0"})
    else:
        fake.fail_next("files.completeUploadExternal", "internal_error")
    post = await stats(bot)

    text = text_of(post.payload)
    assert "1 person has a result here" in text and IMAGE_SENT not in text
    assert not fake.uploads.shared_in(fake.dm_channel_id(ADMIN))


async def test_no_results_is_a_friendly_text_and_nothing_is_uploaded(
    bot: SlackHarness, fake: FakeSlack
) -> None:
    post = await stats(bot)
    assert "Nobody here has finished the quiz yet" in text_of(post.payload)
    assert not [c for c in fake.calls() if c.method.startswith("files.")]
