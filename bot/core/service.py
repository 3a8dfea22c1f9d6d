"""The one seam adapters call: commands and button presses in, cards and replies out.

Every refusal is a DomainError raised before anything is written; the adapter shows its
message privately. The service holds no per-user state in memory: all of it is in the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.core import actions, stats_chart
from bot.core import card_builders as build
from bot.core.actions import Press
from bot.core.cards import Card, Image, Reply
from bot.core.commands import COMMANDS, STATS_REFUSAL, Command, Invocation, Source
from bot.core.commands import find as find_command
from bot.core.companion import WEEK, Companion
from bot.core.errors import (
    AlreadyAnswered,
    InvalidAction,
    NotAllowed,
    RoleRemoved,
    UnknownDimension,
    UnknownRole,
    UnknownSession,
)
from bot.core.models import Content, Place, UserRef
from bot.core.ports import Store
from bot.core.quiz import Outcome, ensure_can_answer, ensure_owner, outcome
from bot.core.records import QuizCard, QuizResult, QuizSession
from bot.core.tally_edit import Edit, edit_tally

log = logging.getLogger(__name__)

NO_RESULTS = ("Nobody here has finished the quiz yet, so there is nothing to chart. Post it "
              "in a channel with /quiz; the chart appears with the first result.")


class Service(Companion):
    def __init__(
        self, content: Content, store: Store, clock: Callable[[], float] = time.time,
        commands: tuple[Command, ...] = COMMANDS, nudge_every: float = WEEK,
    ) -> None:
        self.content = content
        self.store = store
        self.clock = clock
        self.nudge_every = nudge_every  # seconds between reminders (PATHBOT_NUDGE_EVERY)
        self.commands = commands  # the table every adapter registers (bot/core/commands.py)

    async def command(self, name: str, invocation: Invocation) -> Reply:
        """Run the slash command `name` (`/quiz`, as typed) from the table; /help with a
        notice for a name that is not in it."""
        found = find_command(self.commands, name)
        if found is None:
            return Reply(self.help(), notice=f"Unknown command {name!r}.")
        return await found.invoke(self, invocation)

    # -- read-only commands ----------------------------------------------------------------
    def help(self) -> Card:
        return build.help_card([(c.usage, c.description) for c in self.commands])

    def compare(self, dimension: str | None = None) -> Card:
        if not dimension:
            return build.compare(self.content)
        found = self.content.dimension(dimension)
        if found is None:
            raise UnknownDimension(dimension, [d.id for d in self.content.dimensions])
        return build.compare(self.content, found)

    def role(self, text: str | None) -> Card:
        found = self.content.find_role(text or "")
        if found is None:
            raise UnknownRole(text or "", [r.name for r in self.content.roles])
        return build.role(self.content, found)

    def role_choices(self, typed: str = "") -> list[tuple[str, str]]:
        """(name, id) of the roles whose name or id contains what was typed."""
        typed = typed.strip().lower()
        return [(r.name, r.id) for r in self.content.roles
                if typed in r.name.lower() or typed in r.id]

    def dimension_choices(self) -> list[tuple[str, str]]:
        return [(d.name, d.id) for d in self.content.dimensions]

    def suggestions(self, source: Source, typed: str = "") -> list[tuple[str, str]]:
        """(name, value) pairs for a command argument, filtered by what was typed."""
        if source is Source.ROLES:
            return self.role_choices(typed)
        typed = typed.strip().lower()
        return [(n, i) for n, i in self.dimension_choices() if typed in n.lower() or typed in i]

    # -- the in-channel quiz card -------------------------------------------------------------
    async def open_quiz(self, place: Place) -> tuple[str, Card]:
        card = QuizCard(actions.new_id(), place.platform, place.scope, place.channel_id,
                        created_at=self.clock())
        await self.store.create_quiz_card(card)
        return card.id, build.quiz_card(self.content, card.id, {})

    async def attach_message(self, card_id: str, channel_id: str, message_id: str) -> None:
        """Remember where the quiz card was posted, for the tally edits."""
        await self.store.set_card_message(card_id, QuizCard.ref(channel_id, message_id))

    async def quiz_card(self, card_id: str) -> tuple[QuizCard, Card] | None:
        """The stored card (with its message reference) and its current public rendering."""
        card = await self.store.get_quiz_card(card_id)
        if card is None:
            return None
        tally = await self.store.card_tally(card_id)
        return card, build.quiz_card(self.content, card_id, tally)

    async def edit_quiz_card(self, card_id: str, edit: Edit) -> bool:
        """The fresh tally onto the posted card through `edit`, one process at a time
        (bot/core/tally_edit.py). False: another process is editing it; call again later."""
        return await edit_tally(self.store, self.content, card_id, edit, self.clock)

    # -- button presses ---------------------------------------------------------------------
    async def press(self, user: UserRef, action_id: str, place: Place, mention: str = "") -> Reply:
        """Handle any pathbot button. `mention` is how to name the user in a shared card."""
        action = actions.parse(action_id)
        return await actions.VERBS[action.verb].run(self, Press(user, action, place, mention))

    # -- what each button does (the table is actions.VERBS) -----------------------------
    async def on_start(self, press: Press) -> Reply:
        return Reply(await self._start(press.user, press.action.ref, press.place))

    async def on_answer(self, press: Press) -> Reply:
        q, option = press.action.question, press.action.option
        if self._next_question(q, option):  # the checks and the write: one store call
            return await self._answer_next(press.user, press.action.ref, q, option)
        session = await self._session(press.action.ref)
        return await self._answer(press.user, session, q, option)

    async def on_back(self, press: Press) -> Reply:
        session = await self._session(press.action.ref)
        return await self._back(press.user, session, press.action.question)

    async def on_share(self, press: Press) -> Reply:
        session, res = await self._owned_result(press)
        public = build.shared(self.content, press.mention or "Someone", res)  # before marking
        if not await self.store.mark_shared(session.id):
            return Reply(build.notice("Already shared", "Your result is already in the channel."))
        return Reply(build.notice("Shared", "Your result is now in the channel."), public=public)

    async def on_path(self, press: Press) -> Reply:
        session, res = await self._owned_result(press)
        answers = session.answers if self._current(session) else ()
        return await self._path_reply(press.user, res.top_role, answers)

    async def on_retake(self, press: Press) -> Reply:
        session = await self._owned(press)
        card = await self.store.get_quiz_card(session.card_id)
        if card is None:
            raise InvalidAction()
        return Reply(await self._new_session(press.user, card))

    async def on_forget(self, press: Press) -> Reply:
        gone = await self.store.forget(press.user)
        log.info("forget: deleted %d rows for a %s user", gone.rows, press.user.platform)
        return Reply(build.notice("Deleted", f"Everything pathbot stored about you is gone "
                                  f"({gone.rows} records)."), refresh_cards=gone.card_ids)

    async def on_keep(self, press: Press) -> Reply:
        return Reply(build.notice("Nothing deleted", "Your data is untouched."))

    async def _session(self, session_id: str) -> QuizSession:
        session = await self.store.get_session(session_id)
        if session is None:
            raise UnknownSession()
        return session

    async def _start(self, user: UserRef, card_id: str, place: Place) -> Card:
        card = await self.store.get_quiz_card(card_id)
        # A card counts in its own server/workspace only: a Start from elsewhere (a copied
        # button id) is refused like any button that is not valid here.
        if card is None or (card.platform, card.scope) != (place.platform, place.scope):
            raise InvalidAction()
        active = await self.store.find_active_session(user, card_id)
        if active and active.content_version == self.content.version:
            return build.question(self.content, active)  # resume where they left off
        return await self._new_session(user, card)

    async def _new_session(self, user: UserRef, card: QuizCard) -> Card:
        now = self.clock()
        session = QuizSession(actions.new_id(), user, card.scope, card.channel_id, card.id,
                              self.content.version, created_at=now, updated_at=now)
        if not await self.store.create_session(session):  # a double press: show that one
            active = await self.store.find_active_session(user, card.id)
            session = active if active is not None else session
        return build.question(self.content, session)

    def _next_question(self, q: int, option: int) -> bool:
        """A valid answer to any question but the last. The last one (it stores the result
        too) and a tampered id take `_answer`: a read, then the checks in today's order, so
        each refusal says what it always said."""
        questions = self.content.questions
        return 0 <= q < len(questions) - 1 and 0 <= option < len(questions[q].options)

    async def _answer_next(self, user: UserRef, session_id: str, q: int, option: int) -> Reply:
        """Store.answer checks the press where it writes: the next question on success;
        else, from the session it hands back, the same refusal `ensure_can_answer` gives."""
        done = await self.store.answer(session_id, user, self.content.version, q, option,
                                       self.clock())
        if done.wrote:
            return Reply(build.question_at(self.content, session_id, q + 1))
        if done.session is None:
            raise UnknownSession()
        ensure_can_answer(done.session, user, q, self.content.version)
        raise AlreadyAnswered()  # not reached: the store checks exactly these

    async def _answer(self, user: UserRef, session: QuizSession, q: int, option: int) -> Reply:
        ensure_can_answer(session, user, q, self.content.version)
        if not 0 <= option < len(self.content.questions[q].options):
            raise InvalidAction()
        now = self.clock()
        after = session.with_answer(option, now)
        if after.position < len(self.content.questions):
            if not await self.store.record_answer(session.id, q, option, now):
                raise AlreadyAnswered()
            return Reply(build.question(self.content, after))
        out = outcome(self.content, after.answers)
        result = self._result(after, out, now)
        if not await self.store.record_answer(session.id, q, option, now, result):
            raise AlreadyAnswered()
        return Reply(build.result(self.content, session.id, out), refresh_cards=(session.card_id,))

    def _result(self, session: QuizSession, out: Outcome, now: float) -> QuizResult:
        return QuizResult(session.id, session.user, session.scope, session.card_id,
                          session.content_version, out.scores, out.top_role, now)

    async def _back(self, user: UserRef, session: QuizSession, q: int) -> Reply:
        ensure_can_answer(session, user, q, self.content.version)
        if q < 1 or not await self.store.undo_answer(session.id, q, self.clock()):
            raise AlreadyAnswered()
        fresh = await self.store.get_session(session.id)
        if fresh is None:
            raise UnknownSession()
        return Reply(build.question(self.content, fresh))

    async def _owned(self, press: Press) -> QuizSession:
        session = await self._session(press.action.ref)
        ensure_owner(session, press.user)
        return session

    async def _owned_result(self, press: Press) -> tuple[QuizSession, QuizResult]:
        """The presser's finished session and its result, for a button of the result card."""
        session = await self._owned(press)
        res = await self.store.get_result(session.id)
        if res is None:
            raise InvalidAction()
        if res.top_role not in self.content.role_index:
            raise RoleRemoved()
        return session, res

    # -- personal commands ------------------------------------------------------------------
    async def results(self, user: UserRef) -> Card:
        items = await self.store.list_results(user)
        return build.results(self.content, items, await self.progress_text(user, items))

    def forget_prompt(self) -> Card:
        return build.forget_prompt()

    async def stats(self, place: Place, is_admin: bool) -> Card:
        if not is_admin:
            raise NotAllowed(STATS_REFUSAL)
        return build.stats(self.content, await self.store.stats(place.platform, place.scope))

    async def stats_reply(self, place: Place, is_admin: bool) -> Reply:
        """/stats: the text table (kept for screen readers) and the chart as a PNG, drawn in
        a thread; with no results here, a friendly text and no picture."""
        if not is_admin:
            raise NotAllowed(STATS_REFUSAL)
        counts = await self.store.stats(place.platform, place.scope)
        card = build.stats(self.content, counts)
        if not any(counts.get(r.id) for r in self.content.roles):
            return Reply(build.notice(card.title, NO_RESULTS))
        now = self.clock()
        since = stats_chart.week_starts(now)[0]
        data = stats_chart.chart_data(
            self.content, counts,
            await self.store.finished_since(place.platform, place.scope, since),
            await self.store.progress_counts(place.platform, place.scope), now)
        png = await asyncio.to_thread(stats_chart.draw, data)
        return Reply(card, image=Image(png, stats_chart.FILENAME, stats_chart.alt_text(data)))

