"""bot/core must stay platform- and storage-neutral: checked on the source and at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "aiosqlite", "asyncpg", "aiohttp",
             "bot.adapters", "bot.storage", "bot.config", "bot.bootstrap")


def imported_modules(file: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_sources_import_no_platform_or_storage_library() -> None:
    for file in CORE.glob("*.py"):
        for name in imported_modules(file):
            assert not name.startswith(FORBIDDEN), f"{file.name} imports {name}"


def test_importing_the_core_loads_no_platform_library() -> None:
    # matplotlib neither: it is imported when a /stats chart is drawn (start-up stays fast)
    code = ("import sys, bot.core.service, bot.core.content, bot.core.card_builders,"
            " bot.core.stats_chart;"
            "bad=[m for m in sys.modules if m.split('.')[0] in "
            "('discord','slack_bolt','slack_sdk','aiosqlite','asyncpg','matplotlib','PIL')];"
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


ADAPTERS = CORE.parent / "adapters"


def test_adapters_import_the_core_never_each_other_or_storage() -> None:
    for file in ADAPTERS.rglob("*.py"):
        own = file.relative_to(ADAPTERS).parts[0].removesuffix(".py")
        for name in imported_modules(file):
            assert not name.startswith(("bot.storage", "bot.bootstrap", "aiosqlite", "asyncpg")), (
                f"{file.name} imports {name}")
            if name.startswith("bot.adapters."):
                other = name.split(".")[2]
                assert other in {own, "base"}, f"{file} imports another adapter: {name}"
