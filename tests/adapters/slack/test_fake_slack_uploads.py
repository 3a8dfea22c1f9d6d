"""The fake Slack's external upload flow, driven by the real slack_sdk client: what
files_upload_v2 sends, and what a client that breaks a rule is told."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.minimal_slack_app import BOT_TOKEN
from tests.fakes.slack_fake import FakeSlack

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 300


async def post(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=PNG) as response:
        return response.status


@pytest.fixture
async def client(fake: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    async with aiohttp.ClientSession() as session:
        yield AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url, session=session)


async def test_files_upload_v2_shares_the_file_in_the_dm(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    done = await client.files_upload_v2(channel="DALICE", file=PNG, filename="c.png",
                                        title="Chart", alt_txt="a chart")
    assert done["file"]["name"] == "c.png" and done["file"]["mimetype"] == "image/png"
    (shared,) = fake.uploads.shared_in("DALICE")
    assert shared.data == PNG and shared.title == "Chart" and shared.alt_txt == "a chart"
    assert fake.uploads.posts == [(shared.id, 200)]
    assert any(m.get("files") for (c, _), m in fake.messages.items() if c == "DALICE")


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"filename": "", "length": 10}, "invalid_arguments"),
    ({"filename": "c.png", "length": 0}, "invalid_arguments"),
    ({"filename": "c.png", "length": 10, "alt_txt": "x" * 1001}, "alt_txt_too_large"),
    ({"filename": "c.png", "length": 5000}, "file_upload_size_restricted"),
])
async def test_upload_urls_are_refused_for_bad_arguments(
    fake: FakeSlack, client: AsyncWebClient, kwargs: dict[str, object], error: str
) -> None:
    fake.uploads.limit = 4000
    with pytest.raises(SlackApiError) as raised:
        await client.files_getUploadURLExternal(**kwargs)  # type: ignore[arg-type]
    assert raised.value.response["error"] == error


async def test_the_bytes_must_match_the_announced_length(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    got = await client.files_getUploadURLExternal(filename="c.png", length=len(PNG) + 1)
    assert await post(str(got["upload_url"])) == 400
    with pytest.raises(SlackApiError) as raised:  # nothing arrived: nothing to complete
        await client.files_completeUploadExternal(files=[{"id": got["file_id"]}],
                                                  channel_id="C1")
    assert raised.value.response["error"] == "file_not_found"


async def test_an_upload_completes_once_into_an_existing_channel(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.files_upload_v2(channel="nope", file=PNG, filename="c.png")
    assert raised.value.response["error"] == "channel_not_found"
    fake.fail_dm("U0SHUT")
    with pytest.raises(SlackApiError):
        await client.files_upload_v2(channel="D0SHUT", file=PNG, filename="c.png")
    done = await client.files_upload_v2(channel="C1", file=PNG, filename="c.png")
    with pytest.raises(SlackApiError) as again:
        await client.files_completeUploadExternal(files=[{"id": done["file"]["id"]}])
    assert again.value.response["error"] == "file_not_found"
    assert await post(f"{fake.base_url}/upload/F404") == 404  # no such upload
