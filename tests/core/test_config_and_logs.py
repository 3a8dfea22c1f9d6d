from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.logs import RedactSecrets


def test_defaults_and_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# comment\nDISCORD_TOKEN='from-dotenv-token'\n"
                                   "PATHBOT_HTTP_PORT=4000\n", encoding="utf-8")
    config = load_config({"PATHBOT_HTTP_PORT": "5000"}, cwd=tmp_path)
    assert config.db_path == tmp_path / "data" / "pathbot.sqlite3"
    assert config.discord_token == "from-dotenv-token"
    assert config.http_port == 5000  # the environment wins over .env
    assert config.slack_api_url == "https://slack.com/api/"
    assert "from-dotenv-token" not in repr(config)


def test_dotenv_as_the_readme_writes_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_GUILD_ID=123456789012345678   # optional: commands appear at once\n"
        "PATHBOT_HTTP_HOST=0.0.0.0      # default 127.0.0.1\n"
        "export SLACK_BOT_TOKEN=xoxb-1#2\n"  # a # inside a value is kept
        'SLACK_SIGNING_SECRET="secret # with hash"\n'
        "SLACK_APP_TOKEN=   # Socket Mode only\n"
        "PATHBOT_SLACK_ADMINS=# none yet\n", encoding="utf-8")
    config = load_config({}, cwd=tmp_path)
    assert config.discord_guild_id == 123456789012345678
    assert config.http_host == "0.0.0.0"
    assert config.slack_bot_token == "xoxb-1#2"
    assert config.slack_signing_secret == "secret # with hash"
    assert config.slack_app_token == "" and config.slack_admins == ()  # blank, then a comment


def test_bad_values_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PATHBOT_HTTP_PORT"):
        load_config({"PATHBOT_HTTP_PORT": "eighty"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="DISCORD_GUILD_ID"):
        load_config({"DISCORD_GUILD_ID": "my-guild"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="PATHBOT_LOG_LEVEL must be one of DEBUG, INFO"):
        load_config({"PATHBOT_LOG_LEVEL": "verbose"}, cwd=tmp_path)


def test_tokens_never_reach_the_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(["xoxb-secret-123", "discord.token.abc"]))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling with %s", "xoxb-secret-123")
        try:
            raise RuntimeError("bad token discord.token.abc")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "xoxb-secret-123" not in text and "discord.token.abc" not in text
    assert "calling with [redacted]" in text and "RuntimeError: bad token [redacted]" in text


@pytest.mark.parametrize(("value", "seconds"), [
    ("7d", 604_800.0), ("12h", 43_200.0), ("30m", 1_800.0), ("90s", 90.0), ("45", 45.0),
    ("1.5h", 5_400.0), ("2D", 172_800.0)])
def test_nudge_every_takes_a_duration(tmp_path: Path, value: str, seconds: float) -> None:
    assert load_config({"PATHBOT_NUDGE_EVERY": value}, cwd=tmp_path).nudge_every == seconds
    assert load_config({}, cwd=tmp_path).nudge_every == 604_800.0


@pytest.mark.parametrize("value", ["soon", "0s", "-1d", "7w", "d", "inf"])
def test_a_bad_nudge_interval_is_one_clear_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="PATHBOT_NUDGE_EVERY must be a duration"):
        load_config({"PATHBOT_NUDGE_EVERY": value}, cwd=tmp_path)
