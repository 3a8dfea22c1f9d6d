"""The in-channel quiz through the fake Discord: Start, the private flow, checks, restart."""

from __future__ import annotations

import asyncio
import re

from tests.adapters.discord.conftest import ALICE, BOB, Harness, buttons, text_of, title
from tests.fakes.discord_fake import EPHEMERAL, FakeDiscord


async def test_quiz_from_start_to_result_in_one_private_message(
    bot: Harness, fake: FakeDiscord
) -> None:
    quiz = await bot.post_quiz()
    card = fake.messages[quiz]
    assert title(card) == bot.content.quiz_title and buttons(card)[0].startswith("pb:start:")
    assert await bot.card_refs() == [f"{fake.channel_id}:{quiz}"]
    total = len(bot.content.questions)

    private, first = await bot.start_quiz(quiz)
    assert title(first).endswith(f"1/{total}")
    assert len(buttons(first)) == len(bot.content.questions[0].options)  # no Back yet
    second = await bot.answer(private, 1)
    assert title(second).endswith(f"2/{total}") and buttons(second)[-1].startswith("pb:back:")

    back = await bot.reply(await bot.press(buttons(second)[-1], private))
    assert title(back).endswith(f"1/{total}")
    assert await bot.count("answers") == 0

    result = await bot.finish(private)
    assert [b.split(":")[1] for b in buttons(result)] == ["share", "path", "retake"]
    assert "%" in text_of(result)
    assert fake.messages[private]["flags"] & EPHEMERAL  # everything happened in one message
    assert await bot.count("answers") == total and await bot.count("results") == 1


async def test_tally_card_is_edited_with_the_bot_token_and_coalesced(
    bot: Harness, fake: FakeDiscord
) -> None:
    quiz = await bot.post_quiz()
    people = [ALICE + n for n in range(6)]
    privates = await asyncio.gather(*(bot.start_quiz(quiz, p) for p in people))
    await asyncio.gather(*(bot.finish(m, p) for (m, _), p in zip(privates, people, strict=True)))

    final = f"{len(people)} people have finished"
    await bot.until(lambda: final in text_of(fake.messages[quiz]), timeout=3)
    await asyncio.sleep(0.3)  # past the 0.2 s interval: any trailing edit has run
    edits = fake.calls("PATCH", f"/channels/{fake.channel_id}/messages/{quiz}")
    assert 1 <= len(edits) <= 3, len(edits)  # six results, at most one edit per interval
    assert buttons(fake.messages[quiz])[0].startswith("pb:start:")  # Start still there


async def test_share_posts_in_the_channel_naming_but_not_pinging(
    bot: Harness, fake: FakeDiscord
) -> None:
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    share = buttons(await bot.finish(private))[0]

    pressed = await bot.press(share, private)
    assert title(await bot.reply(pressed)) == "Shared"
    (public,) = await fake.followups_for(pressed)
    assert not public.get("flags", 0) & EPHEMERAL
    assert f"<@{ALICE}>" in public["embeds"][0]["description"]
    assert public["allowed_mentions"] == {"parse": []}

    assert len(buttons(fake.messages[private])) == 3  # the result card keeps its buttons
    again = await bot.reply(await bot.press(share, private))
    assert title(again) == "Already shared"


async def test_retake_starts_over_in_the_same_message(bot: Harness, fake: FakeDiscord) -> None:
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    retake = buttons(await bot.finish(private))[2]

    fresh = await bot.reply(await bot.press(retake, private))
    assert title(fresh).endswith(f"1/{len(bot.content.questions)}")
    assert await bot.count("sessions") == 2


async def test_someone_elses_button_is_refused_and_nothing_written(
    bot: Harness, fake: FakeDiscord
) -> None:
    quiz = await bot.post_quiz()
    private, question = await bot.start_quiz(quiz, ALICE)

    refused = await bot.refusal(await bot.press(buttons(question)[0], private, BOB))
    assert "belongs to someone else" in refused
    assert await bot.count("answers") == 0
    assert title(fake.messages[private]).endswith("1/" + str(len(bot.content.questions)))


async def test_tampered_ids_are_not_valid_and_write_nothing(
    bot: Harness, fake: FakeDiscord
) -> None:
    quiz = await bot.post_quiz()
    private, question = await bot.start_quiz(quiz)
    session = buttons(question)[0].split(":")[2]
    before = (await bot.count("sessions"), await bot.count("answers"))

    for forged in (f"pb:ans:{session}:0:9", f"pb:ans:{session}:7:0", "pb:zzz:abc", "nope:1"):
        text = await bot.refusal(await bot.press(forged, private))
        assert "not valid" in text or "Already answered" in text, (forged, text)
    gone = await bot.refusal(await bot.press("pb:ans:XXXX:0:9", private))
    assert "no longer exists" in gone  # a well-formed id of no session: the core's words

    assert (await bot.count("sessions"), await bot.count("answers")) == before


async def test_double_press_stores_one_answer(bot: Harness, fake: FakeDiscord) -> None:
    quiz = await bot.post_quiz()
    private, question = await bot.start_quiz(quiz)
    choice = buttons(question)[0]

    first, second = [await bot.press(choice, private) for _ in range(2)]
    callbacks = [await fake.callback_for(first), await fake.callback_for(second)]

    assert await bot.count("answers") == 1
    assert sorted(c["type"] for c in callbacks) == [4, 7]  # one update, one private refusal
    refusal = next(c for c in callbacks if c["type"] == 4)["data"]
    assert refusal["flags"] & EPHEMERAL and "Already answered" in refusal["content"]


async def test_restart_mid_quiz_continues_from_the_old_message(
    harness: Harness, fake: FakeDiscord
) -> None:
    first = await harness.start()
    quiz = await harness.post_quiz()
    private, _ = await harness.start_quiz(quiz)
    await harness.answer(private, 0)
    await first.stop()

    await harness.start()  # a new adapter and a new Service on the same database
    third = await harness.answer(private, 1)  # the old message's buttons

    assert title(third).endswith(f"3/{len(harness.content.questions)}")
    assert await harness.count("answers") == 2
    result = await harness.finish(private)
    assert title(result).startswith("Your result")
    await harness.until(lambda: "1 person has finished" in text_of(fake.messages[quiz]))


async def test_slow_work_is_deferred_first_then_shown(harness: Harness, fake: FakeDiscord) -> None:
    """With no time budget every handler defers first: the same flow, in two steps each."""
    await harness.start(ack_budget=0)

    command = await fake.slash("quiz")
    assert (await fake.callback_for(command))["type"] == 5  # "thinking…", public
    quiz = str(fake.original_message(command)["id"])  # type: ignore[index]
    await harness.reply(command)
    private, question = await harness.start_quiz(quiz)
    assert title(question).endswith(f"1/{len(harness.content.questions)}")

    pressed = await harness.press(buttons(question)[0], private)
    assert (await fake.callback_for(pressed))["type"] == 6  # deferred update of the message
    assert re.search(r"2/\d+$", title(await harness.reply(pressed)))
    refused = await harness.refusal(await harness.press(buttons(question)[0], private, BOB))
    assert "belongs to someone else" in refused  # a follow-up after the deferral
    assert (await harness.reply(await fake.slash("results")))["flags"] & EPHEMERAL
    path = await fake.slash("path", user_id=BOB)  # refused after a private deferral
    assert (await fake.callback_for(path)) == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert "no quiz result yet" in (await harness.reply(path))["content"]


async def test_deferred_share_keeps_the_result_card(harness: Harness, fake: FakeDiscord) -> None:
    """Share past the budget: deferred as a new private message ("thinking…"), which the
    notice then fills; the result message keeps its buttons; the share is posted."""
    await harness.start(ack_budget=0)
    command = await fake.slash("quiz")
    await harness.reply(command)
    quiz = str(fake.original_message(command)["id"])  # type: ignore[index]
    private, _ = await harness.start_quiz(quiz)
    result = await harness.finish(private)

    pressed = await harness.press(buttons(result)[0], private)

    assert (await fake.callback_for(pressed)) == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert title(await harness.reply(pressed)) == "Shared"
    assert len(buttons(fake.messages[private])) == 3
    (public,) = await fake.followups_for(pressed)
    assert not public.get("flags", 0) & EPHEMERAL and public["embeds"]


async def test_forget_takes_the_person_out_of_the_tally(bot: Harness, fake: FakeDiscord) -> None:
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    await bot.finish(private)
    await bot.until(lambda: "1 person has finished" in text_of(fake.messages[quiz]))

    prompt = await fake.slash("forget")
    confirm = buttons(await bot.reply(prompt))[0]
    message = str(fake.original_message(prompt)["id"])  # type: ignore[index]
    assert title(await bot.reply(await bot.press(confirm, message))) == "Deleted"

    await bot.until(lambda: "0 people have finished" in text_of(fake.messages[quiz]))
    assert await bot.card_refs() == [f"{fake.channel_id}:{quiz}"]  # channel:message, stored
