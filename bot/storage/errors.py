"""Start-up failures of a database server, in the two kinds the CLI tells apart.

Their messages never contain a password: they are built from the masked DSN."""

from __future__ import annotations


class StoreError(Exception):
    """The database could not be opened; the message says why and what to do."""


class StoreRefused(StoreError):
    """A setting is wrong (bad DSN, login refused, no such database, server too old):
    restarting will not help. `pathbot` exits 2."""


class StoreUnavailable(StoreError):
    """The server did not answer, or went away: worth a restart. `pathbot` exits 1."""


class StoreUnusable(StoreError):
    """The database file cannot be opened or written (damaged, read-only, disk full, held
    by another program): the message names the file and what to do. `pathbot` exits 3."""
