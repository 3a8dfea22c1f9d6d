"""pathbot on Slack: slack-bolt AsyncApp, Block Kit rendering, Socket Mode or HTTP mode."""

from bot.adapters.slack.app import EVENTS_PATH, SlackAdapter

__all__ = ["EVENTS_PATH", "SlackAdapter"]
