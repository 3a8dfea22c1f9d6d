"""The one place that wires configuration, content, storage and the service together.

Nothing else names a storage engine: the CLI and the runner get their store from here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.config import Config
from bot.core.content import load_content
from bot.core.ports import Store
from bot.core.service import Service


async def open_store(config: Config) -> Store:
    """The configured database, opened and migrated."""
    from bot.storage.sqlite import SqliteStore

    return await SqliteStore.open(config.db_path, synchronous=config.db_synchronous)


async def build_service(
    config: Config, wrap: Callable[[Store], Store] | None = None
) -> Service:
    """Validated content and a migrated store (passed through `wrap`, say to meter it);
    raises ContentError before opening the DB."""
    content = load_content(config.content_dir)
    store = await open_store(config)
    return Service(content, wrap(store) if wrap else store)


def is_postgres(config: Config) -> bool:
    """PATHBOT_DB names a PostgreSQL server (a postgres:// or postgresql:// URL)."""
    return str(config.db_path).lower().startswith("postgres")


def backup_database(config: Config, target: Path) -> dict[str, int]:
    """A consistent copy of the SQLite database at `target`; its row counts per table.
    BackupError (its message says what to do) if it cannot be made."""
    from bot.storage.backup import BackupError, backup_sqlite

    if is_postgres(config):
        raise BackupError("PostgreSQL: use pg_dump, for example "
                          "`pg_dump --format=custom --file=FILE \"$PATHBOT_DB\"`")
    return backup_sqlite(config.db_path, target)
