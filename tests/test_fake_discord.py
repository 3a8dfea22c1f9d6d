"""The fake Discord drives the real discord.py: login, command sync, interactions, REST."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from bot.adapters.discord.client import guard_gateway_parsers
from tests.fakes.discord_fake import (
    ADMIN_PERMISSIONS,
    EPHEMERAL,
    LOADING,
    FakeDiscord,
)
from tests.fakes.minimal_discord_bot import (
    FAST_GUILD_READY_TIMEOUT,
    FloorBot,
    MinimalBot,
    discord_endpoints,
    start_client,
    stop_client,
)

TOKEN = "fake-bot-token"
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content

Start = Callable[[discord.Client], Awaitable[asyncio.Task[None]]]


class Knock(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"knock:(?P<n>[0-9]+)"):
    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label="Knock", custom_id=f"knock:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Knock:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"knock {self.n}", ephemeral=True)


class StartView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Start", custom_id="quiz:start")
    async def start(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="started", view=None)


class TreeBot(discord.Client):
    """A client with one slash command (with autocomplete), a DynamicItem and a persistent view."""

    def __init__(self, guild_id: int | None = None) -> None:
        super().__init__(
            intents=discord.Intents.default(), guild_ready_timeout=FAST_GUILD_READY_TIMEOUT
        )
        self.tree = app_commands.CommandTree(self)
        self.sync_guild = discord.Object(guild_id) if guild_id else None
        self.tree.add_command(self._role_command())

    def _role_command(self) -> app_commands.Command[Any, Any, None]:
        @app_commands.command(name="role", description="One role's summary")
        async def role(interaction: discord.Interaction, role: str, level: int = 1) -> None:
            await interaction.response.send_message(f"role {role} level {level}", ephemeral=True)

        @role.autocomplete("role")
        async def complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            names = ("ai-engineer", "ml-engineer")
            return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

        return role

    async def setup_hook(self) -> None:
        self.add_dynamic_items(Knock)
        self.add_view(StartView())
        if self.sync_guild is not None:
            self.tree.copy_global_to(guild=self.sync_guild)
            self.tree.clear_commands(guild=None)
            await self.tree.sync(guild=self.sync_guild)
        else:
            await self.tree.sync()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        with discord_endpoints(fake):
            yield fake


@pytest.fixture
async def start(fake: FakeDiscord, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Start]:
    """Starts clients against the fake; closes them all at the end of the test.

    Fails the test if discord.py logged an error (a reply it could not parse, say).
    """
    running: list[tuple[discord.Client, asyncio.Task[None]]] = []

    async def _start(client: discord.Client) -> asyncio.Task[None]:
        task = await start_client(client, TOKEN, fake)
        running.append((client, task))
        return task

    yield _start
    for client, task in reversed(running):
        await stop_client(client, task)
    records = caplog.get_records("call") + caplog.records  # this (teardown) phase's records
    errors = [r for r in records if r.name.startswith("discord") and r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def test_minimal_bot_logs_in_and_is_ready(fake: FakeDiscord, start: Start) -> None:
    bot = MinimalBot()
    await start(bot)

    assert bot.is_ready()
    assert bot.user is not None and str(bot.user.id) == fake.bot_user["id"]
    assert str(bot.application_id) == fake.application_id
    guild = bot.get_guild(int(fake.guild_id))
    assert guild is not None and guild.get_channel(int(fake.channel_id)) is not None
    assert [r.path for r in fake.calls("GET")] == ["/users/@me", "/oauth2/applications/@me"]
    identify = next(f.d for f in fake.gateway_frames if f.op == 2)
    assert identify["token"] == TOKEN
    assert identify["intents"] & PRIVILEGED_INTENTS == 0
    assert fake.connections[0].query["compress"] == "zlib-stream"


async def test_slash_is_answered_and_callback_recorded(fake: FakeDiscord, start: Start) -> None:
    bot = MinimalBot("constant reply")
    await start(bot)

    sent = await fake.slash("anything", {"text": "hi", "count": 3})

    callback = await fake.callback_for(sent)
    await _until(lambda: bot.answered == 1)  # discord.py parsed the fake's reply
    assert callback == {"type": 4, "data": {"tts": False, "content": "constant reply", "flags": 64}}
    record = await fake.callback_record(sent)
    assert record.query == {"with_response": "1"}
    assert 0 < record.at - sent.dispatched_at < 2
    original = fake.original_message(sent)
    assert original is not None and original["flags"] & EPHEMERAL
    assert sent.payload["data"]["options"] == [
        {"name": "text", "type": 3, "value": "hi"},
        {"name": "count", "type": 4, "value": 3},
    ]


async def test_command_tree_syncs_and_runs_slash_and_autocomplete(
    fake: FakeDiscord, start: Start
) -> None:
    await start(TreeBot())

    (put,) = fake.calls("PUT", f"/applications/{fake.application_id}/commands")
    assert [c["name"] for c in put.json] == ["role"]
    assert [o["name"] for o in put.json[0]["options"]] == ["role", "level"]
    stored = fake.commands[None][0]
    assert stored["id"] and stored["application_id"] == fake.application_id

    sent = await fake.slash("role", {"role": "ml-engineer", "level": 2})
    assert sent.payload["data"]["id"] == stored["id"]
    callback = await fake.callback_for(sent)
    assert callback["data"]["content"] == "role ml-engineer level 2"

    typed = await fake.autocomplete("role", "role", "ai")
    assert (await fake.callback_for(typed)) == {
        "type": 8,
        "data": {"choices": [{"name": "ai-engineer", "value": "ai-engineer"}]},
    }
    assert typed.payload["data"]["options"][0] == {
        "name": "role",
        "type": 3,
        "value": "ai",
        "focused": True,
    }


async def test_guild_sync_uses_guild_route(fake: FakeDiscord, start: Start) -> None:
    await start(TreeBot(guild_id=int(fake.guild_id)))

    assert fake.calls("PUT", f"/applications/{fake.application_id}/guilds/{fake.guild_id}/")
    assert [c["name"] for c in fake.commands[fake.guild_id]] == ["role"]
    sent = await fake.slash("role", {"role": "ai-engineer"})
    assert sent.payload["data"]["guild_id"] == fake.guild_id
    assert (await fake.callback_for(sent))["data"]["content"] == "role ai-engineer level 1"


async def test_button_press_reaches_dynamic_item_and_persistent_view(
    fake: FakeDiscord, start: Start
) -> None:
    bot = TreeBot()
    await start(bot)
    channel = bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(Knock(7))
    message = await channel.send("door", view=view)
    assert fake.messages[str(message.id)]["components"][0]["components"][0]["custom_id"] == (
        "knock:7"
    )

    knocked = await fake.press("knock:7", message.id)
    assert (await fake.callback_for(knocked))["data"] == {
        "tts": False,
        "content": "knock 7",
        "flags": 64,
    }

    pressed = await fake.press("quiz:start")  # unknown message: the fake makes one
    assert (await fake.callback_for(pressed))["type"] == 7
    updated = fake.original_message(pressed)
    assert updated is not None and updated["content"] == "started"
    assert updated["components"] == [] and updated["edited_timestamp"]


async def test_deferred_response_then_followup_and_edit(fake: FakeDiscord, start: Start) -> None:
    bot = MinimalBot()
    done = asyncio.Event()

    async def on_interaction(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="edited")
        await interaction.followup.send("more", ephemeral=True)
        done.set()

    bot.on_interaction = on_interaction  # type: ignore[method-assign]
    await start(bot)

    sent = await fake.slash("path")
    assert (await fake.callback_for(sent)) == {"type": 5, "data": {"flags": 64}}
    assert (await fake.followups_for(sent)) == [
        {"tts": False, "content": "more", "flags": 64},
    ]
    await asyncio.wait_for(done.wait(), 5)
    original = fake.original_message(sent)
    assert original is not None and original["content"] == "edited"
    assert not original["flags"] & LOADING
    assert fake.calls("PATCH", f"/webhooks/{fake.application_id}/{sent.token}/messages/@original")


async def test_dm_to_closed_dm_user_raises_forbidden(fake: FakeDiscord, start: Start) -> None:
    bot = MinimalBot()
    await start(bot)
    fake.close_dms(555)

    dm = await bot.create_dm(discord.Object(555))
    with pytest.raises(discord.Forbidden) as raised:
        await dm.send("your learning path")

    assert raised.value.code == 50007 and raised.value.status == 403
    open_dm = await bot.create_dm(discord.Object(556))
    await open_dm.send("hello")
    assert [m["content"] for m in fake.dms_to(556)] == ["hello"]
    assert fake.dms_to(555) == []


async def test_rate_limited_requests_are_retried(fake: FakeDiscord, start: Start) -> None:
    bot = MinimalBot("after the wait")
    await start(bot)
    channel = bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)

    fake.rate_limit_next(r"/channels/\d+/messages$", retry_after=0.05)
    await channel.send("tally")
    first, second = fake.calls("POST", re.compile(r"^/channels/\d+/messages$"))
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.05

    fake.rate_limit_next(r"/callback$", retry_after=0.05)
    sent = await fake.slash("x")
    assert (await fake.callback_for(sent))["data"]["content"] == "after the wait"
    assert [r.status for r in fake.calls("POST", f"/interactions/{sent.id}/")] == [429, 200]


async def test_malformed_interaction_ends_an_unguarded_client(
    fake: FakeDiscord, start: Start
) -> None:
    """discord.py itself does not survive it: the KeyError ends client.start()."""
    bot = MinimalBot()
    task = await start(bot)

    await fake.send_raw("INTERACTION_CREATE", _interaction_without_token(fake))

    with pytest.raises(KeyError, match="token"):
        await asyncio.wait_for(asyncio.shield(task), 5)
    sent = await fake.slash("x")
    with pytest.raises(TimeoutError):
        await fake.callback_for(sent, timeout=0.3)


async def test_malformed_interaction_is_dropped_by_guarded_client(
    fake: FakeDiscord, start: Start
) -> None:
    bot = MinimalBot("still here")
    guard_gateway_parsers(bot)
    task = await start(bot)

    await fake.send_raw("INTERACTION_CREATE", _interaction_without_token(fake))
    sent = await fake.slash("x")

    assert (await fake.callback_for(sent))["data"]["content"] == "still here"
    assert not task.done()
    assert len(fake.connections) == 1


async def test_resume_after_reconnect_request(fake: FakeDiscord, start: Start) -> None:
    await start(MinimalBot("resumed"))
    first = await fake.wait_for_connection()

    await fake.request_reconnect(first)
    second = await fake.wait_for_connection(count=2)

    resume = next(f.d for f in fake.gateway_frames if f.op == 6)
    assert first.session is not None and resume["session_id"] == first.session.session_id
    assert second.session is first.session
    assert fake.dispatches[-1].name == "RESUMED"
    sent = await fake.slash("x")
    assert (await fake.callback_for(sent))["data"]["content"] == "resumed"


async def test_two_clients_on_one_fake(fake: FakeDiscord, start: Start) -> None:
    await start(MinimalBot("old"))
    old = await fake.wait_for_connection()
    await start(MinimalBot("new"))
    await fake.wait_for_connection(count=2)

    to_newest = await fake.slash("x")
    to_old = await fake.slash("x", connection=old)

    assert (await fake.callback_for(to_newest))["data"]["content"] == "new"
    assert (await fake.callback_for(to_old))["data"]["content"] == "old"


async def test_auto_sharded_client_uses_gateway_bot_url(fake: FakeDiscord) -> None:
    """An AutoShardedClient ignores DEFAULT_GATEWAY and connects where /gateway/bot says."""
    bot = discord.AutoShardedClient(
        intents=discord.Intents.default(), guild_ready_timeout=FAST_GUILD_READY_TIMEOUT
    )
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("ws://127.0.0.1:9/unused")  # restored by fixture
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        assert fake.calls("GET", "/gateway/bot")
        identify = next(f.d for f in fake.gateway_frames if f.op == 2)
        assert identify["shard"] == [0, 1]
        assert fake.dispatches[0].payload["shard"] == [0, 1]
    finally:
        await stop_client(bot, task)


async def test_dm_interaction_and_admin_member(fake: FakeDiscord, start: Start) -> None:
    seen: list[discord.Interaction] = []
    bot = MinimalBot()

    async def on_interaction(interaction: discord.Interaction) -> None:
        seen.append(interaction)
        await interaction.response.send_message("ok")

    bot.on_interaction = on_interaction  # type: ignore[method-assign]
    await start(bot)

    in_dm = await fake.slash("results", guild=False, user_id=42)
    admin = await fake.slash("stats", permissions=ADMIN_PERMISSIONS)
    await fake.callback_for(in_dm)
    await fake.callback_for(admin)

    assert isinstance(seen[0].user, discord.User) and seen[0].user.id == 42
    assert isinstance(seen[0].channel, discord.DMChannel) and seen[0].guild_id is None
    assert isinstance(seen[1].user, discord.Member)
    assert seen[1].permissions.administrator and seen[1].permissions.manage_guild


async def test_limits_multipart_and_unknown_routes(fake: FakeDiscord, start: Start) -> None:
    bot = MinimalBot()
    await start(bot)
    channel = bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)

    with pytest.raises(discord.HTTPException) as raised:
        await channel.send("x" * 2001)
    assert raised.value.status == 400 and raised.value.code == 50035

    await channel.send("with file", file=discord.File(io.BytesIO(b"data"), "path.txt"))
    upload = fake.calls("POST", f"/channels/{fake.channel_id}/messages")[-1]
    assert upload.json["content"] == "with file" and upload.files == ("path.txt",)

    with pytest.raises(discord.NotFound):
        await bot.fetch_guild(int(fake.guild_id))
    assert fake.calls("GET", f"/guilds/{fake.guild_id}")[0].status == 404


async def test_wrong_token_fails_login(fake: FakeDiscord) -> None:
    fake.token = "the-right-token"
    bot = MinimalBot()
    with pytest.raises(discord.LoginFailure):
        await start_client(bot, "a-wrong-token", fake)
    await bot.close()
    assert fake.calls("GET", "/users/@me")[0].status == 401


async def test_fake_http_contract_without_discord_py(fake: FakeDiscord, start: Start) -> None:
    """Exact content type, double acknowledgement, expired tokens, unknown routes."""
    await start(MinimalBot())
    sent = await fake.slash("x")
    await fake.callback_for(sent)
    callback = f"{fake.api_base}/interactions/{sent.id}/{sent.token}/callback"
    webhook = f"{fake.api_base}/webhooks/{fake.application_id}/{sent.token}"

    async with aiohttp.ClientSession() as http:
        async with http.post(callback, json={"type": 4, "data": {"content": "again"}}) as again:
            assert again.status == 400 and (await again.json())["code"] == 40060
            assert again.headers["Content-Type"] == "application/json"
        async with http.get(f"{webhook}/messages/@original") as original:
            assert (await original.json())["content"] == "ok"
        fake.expire_interaction(sent)
        async with http.post(webhook, json={"content": "late"}) as late:
            assert late.status == 401 and (await late.json())["code"] == 50027
        async with http.get(f"{fake.api_base}/nowhere") as unknown:
            assert unknown.status == 404
            assert await unknown.json() == {"message": "Unknown", "code": 0}
    assert fake.calls("GET", "/nowhere")[0].status == 404


async def test_callback_object_only_when_asked(fake: FakeDiscord, start: Start) -> None:
    """As Discord: a callback answers 204 No Content unless `with_response` asks for the
    callback object; the message is created either way."""
    await start(discord.Client(intents=discord.Intents.default()))  # answers nothing itself
    quiet, asked = await fake.slash("x"), await fake.slash("y")
    async with aiohttp.ClientSession() as http:
        for sent, query in ((quiet, ""), (asked, "?with_response=true")):
            url = f"{fake.api_base}/interactions/{sent.id}/{sent.token}/callback{query}"
            reply = {"type": 4, "data": {"content": f"to {sent.id}"}}
            async with http.post(url, json=reply) as response:
                if query:
                    body = await response.json()
                    assert body["resource"]["message"]["content"] == f"to {sent.id}"
                else:
                    assert response.status == 204 and await response.read() == b""
            original = fake.original_message(sent)
            assert original is not None and original["content"] == f"to {sent.id}"


def _interaction_without_token(fake: FakeDiscord) -> dict[str, Any]:
    payload = fake.interaction_payload(2, {"id": fake.snowflake(), "name": "x", "type": 1})
    del payload["token"]
    return payload


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def test_floor_bot_answers_start_with_a_card_and_an_option_by_replacing_it(
    fake: FakeDiscord, start: Start
) -> None:
    """FloorBot, the benchmarks' floor under pathbot: a DynamicItem press answered with a
    question card (new and private for Start, replacing the message for an option)."""
    await start(FloorBot())
    quiz = fake.seed_message(body={"components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Start", "custom_id": "pb:start:benchcard01"}]}]})

    started = await fake.press("pb:start:benchcard01", quiz["id"])
    card = await fake.callback_for(started)
    private = fake.original_message(started)
    assert card["type"] == 4 and card["data"]["flags"] & EPHEMERAL
    assert private is not None and card["data"]["embeds"][0]["title"].startswith("Question")
    option = private["components"][0]["components"][0]["custom_id"]

    answered = await fake.callback_for(await fake.press(option, private["id"]))
    assert answered["type"] == 7  # the message pressed is replaced
    assert answered["data"]["components"] == card["data"]["components"]
