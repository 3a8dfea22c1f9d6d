"""Installation tokens at rest (PATHBOT_SECRET_KEY), and the OAuth settings' secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.adapters.slack.sealing import PREFIX, Sealer, Unreadable
from bot.config import ConfigError, load_config
from bot.runner import missing_credentials


def test_a_key_seals_and_opens_and_another_key_cannot() -> None:
    sealer = Sealer(Fernet.generate_key().decode())
    sealed = sealer.seal("xoxb-secret")
    assert sealed.startswith(PREFIX) and "xoxb-secret" not in sealed
    assert sealer.open(sealed) == "xoxb-secret"
    with pytest.raises(Unreadable):
        Sealer(Fernet.generate_key().decode()).open(sealed)
    with pytest.raises(Unreadable):
        Sealer("").open(sealed)


def test_without_a_key_tokens_are_stored_as_they_are() -> None:
    assert Sealer("").seal("xoxb-plain") == "xoxb-plain"
    assert Sealer(Fernet.generate_key().decode()).open("xoxb-plain") == "xoxb-plain"


def test_a_key_that_is_not_a_fernet_key_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError, match="PATHBOT_SECRET_KEY is not a Fernet key"):
        Sealer("hunter2")


def test_oauth_settings_start_slack_and_their_secrets_are_masked(tmp_path: Path) -> None:
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "client-secret-9",
             "SLACK_SIGNING_SECRET": "ss"}
    config = load_config(environ={**oauth, "PATHBOT_SECRET_KEY": "k"}, cwd=tmp_path)
    assert config.slack_oauth and missing_credentials(config) == ""
    assert {"client-secret-9", "ss", "k"} <= set(config.secrets())
    assert "client-secret-9" not in repr(config) and "'k'" not in repr(config)
    with_token = load_config(environ={**oauth, "SLACK_BOT_TOKEN": "xoxb"}, cwd=tmp_path)
    assert not with_token.slack_oauth  # one workspace, unchanged
