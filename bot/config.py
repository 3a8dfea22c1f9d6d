"""The one configuration loader: environment variables, optionally from a `.env` file.

Tokens are kept out of `repr()` so a logged or printed Config never shows them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.bundled import bundled_dir

LOG_LEVELS = ("", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    db_path: Path
    content_dir: Path
    log_level: str = ""  # "" when unset: INFO for `run`, WARNING for the console
    db_synchronous: str = "NORMAL"
    discord_token: str = field(default="", repr=False)
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = ""
    discord_guild_id: int | None = None
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    slack_admins: tuple[str, ...] = ()
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    log_format: str = "text"  # or json: one JSON object per line
    shutdown_grace: float = 10.0  # seconds `pathbot run` lets work finish on SIGTERM
    session_ttl_days: float = 30.0  # unfinished quiz sessions untouched this long are pruned
    metrics: bool = True  # GET /metrics and recording them (PATHBOT_METRICS=0: off)

    def secrets(self) -> tuple[str, ...]:
        """Every token set, for the log filter that masks them."""
        values = (self.discord_token, self.slack_bot_token, self.slack_app_token,
                  self.slack_signing_secret)
        return tuple(v for v in values if v)


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines, # comment lines and ` # comments` after an unquoted
    value ignored; optional quotes stripped (a quoted value is taken as written)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = _dotenv_value(value)
    return values


def _dotenv_value(raw: str) -> str:
    value = raw.strip()
    if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
        return value[1:-1]
    # A comment starts at a # after whitespace, or right after the = (a blank value).
    return re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip().strip("'\"")


def load_config(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Config:
    """Settings from the environment; a `.env` in the working directory fills the gaps."""
    cwd = cwd or Path.cwd()
    env = {**read_dotenv(cwd / ".env"), **(os.environ if environ is None else environ)}

    def get(name: str, default: str = "") -> str:
        return env.get(name, "").strip() or default

    return Config(
        db_path=Path(get("PATHBOT_DB", str(cwd / "data" / "pathbot.sqlite3"))),
        content_dir=Path(get("PATHBOT_CONTENT", str(bundled_dir("content")))),
        log_level=_choice(get("PATHBOT_LOG_LEVEL").upper(), "PATHBOT_LOG_LEVEL", LOG_LEVELS),
        db_synchronous=_choice(get("PATHBOT_DB_SYNCHRONOUS", "NORMAL").upper(),
                               "PATHBOT_DB_SYNCHRONOUS", ("NORMAL", "FULL")),
        discord_token=get("DISCORD_TOKEN"),
        discord_api_base=get("DISCORD_API_BASE", "https://discord.com/api/v10").rstrip("/"),
        discord_gateway_url=get("DISCORD_GATEWAY_URL"),
        discord_guild_id=_int_or_none(get("DISCORD_GUILD_ID"), "DISCORD_GUILD_ID"),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_api_url=get("SLACK_API_URL", "https://slack.com/api/").rstrip("/") + "/",
        slack_admins=tuple(x for x in get("PATHBOT_SLACK_ADMINS").replace(",", " ").split()),
        http_host=get("PATHBOT_HTTP_HOST", "127.0.0.1"),
        http_port=_int(get("PATHBOT_HTTP_PORT", "3000"), "PATHBOT_HTTP_PORT"),
        log_format=_choice(get("PATHBOT_LOG_FORMAT", "text").lower(), "PATHBOT_LOG_FORMAT",
                           ("text", "json")),
        shutdown_grace=_positive(get("PATHBOT_SHUTDOWN_GRACE", "10"), "PATHBOT_SHUTDOWN_GRACE"),
        session_ttl_days=_positive(get("PATHBOT_SESSION_TTL_DAYS", "30"),
                                   "PATHBOT_SESSION_TTL_DAYS"),
        metrics=_choice(get("PATHBOT_METRICS", "1"), "PATHBOT_METRICS", ("0", "1")) == "1",
    )


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None


def _positive(value: str, name: str) -> float:
    """A number of seconds or days above zero (fractions allowed)."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 < number < float("inf"):
        raise ConfigError(f"{name} must be a number above 0, got {value!r}")
    return number


def _int_or_none(value: str, name: str) -> int | None:
    return _int(value, name) if value else None


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        names = ", ".join(a for a in allowed if a)
        raise ConfigError(f"{name} must be one of {names}, got {value!r}")
    return value
