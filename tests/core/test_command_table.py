"""The command table: /help, the console and the service are built from it."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from bot.adapters.console import Console
from bot.core.commands import COMMANDS, Audience, Invocation, Visibility
from bot.core.errors import NotAllowed
from bot.core.models import Content, Place, UserRef
from bot.core.ports import Store
from bot.core.service import Service
from tests.fixtures.throwaway_command import ECHO, WITH_ECHO


def test_every_row_is_well_formed() -> None:
    names = [c.name for c in COMMANDS]
    assert names == ["compare", "role", "quiz", "results", "path", "forget", "stats"]
    for row in COMMANDS:
        assert 0 < len(row.description) <= 100 and "two roles" not in row.description
        assert row.audience is Audience.EVERYONE or row.refusal
    public = {c.name for c in COMMANDS if c.visibility is Visibility.PUBLIC}
    assert public == {"compare", "role", "quiz"}


async def test_help_and_the_console_follow_the_table(content: Content, store: Store) -> None:
    service = Service(content, store, commands=WITH_ECHO)
    help_text = service.help().sections[0].text
    assert "**/echo [word]** — Echo a word back" in help_text
    assert "**/role <role>**" in help_text

    out = io.StringIO()
    console = Console(service, out, user_id="tester")
    await console.handle("/echo hi")
    await console.handle("/nosuch")
    shown = out.getvalue()
    assert "echo: hi (roles: AI Engineer, ML Engineer)" in shown
    assert "Unknown command '/nosuch'." in shown and "/echo [word]" in shown
    assert ECHO.usage == "/echo [word]"


async def test_admin_rows_refuse_others_with_their_refusal(
    content: Content, store: Store
) -> None:
    service = Service(content, store)
    who = Invocation(UserRef("console", "", "u"), Place("console", "local", "c"))
    with pytest.raises(NotAllowed, match="Only admins can see /stats"):
        await service.command("/stats", who)
    shown = await service.command("/stats", replace(who, is_admin=True))
    assert shown.card.title
