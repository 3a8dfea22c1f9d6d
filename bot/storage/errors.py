"""Start-up failures of the database, in the kinds the CLI tells apart (exit 2, 1, 3).

Their messages never contain a password: they are built from the masked DSN."""

from __future__ import annotations


class StoreError(Exception):
    """The database could not be opened; the message says why and what to do."""


class StoreRefused(StoreError):
    """A setting is wrong (bad DSN, login refused, no such database, server too old):
    restarting will not help. `pathbot` exits 2."""


class StoreUnavailable(StoreError):
    """The server did not answer, or went away: worth a restart. `pathbot` exits 1."""


class StoreFileError(StoreError):
    """The SQLite file cannot be used: damaged, not writable (permissions, a read-only
    mount), the disk full or failing, or locked by another program. The message names
    the file and the next step. `pathbot` exits 3."""
