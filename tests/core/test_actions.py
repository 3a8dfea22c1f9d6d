from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import actions
from bot.core.errors import InvalidAction


def test_round_trip() -> None:
    sid = actions.new_id()
    parsed = actions.parse(actions.build("ans", sid, 7, 2))
    assert parsed == actions.Action("ans", sid, 7, 2)
    assert actions.parse(actions.build("back", sid, 3)) == actions.Action("back", sid, 3)
    assert actions.parse(actions.build("start", sid)).verb == "start"


@given(st.text(max_size=120))
def test_anything_else_is_invalid_or_parses_to_what_it_says(text: str) -> None:
    try:
        parsed = actions.parse(text)
    except InvalidAction:
        return
    assert text.startswith(f"pb:{parsed.verb}:{parsed.ref}")


@pytest.mark.parametrize("bad", [
    "pb:ans:abc:1", "pb:ans:abc:1:2:3", "pb:nope:abc", "pb:ans:a b:1:2", "x" * 101,
    "pb:ans:" + "a" * 33 + ":1:1", "pb:forget:everyone", "",
])
def test_tampered_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidAction):
        actions.parse(bad)


def test_ids_fit_discord_custom_id() -> None:
    longest = actions.build("ans", "a" * 32, 999, 99)
    assert len(longest) <= 100
