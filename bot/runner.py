"""`pathbot run`: start every adapter whose credentials are set, in one process."""

from __future__ import annotations

import logging
import sys

from bot.config import Config

log = logging.getLogger(__name__)

NEEDED = ("DISCORD_TOKEN (Discord) or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Slack Socket Mode) "
          "or SLACK_SIGNING_SECRET (Slack HTTP mode)")


async def run(config: Config) -> int:
    if not config.discord_token and not config.slack_bot_token:
        print(f"pathbot run: no platform credentials set. Set {NEEDED}; "
              "or try `pathbot console`, which needs none.", file=sys.stderr)
        return 2
    print("pathbot run: the Discord and Slack adapters are not built yet.", file=sys.stderr)
    return 2
