"""The one configuration loader: environment variables, optionally from a `.env` file.

Tokens are kept out of `repr()` so a logged or printed Config never shows them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bot.bundled import bundled_dir

LOG_LEVELS = ("", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    db_path: Path  # the SQLite file; unused when db_dsn is set
    content_dir: Path
    log_level: str = ""  # "" when unset: INFO for `run`, WARNING for the console
    db_synchronous: str = "NORMAL"
    db_dsn: str = field(default="", repr=False)  # postgresql://…: PostgreSQL instead of SQLite
    db_pool: int = 10
    discord_token: str = field(default="", repr=False)
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = ""
    discord_guild_id: int | None = None
    discord_shard_count: int | None = None  # None: what GET /gateway/bot recommends
    discord_shard_ids: tuple[int, ...] | None = None  # None: every shard of the count
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    slack_admins: tuple[str, ...] = ()
    # The shared app installed by OAuth (multi-workspace mode, when SLACK_BOT_TOKEN is unset).
    slack_client_id: str = ""
    slack_client_secret: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)  # PATHBOT_SECRET_KEY: tokens at rest
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    log_format: str = "text"  # or json: one JSON object per line
    shutdown_grace: float = 10.0  # seconds `pathbot run` lets work finish on SIGTERM
    session_ttl_days: float = 30.0  # unfinished quiz sessions untouched this long are pruned
    metrics: bool = True  # GET /metrics and recording them (PATHBOT_METRICS=0: off)
    nudge_every: float = 7 * 86400.0  # seconds between learning-path reminders

    def secrets(self) -> tuple[str, ...]:
        """Every token set, for the log filter that masks them."""
        values = (self.discord_token, self.slack_bot_token, self.slack_app_token,
                  self.slack_signing_secret, dsn_password(self.db_dsn),
                  self.slack_client_secret, self.secret_key)
        return tuple(v for v in values if v)

    @property
    def slack_oauth(self) -> bool:
        """Slack's multi-workspace mode: the shared app, installed by OAuth."""
        return not self.slack_bot_token and bool(
            self.slack_client_id and self.slack_client_secret and self.slack_signing_secret)

    def db_label(self) -> str:
        """The database for messages: the file, or the DSN with its password masked."""
        return mask_dsn(self.db_dsn) if self.db_dsn else str(self.db_path)


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def parse_db(value: str, cwd: Path) -> tuple[Path, str]:
    """PATHBOT_DB -> (SQLite file, PostgreSQL DSN); exactly one is meaningful."""
    if value.lower().startswith(POSTGRES_SCHEMES):
        return cwd / "data" / "pathbot.sqlite3", value
    if value.lower().startswith("sqlite://"):
        path = value[len("sqlite://"):]
        if not path.startswith("/"):
            raise ConfigError("PATHBOT_DB: write sqlite:///absolute/path (three slashes) "
                              f"or a plain file path, got {value!r}")
        return Path(path), ""
    if "://" in value:
        raise ConfigError("PATHBOT_DB must be a file path, sqlite:///abs/path or "
                          f"postgresql://…, got {mask_dsn(value)}")
    return Path(value), ""


def dsn_password(dsn: str) -> str:
    """The password in the DSN's authority, else in a password= parameter; "" if none."""
    try:
        parts = urlsplit(dsn)
        found = parts.password or parse_qs(parts.query).get("password", [""])[0]
    except ValueError:
        return ""
    return unquote(found or "")


def mask_dsn(dsn: str) -> str:
    """`dsn` with the password (in the authority or a password= parameter) as ***."""
    masked = re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", dsn)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", masked)


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

    db_path, db_dsn = parse_db(get("PATHBOT_DB", str(cwd / "data" / "pathbot.sqlite3")), cwd)
    return Config(
        db_path=db_path,
        db_dsn=db_dsn,
        db_pool=_int(get("PATHBOT_DB_POOL", "10"), "PATHBOT_DB_POOL", low=1),
        content_dir=Path(get("PATHBOT_CONTENT", str(bundled_dir("content")))),
        log_level=_choice(get("PATHBOT_LOG_LEVEL").upper(), "PATHBOT_LOG_LEVEL", LOG_LEVELS),
        db_synchronous=_choice(get("PATHBOT_DB_SYNCHRONOUS", "NORMAL").upper(),
                               "PATHBOT_DB_SYNCHRONOUS", ("NORMAL", "FULL")),
        discord_token=get("DISCORD_TOKEN"),
        discord_api_base=get("DISCORD_API_BASE", "https://discord.com/api/v10").rstrip("/"),
        discord_gateway_url=get("DISCORD_GATEWAY_URL"),
        discord_guild_id=_int_or_none(get("DISCORD_GUILD_ID"), "DISCORD_GUILD_ID"),
        **_shards(get("DISCORD_SHARD_COUNT"), get("DISCORD_SHARD_IDS")),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_api_url=get("SLACK_API_URL", "https://slack.com/api/").rstrip("/") + "/",
        slack_admins=tuple(x for x in get("PATHBOT_SLACK_ADMINS").replace(",", " ").split()),
        slack_client_id=get("SLACK_CLIENT_ID"),
        slack_client_secret=get("SLACK_CLIENT_SECRET"),
        secret_key=get("PATHBOT_SECRET_KEY"),
        http_host=get("PATHBOT_HTTP_HOST", "127.0.0.1"),
        http_port=_int(get("PATHBOT_HTTP_PORT", "3000"), "PATHBOT_HTTP_PORT"),
        log_format=_choice(get("PATHBOT_LOG_FORMAT", "text").lower(), "PATHBOT_LOG_FORMAT",
                           ("text", "json")),
        shutdown_grace=_positive(get("PATHBOT_SHUTDOWN_GRACE", "10"), "PATHBOT_SHUTDOWN_GRACE"),
        session_ttl_days=_positive(get("PATHBOT_SESSION_TTL_DAYS", "30"),
                                   "PATHBOT_SESSION_TTL_DAYS"),
        metrics=_choice(get("PATHBOT_METRICS", "1"), "PATHBOT_METRICS", ("0", "1")) == "1",
        nudge_every=_duration(get("PATHBOT_NUDGE_EVERY", "7d"), "PATHBOT_NUDGE_EVERY"),
    )


def _int(value: str, name: str, low: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if low is not None and number < low:
        raise ConfigError(f"{name} must be at least {low}, got {number}")
    return number


def _positive(value: str, name: str) -> float:
    """A number of seconds or days above zero (fractions allowed)."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 < number < float("inf"):
        raise ConfigError(f"{name} must be a number above 0, got {value!r}")
    return number


UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _duration(value: str, name: str) -> float:
    """`90s`, `15m`, `12h`, `7d` (or plain seconds) as seconds above zero."""
    unit = UNITS.get(value[-1:].lower())
    number = value[:-1] if unit else value
    try:
        seconds = float(number) * (unit or 1.0)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ConfigError(f"{name} must be a duration such as 7d, 12h, 30m or 90s, got {value!r}")
    return seconds


def _shards(count: str, ids: str) -> dict[str, Any]:
    """DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS (`0-3`, `0,2`, `0-1,4`): every id below the
    count. Ids need an explicit count: processes sharing shards must agree on it."""
    total = _int(count, "DISCORD_SHARD_COUNT", low=1) if count else None
    if not ids:
        return {"discord_shard_count": total, "discord_shard_ids": None}
    if total is None:
        raise ConfigError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the same in every "
                          "process), got DISCORD_SHARD_IDS=" + repr(ids))
    chosen: set[int] = set()
    for part in ids.replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        first = _int(low, "DISCORD_SHARD_IDS", low=0)
        last = _int(high, "DISCORD_SHARD_IDS", low=0) if dash else first
        if last < first:
            raise ConfigError(f"DISCORD_SHARD_IDS: the range {part!r} is empty")
        if last >= total:
            raise ConfigError(f"DISCORD_SHARD_IDS: shard {last} is not below "
                              f"DISCORD_SHARD_COUNT={total} (ids run from 0 to {total - 1})")
        chosen.update(range(first, last + 1))
    return {"discord_shard_count": total, "discord_shard_ids": tuple(sorted(chosen))}


def _int_or_none(value: str, name: str) -> int | None:
    return _int(value, name) if value else None


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        names = ", ".join(a for a in allowed if a)
        raise ConfigError(f"{name} must be one of {names}, got {value!r}")
    return value
