"""The one place that wires configuration, content, storage and the service together.

Nothing else names a storage engine: the CLI and the runner get their store from here.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from bot.core.content import load_content
from bot.core.ports import Store
from bot.core.service import Service


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
