"""The one logger setup: text (default) or JSON lines, secrets masked in both.

JSON (PATHBOT_LOG_FORMAT=json) is python-json-logger: one object per line with `ts`,
`level`, `logger`, `message`, and the context of the interaction being handled (platform,
shard, guild or team, interaction, command or verb; `ms` on the line that closes it),
carried by contextvars (bot/observe.py) and added to each record by `AddContext`.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from pythonjsonlogger.json import JsonFormatter

from bot.observe import log_context

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
# The password of a URL with credentials (a PostgreSQL DSN): postgres://user:PASSWORD@host
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)


def mask(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return URL_PASSWORD.sub(r"\g<head>[redacted]@", text) if "://" in text else text


class RedactSecrets(logging.Filter):
    """Masks every configured token, and any URL's password, in the message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if len(s) >= 6)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None  # formatters would format it again, unmasked
        record.msg, record.args = mask(message, self.secrets), None
        if record.exc_text:
            record.exc_text = mask(record.exc_text, self.secrets)
        return True


class AddContext(logging.Filter):
    """Copies the current interaction's context (bot/observe.py) onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in log_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{message}", style="{", timestamp="ts",
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=[*_RESERVED, "taskName", "color_message"],
    )


def setup_logging(level: str = "INFO", secrets: Iterable[str] = (), fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if fmt == "json" else logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    if fmt == "json":
        handler.addFilter(AddContext())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(logging.INFO, root.level))


# The standard LogRecord attributes: not copied into the JSON object as context.
_RESERVED = tuple(vars(logging.LogRecord("", 0, "", 0, "", None, None)))
