"""A person on the fake Slack, talking to a `pathbot run` process in HTTP mode."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.adapters.slack.harness import CHANNEL, button
from tests.fakes.minimal_slack_app import SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack, ResponseUrlPost
from tests.fakes.slack_requests import block_actions_body, post_signed, slash_command_body

ALICE = "U0ALICE1"


class SlackUser:
    def __init__(self, fake: FakeSlack, http: aiohttp.ClientSession, base: str,
                 user: str = ALICE) -> None:
        self.fake, self.http, self.user = fake, http, user
        self.url = f"{base}/slack/events"

    async def command(self, name: str, text: str = "") -> ResponseUrlPost:
        url = self.fake.new_response_url()
        body = slash_command_body(name, text, response_url=url, user_id=self.user)
        assert await post_signed(self.http, self.url, body, SIGNING_SECRET) == (200, "")
        return await self.fake.wait_for_response_url(url, timeout=10)

    async def open_quiz(self) -> dict[str, Any]:
        """/quiz: the public card pathbot posted."""
        url = self.fake.new_response_url()
        body = slash_command_body("/quiz", response_url=url, user_id=self.user)
        assert await post_signed(self.http, self.url, body, SIGNING_SECRET) == (200, "")
        call = await self.fake.wait_for_call("chat.postMessage",
                                             lambda c: "pb:start:" in str(c.args))
        message = self.fake.message(CHANNEL, call.response["ts"])
        assert message is not None
        return message

    async def send(self, action_id: str, message: dict[str, Any] | None = None
                   ) -> tuple[int, str]:
        """Press a button; (HTTP status, response_url): 200 is the ack."""
        url = self.fake.new_response_url()
        body = block_actions_body(action_id, response_url=url, user_id=self.user,
                                  message=message)
        try:
            status, _ = await post_signed(self.http, self.url, body, SIGNING_SECRET)
        except aiohttp.ClientError:
            status = 0  # the listener is closed
        return status, url

    async def press(self, action_id: str, message: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
        status, url = await self.send(action_id, message)
        assert status == 200
        return (await self.fake.wait_for_response_url(url, timeout=10)).payload

    async def finish(self, card: dict[str, Any], questions: int) -> dict[str, Any]:
        """Start on the public card and answer every question; the result card."""
        payload = await self.press(button(card, "pb:start:"), card)
        for _ in range(questions):
            payload = await self.press(button(payload, "pb:ans:"))
        return payload
