"""The quiz card's edit lease (migration 0005), for both stores: see
`Store.claim_tally_edit` in bot/core/ports.py for the contract.

A claim succeeds only when the card's results changed since the last edit shown
(`tally_seq > tally_shown`) and no live lease is held (`tally_lease < now`); the claimer
then reads the tally, in the same transaction. Ending the edit records the change shown
(never lower than before) and releases the lease; it tells the caller whether results
changed meanwhile, so that the holder edits again and the card converges.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import aiosqlite
import asyncpg

from bot.core.records import TallyClaim
from bot.storage import rows
from bot.storage.rows import args, dollar

CLAIM = """
UPDATE quiz_cards SET tally_lease = :until
WHERE id = :card_id AND tally_lease < :now AND tally_seq > tally_shown"""

STATE = "SELECT tally_seq, tally_shown FROM quiz_cards WHERE id = :card_id"

TALLY = rows.TALLY.format(where="card_id = :card_id")

SHOWN = """
UPDATE quiz_cards SET tally_lease = 0,
    tally_shown = CASE WHEN tally_shown > :seq THEN tally_shown ELSE :seq END
WHERE id = :card_id"""

RELEASE = "UPDATE quiz_cards SET tally_lease = 0 WHERE id = :card_id"

# In the transaction that stores a result, or forgets a user's results.
BUMP = "UPDATE quiz_cards SET tally_seq = tally_seq + 1 WHERE id = :card_id"


def claim_params(card_id: str, now: float, lease: float) -> dict[str, Any]:
    return {"card_id": card_id, "now": now, "until": now + lease}


def outcome(claimed: bool, state: Any, tally: list[Any]) -> TallyClaim:
    if claimed:
        return TallyClaim("edit", int(state[0]), tuple((str(r[0]), int(r[1])) for r in tally))
    if state is not None and int(state[0]) > int(state[1]):
        return TallyClaim("busy")
    return TallyClaim("current")


class _SqliteConnected(Protocol):
    def _write(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...


class SqliteTally:
    async def claim_tally_edit(
        self: _SqliteConnected, card_id: str, now: float, lease: float
    ) -> TallyClaim:
        async with self._write() as conn:
            claimed = (await conn.execute(CLAIM, claim_params(card_id, now, lease))).rowcount
            state = next(iter(await conn.execute_fetchall(STATE, {"card_id": card_id})), None)
            tally = list(await conn.execute_fetchall(TALLY, {"card_id": card_id}))
        return outcome(claimed == 1, state, tally if claimed == 1 else [])

    async def end_tally_edit(self: _SqliteConnected, card_id: str, seq: int | None) -> bool:
        params = {"card_id": card_id, "seq": seq}
        async with self._write() as conn:
            await conn.execute(RELEASE if seq is None else SHOWN, params)
            state = next(iter(await conn.execute_fetchall(STATE, params)), None)
        return seq is not None and state is not None and int(state[0]) > int(state[1])


class _Pooled(Protocol):
    @property
    def pool(self) -> asyncpg.Pool: ...


class PostgresTally:
    async def claim_tally_edit(
        self: _Pooled, card_id: str, now: float, lease: float
    ) -> TallyClaim:
        claim, names = dollar(CLAIM)
        async with self.pool.acquire() as conn, conn.transaction():
            status = await conn.execute(claim, *args(names, claim_params(card_id, now, lease)))
            claimed = str(status).endswith(" 1")
            state = await conn.fetchrow(dollar(STATE)[0], card_id)
            tally = list(await conn.fetch(dollar(TALLY)[0], card_id)) if claimed else []
        return outcome(claimed, state, tally)

    async def end_tally_edit(self: _Pooled, card_id: str, seq: int | None) -> bool:
        query, names = dollar(RELEASE if seq is None else SHOWN)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(query, *args(names, {"card_id": card_id, "seq": seq}))
            state = await conn.fetchrow(dollar(STATE)[0], card_id)
        return seq is not None and state is not None and int(state[0]) > int(state[1])
