"""slim.py: what discord.py gets to parse of a pressed message and of the answers to it."""

from __future__ import annotations

import copy
from typing import Any

from bot.adapters.discord.render import render
from bot.adapters.discord.slim import COMPONENTS_V2, slim_press, without_content, without_echo
from bot.core import actions
from bot.core.cards import Button, Card, Section
from tests.adapters.discord.conftest import Harness, title

PRESSED = actions.build("ans", "sessionA", 2, 1)


def press(custom_id: str = PRESSED, flags: int = 0) -> dict[str, Any]:
    card = Card("Quiz · 3/10", (Section("Which do you enjoy more?"),), (), (
        tuple(Button(f"Option {i}", actions.build("ans", "sessionA", 2, i)) for i in range(3)),
        (Button("Back", actions.build("back", "sessionA", 2)),)))
    rendered = render(card)
    assert rendered.view is not None
    message = {"id": "42", "channel_id": "7", "flags": flags, "content": "",
               "embeds": [e.to_dict() for e in rendered.embeds],
               "components": rendered.view.to_components()}
    return {"type": 3, "id": "1", "token": "t", "message": message,
            "data": {"custom_id": custom_id, "component_type": 2}}


def test_a_press_of_our_button_keeps_the_message_id_and_only_that_button() -> None:
    data = press()
    original = copy.deepcopy(data["message"])
    slim_press(data)
    message = data["message"]
    assert message["embeds"] == []
    assert message["components"] == [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Option 1", "custom_id": PRESSED}]}]
    assert {k: v for k, v in message.items() if k not in ("embeds", "components")} == {
        k: v for k, v in original.items() if k not in ("embeds", "components")}


def test_anything_else_is_left_as_it_came() -> None:
    for data in (press("somebody-elses-button"), press(flags=COMPONENTS_V2),
                 press(actions.build("ans", "sessionB", 2, 1))):  # not on this message
        before = copy.deepcopy(data)
        slim_press(data)
        assert data == before
    for odd in (None, [], {"type": 3}, {"type": 3, "message": "x", "data": {}},
                {"type": 2, "message": {}, "data": {"custom_id": PRESSED}}):
        before = copy.deepcopy(odd)
        slim_press(odd)
        assert odd == before


def test_an_answer_loses_the_echoed_message_but_keeps_its_id() -> None:
    message = {"id": "9", "type": 0, "content": "", "embeds": [{"title": "Quiz"}],
               "components": [{"type": 1, "components": []}]}
    interaction = {"id": "1", "type": 3, "response_message_id": "9"}
    answer = without_echo({"interaction": interaction, "resource": {"type": 4, "message": message}})
    assert answer == {"interaction": interaction, "resource": {"type": 4}}

    edited = without_content(message)
    assert edited == {"id": "9", "type": 0, "content": "", "embeds": [], "components": []}
    assert message["embeds"] == [{"title": "Quiz"}]  # a copy: the original is left alone


def test_odd_answers_are_left_as_they_came() -> None:
    for odd in (None, "text", {}, {"interaction": {"id": "1"}},
                {"interaction": {"id": "1"}, "resource": {"type": 5}},
                {"resource": {"type": 4, "message": "x"}}, {"no": "id"}):
        before = copy.deepcopy(odd)
        assert without_echo(odd) == before
        assert without_content(odd) == before


async def test_a_press_asks_for_no_callback_object_a_command_does(bot: Harness) -> None:
    """slim.SlimAnswers: the answers to presses go without `with_response` (Discord answers
    204 and sends no copy of the card back), whether they edit the pressed message (an
    answer) or make a new private one (Start); a slash command still asks, as discord.py
    does (/quiz keeps its card's message id). All of them are shown."""
    quiz = await bot.post_quiz()
    private, _ = await bot.start_quiz(quiz)
    shown = await bot.answer(private)
    assert title(shown).endswith("2/10")
    command, start, answer = bot.fake.calls("POST", "/interactions/")[-3:]
    assert command.query == {"with_response": "1"} and command.status == 200
    assert start.query == {} and start.status == 204
    assert answer.query == {} and answer.status == 204
    await bot.until(bot.card_posted)  # /quiz still knew its message
