"""PATHBOT_DB and PATHBOT_DB_POOL: one setting names the database, the password never shows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, mask_dsn
from bot.logs import RedactSecrets

DSN = "postgresql://pathbot:s3cret-pw@db.internal:5432/pathbot?sslmode=require"


def test_sqlite_file_forms(tmp_path: Path) -> None:
    assert load_config({}, cwd=tmp_path).db_path == tmp_path / "data" / "pathbot.sqlite3"
    plain = load_config({"PATHBOT_DB": "/srv/pathbot.db"}, cwd=tmp_path)
    url = load_config({"PATHBOT_DB": "sqlite:///srv/pathbot.db"}, cwd=tmp_path)
    assert plain.db_path == url.db_path == Path("/srv/pathbot.db")
    assert plain.db_dsn == url.db_dsn == ""
    assert url.db_label() == "/srv/pathbot.db"


def test_postgres_dsn_and_pool(tmp_path: Path) -> None:
    config = load_config({"PATHBOT_DB": DSN, "PATHBOT_DB_POOL": "4"}, cwd=tmp_path)
    assert (config.db_dsn, config.db_pool) == (DSN, 4)
    assert load_config({"PATHBOT_DB": "postgres://u@h/d"}, cwd=tmp_path).db_pool == 10
    assert "s3cret-pw" not in repr(config)
    assert config.db_label() == "postgresql://pathbot:***@db.internal:5432/pathbot?sslmode=require"
    assert "s3cret-pw" in config.secrets()  # so the log filter masks it


@pytest.mark.parametrize(("value", "problem"), [
    ("mysql://u:pw-123456@h/d", "must be a file path"),
    ("sqlite://relative.db", "three slashes"),
])
def test_bad_database_settings_are_named(tmp_path: Path, value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as raised:
        load_config({"PATHBOT_DB": value}, cwd=tmp_path)
    assert "pw-123456" not in str(raised.value)


@pytest.mark.parametrize("pool", ["0", "-3", "many"])
def test_bad_pool_sizes(tmp_path: Path, pool: str) -> None:
    with pytest.raises(ConfigError, match="PATHBOT_DB_POOL"):
        load_config({"PATHBOT_DB": DSN, "PATHBOT_DB_POOL": pool}, cwd=tmp_path)


@pytest.mark.parametrize(("dsn", "masked"), [
    ("postgresql://u:p%40ss@h/d", "postgresql://u:***@h/d"),
    ("postgresql://u@h/d", "postgresql://u@h/d"),
    ("postgresql://h/d?user=u&password=pw&x=1", "postgresql://h/d?user=u&password=***&x=1"),
])
def test_mask_dsn(dsn: str, masked: str) -> None:
    assert mask_dsn(dsn) == masked


def test_the_dsn_password_never_reaches_the_log(tmp_path: Path) -> None:
    config = load_config({"PATHBOT_DB": DSN}, cwd=tmp_path)
    record = logging.LogRecord("x", logging.ERROR, "f", 1, "connect to %s failed", (DSN,), None)
    RedactSecrets(config.secrets()).filter(record)
    assert "s3cret-pw" not in record.getMessage()
