"""After the quiz on Discord: Done/Undo on the DM'd path, reminders by DM, closed DMs,
restarts and two bots on one database (real discord.py against the fake Discord)."""

from __future__ import annotations

import asyncio

from bot.core.reminders import Reminders
from tests.adapters.discord.conftest import ALICE, Harness, buttons, text_of, title
from tests.fakes.discord_fake import FakeDiscord

ROLE = "ai_engineer"


def button(message: dict[str, object], verb: str, index: int = 0) -> str:
    return [b for b in buttons(message) if b.startswith(f"pb:{verb}:")][index]


async def dm_path(bot: Harness, fake: FakeDiscord) -> dict[str, object]:
    await bot.reply(await fake.slash("path", {"role": ROLE}))
    return fake.dms_to(ALICE)[-1]


async def test_done_in_the_dm_updates_it_in_place(bot: Harness, fake: FakeDiscord) -> None:
    dm = await dm_path(bot, fake)
    stages = bot.content.path_for(ROLE).stages
    assert f"Stage 1 of {len(stages)}" in text_of(dm)

    shown = await bot.reply(await fake.press(button(dm, "done"), str(dm["id"]), user_id=ALICE,
                                             guild=False))
    assert f"Stage 2 of {len(stages)} — {stages[1].title}" in text_of(shown)
    assert button(shown, "undo").startswith(f"pb:undo:{ROLE}:0:")
    assert len(fake.dms_to(ALICE)) == 1  # the same message, edited
    assert await bot.count("path_progress") == 1


async def test_someone_else_cannot_tick_my_stage(bot: Harness, fake: FakeDiscord) -> None:
    dm = await dm_path(bot, fake)
    text = await bot.refusal(await fake.press(button(dm, "done"), str(dm["id"]),
                                              user_id=ALICE + 1, guild=False))
    assert "belongs to someone else" in text
    assert await bot.count("path_progress") == 0


async def test_reminders_arrive_by_dm_once_across_two_bots_and_a_restart(
    harness: Harness, fake: FakeDiscord
) -> None:
    first = await harness.start()
    second = await harness.start()  # another process on the same database
    first.service.nudge_every = second.service.nudge_every = 0.2
    dm = await dm_path(harness, fake)
    await harness.reply(await fake.press(button(dm, "remind"), str(dm["id"]), user_id=ALICE,
                                         guild=False))
    await asyncio.sleep(0.3)
    sent = await asyncio.gather(
        Reminders(first.service, {"discord": first.send_dm}).tick(),
        Reminders(second.service, {"discord": second.send_dm}).tick())
    assert sorted(sent) == [0, 1]
    reminder = fake.dms_to(ALICE)[-1]
    assert title(reminder).startswith("Your AI Engineer path: Stage 1 of")
    assert buttons(reminder)[0].startswith(f"pb:done:{ROLE}:0:")

    await first.stop()  # a restart: a new bot on the same database sends the next one, once
    third = await harness.start()
    third.service.nudge_every = 0.2
    await asyncio.sleep(0.3)
    assert await Reminders(third.service, {"discord": third.send_dm}).tick() == 1
    assert await Reminders(third.service, {"discord": third.send_dm}).tick() == 0


async def test_closed_dms_stop_reminders_and_path_says_so(
    bot: Harness, fake: FakeDiscord
) -> None:
    bot.service.nudge_every = 0.1
    dm = await dm_path(bot, fake)
    await bot.reply(await fake.press(button(dm, "remind"), str(dm["id"]), user_id=ALICE,
                                     guild=False))
    fake.close_dms(ALICE)
    await asyncio.sleep(0.15)
    adapter = bot.adapters[-1]
    assert await Reminders(bot.service, {"discord": adapter.send_dm}).tick() == 0
    fake.open_dms(ALICE)
    await asyncio.sleep(0.15)
    assert await Reminders(bot.service, {"discord": adapter.send_dm}).tick() == 0  # stopped
    shown = await bot.reply(await fake.slash("path", {"role": ROLE}))
    assert "Your reminders stopped" in text_of(shown)
