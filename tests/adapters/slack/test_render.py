"""render: cards as Block Kit, always within Slack's limits (golden + property tests)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack.render import (
    MAX_BLOCKS,
    fallback_text,
    mrkdwn,
    split_text,
    to_blocks,
)
from bot.core.cards import Button, Card, Field, Section
from bot.core.models import Content
from tests.fakes.slack_fake import block_problems
from tests.fixtures.cards import every_card


def test_a_small_card_golden() -> None:
    card = Card(
        "Your result: 🤖 AI Engineer",
        (Section("You like **shipping** fast & <iterating>.", "Why it may fit"),),
        (Field("🤖 AI Engineer", "80%"), Field("📊 ML Engineer", "20%")),
        ((Button("Share to channel", "pb:share:s1", "primary"), Button("Retake", "pb:retake:s1")),),
        footer="only you can see this",
    )
    assert to_blocks(card) == [
        {"type": "header", "block_id": "b0",
         "text": {"type": "plain_text", "emoji": True, "text": "Your result: 🤖 AI Engineer"}},
        {"type": "section", "block_id": "b1", "text": {
            "type": "mrkdwn",
            "text": "*Why it may fit*\nYou like *shipping* fast &amp; &lt;iterating&gt;."}},
        {"type": "section", "block_id": "b2", "fields": [
            {"type": "mrkdwn", "text": "*🤖 AI Engineer*\n80%"},
            {"type": "mrkdwn", "text": "*📊 ML Engineer*\n20%"}]},
        {"type": "actions", "block_id": "b3", "elements": [
            {"type": "button", "action_id": "pb:share:s1", "style": "primary",
             "text": {"type": "plain_text", "text": "Share to channel", "emoji": True}},
            {"type": "button", "action_id": "pb:retake:s1",
             "text": {"type": "plain_text", "text": "Retake", "emoji": True}}]},
        {"type": "context", "block_id": "b4",
         "elements": [{"type": "mrkdwn", "text": "only you can see this"}]},
    ]
    assert fallback_text(card) == (
        "Your result: 🤖 AI Engineer\nYou like *shipping* fast &amp; &lt;iterating&gt;.")


def test_mrkdwn_keeps_slack_mentions_and_links() -> None:
    assert mrkdwn("<@U0ALICE> took it: **AI** <b> & <https://x.org|x>") == (
        "<@U0ALICE> took it: *AI* &lt;b&gt; &amp; <https://x.org|x>")


def test_a_notice_has_no_header() -> None:
    blocks = to_blocks(Card("", (Section("Already answered"),)))
    assert [b["type"] for b in blocks] == ["section"]
    assert fallback_text(Card("")) == "pathbot"


def test_long_text_is_split_at_line_ends() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    pieces = split_text(text, 3000)
    assert all(len(p) <= 3000 for p in pieces) and len(pieces) == 4
    assert "\n".join(pieces) == text
    assert all(len(p) <= 50 for p in split_text("y" * 500 + " z", 50))


def test_every_card_from_the_bundled_content_fits(content: Content) -> None:
    for card in every_card(content):
        assert block_problems(to_blocks(card)) == [], card.title


_text = st.text(st.characters(codec="utf-8"), max_size=80)
_long = st.one_of(_text, st.text(alphabet="ab &<>*\n", min_size=1000, max_size=9000))
_id = st.from_regex(r"pb:ans:[A-Za-z0-9]{1,12}:\d{1,2}:\d", fullmatch=True)
_button = st.builds(Button, label=st.one_of(_text, st.text(min_size=70, max_size=200)),
                    action_id=_id, style=st.sampled_from(["primary", "secondary", "success",
                                                          "danger"]))
_field = st.builds(Field, name=_text, value=_long, inline=st.booleans())
_card = st.builds(
    Card,
    title=st.one_of(_text, st.text(min_size=140, max_size=400)),
    sections=st.lists(st.builds(Section, text=_long, heading=_text), max_size=12).map(tuple),
    fields=st.lists(_field, max_size=40).map(tuple),
    buttons=st.lists(st.lists(_button, max_size=30).map(tuple), max_size=8).map(tuple),
    footer=st.one_of(_text, st.text(min_size=2990, max_size=3100)),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_card)
def test_any_card_renders_within_slack_limits(card: Card) -> None:
    blocks = to_blocks(card)
    assert len(blocks) <= MAX_BLOCKS
    assert block_problems(blocks) == []
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids))
    unique_ids = {b.action_id for row in card.buttons for b in row}
    assert set(ids) <= unique_ids
    if len(unique_ids) <= 25 * (MAX_BLOCKS - 3):  # every button survives unless absurd
        assert set(ids) == unique_ids
    assert 0 < len(fallback_text(card)) <= 3000
