"""Two `pathbot run` processes on one PostgreSQL, Slack in HTTP mode on two ports, as behind
a load balancer: the presses of one quiz spread over both (double presses sent to both at
once) give one result per person and no duplicate answer; the in-channel tally converges to
the true count within 5 s of the last finish and no edit ever shows fewer finishers than an
earlier one. Real processes, real bolt, the fake Slack, a fresh PostgreSQL schema."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.adapters.slack.harness import CHANNEL, button, text_of
from tests.db import raw
from tests.fakes.minimal_slack_app import SIGNING_SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import block_actions_body, post_signed, slash_command_body
from tests.process import Pathbot, slack_env

PEOPLE = ("U0ANN", "U0BEN", "U0CAT", "U0DAN", "U0EVE", "U0FAY")
FINISHED = re.compile(r"(\d+) (?:people have|person has) finished")


class Replicas:
    def __init__(self, fake: FakeSlack, http: aiohttp.ClientSession, bots: list[Pathbot]):
        self.fake, self.http, self.bots = fake, http, bots
        self.quiz: dict[str, Any] = {}

    async def send(self, replica: int, action_id: str, user: str, public: bool) -> str:
        url = self.fake.new_response_url()
        body = block_actions_body(action_id, response_url=url, user_id=user,
                                  message=self.quiz if public else None)
        events = f"{self.bots[replica].base}/slack/events"
        assert await post_signed(self.http, events, body, SIGNING_SECRET) == (200, "")
        return url

    async def press(self, replicas: tuple[int, ...], action_id: str, user: str,
                    public: bool = False) -> list[dict[str, Any]]:
        """The same press sent to each replica named, at once; their private answers."""
        urls = await asyncio.gather(*(self.send(r, action_id, user, public) for r in replicas))
        posts = await asyncio.gather(*(self.fake.wait_for_response_url(u, timeout=15)
                                       for u in urls))
        return [post.payload for post in posts]

    async def open_quiz(self) -> None:
        url = self.fake.new_response_url()
        body = slash_command_body("/quiz", response_url=url)
        events = f"{self.bots[0].base}/slack/events"
        assert await post_signed(self.http, events, body, SIGNING_SECRET) == (200, "")
        call = await self.fake.wait_for_call("chat.postMessage",
                                             lambda c: "pb:start:" in str(c.args), timeout=15)
        message = self.fake.message(CHANNEL, call.response["ts"])
        assert message is not None
        self.quiz = message

    async def take_quiz(self, n: int, user: str) -> None:
        """Start and answer every question, alternating replicas; every third press is a
        double press sent to both."""
        (card,) = await self.press((n % 2,), button(self.quiz, "pb:start:"), user, public=True)
        step = 0
        while "pb:ans:" in str(card):
            step += 1
            both = (0, 1) if step % 3 == 0 else ((n + step) % 2,)
            answers = await self.press(both, button(card, "pb:ans:", step % 2), user)
            moved = [a for a in answers if "pb:ans:" in str(a) or "Your result" in text_of(a)]
            assert len(moved) == 1, [text_of(a) for a in answers]  # the twin is refused
            card = moved[0]
        assert "Your result" in text_of(card), text_of(card)


def shown(fake: FakeSlack, ts: str) -> list[int]:
    """The finisher count of every edit of the quiz message, in the order Slack got them."""
    counts = []
    for call in fake.calls("chat.update"):
        if call.args.get("ts") == ts and (found := FINISHED.search(str(call.args))):
            counts.append(int(found.group(1)))
    return counts


async def test_two_replicas_on_one_postgres_share_a_quiz(
    fake: FakeSlack, http: aiohttp.ClientSession, tmp_path: Path, pg_dsn: str
) -> None:
    env = slack_env(fake, pg_dsn)
    bots = list(await asyncio.gather(Pathbot.start(env, tmp_path), Pathbot.start(env, tmp_path)))
    try:
        replicas = Replicas(fake, http, bots)
        await replicas.open_quiz()
        await asyncio.gather(*(replicas.take_quiz(n, user) for n, user in enumerate(PEOPLE)))
        last_finish = time.monotonic()

        ts = replicas.quiz["ts"]
        while time.monotonic() - last_finish < 5.0:
            counts = shown(fake, ts)
            if counts and counts[-1] == len(PEOPLE):
                break
            await asyncio.sleep(0.05)
        counts = shown(fake, ts)
        assert counts and counts[-1] == len(PEOPLE), counts  # converged within 5 s
        assert counts == sorted(counts), counts  # never fewer than an earlier edit
        message = fake.message(CHANNEL, ts)
        assert message is not None and f"{len(PEOPLE)} people have finished" in text_of(message)

        assert await raw(pg_dsn, "SELECT count(*), count(DISTINCT user_id) FROM results") == [
            (len(PEOPLE), len(PEOPLE))]
        per_session = await raw(pg_dsn, "SELECT session_id, count(*), max(question) FROM "
                                        "answers GROUP BY session_id")
        questions = len(per_session) and per_session[0][1]
        assert all(n == questions and top == n - 1 for _, n, top in per_session), per_session
    finally:
        codes = await asyncio.gather(*(bot.stop() for bot in bots))
    assert codes == [0, 0], [bot.text for bot in bots]
    assert all("Traceback" not in bot.text for bot in bots)
