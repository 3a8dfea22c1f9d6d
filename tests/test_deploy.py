"""deploy/compose.yaml cannot be run here (no Docker): load it and check its services and
environment against the configuration pathbot reads (bot/config.py)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.config import load_config
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
VARIABLE = re.compile(r"\$\{(\w+)(?::\?[^}]*)?\}")


def read_names() -> set[str]:
    """Every environment variable bot/config.py reads."""
    source = (REPO / "bot" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'get\("([A-Z_]+)"', source))


def compose() -> dict[str, object]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def substituted(environment: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    return {k: VARIABLE.sub(lambda m: values[m.group(1)], str(v))
            for k, v in environment.items()}


def test_compose_services_and_their_settings(tmp_path: Path) -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    assert set(services) == {"db", "pathbot-1", "pathbot-2", "lb"}
    values = {"POSTGRES_PASSWORD": "pw-123456", "SLACK_BOT_TOKEN": "xoxb-1",
              "SLACK_SIGNING_SECRET": "secret"}
    db = services["db"]["environment"]
    for name in ("pathbot-1", "pathbot-2"):
        env = services[name]["environment"]
        assert set(env) <= read_names(), set(env) - read_names()  # no typo'd variable
        config = load_config(substituted(env, values), cwd=tmp_path)
        assert config.db_dsn.startswith("postgresql://")
        assert config.db_dsn == (f"postgresql://{db['POSTGRES_USER']}:pw-123456@db:5432/"
                                 f"{db['POSTGRES_DB']}")
        assert config.slack_signing_secret and not config.slack_app_token  # HTTP mode
        assert (config.http_host, config.http_port) == ("0.0.0.0", 3000)
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_load_balancer_reaches_both_replicas() -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert re.findall(r"server (pathbot-\d):(\d+)", conf) == [
        ("pathbot-1", "3000"), ("pathbot-2", "3000")]
    lb = compose()["services"]["lb"]  # type: ignore[index]
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in lb["volumes"]
