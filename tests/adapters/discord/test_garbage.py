"""A press leaves no reference cycle behind (slim.released, PathbotButton.callback): the
whole press is freed by reference counting when it is answered, so a burst does not leave
thousands of presses for a full collection to walk."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import discord
import pytest

from tests.adapters.discord.conftest import Harness, title


@pytest.fixture
def cycles() -> Iterator[list[object]]:
    """What the collector finds unreachable from here on (kept in gc.garbage, not freed)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_presses_leave_no_cycles(bot: Harness, cycles: list[object]) -> None:
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    cycles.clear()  # start-up and /quiz: not presses

    shown = await bot.answer(private)  # a press that replaces its message
    assert title(shown).endswith("2/10")
    gc.collect()

    presses = [o for o in cycles if isinstance(o, discord.Interaction)
               and o.type is discord.InteractionType.component]
    views = [o for o in cycles if isinstance(o, discord.ui.View)]
    assert not presses and not views, sorted({type(o).__qualname__ for o in cycles})
