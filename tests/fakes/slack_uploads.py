"""Slack's external file upload flow, for the fake Slack (what `files_upload_v2` does):

1. `files.getUploadURLExternal` (filename, length, alt_txt) -> an upload URL and a file id;
2. a POST of the bytes to that URL (on the fake: `/upload/{file_id}`), 200 when received;
3. `files.completeUploadExternal` (files=[{id, title}], channel_id) -> shared in the channel.

The rules checked, as Slack states them: a filename and a positive length are required
(`invalid_arguments`), a file above the workspace's limit is refused
(`file_upload_size_restricted`), alt text is at most 1000 characters (`alt_txt_too_large`);
the upload must carry exactly the announced number of bytes (else HTTP 400); an upload
completes once, and only after its bytes arrived (`file_not_found`); the channel must exist
and, for a DM, be open to the bot (`channel_not_found`, or the DM failure set with
`FakeSlack.fail_dm`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.slack_fake import FakeSlack

JsonDict = dict[str, Any]
MAX_ALT_TXT = 1000
UPLOAD_LIMIT = 1024**3  # Slack's largest file; a test lowers it to see the refusal
MIMETYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".txt": "text/plain"}


@dataclass
class SlackFile:
    id: str
    filename: str
    length: int
    alt_txt: str
    data: bytes | None = None  # None until the upload POST
    title: str = ""
    channel: str = ""  # where it was shared, once completed
    completed: bool = False

    def public(self) -> JsonDict:
        suffix = self.filename[self.filename.rfind("."):].lower()
        return {"id": self.id, "name": self.filename, "title": self.title or self.filename,
                "mimetype": MIMETYPES.get(suffix, "application/octet-stream"),
                "size": self.length, "alt_txt": self.alt_txt}


class SlackUploads:
    """The upload state of one FakeSlack; its handlers are registered by the fake."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.limit = UPLOAD_LIMIT
        self.files: dict[str, SlackFile] = {}
        self.posts: list[tuple[str, int]] = []  # (file id, HTTP status) of each upload POST
        self._next = 0

    def shared_in(self, channel: str) -> list[SlackFile]:
        """The completed files shared in `channel`, oldest first."""
        return [f for f in self.files.values() if f.completed and f.channel == channel]

    # -- step 1 -----------------------------------------------------------------------------
    def get_upload_url(self, args: JsonDict) -> JsonDict:
        from tests.fakes.slack_fake import SlackError

        filename, alt = str(args.get("filename") or ""), str(args.get("alt_txt") or "")
        try:
            length = int(args.get("length") or 0)
        except (TypeError, ValueError):
            length = 0
        if not filename or length <= 0 or "/" in filename:
            raise SlackError("invalid_arguments")
        if length > self.limit:
            raise SlackError("file_upload_size_restricted")
        if len(alt) > MAX_ALT_TXT:
            raise SlackError("alt_txt_too_large")
        self._next += 1
        file_id = f"F{self._next:09d}"
        self.files[file_id] = SlackFile(file_id, filename, length, alt)
        return {"ok": True, "upload_url": f"{self.fake.base_url}/upload/{file_id}",
                "file_id": file_id}

    # -- step 2 -----------------------------------------------------------------------------
    async def receive(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["file_id"])
        data = await request.read()
        status = 200
        if found is None or found.completed:
            status = 404
        elif len(data) != found.length:
            status = 400
        else:
            found.data = data
        self.posts.append((request.match_info["file_id"], status))
        return web.Response(status=status, text="OK" if status == 200 else "upload refused")

    # -- step 3 -----------------------------------------------------------------------------
    def complete(self, args: JsonDict) -> JsonDict:
        from tests.fakes.slack_fake import SlackError

        listed = _file_list(args.get("files"))
        found = [self.files.get(str(item.get("id"))) for item in listed]
        if not listed or any(f is None or f.completed or f.data is None for f in found):
            raise SlackError("file_not_found")
        channel = self._channel(str(args.get("channel_id") or ""))
        done = [f for f in found if f is not None]
        for item, file in zip(listed, done, strict=True):
            file.title, file.channel, file.completed = str(item.get("title") or ""), channel, True
        if channel:
            ts = self.fake._next_ts()
            self.fake.messages[(channel, ts)] = {
                **self.fake._new_message({"text": args.get("initial_comment") or ""}, ts),
                "files": [f.public() for f in done]}
        return {"ok": True, "files": [f.public() for f in done]}

    def _channel(self, channel: str) -> str:
        from tests.fakes.slack_fake import SlackError

        if not channel:
            return ""  # the file stays private
        if channel[0] not in "CDG":
            raise SlackError("channel_not_found")
        if channel[0] == "D":
            self.fake._check_dm("U" + channel[1:])
        return channel


def _file_list(value: Any) -> list[JsonDict]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
