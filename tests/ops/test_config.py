"""The operations settings: defaults, and a clear error naming a bad value's variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def test_defaults(tmp_path: Path) -> None:
    config = load_config({}, cwd=tmp_path)
    assert (config.log_format, config.shutdown_grace, config.session_ttl_days,
            config.metrics) == ("text", 10.0, 30.0, True)
    config = load_config({"PATHBOT_LOG_FORMAT": "JSON", "PATHBOT_SHUTDOWN_GRACE": "2.5",
                          "PATHBOT_SESSION_TTL_DAYS": "0.5", "PATHBOT_METRICS": "0"},
                         cwd=tmp_path)
    assert (config.log_format, config.shutdown_grace, config.session_ttl_days,
            config.metrics) == ("json", 2.5, 0.5, False)


@pytest.mark.parametrize(("name", "value"), [
    ("PATHBOT_LOG_FORMAT", "xml"), ("PATHBOT_SHUTDOWN_GRACE", "soon"),
    ("PATHBOT_SHUTDOWN_GRACE", "0"), ("PATHBOT_SESSION_TTL_DAYS", "-1"),
    ("PATHBOT_SESSION_TTL_DAYS", "nan"), ("PATHBOT_METRICS", "yes"),
])
def test_bad_values_name_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config({name: value}, cwd=tmp_path)
