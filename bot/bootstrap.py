"""The one place that wires configuration, content, storage and the service together.

Nothing else names a storage engine: the CLI and the runner get their store from here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config
from bot.core.content import load_content
from bot.core.ports import Store
from bot.core.service import Service

if TYPE_CHECKING:
    from bot.storage.copy import Side


async def open_store(config: Config) -> Store:
    """The configured database, opened and migrated: PostgreSQL when PATHBOT_DB is a
    postgresql:// DSN, else the SQLite file."""
    if config.db_dsn:
        from bot.storage.postgres import PostgresStore

        return await PostgresStore.open(config.db_dsn, pool_size=config.db_pool)
    from bot.storage.sqlite import SqliteStore

    return await SqliteStore.open(config.db_path, synchronous=config.db_synchronous)


async def build_service(
    config: Config, wrap: Callable[[Store], Store] | None = None
) -> Service:
    """Validated content and a migrated store (passed through `wrap`, say to meter it);
    raises ContentError before opening the DB."""
    content = load_content(config.content_dir)
    store = await open_store(config)
    return Service(content, wrap(store) if wrap else store, nudge_every=config.nudge_every)


async def open_copy_side(config: Config, *, must_exist: bool = False) -> Side:
    """The configured database for `pathbot db copy`: migrated like `open_store` does, then
    one plain connection. `must_exist`: a SQLite file that is not there is refused (as a
    source) rather than created empty."""
    from bot.storage.copy import CopyRefused, PostgresSide, SqliteSide

    if must_exist and not config.db_dsn and not config.db_path.is_file():
        raise CopyRefused(f"{config.db_path} does not exist")
    store = await open_store(config)
    await store.close()
    if config.db_dsn:
        return await PostgresSide.open(config.db_dsn, config.db_label())
    return await SqliteSide.open(config.db_path)


def is_postgres(config: Config) -> bool:
    """PATHBOT_DB names a PostgreSQL server (a postgres:// or postgresql:// URL)."""
    return bool(config.db_dsn)


def backup_database(config: Config, target: Path) -> dict[str, int]:
    """A consistent copy of the SQLite database at `target`; its row counts per table.
    BackupError (its message says what to do) if it cannot be made."""
    from bot.storage.backup import BackupError, backup_sqlite

    if is_postgres(config):
        raise BackupError("PostgreSQL: use pg_dump, for example "
                          "`pg_dump --format=custom --file=FILE \"$PATHBOT_DB\"`")
    return backup_sqlite(config.db_path, target)
