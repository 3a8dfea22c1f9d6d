"""A burst of Slack presses: people taking the quiz at once against a `pathbot run`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.adapters.slack.harness import button
from tests.ops.slack_user import SlackUser

USERS = 20
AT_ONCE = 10  # people pressing at the same time
QUESTIONS = 10


@dataclass
class Burst:
    limit: int  # presses in all
    acked: list[tuple[str, str]] = field(default_factory=list)  # (user, action id)
    unanswered: list[str] = field(default_factory=list)  # acked, but no answer came
    refused: list[int] = field(default_factory=list)  # HTTP status of presses not acked
    finished: list[tuple[float, str]] = field(default_factory=list)  # (when, session id)
    sent: int = 0
    stopped: bool = False  # set: no more presses

    def budget(self) -> bool:
        if self.stopped or self.sent >= self.limit:
            return False
        self.sent += 1
        return True


async def take_quiz(user: SlackUser, card: dict[str, Any], burst: Burst) -> None:
    """Start, then answer question after question until refused or out of presses."""
    action, message = button(card, "pb:start:"), card
    for question in range(QUESTIONS + 1):
        if not burst.budget():
            return
        status, url = await user.send(action, message)
        if status != 200:
            burst.refused.append(status)
            return
        burst.acked.append((user.user, action))
        try:
            payload = (await user.fake.wait_for_response_url(url, timeout=15)).payload
        except TimeoutError:
            burst.unanswered.append(action)
            return
        if question == QUESTIONS:  # the result card: its result is committed
            session = button(payload, "pb:path:").split(":")[2]
            burst.finished.append((time.monotonic(), session))
            return
        action, message = button(payload, "pb:ans:", question % 2), None
