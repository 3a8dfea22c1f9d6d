"""The one way a fake platform serves: an aiohttp app on 127.0.0.1, on a port the OS picks.

Subclasses say what they serve (`build_app`) and close their own websockets
(`close_connections`); start/stop, `async with` and `base_url` are here.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web


class LoopbackServer:
    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._base = ""

    def build_app(self) -> web.Application:
        raise NotImplementedError

    async def close_connections(self) -> None:
        """Close open websockets before the server stops (nothing by default)."""

    async def start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self._base = f"http://{host}:{port}"

    async def stop(self) -> None:
        await self.close_connections()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if not self._base:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._base
