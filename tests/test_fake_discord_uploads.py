"""The fake Discord's rules for files sent with a message (multipart `payload_json` +
`files[n]`), checked with raw requests: what a client that gets them wrong is told."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.discord_fake import FakeDiscord

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


async def send(fake: FakeDiscord, payload: dict[str, Any],
               files: list[tuple[str, str, bytes]]) -> tuple[int, dict[str, Any]]:
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", json.dumps(payload))
    for name, filename, data in files:
        form.add_field(name, data, filename=filename, content_type="application/octet-stream")
    url = f"{fake.api_base}/channels/{fake.channel_id}/messages"
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        return response.status, await response.json()


async def test_a_png_is_stored_with_its_size_type_and_bytes(fake: FakeDiscord) -> None:
    listed = [{"id": 0, "filename": "chart.png", "description": "a chart"}]
    status, message = await send(fake, {"content": "hi", "attachments": listed},
                                 [("files[0]", "chart.png", PNG)])
    assert status == 200
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "chart.png" and attachment["description"] == "a chart"
    assert attachment["size"] == len(PNG) and attachment["content_type"] == "image/png"
    assert fake.attachment_data(fake.messages[message["id"]]["attachments"][0]) == PNG


async def test_files_without_an_attachments_array_are_all_attached(fake: FakeDiscord) -> None:
    status, message = await send(fake, {"content": "hi"}, [("files[0]", "notes.txt", b"x")])
    assert status == 200 and message["attachments"][0]["filename"] == "notes.txt"
    assert message["attachments"][0]["content_type"] == "application/octet-stream"


async def test_a_file_over_the_limit_is_refused_with_413(fake: FakeDiscord) -> None:
    fake.upload_limit = 100
    status, body = await send(fake, {"content": "hi"}, [("files[0]", "chart.png", PNG)])
    assert (status, body["code"]) == (413, 40005)
    assert not fake.messages


@pytest.mark.parametrize(("payload", "files", "where"), [
    ({"attachments": [{"id": 1, "filename": "chart.png"}]}, [("files[0]", "chart.png", PNG)],
     "attachments"),  # an entry for a file that was not sent, and a file not listed
    ({"attachments": [{"id": 0, "filename": "other.png"}]}, [("files[0]", "chart.png", PNG)],
     "attachments"),
    ({"attachments": [{"id": 0, "description": "x" * 1025}]}, [("files[0]", "c.png", PNG)],
     "attachments"),
    ({"content": "hi"}, [("files[0]", "chart.png", b"not a png")], "files[0]"),
    ({"content": "hi"}, [("upload", "chart.png", PNG)], "upload"),
])
async def test_bad_uploads_are_invalid_form_bodies(
    fake: FakeDiscord, payload: dict[str, Any], files: list[tuple[str, str, bytes]], where: str
) -> None:
    status, body = await send(fake, {"content": "hi", **payload}, files)
    assert (status, body["code"]) == (400, 50035)
    assert where in body["errors"]
    assert not fake.messages
