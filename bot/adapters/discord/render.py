"""Cards as Discord embeds and buttons: pure functions, every output within Discord's limits.

A card that does not fit is split (a long description or more than 25 fields continue in
further embeds, a long field value in further fields) or shortened with "…" and a note in
the footer, never rejected by Discord. Lengths are counted in UTF-16 code units, which is
never less than the count of characters, so the limits hold whichever way Discord counts.

    embed 1: title · description (the sections) · fields … ·
    embed 2…: the rest of the description or fields · footer on the last embed
    buttons: one action row per card row (split at 5), at most 5 rows
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import discord
from discord.types.embed import Embed as EmbedData

from bot.core.actions import ANY_ACTION
from bot.core.cards import Button, Card, Field, Section

CONTENT = 2000
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
TOTAL = 6000
EMBEDS = 10
ROWS = 5
PER_ROW = 5
LABEL = 80
CUSTOM_ID = 100
ELLIPSIS = "…"
BLANK = "\u200b"  # Discord refuses empty field names and values
SHORTENED = "Shortened to fit in one Discord message"
EMBED_CACHE = 1024  # distinct card texts whose embeds are kept (questions, the tally, …)
MIN_PIECE = 20  # below this many units left, drop a piece rather than keep a stub of it
STYLES: dict[str, discord.ButtonStyle] = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def units(text: str) -> int:
    """Length in UTF-16 code units (characters outside the BMP count twice)."""
    if text.isascii():  # the common case, without encoding a copy
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` units."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def clip(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` units, ending in "…" when shortened."""
    if units(text) <= limit:
        return text
    return text[: _prefix(text, limit - 1)].rstrip() + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` units (limit ≥ 2), split at a line end or space
    in the second half of a piece when there is one; blank pieces are dropped."""
    pieces: list[str] = []
    while units(text) > limit:
        size = max(1, _prefix(text, limit))
        head = text[:size]
        cut = max(head.rfind("\n"), head.rfind(" "))
        cut = cut if cut > size // 2 else size
        pieces.append(text[:cut].strip())
        text = text[cut:]
    pieces.append(text.strip())
    return [p for p in pieces if p] or [""]


class CardView(discord.ui.View):
    """The buttons of a sent card, as the action rows Discord receives. Render-only:

    - discord.py never stores it (is_finished), so sending one keeps nothing in memory and
      starts no timeout task (an ephemeral view would otherwise get a 15-minute timer);
    - it holds the components as plain dicts rather than ui.Button items, which cost ~0.1 ms
      a card to build (a third of pathbot's own time per press in bench/discord_burst.py);
    - every press is handled by PathbotButton, the DynamicItem registered once with the
      client, whichever message the button is on;
    - it skips View.__init__ (a random id from os.urandom, a future, child bookkeeping: as
      much as the rest of rendering, on every press) and answers itself the four questions
      discord.py 2.7 asks a view it sends (to_components, is_finished, is_dispatchable,
      has_components_v2; tests/adapters/discord send one through every call pathbot
      makes: send, edit, follow-up, edit of the original, the bot token's send and edit).
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:  # no View.__init__: see above
        self.rows = rows

    def __repr__(self) -> str:
        return f"<CardView rows={len(self.rows)}>"

    def to_components(self) -> list[dict[str, Any]]:
        return self.rows

    def is_finished(self) -> bool:
        return True

    def is_dispatchable(self) -> bool:
        return False  # PathbotButton handles the presses, not this view

    def has_components_v2(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Rendered:
    embeds: list[discord.Embed]
    view: CardView | None

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for send/edit: `view` only when there are buttons."""
        kwargs: dict[str, Any] = {"embeds": self.embeds}
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs


def render(card: Card) -> Rendered:
    """The card's embeds (shared with every other card of the same text, see `_embeds`) and
    its buttons (built each time: their ids name the session)."""
    return Rendered(list(_embeds(card)), to_view(card))


def text_message(text: str) -> str:
    """Plain message content (refusals, apologies) within the content limit."""
    return clip(text.strip() or ELLIPSIS, CONTENT)


# -- embeds ------------------------------------------------------------------------------


@dataclass
class _Embed:
    description: str = ""
    fields: list[tuple[str, str, bool]] = field(default_factory=list)

    def used(self) -> bool:
        return bool(self.description or self.fields)


def _description(card: Card) -> str:
    blocks = [f"**{s.heading}**\n{s.text}" if s.heading else s.text for s in card.sections]
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def _field_pieces(item: Field) -> list[tuple[str, str, bool]]:
    name = clip(item.name.strip() or BLANK, FIELD_NAME)
    values = split_text(item.value.strip() or BLANK, FIELD_VALUE)
    more = clip(f"{name} (continued)", FIELD_NAME)
    return [(name if i == 0 else more, value, item.inline) for i, value in enumerate(values)]


class _Packer:
    """Fills embeds in order until the 10 embeds or 6000 units run out."""

    def __init__(self, budget: int) -> None:
        self.embeds = [_Embed()]
        self.left = budget
        self.shortened = False

    def _next(self, needs_new: bool) -> _Embed | None:
        if needs_new:
            if len(self.embeds) == EMBEDS:
                self.shortened = True
                return None
            self.embeds.append(_Embed())
        return self.embeds[-1]

    def add_description(self, text: str) -> bool:
        embed = self._next(self.embeds[-1].used())
        text = self._take(text, 0) if embed is not None else ""
        if embed is None or not text:
            return False
        embed.description = text
        return not self.shortened

    def add_field(self, name: str, value: str, inline: bool) -> bool:
        current = self.embeds[-1]
        embed = self._next(len(current.fields) >= FIELDS)
        value = self._take(value, units(name)) if embed is not None else ""
        if embed is None or not value:
            return False
        embed.fields.append((name, value, inline))
        return not self.shortened

    def _take(self, text: str, reserved: int) -> str:
        """As much of `text` as fits after `reserved` units (shortened, or "" if too little)."""
        room = self.left - reserved
        if units(text) > room:
            self.shortened = True
            text = clip(text, room) if room >= MIN_PIECE else ""
        if text:
            self.left -= reserved + units(text)
        return text


class SharedEmbed(discord.Embed):
    """An embed sent in many messages: its payload is built once, at its first send.

    Only for embeds that are complete when first sent and never changed afterwards (those
    of `_embeds`); discord.py only reads embeds (to_dict) when it sends them.
    """

    _payload: EmbedData | None = None

    def to_dict(self) -> EmbedData:
        if self._payload is None:
            self._payload = super().to_dict()
        return self._payload


def _embeds(card: Card) -> tuple[discord.Embed, ...]:
    """Embeds depend on the card without its buttons: a question's embed is the same for
    everyone at that question, so it is built once (and its payload once, SharedEmbed)."""
    return _text_embeds(card.title, card.sections, card.fields, card.footer, card.accent)


@lru_cache(maxsize=EMBED_CACHE)
def _text_embeds(
    title: str, sections: tuple[Section, ...], fields: tuple[Field, ...], footer: str,
    accent: int | None,
) -> tuple[discord.Embed, ...]:
    text_only = Card(title, sections, fields, footer=footer, accent=accent)
    return tuple(to_embeds(text_only, SharedEmbed))


def to_embeds(card: Card, kind: type[discord.Embed] = discord.Embed) -> list[discord.Embed]:
    title = clip(card.title.strip(), TITLE)
    footer = clip(card.footer.strip(), FOOTER)
    marked = clip(f"{SHORTENED} · {footer}" if footer else SHORTENED, FOOTER)
    packer = _Packer(TOTAL - units(title) - units(marked))
    _pack(packer, card)
    if packer.shortened:
        footer = marked
    embeds = [_to_embed(e, card.accent, kind) for e in packer.embeds if e.used()] or [
        _to_embed(_Embed(), card.accent, kind)]
    if title:
        embeds[0].title = title
    elif not packer.embeds[0].used():
        embeds[0].description = BLANK
    if footer:
        embeds[-1].set_footer(text=footer)
    return embeds


def _pack(packer: _Packer, card: Card) -> None:
    for piece in split_text(_description(card), DESCRIPTION) if card.sections else []:
        if piece and not packer.add_description(piece):
            return
    for item in card.fields:
        for name, value, inline in _field_pieces(item):
            if not packer.add_field(name, value, inline):
                return


def _to_embed(embed: _Embed, accent: int | None, kind: type[discord.Embed]) -> discord.Embed:
    out = kind(description=embed.description or None, colour=accent)
    for name, value, inline in embed.fields:
        out.add_field(name=name, value=value, inline=inline)
    return out


# -- buttons -----------------------------------------------------------------------------


def usable(button: Button) -> bool:
    """Only ids we built can be pressed: ≤ 100 characters and matching the action template."""
    return len(button.action_id) <= CUSTOM_ID and _FULLMATCH(button.action_id) is not None


_FULLMATCH = ANY_ACTION.fullmatch


def button_rows(card: Card) -> list[list[Button]]:
    """The card's usable buttons in rows of at most 5, at most 5 rows, no repeated id."""
    seen: set[str] = set()
    rows: list[list[Button]] = []
    for row in card.buttons:
        kept: list[Button] = []
        for button in row:
            if usable(button) and button.action_id not in seen:
                seen.add(button.action_id)
                kept.append(button)
        if 0 < len(kept) <= PER_ROW:  # the usual row: no split, no slice copies
            rows.append(kept)
        else:
            rows.extend(kept[i : i + PER_ROW] for i in range(0, len(kept), PER_ROW))
    return rows[:ROWS]


def to_view(card: Card) -> CardView | None:
    rows = button_rows(card)
    if not rows:
        return None
    return CardView([{"type": 1, "components": [_button(b) for b in row]} for row in rows])


def _button(b: Button) -> dict[str, Any]:
    style, label = _face(b.label, b.style)
    return {"type": 2, "style": style, "label": label, "custom_id": b.action_id}


@lru_cache(maxsize=EMBED_CACHE)
def _face(text: str, style: str) -> tuple[int, str]:
    """A button's style number and its label within Discord's limit, looked up once per
    label and style (they repeat: the options of each question; only the ids differ)."""
    return STYLES[style].value, clip(text.strip() or ELLIPSIS, LABEL)
