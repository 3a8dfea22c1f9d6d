"""pathbot in a terminal: the same commands, buttons as numbered choices.

Reads one line per input, interactive or piped, and returns at end of input, so a
newcomer can try everything without a token and tests can script it.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.core.cards import Button, Card, Image, Reply
from bot.core.commands import Invocation
from bot.core.dm import DmOutcome
from bot.core.errors import user_text
from bot.core.models import Place, UserRef
from bot.core.reminders import Reminders
from bot.core.service import Service

log = logging.getLogger(__name__)
PLACE = Place("console", "local", "console")


def render_text(card: Card, numbered_from: int = 1) -> str:
    """A card as plain text; buttons become [n] choices numbered from `numbered_from`."""
    lines = [card.title, "=" * min(len(card.title), 60)]
    for section in card.sections:
        if section.heading:
            lines.append(f"\n{section.heading}")
        lines.append(section.text)
    for field in card.fields:
        lines.append(f"\n{field.name}\n  " + field.value.replace("\n", "\n  "))
    buttons = card.all_buttons()
    if buttons:
        choices = "  ".join(f"[{numbered_from + i}] {b.label}" for i, b in enumerate(buttons))
        lines.append(f"\n{choices}")
    if card.footer:
        lines.append(f"({card.footer})")
    return "\n".join(lines).replace("**", "") + "\n"


class Console:
    def __init__(self, service: Service, out: TextIO, user_id: str | None = None,
                 files_dir: Path | None = None) -> None:
        self.service = service
        self.out = out
        self.user = UserRef("console", "", user_id or _login_name())
        self.buttons: tuple[Button, ...] = ()
        self.files_dir = files_dir  # where pictures go (the /stats chart); None: temp dir

    def save(self, image: Image) -> None:
        """Write a reply's picture to a new file and print its path (a terminal shows none)."""
        stem, _, suffix = image.filename.rpartition(".")
        try:
            handle, name = tempfile.mkstemp(prefix=f"{stem}-", suffix=f".{suffix}",
                                            dir=self.files_dir)
            with os.fdopen(handle, "wb") as file:
                file.write(image.data)
        except OSError as exc:
            self.out.write(f"! Could not save the chart ({exc.strerror}); the table above "
                           "has the same numbers.\n\n")
            return
        self.out.write(f"(chart saved to {Path(name).resolve()})\n\n")

    def show(self, card: Card, prefix: str = "") -> None:
        if prefix:
            self.out.write(f"{prefix}\n")
        self.out.write(render_text(card) + "\n")
        self.buttons = card.all_buttons()  # numbers refer to the last card shown, only
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """One input line; False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        if line in {"/quit", "/exit", "quit", "exit"}:
            return False
        try:
            await self._dispatch(line)
        except Exception as exc:
            text = user_text(exc, line.partition(" ")[0] if line.startswith("/") else "a choice")
            self.out.write(f"! {text.replace('**', '')}\n\n")
        return True

    async def _dispatch(self, line: str) -> None:
        if line.isdigit():
            await self._press(int(line))
            return
        name, _, rest = line.partition(" ")
        invocation = Invocation(self.user, PLACE, rest.strip() or None, is_admin=True)
        if name == "/help":
            self.show(self.service.help())
            return
        reply = await self.service.command(name, invocation)
        if reply.quiz_card_id is not None:
            await self.service.attach_message(reply.quiz_card_id, PLACE.channel_id, "console")
            self.show(reply.card, "(posted in the channel)")
            return
        await self._deliver(reply)

    async def send_dm(self, user: UserRef, card: Card) -> DmOutcome:
        """A reminder: the console's DMs are printed in place."""
        self.show(card, "(a reminder, sent to you by direct message)")
        return DmOutcome.SENT

    async def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.out.write(f"! Choose a number from 1 to {len(self.buttons)}.\n\n"
                           if self.buttons else "! There is nothing to choose right now.\n\n")
            return
        button = self.buttons[number - 1]
        self.out.write(f"> {button.label}\n")
        reply = await self.service.press(self.user, button.action_id, PLACE, self.user.user_id)
        await self._deliver(reply)

    async def _deliver(self, reply: Reply) -> None:
        if reply.notice:
            self.out.write(f"{reply.notice}\n")
        if reply.public:
            self.show(reply.public, "(posted in the channel)")
        self.show(reply.card)
        if reply.image is not None:
            self.save(reply.image)
        if reply.dm:  # last: its buttons (the path's Done…) are the ones numbered
            self.show(reply.dm, "(sent to you by direct message)")
        for card_id in reply.refresh_cards:
            found = await self.service.quiz_card(card_id)
            if found:
                self.out.write(f"(the quiz card in the channel now says: {found[1].footer})\n\n")


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


async def run_console(service: Service, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    console = Console(service, out)
    reminders = Reminders(service, {PLACE.platform: console.send_dm})
    interactive = stdin.isatty()
    out.write("pathbot console — type /help for commands, /quit to leave.\n\n")
    while True:
        await reminders.tick()  # due reminders are printed before the next prompt
        if interactive:
            out.write("pathbot> ")
            out.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:  # end of input
            return 0
        if not interactive:
            out.write(f"pathbot> {line.rstrip()}\n")
        if not await console.handle(line):
            return 0
