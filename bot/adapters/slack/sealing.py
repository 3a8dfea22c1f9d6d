"""Installation tokens at rest: encrypted with PATHBOT_SECRET_KEY (cryptography's Fernet:
AES-128-CBC with an HMAC, a vetted library rather than anything home-made), or, without a
key, stored as they are (the README says so)."""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken

from bot.config import ConfigError

log = logging.getLogger(__name__)

PREFIX = "fernet:"
NEW_KEY = ('python -c "from cryptography.fernet import Fernet; '
           'print(Fernet.generate_key().decode())"')


class Unreadable(Exception):
    """A stored token that this key cannot open (another key, or none set)."""


class Sealer:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode()) if key else None
        except (ValueError, TypeError):
            raise ConfigError("PATHBOT_SECRET_KEY is not a Fernet key (32 bytes, url-safe "
                              f"base64); make one with: {NEW_KEY}") from None

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, token: str) -> str:
        if self._fernet is None:
            return token
        return PREFIX + self._fernet.encrypt(token.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # stored before a key was set: still usable as it is
        if self._fernet is None:
            raise Unreadable("PATHBOT_SECRET_KEY is not set")
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken:
            raise Unreadable("PATHBOT_SECRET_KEY does not open it") from None
