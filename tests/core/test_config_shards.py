"""DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS: parsed, or one clear ConfigError (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def shards(tmp_path: Path, **env: str) -> tuple[int | None, tuple[int, ...] | None]:
    config = load_config(environ=env, cwd=tmp_path)
    return config.discord_shard_count, config.discord_shard_ids


def test_defaults_leave_the_count_to_discord(tmp_path: Path) -> None:
    assert shards(tmp_path) == (None, None)
    assert shards(tmp_path, DISCORD_SHARD_COUNT="4") == (4, None)


@pytest.mark.parametrize(("ids", "expected"), [
    ("0-3", (0, 1, 2, 3)), ("0,2", (0, 2)), ("1", (1,)), (" 3, 0-1 ", (0, 1, 3)),
    ("2-2", (2,)), ("0-1,1-2", (0, 1, 2)),
])
def test_shard_ids(tmp_path: Path, ids: str, expected: tuple[int, ...]) -> None:
    assert shards(tmp_path, DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS=ids) == (4, expected)


@pytest.mark.parametrize(("env", "says"), [
    ({"DISCORD_SHARD_COUNT": "two"}, "DISCORD_SHARD_COUNT must be a whole number"),
    ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT must be at least 1"),
    ({"DISCORD_SHARD_IDS": "0-1"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "2"}, "shard 2 is not below"),
    ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "3-1"}, "the range '3-1' is empty"),
    ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "a-b"}, "must be a whole number"),
    ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0,,1"}, "must be a whole number"),
    ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "-1"}, "must be a whole number"),
])
def test_bad_values_are_one_clear_error(tmp_path: Path, env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says) as raised:
        load_config(environ=env, cwd=tmp_path)
    assert "\n" not in str(raised.value)


def test_pathbot_run_exits_2_with_one_line(tmp_path: Path) -> None:
    from tests.cli.test_cli import pathbot

    done = pathbot(["run"], tmp_path, DISCORD_TOKEN="not-used", DISCORD_SHARD_COUNT="4",
                   DISCORD_SHARD_IDS="3-1")
    assert done.returncode == 2
    assert done.stderr.strip() == "pathbot: DISCORD_SHARD_IDS: the range '3-1' is empty"
