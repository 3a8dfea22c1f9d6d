"""The one HTTP listener: `/healthz` always, plus routes an adapter adds (Slack HTTP mode)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiohttp import web

log = logging.getLogger(__name__)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def build_web_app(routes: Iterable[web.AbstractRouteDef] = ()) -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_routes(list(routes))
    return app


async def start_web(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app`; returns the runner (for cleanup) and the bound port (port 0 picks one)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    log.info("HTTP listener on http://%s:%d (/healthz)", host, bound)
    return runner, int(bound)
