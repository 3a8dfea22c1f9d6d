"""slack/manifest.yml, generated from the core's command table: `pathbot slack manifest`.

The committed file is this function's output (a test fails when they drift), so a new
command reaches Slack's manifest by a row in bot/core/commands.py and one regeneration:
`pathbot slack manifest > slack/manifest.yml`.
"""

from __future__ import annotations

import json

from bot.core.commands import Command

HEAD = """\
# Generated from bot/core/commands.py by `pathbot slack manifest`: change the table, then
# regenerate (`pathbot slack manifest > slack/manifest.yml`); do not edit by hand.
#
# pathbot's Slack app manifest: api.slack.com/apps → Create New App → From a manifest →
# pick the workspace → paste this file → Create. See "Run it on Slack" in the README.
#
# As written it is for Socket Mode (no public URL needed; set SLACK_BOT_TOKEN and
# SLACK_APP_TOKEN). For HTTP mode (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET instead):
#   1. set `socket_mode_enabled: false` below;
#   2. uncomment every `url:` / `request_url:` line and replace YOUR_HOST with the public
#      HTTPS host that forwards to pathbot's PATHBOT_HTTP_HOST:PATHBOT_HTTP_PORT
#      (the path is always /slack/events).
display_information:
  name: pathbot
  description: AI Engineer or ML Engineer? Compare the roles, take a quiz, get a learning path.
  long_description: >-
    pathbot helps members of a workspace decide between two careers, AI Engineer and ML
    Engineer. /compare shows the roles side by side, /quiz posts a short button quiz that
    everyone answers privately (the card keeps a live tally), and /path sends a learning
    path by direct message. Results are kept so /results shows your history; /forget
    deletes everything pathbot stores about you.
  background_color: "#1d3557"
features:
  app_home:
    home_tab_enabled: false
    messages_tab_enabled: true # learning paths arrive in the app's Messages tab
    messages_tab_read_only_enabled: true
  bot_user:
    display_name: pathbot
    always_online: true
"""

# The bot scopes the app asks for (the manifest, and the "Add to Slack" link).
SCOPES = (
    ("commands", "the slash commands"),
    ("chat:write", "quiz card, shared results, DMs, tally edits"),
    ("chat:write.public", "post the quiz card in public channels without an /invite"),
    ("im:write", "conversations.open for the learning-path DM"),
    ("files:write", "files_upload_v2: the /stats chart, to the admin's DM"),
    ("users:read", "users.info: is the person a workspace admin (for /stats)"),
)
BOT_SCOPES = ",".join(name for name, _ in SCOPES)

OAUTH = """\
oauth_config:
  # Distributed app (SLACK_CLIENT_ID/SECRET, no SLACK_BOT_TOKEN): uncomment, see the README's
  # "Distribute your Slack app".
  # redirect_urls:
  #   - https://YOUR_HOST/slack/oauth_redirect
  scopes:
    bot:
"""

TAIL = """\
settings:
  event_subscriptions:
    # request_url: https://YOUR_HOST/slack/events
    bot_events:
      - app_uninstalled # delete the workspace's installation and data
      - tokens_revoked # delete the workspace's installation
  interactivity:
    is_enabled: true
    # request_url: https://YOUR_HOST/slack/events
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
"""


def usage_hint(command: Command) -> str:
    arg = command.argument
    if arg is None:
        return ""
    example = f", e.g. {arg.example}" if arg.example else ""
    return f"<{arg.name}{example}>" if arg.required else f"[{arg.name}{example}]"


def _command(command: Command) -> str:
    lines = [f"    - command: /{command.name}",
             f"      description: {json.dumps(command.description, ensure_ascii=False)}"]
    hint = usage_hint(command)
    if hint:
        lines.append(f"      usage_hint: {json.dumps(hint, ensure_ascii=False)}")
    lines += ["      should_escape: false", "      # url: https://YOUR_HOST/slack/events"]
    return "\n".join(lines) + "\n"


def manifest(commands: tuple[Command, ...]) -> str:
    """The whole manifest as YAML text (comments kept: it is meant to be read and pasted)."""
    scopes = "".join(f"      - {name} # {why}\n" for name, why in SCOPES)
    return (HEAD + "  slash_commands:\n" + "".join(_command(c) for c in commands) + OAUTH
            + scopes + TAIL)
