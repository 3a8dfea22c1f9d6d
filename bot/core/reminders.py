"""The reminder scheduler: sends each due learning-path reminder once, by DM.

Due times live in the store, so a restart neither loses nor repeats a reminder, and with
several processes on one database each due reminder is claimed by exactly one of them
(Store.claim_due_nudges moves it to the next interval in the same write; one missed while
pathbot was down is sent once). What a DM became decides what follows: CLOSED stops the
reminders (and /path says so once), TRANSIENT makes it due again at the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from bot.core.cards import Card
from bot.core.dm import DmOutcome
from bot.core.models import UserRef
from bot.core.records import Nudge
from bot.core.service import Service

log = logging.getLogger(__name__)

Sender = Callable[[UserRef, Card], Awaitable[DmOutcome]]
LONGEST_TICK = 60.0


class Reminders:
    """`senders`: how to DM a person, per platform (the adapters running in this process)."""

    def __init__(self, service: Service, senders: Mapping[str, Sender],
                 clock: Callable[[], float] = time.time) -> None:
        self.service = service
        self.senders = dict(senders)
        self.clock = clock

    @property
    def tick_every(self) -> float:
        """How often to look: at least every minute, and five times per interval."""
        return min(LONGEST_TICK, self.service.nudge_every / 5)

    async def tick(self) -> int:
        """Send what is due now; how many were sent."""
        now = self.clock()
        sent = 0
        for nudge in await self.service.store.claim_due_nudges(now):
            sent += await self._send(nudge, now)
        return sent

    async def _send(self, nudge: Nudge, now: float) -> int:
        store = self.service.store
        sender = self.senders.get(nudge.user.platform)
        if sender is None:  # that platform is not served here: due again, for a process that is
            await store.reschedule_nudge(nudge.user, now + self.tick_every)
            return 0
        card = await self.service.reminder_card(nudge)
        if card is None:
            await store.stop_nudge(nudge.user, "done")
            return 0
        outcome = await sender(nudge.user, card)
        if outcome is DmOutcome.CLOSED:  # remembered as for /path: no DM tried until /forget
            log.info("reminders stopped for a %s user: DMs closed", nudge.user.platform)
            await store.stop_nudge(nudge.user, "closed")
            await store.set_dms_closed(nudge.user, now)
        elif outcome is DmOutcome.TRANSIENT:
            await store.reschedule_nudge(nudge.user, now)  # claimed again at the next tick
        return int(outcome is DmOutcome.SENT)

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set; a failing tick is logged and the next one tried."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("reminders: a tick failed; trying again at the next one")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tick_every)
