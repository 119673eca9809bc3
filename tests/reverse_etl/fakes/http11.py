"""Just enough HTTP/1.1 for the fakes: read a request off a stream, write a reply.

Keep-alive, ``Content-Length`` and chunked bodies, ``Expect: 100-continue``. Hand-written
over asyncio streams rather than ``http.server``: one event-loop thread serves every
connection, so a benchmark with hundreds of connections adds no threads competing with
the client for the GIL (the sink serves over 10,000 requests/s to a raw asyncio client),
and closing the server can cancel a handler that sleeps in a ``slow`` or ``hang`` fault.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus

from tests.reverse_etl.fakes.wire import Incoming, Reply

MAX_HEAD = 64 * 1024


class BadRequest(Exception):
    """The bytes on the wire are not an HTTP/1.x request we can read."""


@dataclass(frozen=True)
class ReadRequest:
    """A request and whether the client wants the connection kept open after it."""

    request: Incoming
    keep_alive: bool


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    try:
        text = head.decode("latin-1")
        request_line, *header_lines = text.rstrip("\r\n").split("\r\n")
        method, target, version = request_line.split(" ")
    except ValueError as error:
        raise BadRequest("malformed request line") from error
    if not version.startswith("HTTP/1."):
        raise BadRequest("unsupported HTTP version")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest("malformed header line")
        key = name.lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return method, target, version, headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        line = await reader.readuntil(b"\r\n")
        try:
            size = int(line.split(b";")[0].strip() or b"0", 16)
        except ValueError as error:
            raise BadRequest("malformed chunk size") from error
        if size == 0:
            while (await reader.readuntil(b"\r\n")).strip():  # trailers
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readuntil(b"\r\n")


async def read_request(reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> ReadRequest | None:
    """The next request on the connection, or None when the client closed it cleanly."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise BadRequest("connection closed mid-request") from error
        return None
    except asyncio.LimitOverrunError as error:
        raise BadRequest("request head too large") from error
    method, target, version, headers = _parse_head(head)
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError as error:
            raise BadRequest("malformed Content-Length") from error
        body = await reader.readexactly(length) if length > 0 else b""
    connection = headers.get("connection", "").lower()
    keep_alive = ("close" not in connection if version == "HTTP/1.1"
                  else "keep-alive" in connection)
    return ReadRequest(Incoming(method, target, headers, body), keep_alive)


def encode_reply(reply: Reply, server: str, keep_alive: bool) -> bytes:
    """Status line, headers and body as one buffer: one write, no Nagle stall."""
    lines = [f"HTTP/1.1 {reply.status} {_phrase(reply.status)}",
             f"Date: {formatdate(usegmt=True)}", f"Server: {server}",
             f"Content-Length: {len(reply.body)}"]
    lines += [f"{name}: {value}" for name, value in reply.headers.items()]
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body
