"""Learning paths by DM, and the private fallback when DMs are closed (403 50007 / 50278)."""

from __future__ import annotations

import re

from tests.adapters.discord.conftest import ALICE, Harness, buttons, text_of, title
from tests.fakes.discord_fake import EPHEMERAL, FakeDiscord


def dm_attempts(fake: FakeDiscord, user: int) -> list[int]:
    channel = fake.dm_channels.get(str(user))
    if channel is None:
        return []
    return [r.status for r in fake.calls("POST", f"/channels/{channel}/messages")]


async def test_path_for_a_role_is_sent_by_dm(bot: Harness, fake: FakeDiscord) -> None:
    role = bot.content.roles[0]
    shown = await bot.reply(await fake.slash("path", {"role": role.id}))

    assert shown["flags"] & EPHEMERAL and title(shown) == "Check your DMs"
    (dm,) = fake.dms_to(ALICE)
    assert title(dm) == f"Learning path: {role.name}"
    assert len(dm["embeds"][0]["fields"]) == len(bot.content.path_for(role.id).stages)


async def test_path_without_a_result_or_role_is_refused(bot: Harness, fake: FakeDiscord) -> None:
    assert "no quiz result yet" in await bot.refusal(await fake.slash("path"))


async def test_closed_dms_fall_back_privately_and_are_not_retried(
    bot: Harness, fake: FakeDiscord
) -> None:
    fake.close_dms(ALICE)
    role = bot.content.roles[1]

    first = await bot.reply(await fake.slash("path", {"role": role.id}))
    assert first["flags"] & EPHEMERAL and title(first) == f"Learning path: {role.name}"
    assert "couldn't DM you" in text_of(first)
    assert dm_attempts(fake, ALICE) == [403]

    second = await bot.reply(await fake.slash("path", {"role": role.id}))
    assert "Your DMs are closed" in text_of(second)
    assert dm_attempts(fake, ALICE) == [403]  # no second attempt
    assert await bot.count("dm_status") == 1


async def test_result_button_sends_the_path_and_falls_back_privately(
    bot: Harness, fake: FakeDiscord
) -> None:
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    result = await bot.finish(private)
    path_button = buttons(result)[1]
    fake.close_dms(ALICE, code=50278)

    shown = await bot.reply(await bot.press(path_button, private))

    assert re.match(r"Learning path: ", title(shown)) and "couldn't DM you" in text_of(shown)
    assert shown["flags"] & EPHEMERAL  # a new private message...
    assert fake.messages[private]["embeds"] == result["embeds"]  # ...the result card stays
    assert len(buttons(fake.messages[private])) == 3
    assert dm_attempts(fake, ALICE) == [403]


async def test_a_dm_failing_for_another_reason_is_shown_privately_and_tried_again(
    bot: Harness, fake: FakeDiscord
) -> None:
    role = bot.content.roles[0]
    fake.close_dms(ALICE, code=50001)  # a 403 that says nothing about the person's settings

    first = await bot.reply(await fake.slash("path", {"role": role.id}))
    assert title(first) == f"Learning path: {role.name}"
    assert "couldn't DM you just now" in text_of(first)
    fake.open_dms(ALICE)
    second = await bot.reply(await fake.slash("path", {"role": role.id}))
    assert title(second) == "Check your DMs"
    assert dm_attempts(fake, ALICE) == [403, 200]
    assert await bot.count("dm_status") == 0


async def test_latest_result_path_by_dm(bot: Harness, fake: FakeDiscord) -> None:
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    result = await bot.finish(private)

    shown = await bot.reply(await fake.slash("path"))

    assert title(shown) == "Check your DMs"
    (dm,) = fake.dms_to(ALICE)
    assert title(dm).removeprefix("Learning path: ") in title(result)
