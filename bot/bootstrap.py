"""The one place that wires configuration, content, storage and the service together."""

from __future__ import annotations

from bot.config import Config
from bot.core.content import load_content
from bot.core.service import Service
from bot.storage.sqlite import SqliteStore


async def build_service(config: Config) -> Service:
    """Validated content and a migrated store; raises ContentError before opening the DB."""
    content = load_content(config.content_dir)
    store = await SqliteStore.open(config.db_path, synchronous=config.db_synchronous)
    return Service(content, store)
