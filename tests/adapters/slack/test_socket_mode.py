"""Socket Mode: the adapter connects through apps.connections.open and survives reconnects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.slack import SlackAdapter
from bot.bootstrap import build_service
from bot.config import ConfigError, load_config
from tests.adapters.slack.harness import all_payloads_valid, button, make_config, text_of
from tests.fakes.minimal_slack_app import APP_TOKEN
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_requests import block_actions_payload, slash_command_payload


@pytest.fixture
async def adapter(
    fake: FakeSlack, tmp_path: Path, db_url: str
) -> AsyncIterator[SlackAdapter]:
    config = make_config(tmp_path, fake, db_url, socket_mode=True)
    service = await build_service(config)
    running = SlackAdapter(config, service, tally_interval=0.1)
    assert running.routes() == []  # nothing to serve over HTTP in Socket Mode
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
        await service.store.close()
    all_payloads_valid(fake)


async def test_command_and_press_over_socket_mode_and_reconnect(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    await fake.wait_for_socket_connections(1)
    checked, opened = fake.calls("apps.connections.open")  # the token check, the connection
    assert checked.token == opened.token == APP_TOKEN

    url = fake.new_response_url()
    envelope = await fake.socket_send("slash_commands", slash_command_payload(
        "/compare", "math_depth", response_url=url))
    assert (await fake.socket_ack(envelope)).payload is None  # ack() with nothing
    assert "Math depth" in text_of((await fake.wait_for_response_url(url)).payload)

    await fake.socket_disconnect("refresh_requested")
    await fake.wait_for_socket_connections(2)
    await fake.wait_for_open_sockets(1)

    envelope = await fake.socket_send("slash_commands", slash_command_payload(
        "/quiz", response_url=fake.new_response_url()))
    await fake.socket_ack(envelope)
    posted = await fake.wait_for_call("chat.postMessage")
    card = fake.message(posted.args["channel"], posted.response["ts"])
    assert card is not None

    url = fake.new_response_url()
    press = block_actions_payload(button(card, "pb:start:"), response_url=url, message=card)
    envelope = await fake.socket_send("interactive", press)
    await fake.socket_ack(envelope)
    first = (await fake.wait_for_response_url(url)).payload
    assert first["response_type"] == "ephemeral" and "1/" in first["blocks"][0]["text"]["text"]


async def test_stop_closes_the_connection(fake: FakeSlack, adapter: SlackAdapter) -> None:
    await fake.wait_for_open_sockets(1)
    await adapter.stop()
    await fake.wait_for_open_sockets(0)
    await adapter.stop()  # safe twice


@pytest.mark.parametrize("method", ["auth.test", "apps.connections.open"])
async def test_a_refused_token_stops_start_up_clearly(
    fake: FakeSlack, tmp_path: Path, db_url: str, method: str
) -> None:
    config = make_config(tmp_path, fake, db_url, socket_mode=True)
    service = await build_service(config)
    try:
        fake.fail_next(method, "invalid_auth")
        adapter = SlackAdapter(config, service)
        token = "SLACK_BOT_TOKEN" if method == "auth.test" else "SLACK_APP_TOKEN"
        with pytest.raises(ConfigError, match=f"{token} \\(invalid_auth\\)"):
            await adapter.start()
        assert fake.open_sockets == 0
        await adapter.stop()  # the runner stops every adapter anyway: harmless
    finally:
        await service.store.close()


def test_http_mode_needs_a_signing_secret(tmp_path: Path) -> None:
    config = load_config(environ={"SLACK_BOT_TOKEN": "xoxb-x"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(config, None)  # type: ignore[arg-type]  # fails before using it
