"""Platform-neutral cards: what the service answers, and what each adapter renders.

Slotted: a card and its buttons are built for every press and live until its answer is
sent; without a __dict__ each is one object for the garbage collector to walk, not two."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ButtonStyle = Literal["primary", "secondary", "success", "danger"]


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action_id: str
    style: ButtonStyle = "secondary"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True, slots=True)
class Section:
    text: str
    heading: str = ""


@dataclass(frozen=True, slots=True)
class Card:
    """A message: title, text sections, fields, rows of buttons, footer.

    `accent` is an RGB colour (Discord embed colour); renderers may ignore it.
    """

    title: str
    sections: tuple[Section, ...] = ()
    fields: tuple[Field, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    footer: str = ""
    accent: int | None = None

    def all_buttons(self) -> tuple[Button, ...]:
        return tuple(b for row in self.buttons for b in row)


@dataclass(frozen=True, slots=True)
class Image:
    """A picture that goes with a reply (the /stats chart): PNG bytes, the file name it is
    uploaded as, and alt text for screen readers."""

    data: bytes
    filename: str
    alt: str


@dataclass(frozen=True, slots=True)
class Reply:
    """The outcome of a command or button press, for the adapter to deliver.

    - `card`: shown privately to the person (replaces their private quiz message);
    - `public`: posted in the channel (a shared result);
    - `dm`: sent by direct message (a learning path); see Service.after_dm;
    - `refresh_cards`: the ids of in-channel quiz cards whose tally changed;
    - `quiz_card_id`: `card` is this new in-channel quiz card: post it as a channel message
      and tell the service where it landed (Service.attach_message), for the tally edits;
    - `notice`: a line to show before the card (say, why /help is shown);
    - `image`: a picture for the person, beside the private `card` (which stays the text
      version of it): attached on Discord, by DM on Slack, a file on the console.
    """

    card: Card
    public: Card | None = None
    dm: Card | None = None
    refresh_cards: tuple[str, ...] = ()
    quiz_card_id: str | None = None
    notice: str = ""
    image: Image | None = None
