"""slack/manifest.yml is generated from the command table and matches the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.adapters.slack.manifest import manifest
from bot.core.commands import COMMANDS

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yml"


def _manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_committed_manifest_is_what_the_command_prints() -> None:
    printed = subprocess.run([sys.executable, "-m", "bot", "slack", "manifest"],
                             capture_output=True, text=True, check=True).stdout
    assert printed == manifest(COMMANDS)
    assert MANIFEST.read_text(encoding="utf-8") == printed, (
        "slack/manifest.yml drifted from bot/core/commands.py: run "
        "`pathbot slack manifest > slack/manifest.yml`")


def test_manifest_declares_every_command_with_a_description() -> None:
    commands = _manifest()["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [f"/{c.name}" for c in COMMANDS]
    for command in commands:
        assert 0 < len(command["description"]) <= 100
        assert "two roles" not in command["description"]
    hints = {c["command"]: c.get("usage_hint") for c in commands}
    assert hints["/compare"] and hints["/role"] and hints["/path"]
    assert hints["/role"].startswith("<") and hints["/path"].startswith("[")


def test_manifest_scopes_interactivity_and_socket_mode() -> None:
    loaded = _manifest()
    scopes = set(loaded["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "users:read"} <= scopes
    assert loaded["settings"]["interactivity"]["is_enabled"] is True
    assert loaded["settings"]["socket_mode_enabled"] is True
    assert "https://YOUR_HOST/slack/events" in MANIFEST.read_text(encoding="utf-8")
