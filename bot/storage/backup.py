"""`pathbot db backup FILE` for SQLite: a consistent copy made while pathbot runs.

SQLite's online backup API (`sqlite3.Connection.backup`), in one step: it reads one
snapshot of the database (in WAL mode writers go on meanwhile; a copy made in several
steps would restart whenever another process writes, and might never finish during a
burst). The copy is written to a temporary file next to FILE, checked (integrity_check,
row counts), and only then renamed to FILE, so FILE is either a whole backup or absent.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """The backup cannot be made as asked; the message says why and what to do."""


class BackupFailed(BackupError):
    """SQLite failed while copying or checking (locked too long, damaged): worth a retry."""


def backup_sqlite(source: Path, target: Path) -> dict[str, int]:
    """Copy `source` to `target` (which must not exist); the copy's row count per table."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (PATHBOT_DB)")
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial)
        counts = check(partial)
        partial.rename(target)
    except sqlite3.Error as exc:
        raise BackupFailed(f"SQLite could not copy {source}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _copy(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)  # pages=-1: the whole database from one snapshot


def check(path: Path) -> dict[str, int]:
    """integrity_check, then the row count of every table; BackupError if damaged."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupFailed(f"the copy failed its integrity check: {verdict}")
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
                for t in tables}
