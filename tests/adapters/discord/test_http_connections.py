"""pathbot keeps at most `http_connections` HTTP connections open to Discord (client.py,
HTTP_CONNECTIONS): presses arriving together wait for a free connection rather than each
opening its own, and every one of them is still answered."""

from __future__ import annotations

import asyncio

import pytest

from tests.adapters.discord.conftest import ALICE, Harness, buttons, title

PEOPLE = 24


async def burst_of_starts(harness: Harness, **options: int) -> set[int]:
    """PEOPLE presses of Start at once; the connections their answers came on."""
    await harness.start(**options)
    quiz = await harness.post_quiz()
    start = buttons(harness.fake.messages[quiz])[0]
    sent = await asyncio.gather(*(harness.press(start, quiz, ALICE + i) for i in range(PEOPLE)))
    shown = await asyncio.gather(*(harness.reply(s) for s in sent))
    assert all(title(card).endswith("1/10") for card in shown)
    return {r.connection for r in harness.fake.calls("POST", "/interactions/")
            if r.json and r.json["data"].get("flags")}  # the private first questions


@pytest.mark.parametrize("cap", [1, 3])
async def test_a_burst_shares_at_most_the_cap(harness: Harness, cap: int) -> None:
    assert 0 < len(await burst_of_starts(harness, http_connections=cap)) <= cap


async def test_without_a_cap_the_same_burst_opens_more(harness: Harness) -> None:
    """The check above means something: uncapped, these presses are in flight together."""
    assert len(await burst_of_starts(harness, http_connections=0)) > 3  # 24 here
