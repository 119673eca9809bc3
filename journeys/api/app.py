"""The REST API as an ASGI app: ``create_app(settings, keys)``, served by `journeys serve`.

Everything is under ``/api/v1``; the OpenAPI document is ``/api/v1/openapi.json`` and the
interactive docs ``/api/v1/docs`` (both open, so clients can discover the API; every route
needs a key). Requests are logged by route, never by path: a path may hold a member id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute

from journeys.api import errors
from journeys.api.auth import authenticate
from journeys.api.context import ApiContext
from journeys.api.routes_actions import router as actions
from journeys.api.routes_journeys import PREFIX
from journeys.api.routes_journeys import router as journeys
from journeys.limits import MAX_REQUEST_BYTES
from journeys.settings import Settings

LOG = logging.getLogger("journeys.api")


def create_app(settings: Settings, keys: Mapping[str, str]) -> FastAPI:
    """The API over one project and warehouse, accepting ``keys`` (key -> name).

    Example:
        >>> from pathlib import Path
        >>> app = create_app(Settings(Path("/p"), Path("/p/w.duckdb")), {"s3cret": "ci"})
        >>> app.openapi_url, sorted(app.openapi()["components"]["securitySchemes"])
        ('/api/v1/openapi.json', ['APIKeyHeader', 'HTTPBearer'])
    """
    app = FastAPI(
        title="journeys",
        version="1",
        summary="Customer journeys as code: specs, lifecycle, manual membership, numbers.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        # 413 as soon as Content-Length, or the bytes counted of a chunked body, pass it:
        # never a 60 MB body read whole (starlette's RequestBodyLimitMiddleware)
        max_body_size=MAX_REQUEST_BYTES,
    )
    app.state.journeys = ApiContext(settings=settings, keys=dict(keys))
    errors.install(app)
    for router in (journeys, actions):
        app.include_router(router, prefix=PREFIX, dependencies=[Depends(authenticate)])
    app.middleware("http")(_log_request)
    return app


def _operation_id(route: APIRoute) -> str:
    """An operation's OpenAPI id is its function's name (``create_journey``), for clients
    generated from the document."""
    return route.name


async def _log_request(request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """One line per request: method, route template, status, time (no ids, no keys)."""
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    template = "-" if route is None else route.path  # "-": no route (a mistyped path)
    if isinstance(route, APIRoute):  # the API's routes are known without their prefix
        template = PREFIX + template
    LOG.info("%s %s %d %.0f ms", request.method, template, response.status_code,
             (time.perf_counter() - started) * 1000)
    return response
