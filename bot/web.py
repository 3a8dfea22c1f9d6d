"""The one HTTP listener: `/healthz`, `/readyz`, `/metrics`, plus an adapter's routes.

- `/healthz`: liveness, always 200 while the process serves HTTP (Docker's health check);
- `/readyz`: 200 only when every configured adapter is connected and the database answers,
  else 503 with `{"ready": false, "not_ready": [...]}` (a load balancer's readiness probe);
- `/metrics`: Prometheus text format from bot/metrics.py's registry (unless turned off).
While `pathbot run` drains (bot/observe.py), every other route answers 503, so Slack sends
the request again later, to this replica once restarted or to another one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from prometheus_client.aiohttp import make_aiohttp_handler

from bot import metrics
from bot.observe import INFLIGHT

log = logging.getLogger(__name__)

NotReady = Callable[[], Awaitable[list[str]]]  # what is not ready; [] when all is
OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
DRAINING = "pathbot is shutting down; retry shortly"


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def readyz(not_ready: NotReady) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(_request: web.Request) -> web.Response:
        problems = await not_ready()
        if INFLIGHT.draining:
            problems.append("shutting down")
        if problems:
            return web.json_response({"ready": False, "not_ready": problems}, status=503)
        return web.json_response({"ready": True})

    return handler


@web.middleware
async def drain_and_count(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Adapter routes: 503 while draining; else counted in flight until answered (the
    listener they start has entered its own count by then: it acks from inside it)."""
    if request.path in OPS_PATHS:
        return await handler(request)
    if INFLIGHT.draining:
        return web.Response(status=503, text=DRAINING, headers={"Retry-After": "5"})
    key = object()
    INFLIGHT.add(key, f"HTTP request {request.path}")
    try:
        return await handler(request)
    finally:
        INFLIGHT.discard(key)


async def _all_ready() -> list[str]:
    return []


def build_web_app(routes: Iterable[web.AbstractRouteDef] = (),
                  not_ready: NotReady = _all_ready) -> web.Application:
    app = web.Application(middlewares=[drain_and_count])
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz(not_ready))
    if metrics.enabled():
        app.router.add_get("/metrics", make_aiohttp_handler(metrics.REGISTRY))
    app.router.add_routes(list(routes))
    return app


async def start_web(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app`; returns the runner (for cleanup) and the bound port (port 0 picks one).
    Cleanup waits at most 2 s for requests still open: the drain has waited for them."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    log.info("HTTP listener on http://%s:%d (/healthz, /readyz%s)", host, bound,
             ", /metrics" if metrics.enabled() else "")
    return runner, int(bound)
