"""After the quiz: the learning path as something to walk — stage progress and reminders.

A mixin of Service (service.py): the path card with its progress and buttons, /path and
the path button (a DM, or the card privately when the DM cannot be sent), the Done /
Undo / Remind me / Stop reminders presses, and the reminder card the scheduler sends
(reminders.py). Progress is stored per person and role; a press is checked against the
content version and the owner before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core import actions, card_builders, path_cards
from bot.core.actions import Press
from bot.core.cards import Card, Reply, Section
from bot.core.dm import DmOutcome
from bot.core.errors import NoResultYet, NotYourPath, PathChanged, RoleRemoved, UnknownRole
from bot.core.learning_paths import advise
from bot.core.models import Content, LearningPath, UserRef
from bot.core.path_cards import Progress
from bot.core.ports import Store
from bot.core.records import Nudge, QuizResult, QuizSession

WEEK = 7 * 24 * 3600.0
CLOSED_NOTE = ("Your reminders stopped: I couldn't DM you (your DMs are closed). Open them "
               "and press Remind me to start again.")


class Companion:
    content: Content
    store: Store
    clock: Callable[[], float]
    nudge_every: float

    async def progress(self, user: UserRef, role_id: str) -> Progress:
        nudge = await self.store.get_nudge(user)
        on = nudge is not None and nudge.role == role_id and not nudge.stopped
        return Progress(actions.owner_tag(user), await self.store.stages_done(user, role_id), on)

    async def path_card(self, user: UserRef, role_id: str, answers: tuple[int, ...]) -> Card:
        if role_id not in self.content.role_index:
            raise RoleRemoved()
        advice = advise(self.content, role_id, answers)
        return path_cards.path(self.content, advice, await self.progress(user, role_id))

    async def closed_note(self, user: UserRef) -> str:
        """Once, after reminders stopped because DMs were closed: say so (then forget it)."""
        nudge = await self.store.get_nudge(user)
        if nudge is None or nudge.stopped != "closed":
            return ""
        await self.store.clear_nudge(user)
        return CLOSED_NOTE

    async def progress_text(self, user: UserRef, results: list[QuizResult]) -> str:
        """Where the person is on the path of their latest result (for /results)."""
        if not results or results[0].top_role not in self.content.role_index:
            return ""
        role = self.content.role(results[0].top_role)
        path = self.content.path_for(role.id)
        done = await self.store.stages_done(user, role.id)
        counted = sum(1 for s in path.stages if s.id in done)
        return (f"{role.emoji} {role.name}: {path_cards.progress_line(path, done)}\n"
                f"{path_cards.progress_bar(counted, len(path.stages))} · /path shows it")

    # -- the path's buttons (actions.VERBS) ---------------------------------------------
    async def on_stage(self, press: Press, *, done: bool) -> Reply:
        path = self._pressed_path(press)
        if not 0 <= press.action.question < len(path.stages):
            raise PathChanged()
        stage = path.stages[press.action.question]
        await self.store.set_stage(press.user, path.role_id, stage.id, press.place.scope, done,
                                   self.clock())  # a double press changes it once
        progress = await self.progress(press.user, path.role_id)
        if path_cards.next_stage(path, progress.done) is None and progress.reminders:
            await self.store.stop_nudge(press.user, "done")  # nothing left to remind of
        return Reply(await self.path_card(press.user, path.role_id, ()))

    async def on_remind(self, press: Press) -> Reply:
        path = self._pressed_path(press)
        now = self.clock()
        await self.store.set_nudge(Nudge(press.user, path.role_id, press.place.scope,
                                         self.nudge_every, now + self.nudge_every))
        return Reply(await self.path_card(press.user, path.role_id, ()))

    async def on_quiet(self, press: Press) -> Reply:
        path = self._pressed_path(press, any_version=True)  # stopping never needs /path
        await self.store.clear_nudge(press.user)
        return Reply(await self.path_card(press.user, path.role_id, ()))

    def _pressed_path(self, press: Press, *, any_version: bool = False) -> LearningPath:
        if press.action.owner != actions.owner_tag(press.user):
            raise NotYourPath()
        if not any_version and press.action.version != self.content.version:
            raise PathChanged()
        if press.action.ref not in self.content.role_index:
            raise RoleRemoved()
        return self.content.path_for(press.action.ref)

    # -- reminders ------------------------------------------------------------------------
    async def reminder_card(self, nudge: Nudge) -> Card | None:
        """The next unfinished stage of the reminded path, or None when there is nothing
        left to remind of (every stage done, or the role is gone): then stop reminding."""
        if nudge.role not in self.content.role_index:
            return None
        progress = await self.progress(nudge.user, nudge.role)
        return path_cards.reminder(self.content, self.content.path_for(nudge.role), progress)

    # -- the path as a DM ------------------------------------------------------------------
    async def path(self, user: UserRef, role: str | None = None) -> Reply:
        """The learning path for the role named, else for the latest result, as a DM."""
        if role:
            found = self.content.find_role(role)
            if found is None:
                raise UnknownRole(role, [r.name for r in self.content.roles])
            return await self._path_reply(user, found.id, ())
        latest = await self.store.list_results(user, limit=1)
        if not latest:
            raise NoResultYet()
        session = await self.store.get_session(latest[0].session_id)
        answers = session.answers if session and self._current(session) else ()
        return await self._path_reply(user, latest[0].top_role, answers)

    def _current(self, session: QuizSession) -> bool:
        return session.content_version == self.content.version

    async def _path_reply(self, user: UserRef, role_id: str, answers: tuple[int, ...]) -> Reply:
        card = await self.path_card(user, role_id, answers)
        note = await self.closed_note(user)
        if note:  # on the card too: it is what the person sees if the DM fails again
            card = replace(card, sections=(Section(note), *card.sections))
        if await self.store.dms_closed(user):
            return Reply(_with_note(card, "Your DMs are closed, so here it is instead."))
        done = await self.store.stages_done(user, role_id)
        where = path_cards.progress_line(self.content.path_for(role_id), done)
        name = self.content.role(role_id).name
        text = f"I sent you the {name} learning path ({where})."
        notice = card_builders.notice("Check your DMs", f"{note}\n\n{text}" if note else text)
        return Reply(notice, dm=card)

    async def after_dm(self, user: UserRef, card: Card, outcome: DmOutcome) -> Card | None:
        """What to show privately after trying to DM `card`: None when it was sent; else the
        card itself, noted. CLOSED is remembered (no DM is tried next time)."""
        if outcome is DmOutcome.SENT:
            return None
        if outcome is DmOutcome.CLOSED:
            await self.store.set_dms_closed(user, self.clock())
            return _with_note(card, "I couldn't DM you (your DMs are closed), so here it is.")
        return _with_note(card, "I couldn't DM you just now, so here it is.")


def _with_note(card: Card, note: str) -> Card:
    footer = f"{note} · {card.footer}" if card.footer else note
    return replace(card, footer=footer)
