"""`pathbot` (also `python -m bot`): console, run, content check, db migrate, db copy,
db backup, slack manifest."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from pathlib import Path

from bot.adapters.base import StartError
from bot.bootstrap import backup_database, build_service, open_store
from bot.config import Config, ConfigError, load_config, parse_db
from bot.core.content import check_content
from bot.core.errors import ContentError
from bot.logs import setup_logging
from bot.storage.errors import StoreRefused, StoreUnavailable, StoreUnusable
from bot.storage.migrate import MigrationError

log = logging.getLogger(__name__)

DB_UNAVAILABLE = 3  # exit code: the database cannot be opened or written


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pathbot", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("console", help="the whole product in a terminal (no token needed)")
    sub.add_parser("run", help="start every adapter whose credentials are set")
    content = sub.add_parser("content", help="content tools").add_subparsers(
        dest="action", required=True)
    check = content.add_parser("check", help="validate a content folder")
    check.add_argument("dir", nargs="?", type=Path, help="folder (default: PATHBOT_CONTENT)")
    db = sub.add_parser("db", help="database tools").add_subparsers(dest="action", required=True)
    db.add_parser("migrate", help="apply pending migrations")
    copy = db.add_parser("copy", help="copy every row from SRC into the empty DST")
    copy.add_argument("src", help="a file path, sqlite:///abs/path or postgresql://…")
    copy.add_argument("dst", help="the same forms; must hold no data yet")
    slack = sub.add_parser("slack", help="Slack tools").add_subparsers(dest="action",
                                                                     required=True)
    slack.add_parser("manifest", help="print the Slack app manifest (slack/manifest.yml)")
    backup = db.add_parser("backup", help="a consistent copy of the SQLite database, "
                                          "safe while pathbot runs")
    backup.add_argument("file", type=Path, help="where to write it (must not exist)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"pathbot: {exc}", file=sys.stderr)
        return 2
    default_level = "WARNING" if args.command == "console" else "INFO"
    setup_logging(config.log_level or default_level, config.secrets(), config.log_format)
    try:
        return _dispatch(args, config)
    except ContentError as exc:
        print("pathbot: the content is invalid; nothing started:", file=sys.stderr)
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except MigrationError as exc:
        print(f"pathbot: {exc}", file=sys.stderr)
        return 1
    except StoreRefused as exc:  # a wrong DSN or login: a restart will not help
        print(f"pathbot: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:  # the database server does not answer: worth a retry
        print(f"pathbot: {exc}", file=sys.stderr)
        return 1
    except StoreUnusable as exc:  # damaged, read-only, disk full: see the README
        print(f"pathbot: {exc}", file=sys.stderr)
        return DB_UNAVAILABLE
    except ConfigError as exc:  # e.g. a platform refused a token at start-up
        print(f"pathbot: {exc}", file=sys.stderr)
        return 2
    except StartError as exc:  # a platform unreachable at start-up: worth a retry
        print(f"pathbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "content":
        return content_check(args.dir or config.content_dir)
    if args.command == "db" and args.action == "copy":
        return asyncio.run(db_copy(config, args.src, args.dst))
    if args.command == "slack":
        return slack_manifest()
    if args.command == "db" and args.action == "backup":
        return db_backup(config, args.file)
    if args.command == "db":
        return asyncio.run(db_migrate(config))
    if args.command == "console":
        return asyncio.run(console(config))
    from bot.runner import run

    return asyncio.run(run(config))


def content_check(directory: Path) -> int:
    content, problems = check_content(directory)
    if problems or content is None:
        print("\n".join(problems))
        print(f"{len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"ok: {len(content.roles)} roles, {len(content.dimensions)} dimensions, "
          f"{len(content.questions)} questions, {len(content.paths)} learning paths "
          f"(version {content.version}) in {directory}")
    return 0


def slack_manifest() -> int:
    from bot.adapters.slack.manifest import manifest
    from bot.core.commands import COMMANDS

    sys.stdout.write(manifest(COMMANDS))
    return 0


async def db_migrate(config: Config) -> int:
    store = await open_store(config)
    await store.close()
    applied = ", ".join(f"{v:04d}" for v in store.applied_migrations) or "none pending"
    print(f"ok: {config.db_label()} is up to date (applied now: {applied})")
    return 0


async def db_copy(config: Config, src_value: str, dst_value: str) -> int:
    """Copy everything from SRC into DST (bot/storage/copy.py); exit 1 when refused."""
    from bot.bootstrap import open_copy_side
    from bot.storage.copy import CopyRefused, copy_all

    src_config, dst_config = (with_db(config, v) for v in (src_value, dst_value))
    if src_config.db_label() == dst_config.db_label():
        print("pathbot db copy: SRC and DST are the same database", file=sys.stderr)
        return 2
    try:
        src = await open_copy_side(src_config, must_exist=True)
        try:
            dst = await open_copy_side(dst_config)
            try:
                copied = await copy_all(src, dst)
            finally:
                await dst.close()
        finally:
            await src.close()
    except CopyRefused as exc:
        print(f"pathbot db copy: {exc}", file=sys.stderr)
        return 1
    for table, rows in copied.items():
        print(f"{table:<11} {rows:>9} rows")
    print(f"ok: copied {src_config.db_label()} into {dst_config.db_label()}")
    return 0


def with_db(config: Config, value: str) -> Config:
    path, dsn = parse_db(value, Path.cwd())
    return replace(config, db_path=path, db_dsn=dsn)


def db_backup(config: Config, target: Path) -> int:
    """Exit 0 with the copy's row counts; nothing written and exit 2 when it cannot be made
    as asked, 1 when SQLite failed (worth a retry)."""
    from bot.storage.backup import BackupError, BackupFailed

    try:
        counts = backup_database(config, target)
    except BackupError as exc:
        print(f"pathbot db backup: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, BackupFailed) else 2
    rows = ", ".join(f"{table} {n}" for table, n in counts.items())
    print(f"ok: {config.db_path} copied to {target}; the copy opens and holds: {rows}")
    return 0


async def console(config: Config) -> int:
    from bot.adapters.console import run_console

    service = await build_service(config)
    try:
        return await run_console(service)
    finally:
        await service.store.close()
