"""What became of a direct message, the same words on every platform.

Each adapter maps its platform's answer onto one `DmOutcome`; the service decides what
follows from it (`Service.after_dm`). Only a platform's known "this person cannot be
DMed" codes mean CLOSED, which is remembered; anything else that failed (network error,
5xx, 429, an answer we cannot read, a code we do not know) is TRANSIENT: the card is
shown in the channel this time and the DM is tried again next time. Remembering a
passing failure would silence the person's DMs for good.
"""

from __future__ import annotations

from enum import Enum


class DmOutcome(Enum):
    SENT = "sent"
    CLOSED = "closed"  # the person's settings refuse DMs from the bot: remembered
    TRANSIENT = "transient"  # failed for a reason that may pass: tried again next time
