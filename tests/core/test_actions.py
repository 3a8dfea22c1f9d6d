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


@given(st.integers(0, 999), st.integers(0, 25))
def test_answer_ids_are_the_ids_build_makes(question: int, options: int) -> None:
    sid = actions.new_id()
    assert actions.answer_ids(sid, question, options) == tuple(
        actions.build("ans", sid, question, i) for i in range(options))


REFS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
               min_size=1, max_size=32)
BUILT = st.one_of(
    st.builds(lambda v, r: actions.Action(v, r), st.sampled_from(
        ["start", "share", "path", "retake"]), REFS),
    st.builds(lambda r, q: actions.Action("back", r, q), REFS, st.integers(0, 999)),
    st.builds(lambda r, q, o: actions.Action("ans", r, q, o), REFS, st.integers(0, 999),
              st.integers(0, 99)),
    st.just(actions.Action("forget", "confirm")),
    st.just(actions.Action("keep", "cancel")),
)


@given(BUILT)
def test_every_buildable_action_round_trips_and_fits(action: actions.Action) -> None:
    action_id = actions.build(action.verb, action.ref, action.question, action.option)
    assert len(action_id) <= 100
    assert actions.ANY_ACTION.fullmatch(action_id)  # adapters route it to pathbot
    assert actions.parse(action_id) == action


@given(BUILT, st.data())
def test_a_foreign_character_anywhere_makes_an_id_invalid(
    action: actions.Action, data: st.DataObject
) -> None:
    action_id = actions.build(action.verb, action.ref, action.question, action.option)
    at = data.draw(st.integers(0, len(action_id) - 1))
    foreign = data.draw(st.sampled_from(" /.?&=%#\n\x00é🙂"))
    with pytest.raises(InvalidAction):
        actions.parse(action_id[:at] + foreign + action_id[at + 1:])


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


def test_which_presses_replace_the_message_they_were_on() -> None:
    sid = actions.new_id()
    for verb in ("start", "share", "path"):  # a new private message: the result card stays
        assert not actions.replaces_message(actions.build(verb, sid))  # type: ignore[arg-type]
    for replacing in (actions.build("ans", sid, 0, 1), actions.build("back", sid, 2),
                      actions.build("retake", sid), actions.build("forget", "confirm"),
                      actions.build("keep", "cancel")):
        assert actions.replaces_message(replacing)
    assert not actions.replaces_message("not-ours")
