"""`pathbot run` as a real subprocess on the fakes, as an operator runs it.

`Pathbot.start(env, cwd, ready=...)` spawns `python -m bot run`, reads its stderr in the
background into `log` (so a chatty log never fills the pipe, and a test can measure how it
grows) and returns once each adapter named in `ready` logged "<name> adapter started";
`port` is where its HTTP listener is; `stop()` sends a signal and returns the exit code.
`base_env` / `slack_env` are the environment it runs with: no tokens, proxies or PATHBOT_*
settings from the caller's, the database `db` (a PATHBOT_DB value: the `db_url` fixture, so
a SQLite file or, in the PostgreSQL pass, a fresh schema), any port on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import REPO
from tests.fakes.minimal_slack_app import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_fake import PROXY_ENV_VARS, FakeSlack

LISTENING = re.compile(r"HTTP listener on http://127\.0\.0\.1:(\d+)")
NOT_INHERITED = (*PROXY_ENV_VARS, "DISCORD_TOKEN", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN",
                 "SLACK_SIGNING_SECRET")


def base_env(db: str, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in NOT_INHERITED and not k.startswith("PATHBOT_")}
    environ.update({
        "PATHBOT_HTTP_HOST": "127.0.0.1",
        "PATHBOT_HTTP_PORT": "0",
        "PATHBOT_DB": db,
        "PATHBOT_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(REPO),
        **extra,
    })
    return environ


def slack_env(fake: FakeSlack, db: str, **extra: str) -> dict[str, str]:
    return base_env(db, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    SLACK_API_URL=fake.api_url, **extra)


class Pathbot:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.log = bytearray()
        self.port = 0
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, env: dict[str, str], cwd: Path,
                    ready: tuple[str, ...] = ("slack",)) -> Pathbot:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        bot = cls(proc)
        try:
            await bot.until(lambda text: all(f"{name} adapter started" in text
                                             for name in ready), 30)
        except BaseException:
            await bot.stop(signal.SIGKILL)
            raise
        found = LISTENING.search(bot.text)
        assert found, bot.text
        bot.port = int(found.group(1))
        return bot

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(65536):  # chunks: no line is too long
            self.log.extend(chunk)

    @property
    def text(self) -> str:
        return self.log.decode(errors="replace")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def until(self, seen: Any, timeout: float = 10) -> None:
        """Until `seen(log text)` is true; fails early if the process exits."""
        async with asyncio.timeout(timeout):
            while not seen(self.text):
                if self.proc.returncode is not None or self._reader.done():
                    await self._reader
                    if not seen(self.text):
                        raise AssertionError(f"pathbot run exited:\n{self.text}")
                    return
                await asyncio.sleep(0.02)

    async def get(self, http: aiohttp.ClientSession, path: str) -> tuple[int, str]:
        async with http.get(self.base + path) as resp:
            return resp.status, await resp.text()

    def send(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)

    async def wait(self, timeout: float = 30) -> int:
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await self._reader
        return code

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        self.send(sig)
        return await self.wait(timeout)
