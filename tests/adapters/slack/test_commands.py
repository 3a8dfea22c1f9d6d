"""Every slash command over real HTTP, signed like Slack signs it, against the fake Web API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.adapters.slack.harness import (
    ALICE,
    BOB,
    CHANNEL,
    SlackHarness,
    button,
    buttons,
    make_config,
    text_of,
)
from tests.fakes.slack_fake import FakeSlack


async def test_compare_is_public_with_every_dimension(bot: SlackHarness) -> None:
    post = await bot.command("/compare")
    assert post.payload["response_type"] == "in_channel"
    text = text_of(post.payload)
    for dim in bot.service.content.dimensions:
        assert f"*{dim.name.replace('&', '&amp;')}*" in text
    assert {c.method for c in bot.fake.calls()} == {"auth.test"}  # answered via response_url


async def test_compare_one_dimension_and_unknown_dimension(bot: SlackHarness) -> None:
    post = await bot.command("/compare", "math_depth")
    assert post.payload["response_type"] == "in_channel"
    assert "Math depth" in text_of(post.payload)
    assert "Key skills" not in text_of(post.payload)
    wrong = await bot.command("/compare", "vibes")
    assert wrong.payload["response_type"] == "ephemeral"
    assert "no comparison dimension called 'vibes'" in text_of(wrong.payload)
    assert "math_depth" in text_of(wrong.payload)


async def test_role_is_public_and_a_wrong_role_lists_the_choices(bot: SlackHarness) -> None:
    post = await bot.command("/role", "ml")
    assert post.payload["response_type"] == "in_channel"
    assert post.payload["blocks"][0]["text"]["text"].startswith("📊 ML Engineer")
    for text, expected in (("nonsense", "Choose one of: AI Engineer, ML Engineer."),
                           ("", "Name a role: AI Engineer, ML Engineer.")):
        wrong = await bot.command("/role", text)
        assert wrong.payload["response_type"] == "ephemeral"
        assert expected in text_of(wrong.payload)


async def test_quiz_posts_the_public_card_and_remembers_its_ts(bot: SlackHarness) -> None:
    message = await bot.open_quiz()
    assert [label for label, _ in buttons(message)] == ["Start"]
    card_id = button(message, "pb:start:").removeprefix("pb:start:")
    found = await bot.service.quiz_card(card_id)
    for _ in range(100):  # the ts is stored once chat.postMessage's answer is back
        if found is not None and found[0].message_ref:
            break
        await asyncio.sleep(0.02)
        found = await bot.service.quiz_card(card_id)
    assert found is not None and found[0].message_ref == f"{CHANNEL}:{message['ts']}"
    assert found[0].platform == "slack" and found[0].scope == bot.fake.team_id
    assert "0 people have finished" in text_of(message)


async def test_quiz_where_the_bot_cannot_post_answers_privately(bot: SlackHarness) -> None:
    bot.fake.fail_next("chat.postMessage", "not_in_channel")
    post = await bot.command("/quiz")
    assert post.payload["response_type"] == "ephemeral"
    assert "not_in_channel" in text_of(post.payload) and "/invite" in text_of(post.payload)


async def test_results_are_private_newest_first(bot: SlackHarness) -> None:
    empty = await bot.command("/results")
    assert empty.payload["response_type"] == "ephemeral"
    assert "No results yet" in text_of(empty.payload)
    await bot.finish(option=0)
    await bot.finish(option=1)
    post = await bot.command("/results")
    assert post.payload["response_type"] == "ephemeral"
    assert text_of(post.payload).count("UTC") == 2


async def test_path_for_a_role_goes_by_dm(bot: SlackHarness) -> None:
    post = await bot.command("/path", "ai")
    assert post.payload["response_type"] == "ephemeral"
    assert "Check your DMs" in text_of(post.payload)
    (opened,) = bot.fake.calls("conversations.open")
    assert opened.args["users"] == ALICE
    dm = await bot.fake.wait_for_call("chat.postMessage")
    assert dm.args["channel"] == FakeSlack.dm_channel_id(ALICE)
    assert "Learning path: AI Engineer" in text_of(dm.args)


async def test_path_without_a_result_says_how_to_get_one(bot: SlackHarness) -> None:
    post = await bot.command("/path")
    assert post.payload["response_type"] == "ephemeral"
    assert "no quiz result yet" in text_of(post.payload)
    assert bot.fake.calls("conversations.open") == []


async def test_path_after_the_quiz_uses_the_latest_result(bot: SlackHarness) -> None:
    result = await bot.finish()
    top = result["blocks"][0]["text"]["text"].split(" ", 3)[-1]
    await bot.command("/path")
    dm = await bot.fake.wait_for_call("chat.postMessage",
                                      lambda c: c.args["channel"].startswith("D"))
    assert f"Learning path: {top}" in text_of(dm.args)


async def test_path_with_closed_dms_answers_privately_and_remembers(bot: SlackHarness) -> None:
    bot.fake.fail_dm(ALICE)
    post = await bot.command("/path", "ml")
    assert post.payload["response_type"] == "ephemeral"
    text = text_of(post.payload)
    assert "Learning path: ML Engineer" in text and "couldn't DM you" in text
    again = await bot.command("/path", "ml")
    assert "Your DMs are closed" in text_of(again.payload)
    assert len(bot.fake.calls("conversations.open")) == 1  # not retried


async def test_path_when_slack_fails_for_a_passing_reason_tries_dm_again(
    bot: SlackHarness
) -> None:
    bot.fake.fail_next("conversations.open", "internal_error")
    post = await bot.command("/path", "ml")
    assert post.payload["response_type"] == "ephemeral"
    text = text_of(post.payload)
    assert "Learning path: ML Engineer" in text and "couldn't DM you just now" in text
    again = await bot.command("/path", "ml")  # not remembered as closed: DMs this time
    assert "Check your DMs" in text_of(again.payload)
    dm = await bot.fake.wait_for_call("chat.postMessage",
                                      lambda c: c.args["channel"].startswith("D"))
    assert "Learning path: ML Engineer" in str(dm.args)


async def test_path_when_slack_cannot_be_reached_shows_it_privately(bot: SlackHarness) -> None:
    bot.fake.drop_next("conversations.open", times=5)  # more than the SDK's own retries
    post = await bot.command("/path", "ai")
    text = text_of(post.payload)
    assert "Learning path: AI Engineer" in text and "couldn't DM you just now" in text
    tries = [c.status for c in bot.fake.calls("conversations.open")]
    assert tries and set(tries) == {0}  # every try lost; none answered


async def test_forget_asks_first_then_deletes(bot: SlackHarness) -> None:
    await bot.finish()
    prompt = await bot.command("/forget")
    assert prompt.payload["response_type"] == "ephemeral"
    keep = await bot.press(button(prompt.payload, "pb:keep:"))
    assert keep.payload["replace_original"] is True
    assert "Nothing deleted" in text_of(keep.payload)
    done = await bot.press(button(prompt.payload, "pb:forget:"))
    assert done.payload["replace_original"] is True
    assert "Everything pathbot stored about you is gone" in text_of(done.payload)
    assert "No results yet" in text_of((await bot.command("/results")).payload)


async def test_stats_for_admins_only(bot: SlackHarness) -> None:
    await bot.finish(ALICE)
    refused = await bot.command("/stats", user=BOB)
    assert refused.payload["response_type"] == "ephemeral"
    assert "Only admins can see /stats" in text_of(refused.payload)
    bot.fake.set_admin("U0BOSS")
    for admin in ("U0BOSS", "U0LISTED"):  # workspace admin; PATHBOT_SLACK_ADMINS
        post = await bot.command("/stats", user=admin)
        assert post.payload["response_type"] == "ephemeral"
        assert "1 person has a result here" in text_of(post.payload)
    assert [c.args["user"] for c in bot.fake.calls("users.info")] == [BOB, "U0BOSS"]


async def test_owner_counts_as_admin(bot: SlackHarness) -> None:
    bot.fake.set_admin("U0OWNER", False, is_owner=True)
    post = await bot.command("/stats", user="U0OWNER")
    assert "How people here came out" in text_of(post.payload)


async def test_unexpected_failure_apologises_and_the_app_keeps_running(
    bot: SlackHarness,
) -> None:
    await bot.service.store.close()
    post = await bot.command("/results")
    assert post.payload["response_type"] == "ephemeral"
    assert text_of(post.payload).startswith("Sorry, something went wrong on our side")
    still = await bot.command("/compare", "math_depth")
    assert still.payload["response_type"] == "in_channel"


async def test_requests_reuse_the_start_up_auth_test(bot: SlackHarness) -> None:
    # bolt would otherwise call auth.test on the first request, before its ack
    assert len(bot.fake.calls("auth.test")) == 1
    await bot.command("/compare")
    await bot.command("/role", "ai")
    assert len(bot.fake.calls("auth.test")) == 1


async def test_auth_test_failing_at_start_up_is_asked_again_in_the_background(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    fake.fail_next("auth.test", "internal_error")
    harness = await SlackHarness.start(fake, make_config(tmp_path, fake, db_url), http)
    try:
        post = await harness.command("/compare")
        assert post.payload["response_type"] == "in_channel"
        calls = await fake.wait_for_calls("auth.test", 2)
        assert [c.response["ok"] for c in calls] == [False, True]
        await harness.command("/compare")
        assert len(fake.calls("auth.test")) == 2  # remembered again
    finally:
        await harness.stop()
