"""A new row of the command table is registered and answered on Discord with no adapter code."""

from __future__ import annotations

from tests.adapters.discord.conftest import Harness, text_of
from tests.fakes.discord_fake import EPHEMERAL, FakeDiscord
from tests.fixtures.throwaway_command import WITH_ECHO


async def test_a_throwaway_command_is_synced_and_answers(
    harness: Harness, fake: FakeDiscord
) -> None:
    await harness.start(commands=WITH_ECHO)

    (put,) = fake.calls("PUT", f"/applications/{fake.application_id}/commands")
    echo = next(c for c in put.json if c["name"] == "echo")
    assert echo["description"] == "Echo a word back, privately (a test command)"
    assert echo["options"][0]["name"] == "word" and not echo["options"][0].get("required")
    shown = await harness.reply(await fake.slash("echo", {"word": "hi"}))
    assert shown["flags"] & EPHEMERAL
    assert "echo: hi" in text_of(shown)
    assert "Echo" in text_of(shown)
