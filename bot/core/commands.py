"""The one table of slash commands. Every adapter, `/help` and the Slack manifest read it.

A row says what a platform needs to register the command (name, description, its one
optional argument and where that argument's choices come from, who may use it) and what
it does (`run`: the service call, answering a Reply). Where the reply goes follows from
`visibility`: PUBLIC in the channel, PRIVATE to the person only.

Adding a command: a row here, the service method it calls, and the card it shows
(card_builders.py). The adapters need nothing new unless the card does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from bot.core.cards import Reply
from bot.core.errors import NotAllowed
from bot.core.models import Place, UserRef

if TYPE_CHECKING:  # the service imports this table; at run time it is only called
    from bot.core.service import Service


class Visibility(Enum):
    PUBLIC = "public"  # posted in the channel, for everyone
    PRIVATE = "private"  # shown to the person only (ephemeral)


class Audience(Enum):
    EVERYONE = "everyone"
    ADMINS = "admins"  # Discord: Manage Server; Slack: workspace admins + PATHBOT_SLACK_ADMINS


class Source(Enum):
    """Where an argument's suggestions come from (the content: a YAML edit changes them)."""

    ROLES = "roles"
    DIMENSIONS = "dimensions"


@dataclass(frozen=True)
class Argument:
    name: str
    description: str
    required: bool
    source: Source | None = None  # Service.suggestions(source, typed)
    fixed: bool = False  # offer the whole list with the command (else: as the person types)
    example: str = ""  # shown in Slack's usage hint


@dataclass(frozen=True)
class Invocation:
    """One use of a command: who, where, the argument's text (None when empty), and
    whether the person is an admin (adapters ask the platform only for ADMINS commands)."""

    user: UserRef
    place: Place
    argument: str | None = None
    is_admin: bool = False


Run = Callable[["Service", Invocation], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    name: str  # without the slash
    description: str  # ≤ 100 characters (Discord's limit)
    visibility: Visibility
    run: Run
    argument: Argument | None = None
    audience: Audience = Audience.EVERYONE
    refusal: str = ""  # why someone who is not an admin cannot use it

    @property
    def usage(self) -> str:
        """`/role <role>`, `/compare [dimension]`, `/quiz`."""
        arg = self.argument
        if arg is None:
            return f"/{self.name}"
        return f"/{self.name} " + (f"<{arg.name}>" if arg.required else f"[{arg.name}]")

    async def invoke(self, service: Service, invocation: Invocation) -> Reply:
        if self.audience is Audience.ADMINS and not invocation.is_admin:
            raise NotAllowed(self.refusal or f"Only admins can use /{self.name}.")
        return await self.run(service, invocation)


def find(commands: tuple[Command, ...], typed: str) -> Command | None:
    """The row for `/name` as typed (with its slash), or None."""
    return next((c for c in commands if f"/{c.name}" == typed), None)


# -- what each command does ------------------------------------------------------------------
async def _compare(service: Service, inv: Invocation) -> Reply:
    return Reply(service.compare(inv.argument))


async def _role(service: Service, inv: Invocation) -> Reply:
    return Reply(service.role(inv.argument))


async def _quiz(service: Service, inv: Invocation) -> Reply:
    card_id, card = await service.open_quiz(inv.place)
    return Reply(card, quiz_card_id=card_id)


async def _results(service: Service, inv: Invocation) -> Reply:
    return Reply(await service.results(inv.user))


async def _path(service: Service, inv: Invocation) -> Reply:
    return await service.path(inv.user, inv.argument)


async def _forget(service: Service, inv: Invocation) -> Reply:
    return Reply(service.forget_prompt())


async def _stats(service: Service, inv: Invocation) -> Reply:
    return await service.stats_reply(inv.place, inv.is_admin)


STATS_REFUSAL = ("Only admins can see /stats (Discord: Manage Server permission; Slack: "
                 "workspace admins or the people in PATHBOT_SLACK_ADMINS).")
ROLE = "role"

COMMANDS: tuple[Command, ...] = (
    Command("compare", "The roles side by side, or one dimension of them", Visibility.PUBLIC,
            _compare, Argument("dimension", "Only this row of the comparison", False,
                               Source.DIMENSIONS, fixed=True, example="math_depth")),
    Command("role", "One role in detail", Visibility.PUBLIC, _role,
            Argument(ROLE, "The role to describe", True, Source.ROLES, example="ml")),
    Command("quiz", "Post the “Which path fits you?” quiz here; everyone answers privately",
            Visibility.PUBLIC, _quiz),
    Command("results", "Your saved quiz results, newest first", Visibility.PRIVATE, _results),
    Command("path", "A learning path by DM, for your latest result or the role named",
            Visibility.PRIVATE, _path,
            Argument(ROLE, "A role (default: your latest result)", False, Source.ROLES,
                     example="ml")),
    Command("forget", "Delete everything pathbot stores about you (asks first)",
            Visibility.PRIVATE, _forget),
    Command("stats", "How people here came out (admins)", Visibility.PRIVATE, _stats,
            audience=Audience.ADMINS, refusal=STATS_REFUSAL),
)
