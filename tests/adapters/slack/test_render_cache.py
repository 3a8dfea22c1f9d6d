"""render's cache of text blocks: same output as without it, and nothing shared leaks."""

from __future__ import annotations

import json

from bot.adapters.slack.render import fallback_text, to_blocks
from bot.core.cards import Button, Card, Field, Section


def _question(session: str) -> Card:
    options = tuple(Button(f"Option {i}", f"pb:ans:{session}:1:{i}") for i in range(3))
    return Card("Quiz · 2/8", (Section("What do you reach for **first**?"),),
                (Field("a", "1"),), (options, (Button("◀ Back", f"pb:back:{session}:1"),)),
                footer="Question 2 of 8 · only you can see this")


def test_cards_with_the_same_text_differ_only_in_their_button_ids() -> None:
    first, second = to_blocks(_question("s1")), to_blocks(_question("s2"))
    assert json.dumps(first).replace("s1", "s2") == json.dumps(second)
    assert [b["block_id"] for b in first] == [f"b{i}" for i in range(len(first))]
    assert all(a is not b for a, b in zip(first, second, strict=True))  # fresh top level
    assert fallback_text(_question("s1")) == fallback_text(_question("s2"))


def test_block_ids_follow_the_position_when_cached_blocks_move() -> None:
    """The same text with one, then two button rows: the cached footer block moves from
    position 4 to 5, and each message numbers its own blocks."""
    one_row = _question("s1")
    two_rows = Card(one_row.title, one_row.sections, one_row.fields,
                    (one_row.buttons[0], (Button("Skip", "pb:ans:s1:1:9"),), one_row.buttons[1]),
                    footer=one_row.footer)
    first = to_blocks(one_row)
    second = to_blocks(two_rows)
    again = to_blocks(one_row)
    assert [b["type"] for b in first][-1] == "context" == [b["type"] for b in second][-1]
    assert first[-1]["block_id"] == f"b{len(first) - 1}"
    assert second[-1]["block_id"] == f"b{len(second) - 1}" != first[-1]["block_id"]
    assert again == first  # the second rendering did not renumber the first's blocks
    assert [b["block_id"] for b in second] == [f"b{i}" for i in range(len(second))]


def test_a_long_card_is_still_cut_to_fit_when_its_text_is_cached() -> None:
    long = Card("T", tuple(Section(f"part {i}") for i in range(60)),
                buttons=((Button("Go", "pb:start:c1"),),), footer="f")
    for _ in range(2):
        blocks = to_blocks(long)
        assert len(blocks) == 50
        assert [b["type"] for b in blocks[-3:]] == ["context", "actions", "context"]
