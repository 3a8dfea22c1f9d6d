"""Slash commands through the fake Discord: sync, compare, role, results, forget, stats."""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.bootstrap import build_service
from bot.config import ConfigError, load_config
from bot.heap import FULL_AFTER
from bot.runner import run
from tests.adapters.discord.conftest import ALICE, Harness, buttons, text_of, title
from tests.fakes.discord_fake import EPHEMERAL, FakeDiscord

NAMES = ["compare", "role", "quiz", "results", "path", "forget", "stats"]


async def test_sync_lists_all_seven_commands_and_logs_the_invite(
    bot: Harness, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    (put,) = fake.calls("PUT", f"/applications/{fake.application_id}/commands")
    by_name = {c["name"]: c for c in put.json}
    assert list(by_name) == NAMES
    assert all(0 < len(c["description"]) <= 100 for c in put.json)
    assert int(by_name["stats"]["default_member_permissions"]) == 1 << 5  # Manage Server
    assert all(by_name[n]["default_member_permissions"] is None for n in NAMES[:-1])
    dimension = by_name["compare"]["options"][0]
    assert dimension["name"] == "dimension" and not dimension.get("required")
    assert [c["value"] for c in dimension["choices"]] == [
        d.id for d in bot.content.dimensions]
    assert by_name["role"]["options"][0]["autocomplete"] is True
    assert by_name["role"]["options"][0]["required"] is True
    logged = [r.getMessage() for r in caplog.get_records("setup")]
    invite = next(m for m in logged if "invite" in m)
    assert f"client_id={fake.application_id}" in invite
    assert "scope=bot+applications.commands" in invite and "permissions=19456" in invite


async def test_guild_id_syncs_to_that_guild(
    harness: Harness, fake: FakeDiscord
) -> None:
    harness.env["DISCORD_GUILD_ID"] = fake.guild_id
    await harness.start()

    assert [c["name"] for c in fake.commands[fake.guild_id]] == NAMES
    assert not fake.calls("PUT", f"/applications/{fake.application_id}/commands")
    shown = await harness.reply(await fake.slash("compare"))  # carries data.guild_id
    assert title(shown) == harness.content.title


async def test_compare_all_and_one_dimension_in_public(bot: Harness, fake: FakeDiscord) -> None:
    everything = await fake.slash("compare")
    shown = await bot.reply(everything)
    assert not shown.get("flags", 0) & EPHEMERAL
    names = [f["name"] for e in shown["embeds"] for f in e.get("fields", [])]
    assert names == [d.name for d in bot.content.dimensions]

    dimension = bot.content.dimensions[1]
    one = await bot.reply(await fake.slash("compare", {"dimension": dimension.id}))
    assert [f["name"] for f in one["embeds"][0]["fields"]] == [dimension.name]
    assert dimension.name in title(one)


async def test_unknown_dimension_is_refused_privately(bot: Harness, fake: FakeDiscord) -> None:
    text = await bot.refusal(await fake.slash("compare", {"dimension": "salary"}))
    assert "no comparison dimension called 'salary'" in text


async def test_role_and_its_autocomplete(bot: Harness, fake: FakeDiscord) -> None:
    role = bot.content.roles[1]
    shown = await bot.reply(await fake.slash("role", {"role": role.id}))
    assert title(shown).startswith(f"{role.emoji} {role.name}")
    assert shown["embeds"][0]["color"] == role.color

    typed = await fake.autocomplete("role", "role", "ml")
    choices = (await fake.callback_for(typed))["data"]["choices"]
    assert choices == [{"name": n, "value": v} for n, v in bot.service.role_choices("ml")]
    everything = await fake.autocomplete("role", "role", "")
    assert len((await fake.callback_for(everything))["data"]["choices"]) == len(
        bot.content.roles)

    text = await bot.refusal(await fake.slash("role", {"role": "astronaut"}))
    assert "no role called 'astronaut'" in text


async def test_results_are_private_and_newest_first(bot: Harness, fake: FakeDiscord) -> None:
    empty = await bot.reply(await fake.slash("results"))
    assert empty["flags"] & EPHEMERAL and "No results yet" in text_of(empty)

    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    await bot.finish(private)

    shown = await bot.reply(await fake.slash("results"))
    assert shown["flags"] & EPHEMERAL
    assert len(shown["embeds"][0]["fields"]) == 1
    assert bot.content.version in text_of(shown)


async def test_forget_confirm_deletes_and_cancel_keeps(bot: Harness, fake: FakeDiscord) -> None:
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    await bot.finish(private)
    assert await bot.count("results") == 1

    prompt = await fake.slash("forget")
    card = await bot.reply(prompt)
    assert card["flags"] & EPHEMERAL and title(card).startswith("Delete everything")
    confirm, cancel = buttons(card)
    message = str(fake.original_message(prompt)["id"])  # type: ignore[index]

    kept = await bot.reply(await bot.press(cancel, message))
    assert title(kept) == "Nothing deleted" and kept["components"] == []
    assert await bot.count("results") == 1

    deleted = await bot.reply(await bot.press(confirm, message))
    assert title(deleted) == "Deleted"
    assert [await bot.count(t) for t in ("results", "sessions", "answers")] == [0, 0, 0]


async def test_stats_needs_manage_server(bot: Harness, fake: FakeDiscord) -> None:
    refused = await bot.refusal(await fake.slash("stats"))
    assert refused.startswith("Only admins can see /stats")

    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz, ALICE)
    await bot.finish(private, ALICE)
    shown = await bot.reply(await bot.admin_slash("stats"))
    assert shown["flags"] & EPHEMERAL
    assert "1 person has a result here" in text_of(shown)


async def test_pathbot_run_starts_the_discord_adapter(
    fake: FakeDiscord, env: dict[str, str], tmp_path: Path
) -> None:
    config = load_config(environ={**env, "PATHBOT_HTTP_PORT": "0"}, cwd=tmp_path)
    stop = asyncio.Event()
    running = asyncio.create_task(run(config, stop))
    await fake.wait_for_connection(timeout=10)

    callback = await fake.callback_for(await fake.slash("compare"), timeout=10)

    assert callback["data"]["embeds"][0]["title"]
    assert gc.get_threshold()[2] == FULL_AFTER  # bot/heap.py's policy is on while it runs
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0
    assert gc.get_threshold()[2] != FULL_AFTER and gc.get_freeze_count() == 0


async def test_pathbot_run_exits_1_when_discord_ends_the_session_for_good(
    fake: FakeDiscord, env: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A gateway close that discord.py does not reconnect after (4004: the token was reset)
    ends `pathbot run` with 1, so a supervisor restarts it instead of it idling, healthy."""
    config = load_config(environ={**env, "PATHBOT_HTTP_PORT": "0"}, cwd=tmp_path)
    running = asyncio.create_task(run(config, asyncio.Event()))
    caplog.set_level(logging.INFO, logger="bot.runner")
    await Harness.until(  # run() has started the adapter (READY)
        lambda: any("discord adapter started" in r.getMessage() for r in caplog.records),
        timeout=10)

    await fake.close_connection(code=4004)

    assert await asyncio.wait_for(running, 10) == 1


async def test_a_refused_token_stops_start_up_with_a_clear_message(
    fake: FakeDiscord, env: dict[str, str], tmp_path: Path
) -> None:
    config = load_config(environ={**env, "DISCORD_TOKEN": "not-the-token"}, cwd=tmp_path)
    service = await build_service(config)
    try:
        with pytest.raises(ConfigError, match="Discord refused DISCORD_TOKEN"):
            await DiscordAdapter(config, service).start()
    finally:
        await service.store.close()
