"""Cards as Slack Block Kit: pure functions, every output within Slack's limits.

A card that does not fit is split (long text into several sections, many fields into
several sections of at most 10) or shortened (with "…"), never rejected by Slack:

    header (title) · sections · fields · actions (button rows) · context (footer)

The blocks made from a card's text are cached: a question reads the same for everyone at
it, only its button ids differ. Cached dicts are shared between
messages and never changed after they are built (they are only JSON-encoded).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from bot.core.cards import Button, Card, Field, Section

Block = dict[str, Any]

MAX_BLOCKS = 50
HEADER_TEXT = 150
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
BUTTON_TEXT = 75
BUTTONS_PER_ACTIONS = 25
ACTION_ID = 255
CONTEXT_TEXT = 3000
FALLBACK_TEXT = 3000
ELLIPSIS = "…"
SHORTENED = "_(shortened to fit in one Slack message)_"
STYLES = {"primary": "primary", "success": "primary", "danger": "danger"}
RENDER_CACHE = 1024  # distinct card texts whose blocks are kept

# Slack's own markup that must survive escaping: <@U123>, <#C123>, <!here>, <https://x|y>.
_SLACK_TOKEN = re.compile(r"(<(?:[@#!][A-Za-z0-9^|._-]+|https?://[^>\s]+)>)")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def mrkdwn(text: str) -> str:
    """Our markdown (**bold**) as Slack mrkdwn (*bold*), with &, < and > escaped."""
    parts = _SLACK_TOKEN.split(text)
    escaped = "".join(
        part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for i, part in enumerate(parts)
    )
    return _BOLD.sub(r"*\1*", escaped)


def plain(text: str) -> str:
    """Text for plain_text objects: no markup, never empty (Slack rejects empty text)."""
    return text.replace("**", "").strip() or ELLIPSIS


def clip(text: str, limit: int) -> str:
    """`text` shortened to `limit` characters with "…", never cutting an &entity; in half."""
    if len(text) <= limit:
        return text
    return text[: _entity_safe(text, limit - 1)].rstrip() + ELLIPSIS


def _entity_safe(text: str, cut: int) -> int:
    """`cut`, moved back if it would split an escaped entity such as `&amp;`."""
    amp = text.rfind("&", max(0, cut - 5), cut)
    return amp if amp > 0 and ";" not in text[amp:cut] else cut


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, split at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single line longer than a piece: hard split
            if current:
                pieces.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else _entity_safe(line, limit)
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        joined = f"{current}\n{line}" if current else line
        if current and len(joined) > limit:
            pieces.append(current)
            joined = line
        current = joined
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _titled(heading: str, text: str) -> str:
    body = mrkdwn(text.strip())
    title = f"*{clip(mrkdwn(heading.replace('**', '').strip()), 200)}*" if heading.strip() else ""
    return "\n".join(p for p in (title, body) if p)


def section_blocks(section: Section) -> list[Block]:
    return [_section(t) for t in split_text(_titled(section.heading, section.text), SECTION_TEXT)]


def field_blocks(fields: tuple[Field, ...]) -> list[Block]:
    """Inline fields go side by side (≤ 10 per section); the others get a section each."""
    blocks: list[Block] = []
    inline: list[dict[str, str]] = []
    for field in fields:
        text = _titled(field.name, field.value)
        if not text:
            continue
        if field.inline:
            inline.append({"type": "mrkdwn", "text": clip(text, FIELD_TEXT)})
            if len(inline) == FIELDS_PER_SECTION:
                blocks.append({"type": "section", "fields": inline})
                inline = []
        else:
            blocks.extend(_flush(inline))
            inline = []
            blocks.extend(_section(t) for t in split_text(text, SECTION_TEXT))
    blocks.extend(_flush(inline))
    return blocks


def _flush(inline: list[dict[str, str]]) -> list[Block]:
    return [{"type": "section", "fields": inline}] if inline else []


def button_element(button: Button) -> Block:
    element: Block = {
        "type": "button",
        "action_id": button.action_id,
        "text": {"type": "plain_text", "text": clip(plain(button.label), BUTTON_TEXT),
                 "emoji": True},
    }
    style = STYLES.get(button.style)
    if style:
        element["style"] = style
    return element


def action_blocks(rows: tuple[tuple[Button, ...], ...]) -> list[Block]:
    """One actions block per row (≤ 25 buttons each); a button id appears once per message.

    Ids longer than Slack allows cannot be routed back, so such a button is left out.
    """
    seen: set[str] = set()
    blocks: list[Block] = []
    for row in rows:
        usable = [b for b in row if b.action_id and len(b.action_id) <= ACTION_ID]
        elements = []
        for button in usable:
            if button.action_id not in seen:
                seen.add(button.action_id)
                elements.append(button_element(button))
        for start in range(0, len(elements), BUTTONS_PER_ACTIONS):
            chunk = elements[start : start + BUTTONS_PER_ACTIONS]
            blocks.append({"type": "actions", "elements": chunk})
    return blocks


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


TextBlocks = tuple[tuple[Block, ...], tuple[Block, ...], tuple[Block, ...]]


@lru_cache(maxsize=RENDER_CACHE)
def _text_blocks(card: Card) -> TextBlocks:
    """Header, body and footer blocks (without block ids) of a card without its buttons."""
    head = (({"type": "header", "text": {"type": "plain_text", "emoji": True,
                                         "text": clip(plain(card.title), HEADER_TEXT)}},)
            if card.title.strip() else ())
    body = (*(b for s in card.sections for b in section_blocks(s)), *field_blocks(card.fields))
    foot = (_context(clip(mrkdwn(card.footer), CONTEXT_TEXT)),) if card.footer.strip() else ()
    return head, body, foot


def to_blocks(card: Card) -> list[Block]:
    """The card as at most 50 blocks; body blocks are dropped first when it is too long."""
    head, body, footer = _text_blocks(replace(card, buttons=()))
    actions = action_blocks(card.buttons)[: MAX_BLOCKS - len(head) - len(footer) - 1]
    room = MAX_BLOCKS - len(head) - len(footer) - len(actions)
    if len(body) > room:
        body = (*body[: room - 1], _context(SHORTENED))
    # A fresh top-level dict per block (the cached ones stay without ids); what they
    # hold is shared.
    return [{**block, "block_id": f"b{i}"}
            for i, block in enumerate((*head, *body, *actions, *footer))]


def fallback_text(card: Card) -> str:
    """The message's `text`: notifications and screen readers; plain, never empty."""
    first = next((s.text for s in card.sections if s.text.strip()), "")
    parts = [p.strip() for p in (card.title, first) if p.strip()]
    return clip(mrkdwn("\n".join(parts)), FALLBACK_TEXT) if parts else "pathbot"
