"""The in-channel quiz end to end: Start, private questions with Back, result buttons, tally."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from bot.core.models import UserRef
from tests.adapters.slack.harness import (
    ALICE,
    BOB,
    CHANNEL,
    TALLY_INTERVAL,
    SlackHarness,
    all_payloads_valid,
    button,
    buttons,
    make_config,
    text_of,
)
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import block_actions_body


def session_of(payload: dict[str, Any]) -> str:
    return button(payload, "pb:ans:").split(":")[2]


async def test_full_quiz_from_start_to_result_with_back(bot: SlackHarness) -> None:
    total = len(bot.service.content.questions)
    first = await bot.start_quiz()
    assert (first["response_type"], first["replace_original"]) == ("ephemeral", False)
    assert first["blocks"][0]["text"]["text"].endswith(f"1/{total}")
    assert not any(a.startswith("pb:back:") for _, a in buttons(first))

    second = await bot.press(button(first, "pb:ans:", 1))
    assert (second.payload["response_type"], second.payload["replace_original"]) == (
        "ephemeral", True)
    assert second.payload["blocks"][0]["text"]["text"].endswith(f"2/{total}")
    back = await bot.press(button(second.payload, "pb:back:"))
    assert back.payload["blocks"][0]["text"]["text"].endswith(f"1/{total}")
    assert back.payload["replace_original"] is True

    payload = back.payload
    for _ in range(total):
        payload = await bot.answer(payload, 0)
    assert payload["blocks"][0]["text"]["text"].startswith("Your result:")
    labels = [label for label, _ in buttons(payload)]
    assert labels == ["Share to channel", "Send me my learning path", "Retake"]
    assert "%" in text_of(payload) and "What drove it" in text_of(payload)
    stored = await bot.service.store.get_session(session_of(first))
    assert stored is not None and stored.status == "finished" and len(stored.answers) == total


async def test_result_updates_the_tally_on_the_public_card(bot: SlackHarness) -> None:
    await bot.finish()
    update = await bot.fake.wait_for_call("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (CHANNEL, bot.quiz_message["ts"])
    assert "1 person has finished" in text_of(update.args)
    assert button(update.args, "pb:start:") == button(bot.quiz_message, "pb:start:")


async def test_forget_takes_the_person_out_of_the_tally(bot: SlackHarness) -> None:
    await bot.finish(ALICE)
    await bot.fake.wait_for_call("chat.update")
    prompt = await bot.command("/forget")
    await bot.press(button(prompt.payload, "pb:forget:"))
    update = (await bot.fake.wait_for_calls("chat.update", 2, timeout=5))[1]
    assert update.args["ts"] == bot.quiz_message["ts"]
    assert "0 people have finished" in text_of(update.args)


async def test_share_posts_publicly_once(bot: SlackHarness) -> None:
    result = await bot.finish()
    shared = await bot.press(button(result, "pb:share:"))
    assert (shared.payload["response_type"], shared.payload["replace_original"]) == (
        "ephemeral", False)  # the result card, with its buttons, stays
    assert "Your result is now in the channel" in text_of(shared.payload)
    post = await bot.fake.wait_for_call("chat.postMessage", lambda c: "took the quiz" in
                                        text_of(c.args))
    assert post.args["channel"] == CHANNEL
    assert f"<@{ALICE}> took the quiz" in text_of(post.args)
    again = await bot.press(button(result, "pb:share:"))
    assert "Already shared" in text_of(again.payload)
    assert len(bot.fake.calls("chat.postMessage")) == 2  # the quiz card and one share


async def test_path_button_dms_and_falls_back_when_dms_are_closed(bot: SlackHarness) -> None:
    result = await bot.finish(ALICE)
    sent = await bot.press(button(result, "pb:path:"))
    assert sent.payload["replace_original"] is False
    assert "Check your DMs" in text_of(sent.payload)
    dm = await bot.fake.wait_for_call("chat.postMessage", lambda c: c.args["channel"] == "D0ALICE")
    assert "Learning path:" in text_of(dm.args)

    bot.fake.fail_dm(BOB)
    result = await bot.finish(BOB)
    fallback = await bot.press(button(result, "pb:path:"), user=BOB)
    assert fallback.payload["response_type"] == "ephemeral"
    assert "Learning path:" in text_of(fallback.payload)
    assert "couldn't DM you" in text_of(fallback.payload)
    assert await bot.service.store.dms_closed(UserRef("slack", bot.fake.team_id, BOB))


async def test_retake_starts_a_new_session_in_place(bot: SlackHarness) -> None:
    result = await bot.finish()
    retake = await bot.press(button(result, "pb:retake:"))
    assert retake.payload["replace_original"] is True
    assert retake.payload["blocks"][0]["text"]["text"].endswith(
        f"1/{len(bot.service.content.questions)}")
    assert session_of(retake.payload) != button(result, "pb:retake:").split(":")[2]


async def test_another_users_press_is_refused_and_nothing_written(bot: SlackHarness) -> None:
    first = await bot.start_quiz(ALICE)
    refused = await bot.press(button(first, "pb:ans:"), user=BOB)
    assert (refused.payload["response_type"], refused.payload["replace_original"]) == (
        "ephemeral", False)
    assert "This quiz belongs to someone else" in text_of(refused.payload)
    assert "*Start*" in text_of(refused.payload)  # **bold** became Slack's *bold*
    stored = await bot.service.store.get_session(session_of(first))
    assert stored is not None and stored.answers == ()


async def test_tampered_and_foreign_action_ids_are_refused(bot: SlackHarness) -> None:
    first = await bot.start_quiz()
    session = session_of(first)
    invalid, gone = "This button is not valid", "That quiz no longer exists"
    # a question ahead of the current one is refused like a stale press (a Back racing a
    # click produces one legitimately)
    for bad, expected in ((f"pb:ans:{session}:0:99", invalid),
                          (f"pb:ans:{session}:7:0", "Already answered"),
                          ("pb:ans:nosuch:0:0", gone), ("pb:bogus:x", invalid),
                          ("not-ours", invalid)):
        post = await bot.press(bad)
        assert post.payload["response_type"] == "ephemeral", bad
        assert post.payload["replace_original"] is False
        assert text_of(post.payload).startswith(expected), bad
    stored = await bot.service.store.get_session(session)
    assert stored is not None and stored.answers == ()


async def test_double_press_stores_once_and_says_already_answered(bot: SlackHarness) -> None:
    first = await bot.start_quiz()
    answer = button(first, "pb:ans:")
    await bot.press(answer)
    again = await bot.press(answer)
    assert "Already answered" in text_of(again.payload)
    stored = await bot.service.store.get_session(session_of(first))
    assert stored is not None and stored.answers == (0,)


async def test_a_slack_retry_is_acked_and_stores_one_answer(bot: SlackHarness) -> None:
    first = await bot.start_quiz()
    url = bot.fake.new_response_url()
    body = block_actions_body(button(first, "pb:ans:"), response_url=url, user_id=ALICE)
    await bot.send_press("", body=body)
    await bot.fake.wait_for_response_url(url)
    await bot.send_press("", body=body, retry_num=1)  # Slack resends the same request
    await bot.send_press("", body=body, retry_num=2)
    await asyncio.sleep(0.2)
    assert len(bot.fake.responses(url)) == 1  # the person sees nothing new
    stored = await bot.service.store.get_session(session_of(first))
    assert stored is not None and stored.answers == (0,)


async def test_a_retry_whose_first_delivery_was_lost_is_handled(bot: SlackHarness) -> None:
    first = await bot.start_quiz()
    post = await bot.press(button(first, "pb:ans:", 2), retry_num=1)
    assert post.payload["blocks"][0]["text"]["text"].endswith(
        f"2/{len(bot.service.content.questions)}")
    stored = await bot.service.store.get_session(session_of(first))
    assert stored is not None and stored.answers == (2,)


async def test_a_burst_of_finishers_edits_the_card_at_most_twice(bot: SlackHarness) -> None:
    users = [f"U0P{i:02d}" for i in range(8)]
    last_questions = []
    for user in users:  # everyone up to the last question
        payload = await bot.start_quiz(user)
        for _ in bot.service.content.questions[:-1]:
            payload = await bot.answer(payload, 1, user)
        last_questions.append(payload)
    bot.fake.clear()
    await asyncio.gather(*(bot.answer(q, 0, u) for q, u in zip(last_questions, users,
                                                             strict=True)))
    await asyncio.sleep(TALLY_INTERVAL)
    await bot.adapter.delivery.coalescer.flush()
    updates = bot.fake.calls("chat.update")
    assert 1 <= len(updates) <= 2
    final = bot.fake.message(CHANNEL, bot.quiz_message["ts"])
    assert final is not None and "8 people have finished" in text_of(final)


async def test_an_expired_response_url_falls_back_to_post_ephemeral(bot: SlackHarness) -> None:
    first = await bot.start_quiz()
    url = bot.fake.new_response_url()
    bot.fake.expire_response_url(url)
    body = block_actions_body(button(first, "pb:ans:"), response_url=url, user_id=ALICE)
    await bot.send_press("", body=body)
    call = await bot.fake.wait_for_call("chat.postEphemeral")
    assert (call.args["channel"], call.args["user"]) == (CHANNEL, ALICE)
    assert "2/" in text_of(call.args)


async def test_rate_limited_tally_edit_is_retried(bot: SlackHarness) -> None:
    bot.fake.rate_limit_next("chat.update", retry_after=0)
    await bot.finish()
    first, second = await bot.fake.wait_for_calls("chat.update", 2, timeout=5)
    assert first.status == 429 and second.ok


async def test_restart_mid_quiz_the_old_buttons_keep_working(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, db_url: str
) -> None:
    config = make_config(tmp_path, fake, db_url)
    old = await SlackHarness.start(fake, config, http)
    first = await old.start_quiz()
    second = await old.answer(first, 1)
    await old.stop()

    new = await SlackHarness.start(fake, config, http)  # new adapter, new Service, same database
    new.quiz_message = old.quiz_message
    try:
        third = await new.answer(second, 0)
        assert third["blocks"][0]["text"]["text"].endswith(
            f"3/{len(new.service.content.questions)}")
        stored = await new.service.store.get_session(session_of(first))
        assert stored is not None and stored.answers == (1, 0)
        again = await new.start_quiz()  # Start on the old card resumes the session
        assert session_of(again) == session_of(first)
    finally:
        await new.stop()
    all_payloads_valid(fake)
