"""render: pure, and every output within Discord's limits (also for generated cards)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord.render import (
    BLANK,
    SHORTENED,
    clip,
    render,
    split_text,
    units,
)
from bot.core import actions
from bot.core.cards import Button, Card, Field, Section
from bot.core.models import Content
from tests.fakes.discord_fake import message_problems

JSON = dict[str, Any]


def payload(card: Card) -> JSON:
    rendered = render(card)
    body: JSON = {"embeds": [e.to_dict() for e in rendered.embeds]}
    if rendered.view is not None:
        body["components"] = rendered.view.to_components()
    return body


def within_limits(body: JSON) -> None:
    """The fake's checks, plus what it does not check: UTF-16 lengths, empty and unique."""
    assert message_problems(body) == []
    embeds = body["embeds"]
    assert 1 <= len(embeds) <= 10
    total = 0
    for embed in embeds:
        texts = [embed.get("title") or "", embed.get("description") or "",
                 (embed.get("footer") or {}).get("text") or ""]
        for item in embed.get("fields", []):
            assert item["name"].strip() and item["value"].strip()
            texts += [item["name"], item["value"]]
        assert units(texts[0]) <= 256 and units(texts[1]) <= 4096 and units(texts[2]) <= 2048
        assert len(embed.get("fields", [])) <= 25
        assert any(t.strip() for t in texts) or embed.get("fields")
        total += sum(units(t) for t in texts)
    assert total <= 6000
    ids = [c["custom_id"] for row in body.get("components", []) for c in row["components"]]
    assert len(ids) == len(set(ids)) and all(len(i) <= 100 for i in ids)
    rows = body.get("components", [])
    assert len(rows) <= 5 and all(1 <= len(r["components"]) <= 5 for r in rows)
    assert all(0 < len(c["label"]) <= 80 for r in rows for c in r["components"])


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3000)
long_texts = st.one_of(texts, st.integers(0, 9000).map(lambda n: ("word " * n)[:n]))
action_ids = st.one_of(
    st.from_regex(actions.ANY_ACTION, fullmatch=True),
    st.just("pb:ans:abc:0:1"),
    st.text(max_size=120),
)
buttons = st.builds(Button, texts.map(lambda t: t[:200]), action_ids,
                    st.sampled_from(["primary", "secondary", "success", "danger"]))
cards = st.builds(
    Card,
    title=long_texts,
    sections=st.lists(st.builds(Section, long_texts, texts), max_size=6).map(tuple),
    fields=st.lists(st.builds(Field, long_texts, long_texts, st.booleans()), max_size=60)
    .map(tuple),
    buttons=st.lists(st.lists(buttons, max_size=8).map(tuple), max_size=8).map(tuple),
    footer=long_texts,
    accent=st.one_of(st.none(), st.integers(0, 0xFFFFFF)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cards)
def test_every_rendered_card_is_within_discords_limits(card: Card) -> None:
    within_limits(payload(card))


@given(st.text(max_size=5000), st.integers(2, 300))
def test_split_text_pieces_fit_and_keep_the_words(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(units(p) <= limit for p in pieces)
    assert "".join(pieces).split() == text.split() or "".join("".join(pieces).split()) == "".join(
        text.split())


def test_clip_counts_utf16_units() -> None:
    assert clip("🧠" * 10, 5) == "🧠🧠…"
    assert units(clip("x" * 300, 256)) == 256 and clip("short", 256) == "short"


def test_bundled_content_renders_unshortened(content: Content) -> None:
    from tests.fixtures.cards import every_card

    for card in every_card(content):
        body = payload(card)
        within_limits(body)
        assert SHORTENED not in str(body)


def test_long_card_is_split_then_shortened_with_a_note() -> None:
    card = Card("T", (Section("a " * 6000),), tuple(Field(f"f{i}", "v" * 900) for i in range(40)),
                footer="foot")
    body = payload(card)
    within_limits(body)
    embeds = body["embeds"]
    assert embeds[0]["title"] == "T" and len(embeds) >= 2
    assert embeds[-1]["footer"]["text"] == f"{SHORTENED} · foot"


def test_small_card_golden() -> None:
    start = actions.build("start", "card1")
    card = Card("Quiz", (Section("Go", "Intro"),), (Field("AI", "1 · 50%"), Field("", "")),
                ((Button("Start", start, "primary"),),), footer="f", accent=0x123456)
    assert payload(card) == {
        "embeds": [{
            "type": "rich", "title": "Quiz", "description": "**Intro**\nGo", "color": 0x123456,
            "fields": [{"name": "AI", "value": "1 · 50%", "inline": True},
                       {"name": BLANK, "value": BLANK, "inline": True}],
            "footer": {"text": "f"}, "flags": 0,
        }],
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "Start", "custom_id": start}]}],
    }


def test_cards_with_the_same_text_share_their_embeds_but_not_their_buttons() -> None:
    """Embeds are built once per card text (every user at a question sees the same one);
    the buttons, whose ids name the session, are built for each card."""
    def question(session: str) -> Card:
        options = tuple(Button(f"Option {i}", actions.build("ans", session, 2, i))
                        for i in range(3))
        return Card("Quiz · 3/10", (Section("Which do you enjoy more?"),), (), (options,),
                    footer="Question 3 of 10")

    first, second = render(question("sessionA")), render(question("sessionB"))

    assert [id(e) for e in first.embeds] == [id(e) for e in second.embeds]
    assert first.embeds is not second.embeds  # each send gets its own list
    assert payload(question("sessionA"))["embeds"] == payload(question("sessionB"))["embeds"]
    assert first.view is not None and second.view is not None
    first_ids = [c["custom_id"] for c in first.view.to_components()[0]["components"]]
    second_ids = [c["custom_id"] for c in second.view.to_components()[0]["components"]]
    assert first_ids == [f"pb:ans:sessionA:2:{i}" for i in range(3)]
    assert second_ids == [f"pb:ans:sessionB:2:{i}" for i in range(3)]
    other = render(Card("Quiz · 3/10", (Section("Which do you enjoy less?"),),
                        footer="Question 3 of 10"))
    assert other.embeds[0].description == "Which do you enjoy less?"


def test_button_rows_skip_unusable_split_long_rows_and_stop_at_five() -> None:
    """A row left empty (only foreign or repeated ids) takes no place; a row of 7 becomes
    5 + 2; the sixth row on is dropped; the same label and style render alike each time."""
    def ids(row: int, count: int) -> tuple[Button, ...]:
        return tuple(Button("Same", actions.build("ans", f"s{row}", 1, i)) for i in range(count))

    repeated = Button("Again", actions.build("ans", "s0", 1, 0))
    card = Card("t", buttons=((Button("x", "not-ours"),), ids(0, 7), (repeated,),
                              ids(1, 1), ids(2, 2), ids(3, 3), ids(4, 4)))
    rendered = render(card)
    assert rendered.view is not None
    rows = [[c["custom_id"] for c in row["components"]] for row in rendered.view.to_components()]
    assert rows == [[f"pb:ans:s0:1:{i}" for i in range(5)], ["pb:ans:s0:1:5", "pb:ans:s0:1:6"],
                    ["pb:ans:s1:1:0"], ["pb:ans:s2:1:0", "pb:ans:s2:1:1"],
                    [f"pb:ans:s3:1:{i}" for i in range(3)]]
    faces = {(c["style"], c["label"]) for row in rendered.view.to_components()
             for c in row["components"]}
    assert faces == {(2, "Same")}
