"""The real SlackAdapter in HTTP mode on 127.0.0.1, driven by signed requests to the fake.

`SlackHarness` sends what Slack would send (signed slash commands and block_actions, each
with a fresh response_url on the fake) and returns what pathbot answered there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.adapters.slack import EVENTS_PATH, SlackAdapter
from bot.bootstrap import build_service
from bot.config import Config, load_config
from bot.core.commands import COMMANDS, Command
from bot.core.service import Service
from bot.web import build_web_app, start_web
from tests.fakes.minimal_slack_app import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack, ResponseUrlPost, block_problems
from tests.fakes.slack_requests import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_USER_ID,
    block_actions_body,
    post_signed,
    slash_command_body,
)

ALICE = DEFAULT_USER_ID
BOB = "U0BOB"
CHANNEL = DEFAULT_CHANNEL_ID
TALLY_INTERVAL = 0.3


def make_config(tmp_path: Path, fake: FakeSlack, db: str = "", *, socket_mode: bool = False,
                admins: str = "") -> Config:
    """pathbot's configuration for the fake Slack on the database `db` (a PATHBOT_DB value:
    the `db_url` fixture; a SQLite file in tmp_path when it opens no store)."""
    environ = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PATHBOT_HTTP_PORT": "0",
        "PATHBOT_DB": db or str(tmp_path / "pathbot.sqlite3"),
        "PATHBOT_SLACK_ADMINS": admins,
    }
    if socket_mode:
        environ["SLACK_APP_TOKEN"] = APP_TOKEN
    return load_config(environ=environ, cwd=tmp_path)


def buttons(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, action_id) of every button in a message payload, in order."""
    return [(e["text"]["text"], e["action_id"])
            for block in payload.get("blocks", []) if block["type"] == "actions"
            for e in block["elements"]]


def button(payload: dict[str, Any], startswith: str, index: int = 0) -> str:
    """The action id of the `index`-th button whose id starts with `startswith`."""
    ids = [a for _, a in buttons(payload) if a.startswith(startswith)]
    assert len(ids) > index, f"no button {startswith!r} #{index} in {buttons(payload)}"
    return ids[index]


def text_of(payload: dict[str, Any]) -> str:
    """All the text in a payload's blocks (and its fallback text), for assertions."""
    parts = [str(payload.get("text", ""))]
    for block in payload.get("blocks", []):
        for obj in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(obj, dict):
                inner = obj.get("text")
                parts.append(inner.get("text", "") if isinstance(inner, dict) else str(inner))
    return "\n".join(parts)


def all_payloads_valid(fake: FakeSlack) -> None:
    """Every Block Kit payload pathbot sent was accepted and is within Slack's limits."""
    for call in fake.calls():
        if "blocks" in call.args:
            assert block_problems(call.args["blocks"]) == [], call.method
        assert call.response.get("error") != "invalid_blocks", call
    for post in fake.responses():
        assert block_problems(post.payload.get("blocks", [])) == []
        assert post.status != 400, post  # 404: expired or used up, Slack's doing


@dataclass
class SlackHarness:
    fake: FakeSlack
    config: Config
    service: Service
    adapter: SlackAdapter
    http: aiohttp.ClientSession
    runner: web.AppRunner
    url: str
    quiz_message: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def start(cls, fake: FakeSlack, config: Config, http: aiohttp.ClientSession,
                    commands: tuple[Command, ...] = COMMANDS) -> SlackHarness:
        service = await build_service(config)
        service.commands = commands  # before the adapter registers them
        adapter = SlackAdapter(config, service, tally_interval=TALLY_INTERVAL)
        runner, port = await start_web(build_web_app(adapter.routes()), "127.0.0.1", 0)
        await adapter.start()
        return cls(fake, config, service, adapter, http, runner,
                   f"http://127.0.0.1:{port}{EVENTS_PATH}")

    async def stop(self) -> None:
        await self.adapter.stop()
        await self.runner.cleanup()
        await self.service.store.close()

    async def post(self, body: bytes, **kwargs: Any) -> tuple[int, str]:
        return await post_signed(self.http, self.url, body, SIGNING_SECRET, **kwargs)

    async def command(self, name: str, text: str = "", *, user: str = ALICE,
                      channel: str = CHANNEL) -> ResponseUrlPost:
        """Run a slash command; pathbot's (first) answer on the response_url."""
        url = self.fake.new_response_url()
        body = slash_command_body(name, text, response_url=url, user_id=user,
                                  channel_id=channel)
        assert await self.post(body) == (200, "")
        return await self.fake.wait_for_response_url(url)

    async def send_press(self, action_id: str, *, user: str = ALICE, public: bool = False,
                         retry_num: int | None = None, body: bytes | None = None,
                         **fields: Any) -> str:
        """Press a button (on the public quiz card, or else in a private message; `fields`
        as in block_actions_payload, say a DM's container); returns the response_url. The
        HTTP answer must be an empty 200 (the ack)."""
        url = self.fake.new_response_url()
        message = self.quiz_message if public else None
        body = body or block_actions_body(action_id, response_url=url, user_id=user,
                                          message=message, **fields)
        assert await self.post(body, retry_num=retry_num) == (200, "")
        return url

    async def press(self, action_id: str, **kwargs: Any) -> ResponseUrlPost:
        """Press a button and wait for pathbot's private answer."""
        return await self.fake.wait_for_response_url(await self.send_press(action_id, **kwargs))

    async def open_quiz(self) -> dict[str, Any]:
        """/quiz: the public card pathbot posted with chat.postMessage."""
        url = self.fake.new_response_url()
        body = slash_command_body("/quiz", response_url=url)
        assert await self.post(body) == (200, "")
        call = await self.fake.wait_for_call("chat.postMessage",
                                             lambda c: "pb:start:" in str(c.args))
        message = self.fake.message(CHANNEL, call.response["ts"])
        assert message is not None
        self.quiz_message = message
        return message

    async def start_quiz(self, user: str = ALICE) -> dict[str, Any]:
        """Press Start on the public card; the first question (private)."""
        if not self.quiz_message:
            await self.open_quiz()
        start = button(self.quiz_message, "pb:start:")
        return (await self.press(start, user=user, public=True)).payload

    async def answer(self, question: dict[str, Any], option: int = 0,
                     user: str = ALICE) -> dict[str, Any]:
        return (await self.press(button(question, "pb:ans:", option), user=user)).payload

    async def finish(self, user: str = ALICE, option: int = 0) -> dict[str, Any]:
        """Start and answer every question with `option`; the result card."""
        payload = await self.start_quiz(user)
        for _ in self.service.content.questions:
            payload = await self.answer(payload, option, user)
        return payload
