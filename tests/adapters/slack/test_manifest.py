"""slack/manifest.yml matches the app: every command registered, the scopes it calls need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.adapters.slack.listeners.commands import COMMANDS

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yml"


def _manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_manifest_declares_every_command_with_a_description() -> None:
    commands = _manifest()["features"]["slash_commands"]
    assert [c["command"] for c in commands] == list(COMMANDS)
    for command in commands:
        assert 0 < len(command["description"]) <= 100
    hints = {c["command"]: c.get("usage_hint") for c in commands}
    assert hints["/compare"] and hints["/role"] and hints["/path"]


def test_manifest_scopes_interactivity_and_socket_mode() -> None:
    manifest = _manifest()
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "users:read"} <= scopes
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "https://YOUR_HOST/slack/events" in MANIFEST.read_text(encoding="utf-8")
