"""After the quiz on Slack: Done/Undo on the DM'd path (answered in place), reminders by
DM, closed DMs (real slack-bolt in HTTP mode against the fake Slack)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.models import UserRef
from bot.core.reminders import Reminders
from tests.adapters.slack.harness import ALICE, BOB, SlackHarness, button, text_of
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import DEFAULT_TEAM_ID, message_container

ROLE = "ai_engineer"
ALICE_REF = UserRef("slack", DEFAULT_TEAM_ID, ALICE)


async def dm_path(bot: SlackHarness) -> dict[str, Any]:
    await bot.command("/path", "ai")
    dm = await bot.fake.wait_for_call("chat.postMessage",
                                      lambda c: c.args["channel"].startswith("D"))
    message = bot.fake.message(dm.args["channel"], dm.response["ts"])
    assert message is not None
    return message


async def press_in_dm(bot: SlackHarness, message: dict[str, Any], verb: str,
                      user: str = ALICE) -> dict[str, Any]:
    channel = FakeSlack.dm_channel_id(ALICE)
    container = message_container(str(message["ts"]), channel)
    post = await bot.press(button(message, f"pb:{verb}:"), user=user, container=container,
                           channel_id=channel)
    return post.payload


async def test_done_in_the_dm_replaces_it(bot: SlackHarness) -> None:
    stages = bot.service.content.path_for(ROLE).stages
    dm = await dm_path(bot)
    assert f"Stage 1 of {len(stages)}" in text_of(dm)

    shown = await press_in_dm(bot, dm, "done")
    assert shown["replace_original"] is True
    assert f"Stage 2 of {len(stages)} — {stages[1].title}".replace("&", "&amp;") in text_of(shown)
    assert button(shown, f"pb:undo:{ROLE}:0:")
    assert await bot.service.store.stages_done(ALICE_REF, ROLE) == {stages[0].id}


async def test_someone_else_cannot_tick_my_stage(bot: SlackHarness) -> None:
    dm = await dm_path(bot)
    shown = await press_in_dm(bot, dm, "done", user=BOB)
    assert "belongs to someone else" in text_of(shown)
    assert await bot.service.store.stages_done(ALICE_REF, ROLE) == frozenset()


async def test_reminders_by_dm_and_closed_dms_stop_them(bot: SlackHarness) -> None:
    bot.service.nudge_every = 0.1
    dm = await dm_path(bot)
    shown = await press_in_dm(bot, dm, "remind")
    assert "Stop reminders" in text_of(shown)
    await asyncio.sleep(0.15)
    reminders = Reminders(bot.service, {"slack": bot.adapter.send_dm})
    assert await reminders.tick() == 1
    sent = bot.fake.calls("chat.postMessage")[-1]
    assert sent.args["channel"] == FakeSlack.dm_channel_id(ALICE)
    assert "Your AI Engineer path: Stage 1 of" in text_of(sent.args)

    bot.fake.fail_dm(ALICE)
    await asyncio.sleep(0.15)
    assert await reminders.tick() == 0
    post = await bot.command("/path", "ai")
    assert "Your reminders stopped" in text_of(post.payload)
