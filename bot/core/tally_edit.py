"""Editing the in-channel quiz card's tally when several processes share the database.

Each process coalesces its own edits (bot/core/coalesce.py), but two replicas could still
read the tally at different moments and have their edits land in the other order, leaving
the older count on screen. So an edit runs under the store's per-card lease
(`Store.claim_tally_edit`): one process at a time reads the tally and edits, a later edit
always reads a tally at least as new, and the holder edits again if results changed while
it was editing. A process that finds the card busy tries again after its interval. This
needs nothing but the shared database, so it holds as well for Discord shard processes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core import card_builders as build
from bot.core.cards import Card
from bot.core.models import Content
from bot.core.ports import Store
from bot.core.records import QuizCard

# edit(stored card, card to show) -> True if the platform message was edited.
Edit = Callable[[QuizCard, Card], Awaitable[bool]]

LEASE = 15.0  # seconds: longer than one platform edit with its retries
ROUNDS = 5  # edits in a row while results keep changing; the next refresh does the rest


async def edit_tally(
    store: Store, content: Content, card_id: str, edit: Edit, clock: Callable[[], float]
) -> bool:
    """Bring the card's message up to date. False: another process holds the card's
    lease; call again later. Raises what `edit` raises (the lease is released first)."""
    stored = await store.get_quiz_card(card_id)
    if stored is None:
        return True
    for _ in range(ROUNDS):
        claim = await store.claim_tally_edit(card_id, clock(), LEASE)
        if claim.status != "edit":
            return claim.status == "current"
        shown: int | None = None
        try:
            if await edit(stored, build.quiz_card(content, card_id, dict(claim.tally))):
                shown = claim.seq
        finally:
            again = await store.end_tally_edit(card_id, shown)
        if not again:
            break
    return True
