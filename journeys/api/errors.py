"""Failures as HTTP answers: one status per kind of failure, the CLI's message as ``detail``.

The engine raises the same exceptions for the CLI and the API; this module is the one place
that says which status each gets (unknown journey 404, a change the state does not allow
409, spec problems 422, a busy or missing warehouse 503), so that no user input ends in a
500 and every body has the same shape, :class:`~journeys.api.models.ErrorBody`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from journeys.api.models import ErrorBody
from journeys.failures import explain
from journeys.lifecycle import SpecProblems, TransitionError, UnknownJourney
from journeys.limits import MAX_REQUEST_BYTES, without_surrogates
from journeys.redaction import Redactor
from journeys.warehouse.lease import TickBusy

RETRY_AFTER_S = 5


class ApiError(Exception):
    """A failure with its HTTP status, message and, for spec problems, their lines."""

    def __init__(self, status: int, detail: str, problems: list[str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problems = problems
        self.headers = headers


def busy(detail: str) -> ApiError:
    """503 with ``Retry-After``: another process holds the warehouse (a tick, a dispatch)."""
    return ApiError(503, detail, headers={"Retry-After": str(RETRY_AFTER_S)})


def too_large() -> str:
    """The 413 message: the limit, and what to send instead."""
    return (f"the request body is larger than {MAX_REQUEST_BYTES:,} bytes (1 MB), the API's "
            "limit: send one journey spec, or at most 10,000 member ids, per request")


def _body(detail: str, problems: list[str] | None = None) -> dict[str, Any]:
    """The answer's body; a lone surrogate (``\\ud800``, which JSON text may carry but UTF-8
    cannot) quoted from the input is replaced, so that the message can always be sent."""
    return ErrorBody(detail=without_surrogates(detail), problems=None if problems is None else [
        without_surrogates(p) for p in problems]).model_dump(exclude_none=True)


def _answer(error: ApiError) -> JSONResponse:
    return JSONResponse(_body(error.detail, error.problems), status_code=error.status,
                        headers=error.headers)


def _from_engine(exc: Exception, warehouse: Path | None = None) -> ApiError:
    if isinstance(exc, UnknownJourney):
        return ApiError(404, str(exc))
    if isinstance(exc, TransitionError):
        return ApiError(409, str(exc))
    if isinstance(exc, SpecProblems):
        return ApiError(422, str(exc).split("\n", 1)[0], [str(p) for p in exc.problems])
    if isinstance(exc, TickBusy):
        return busy(str(exc))
    if isinstance(exc, RecursionError):
        return ApiError(422, "the request is nested too deeply to read: see the limits in the "
                             "README (Writing a journey)")
    known = explain(exc, warehouse)
    if known is not None and "in use by another process" not in known:
        return ApiError(503, known)  # a corrupt, read-only or full warehouse: not busy
    return busy(f"the warehouse is in use by another process; try again "
                f"({Redactor().clean(str(exc))})")


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def request_problem(exc: RequestValidationError) -> str:
    """One line per malformed part of a request (``body.member_ids: …``)."""
    return "; ".join(f"{_field(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}"
                     for e in exc.errors()) or "invalid request"


def install(app: FastAPI) -> None:
    """Register the handlers that turn failures into :class:`ErrorBody` answers."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return _answer(exc)

    @app.exception_handler(RequestValidationError)
    async def _malformed(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _answer(ApiError(422, f"malformed request: {request_problem(exc)}"))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body that is not JSON text: malformed like the rest
            return _answer(ApiError(422, f"malformed request: {exc.detail} (send JSON text, "
                                         "UTF-8)"))
        if exc.status_code == 413:
            return _answer(ApiError(413, too_large()))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:  # every method of the path, not those of one route
            headers["Allow"] = ", ".join(_methods_of(app, request.scope["path"]))
        return JSONResponse(_body(str(exc.detail)), status_code=exc.status_code,
                            headers=headers or None)

    for kind in (UnknownJourney, TransitionError, SpecProblems, TickBusy, duckdb.IOException,
                 RecursionError):
        app.add_exception_handler(kind, _engine)


async def _engine(request: Request, exc: Exception) -> JSONResponse:
    return _answer(_from_engine(exc, request.app.state.journeys.settings.warehouse))


def _methods_of(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI document lists for the path template ``path`` matches."""
    for template, operations in app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return sorted(method.upper() for method in operations)
    return []


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of the error answers a route may give (401 for every route)."""
    described = {
        401: "No API key, or a wrong one.",
        404: "No journey has that id (the message lists those there are).",
        409: "The journey's state does not allow this (the message says what does).",
        422: "Malformed request, or spec problems (`problems` lists them).",
        503: "The warehouse is missing, or busy with a tick (see `Retry-After`).",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted({401, *statuses}):
        entry: dict[str, Any] = {"model": ErrorBody, "description": described[status]}
        if status == 401:
            entry["headers"] = {"WWW-Authenticate": {
                "description": "`Bearer`", "required": True, "schema": {"type": "string"}}}
        if status == 503:
            entry["headers"] = {"Retry-After": {
                "description": "Seconds to wait when busy", "schema": {"type": "integer"}}}
        out[status] = entry
    return out
