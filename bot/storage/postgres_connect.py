"""Open an asyncpg pool from a DSN, sorting start-up failures into the two kinds the CLI
tells apart (bot/storage/errors.py), and migrate the database.

Every message names the server by its masked DSN: a password never reaches a log or a
terminal, whatever asyncpg's own message says (it is not repeated)."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from bot.config import mask_dsn
from bot.storage.errors import StoreRefused, StoreUnavailable
from bot.storage.postgres_migrate import Conn, apply_pg_migrations, postgres_migrations_dir

log = logging.getLogger(__name__)

MIN_SERVER = 12  # the oldest PostgreSQL tested against the SQL in migrations/postgres
CONNECT_TIMEOUT = 10.0

# Errors a restart will not fix: the setting (or the server's configuration) is wrong.
REFUSED: dict[type[Exception], str] = {
    asyncpg.InvalidPasswordError: "the server refused the login (wrong password?)",
    asyncpg.InvalidAuthorizationSpecificationError: "the server refused the login "
    "(unknown user, or pg_hba.conf does not allow it)",
    asyncpg.InvalidCatalogNameError: "the database does not exist (create it first)",
    asyncpg.InsufficientPrivilegeError: "the user may not create tables in this database",
    asyncpg.InvalidSchemaNameError: "the schema in search_path does not exist",
}


class PoolConnection(asyncpg.Connection):
    """A pooled connection handed back without asyncpg's reset query (advisory unlock,
    CLOSE ALL, UNLISTEN, RESET ALL): that would be a second round trip for every call,
    and pathbot leaves nothing to reset. Its advisory locks are all transaction-scoped
    (`pg_advisory_xact_lock`), it never LISTENs, keeps no cursor past a transaction and
    sets no session variable; an open transaction is still rolled back by the pool."""

    def get_reset_query(self) -> str:
        return ""


async def connect_pool(dsn: str, size: int) -> tuple[asyncpg.Pool, str, list[int]]:
    """A pool of at most `size` connections to a migrated database, its label, and the
    migrations this call applied."""
    label = mask_dsn(dsn)
    try:
        pool = await asyncpg.create_pool(
            dsn, min_size=1, max_size=size, timeout=CONNECT_TIMEOUT,
            connection_class=PoolConnection,
            max_inactive_connection_lifetime=300.0)
    except Exception as error:
        raise _classify(error, label) from None
    try:
        async with pool.acquire() as conn:
            _check_version(conn, label)
            applied = await apply_pg_migrations(conn, postgres_migrations_dir(), label)
    except BaseException as error:
        await pool.close()
        if isinstance(error, (asyncpg.PostgresError, OSError, asyncpg.InterfaceError)):
            raise _classify(error, label) from None
        raise
    log.info("database: PostgreSQL %s (pool of up to %d connections)", label, size)
    return pool, label, applied


def _check_version(conn: Conn, label: str) -> None:
    version = conn.get_server_version()
    if version.major < MIN_SERVER:
        raise StoreRefused(f"PostgreSQL at {label} is version {version.major}; pathbot "
                           f"needs {MIN_SERVER} or newer")


def _classify(error: BaseException, label: str) -> Exception:
    for kind, reason in REFUSED.items():
        if isinstance(error, kind):
            return StoreRefused(f"cannot use PostgreSQL at {label}: {reason}")
    if isinstance(error, ValueError | asyncpg.ClientConfigurationError):
        return StoreRefused(f"PATHBOT_DB is not a valid PostgreSQL DSN: {label}")
    if isinstance(error, OSError | asyncio.TimeoutError | asyncpg.CannotConnectNowError
                  | asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError):
        return StoreUnavailable(f"PostgreSQL at {label} does not answer "
                                f"({type(error).__name__}); is it running? (exit 1: retry)")
    if isinstance(error, asyncpg.PostgresError):
        return StoreRefused(f"cannot use PostgreSQL at {label}: {type(error).__name__} "
                            f"({error.sqlstate})")
    return StoreUnavailable(f"cannot reach PostgreSQL at {label} ({type(error).__name__})")
