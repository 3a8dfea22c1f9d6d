#!/usr/bin/env python3
"""One entry point for a fresh machine: `python3 dev.py console` or `python3 dev.py test`.

Creates `.venv` on first use and reinstalls the project whenever pyproject.toml changes,
so the two Quick start commands need nothing but Python 3.11.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".pathbot-installed"


def ensure_env() -> None:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    if not _works([*pip, "--version"]):  # missing, or half made by an earlier failure
        print("dev.py: creating .venv", flush=True)
        try:
            venv.create(VENV, with_pip=True, clear=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f"dev.py: could not create .venv with pip ({exc}). On Debian/Ubuntu "
                     f"install python3.{sys.version_info.minor}-venv, then run this again.")
    print("dev.py: installing pathbot and its dev tools into .venv", flush=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(digest)


def _works(args: list[str]) -> bool:
    try:
        return subprocess.run(args, capture_output=True).returncode == 0
    except OSError:
        return False


def run(args: list[str], **env: str) -> int:
    return subprocess.call(args, cwd=ROOT, env={**os.environ, **env} if env else None)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("commands: console | test | lint | bench | pathbot ARGS...")
        return 0 if argv else 2
    ensure_env()
    cmd, rest = argv[0], argv[1:]
    py = str(BIN / "python")
    if cmd == "test":
        code = run([py, "-m", "ruff", "check", "bot", "tests", "bench"])
        code = code or run([py, "-m", "mypy", "--strict", "bot"])
        if rest:  # those tests, once, on PATHBOT_TEST_DB's engine (SQLite unless set)
            return code or run([py, "-m", "pytest", *rest])
        # The whole suite on SQLite, then again with PostgreSQL behind every test whose
        # database comes from the db_url fixture (tests/conftest.py picks them: not those
        # that run both engines themselves, nor sqlite_only ones, nor those without a
        # database). Skipped in one line where no PostgreSQL answers. One pass after the
        # other (about 3 + 2 minutes on 2 cores): at once, they would crowd the fake-server
        # tests' timing for a minute or two saved.
        for engine in ("sqlite", "postgres"):
            if code:
                break
            print(f"dev.py: pytest on {engine}", flush=True)
            started = time.monotonic()
            code = run([py, "-m", "pytest"], PATHBOT_TEST_DB=engine)
            print(f"dev.py: pytest on {engine}: exit {code} in {time.monotonic() - started:.0f} s",
                  flush=True)
        return code
    if cmd == "lint":
        return run([py, "-m", "ruff", "check", "bot", "tests", "bench"]) or run(
            [py, "-m", "mypy", "--strict", "bot"]
        )
    if cmd == "bench":
        name = rest[0] if rest else "core"
        return run([py, str(ROOT / "bench" / f"{name}.py"), *rest[1:]])
    if cmd == "console":
        return subprocess.call([str(BIN / "pathbot"), "console", *rest])
    if cmd == "pathbot":
        return subprocess.call([str(BIN / "pathbot"), *rest])
    print(f"dev.py: unknown command {cmd!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
