"""The explorer's web application (FastAPI): a static page and a read-only JSON API.

Routes (all GET):

- ``/`` the page; ``/static/...`` its script, style and the vendored plotly.js;
- ``/api/health`` liveness and whether a worker has warmed up;
- ``/api/steps`` the steps with their text and parameter schema (the page's controls);
- ``/api/view/{step}?name=value...`` one step's view as JSON;
- ``/api/view/{step}.csv?...`` the same view's data as a tidy CSV.

The query string of a view is the page's own query string, so a page URL is a shareable
link that restores the view. Every request is checked before it costs anything: size
(:data:`limits.MAX_QUERY_BYTES`, no body), method, the ``Host`` header (a loopback server
answers only to loopback names, which defeats DNS rebinding) and the step's parameters;
failures are 4xx with a one-line message naming the field.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from xposim._version import __version__
from xposim.errors import InputError
from xposim.web import limits, schema
from xposim.web.pool import (
    BusyError,
    SimulationFailedError,
    SimulationPool,
    SimulationTimeoutError,
    WorkerLostError,
)
from xposim.web.steps import STEP_TEXT

log = logging.getLogger("xposim.web")

#: Host names a loopback server answers to.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
#: Content-Security-Policy: everything from this server, nothing inline but styles
#: (plotly.js sets style attributes).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class ExplorerSettings:
    """How the server runs: worker ``processes``, per-simulation ``timeout_s``, queue
    bound ``max_pending``, LRU ``cache_entries``, the view ``runner``
    (``module:function``), whether workers ``warm`` up, and whether to answer
    non-loopback ``Host`` headers (``allow_remote``)."""

    processes: int = 2
    timeout_s: float = limits.SIMULATION_TIMEOUT_S
    max_pending: int = limits.MAX_PENDING_SIMULATIONS
    cache_entries: int = limits.CACHE_ENTRIES
    runner: str = "xposim.web.views:render_view"
    warm: bool = True
    allow_remote: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.processes, int) and 1 <= self.processes <= 16):
            raise InputError("processes", "must be a whole number in 1-16", got=self.processes)
        if not (isinstance(self.timeout_s, int | float) and 0 < self.timeout_s <= 600):
            raise InputError("timeout", "must be > 0 and <= 600 s", got=self.timeout_s)
        if not (isinstance(self.max_pending, int) and self.max_pending >= 1):
            raise InputError("max_pending", "must be a whole number >= 1", got=self.max_pending)
        if not (isinstance(self.cache_entries, int) and self.cache_entries >= 0):
            raise InputError("cache_entries", "must be a whole number >= 0",
                             got=self.cache_entries)
        if ":" not in self.runner:
            raise InputError("runner", "must be 'module:function'", got=self.runner)


class RequestLimits:
    """ASGI middleware refusing, before routing, a query string longer than
    :data:`limits.MAX_QUERY_BYTES` (414) and any request body (413)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = None
            if len(scope.get("query_string", b"")) > limits.MAX_QUERY_BYTES:
                problem = (414, f"query string: must be at most {limits.MAX_QUERY_BYTES} "
                                f"bytes, got {len(scope['query_string'])}")
            headers = dict(scope.get("headers", []))
            length = headers.get(b"content-length", b"0")
            if (not length.isdigit() or int(length) > limits.MAX_BODY_BYTES
                    or b"transfer-encoding" in headers):
                problem = (413, "request body: this API is read-only and takes none")
            if problem is not None:
                await _error(problem[0], problem[1])(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _error(status: int, message: str | list[str]) -> JSONResponse:
    messages = [message] if isinstance(message, str) else message
    return JSONResponse({"error": "; ".join(messages), "errors": messages},
                        status_code=status)


def _static_dir() -> str:
    return str(resources.files("xposim.web") / "static")


def view_csv(view: dict[str, Any]) -> str:
    """A view's data as a tidy CSV: one row per point of every plotted series and of the
    drawn cells (columns step, panel, series, variable, x, x_unit, y, y_unit)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["step", "panel", "series", "variable", "x", "x_unit", "y", "y_unit"])
    step = view["step"]
    for p in view["panels"]:
        for s in p["series"]:
            for x, y in zip(s["x"], s["y"], strict=True):
                w.writerow([step, p["id"], s["name"], s["variable"], x, p["x"]["unit"], y,
                            p["y"]["unit"]])
    cells = view.get("cells")
    if cells:
        for row in cells["rows"]:
            for side, suffix in (("nucleus", "n"), ("cytoplasm", "c")):
                for cargo, values in row[side].items():
                    for t, y in zip(cells["time_h"], values, strict=True):
                        w.writerow([step, "drawn-cell", f"{row['label']} {cargo} {side}",
                                    f"{cargo}_{suffix}", t, "h", y, cells["unit"]])
    return buf.getvalue()


def create_app(settings: ExplorerSettings | None = None) -> FastAPI:
    """The explorer application; its worker pool starts and stops with the server."""
    settings = settings or ExplorerSettings()
    pool = SimulationPool(processes=settings.processes, timeout_s=settings.timeout_s,
                          max_pending=settings.max_pending,
                          cache_entries=settings.cache_entries, runner=settings.runner,
                          warm=settings.warm)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool.start()
        warm = asyncio.create_task(pool.wait_ready())
        try:
            yield
        finally:
            warm.cancel()
            await pool.close()

    app = FastAPI(title="xposim explorer", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.pool = pool
    app.state.settings = settings

    @app.middleware("http")
    async def headers(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    if not settings.allow_remote:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(LOOPBACK_HOSTS))
    app.add_middleware(RequestLimits)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return _error(500, f"internal error: {type(exc).__name__}")

    app.mount("/static", StaticFiles(directory=_static_dir()), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        html = (resources.files("xposim.web") / "static" / "index.html").read_bytes()
        return Response(html, media_type="text/html; charset=utf-8")

    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "ready": pool.ready.is_set(),
                "pending": pool.pending, "restarts": pool.restarts}

    @app.get("/api/steps")
    async def steps() -> dict[str, Any]:
        return {"steps": [{"number": n, "title": title, "intro": intro,
                           "params": schema.STEP_PARAMS[n].model_json_schema()}
                          for n, (title, intro) in STEP_TEXT.items()],
                "limits": {"max_query_bytes": limits.MAX_QUERY_BYTES,
                           "timeout_s": settings.timeout_s}}

    async def _view(step_text: str, request: Request) -> bytes | JSONResponse:
        if not step_text.isdigit() or int(step_text) not in schema.STEP_PARAMS:
            return _error(404, f"step: must be one of 1-{len(schema.STEP_PARAMS)}, "
                               f"got {step_text!r}")
        step = int(step_text)
        items = request.query_params.multi_items()
        seen: set[str] = set()
        for k, _ in items:
            if k in seen:
                return _error(422, f"{k}: given twice")
            seen.add(k)
        query = {k: v for k, v in items if k != "step"}
        model = schema.STEP_PARAMS[step]
        try:
            params = schema.parse_params(step, query)
        except ValidationError as exc:
            return _error(422, schema.validation_messages(model, exc))
        try:
            return await pool.run(step, params.model_dump())
        except SimulationFailedError as exc:
            return _error(422, str(exc))
        except BusyError as exc:
            return _error(503, str(exc))
        except WorkerLostError as exc:
            return _error(503, str(exc))
        except SimulationTimeoutError as exc:
            return _error(504, str(exc))

    @app.get("/api/view/{step}.csv")
    async def view_as_csv(step: str, request: Request) -> Response:
        out = await _view(step, request)
        if isinstance(out, Response):
            return out
        view = json.loads(out)
        name = f"xposim-step{view['step']}.csv"
        return Response(view_csv(view), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/api/view/{step}")
    async def view_as_json(step: str, request: Request) -> Response:
        out = await _view(step, request)
        if isinstance(out, Response):
            return out
        return Response(out, media_type="application/json")

    return app
