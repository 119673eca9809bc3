"""``python -m benchmarks.sink --port-file F [--latency-ms N] [--count-file C]``: a fast
local HTTP sink for the dispatch benchmark, in its own process.

It answers every request ``200 {}`` after a fixed latency (a provider's round trip), over
HTTP/1.1 keep-alive, and counts what arrived per path: requests, and *actions* (a
SendGrid-shaped body carries one per personalization, any other body one). On SIGTERM or
SIGINT it writes the counts as JSON to the count file and exits, so the figure can check
that every action arrived exactly once. :func:`running` starts one and stops it.

Its own process, because its CPU must not compete with the measured process for a GIL;
asyncio streams and a minimal parser (request line, ``Content-Length`` bodies, no chunked
bodies, no pipelining), because httpx needs no more and every microsecond here is one the
measured process might wait for.

Example (the parsing helpers):
    >>> parse_head(b"POST /hooks HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 7\\r\\n\\r\\n")
    ('POST', '/hooks', 7, True)
    >>> actions_in(b'{"personalizations": [{}, {}, {}]}'), actions_in(b'{"points": 3}')
    (3, 1)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            b"\r\n{}")


def parse_head(head: bytes) -> tuple[str, str, int, bool]:
    """Method, path (without the query), body length and whether the connection stays open,
    from a request's head (request line and headers, up to the blank line).

    Example:
        >>> parse_head(b"GET /a?b=1 HTTP/1.1\\r\\nConnection: close\\r\\n\\r\\n")
        ('GET', '/a', 0, False)
    """
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    length, keep_alive = 0, version.strip() == "HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() in ("close", "keep-alive"):
            keep_alive = value.strip().lower() == "keep-alive"
    return method, target.split("?", 1)[0], length, keep_alive


def actions_in(body: bytes) -> int:
    """The actions a request body carries: its personalizations when SendGrid-shaped,
    else one."""
    if b'"personalizations"' not in body:
        return 1
    try:
        return len(json.loads(body)["personalizations"])
    except (ValueError, KeyError, TypeError):
        return 1


class Sink:
    """The server's state: the latency it adds and what arrived."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.requests: Counter[str] = Counter()
        self.actions: Counter[str] = Counter()
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                method, path, length, keep_alive = parse_head(head)
                body = await reader.readexactly(length) if length else b""
                if method == "POST":
                    self.requests[path] += 1
                    self.actions[path] += actions_in(body)
                if self.latency_s:
                    await asyncio.sleep(self.latency_s)
                writer.write(RESPONSE)
                await writer.drain()
                if not keep_alive:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    def counts(self) -> dict[str, object]:
        return {"requests": dict(self.requests), "actions": dict(self.actions),
                "connections": self.connections, "cpu_s": round(time.process_time(), 3)}


async def serve(port_file: Path, count_file: Path | None, latency_s: float) -> None:
    sink = Sink(latency_s)
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    written = port_file.with_name(port_file.name + ".tmp")
    written.write_text(str(port))
    os.replace(written, port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()
    counts = json.dumps(sink.counts())
    if count_file is not None:
        count_file.write_text(counts)
    print(counts, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sink",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--port-file", type=Path, required=True,
                        help="where to write the port it listens on (127.0.0.1)")
    parser.add_argument("--count-file", type=Path, help="where to write the counts on exit")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="added before every answer (a provider's round trip)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port_file, args.count_file, args.latency_ms / 1000))
    return 0


@dataclass
class SinkProcess:
    """A running sink (its own process) and where it listens."""

    process: subprocess.Popen
    url: str
    count_file: Path

    def stop(self) -> dict[str, Any]:
        """Stop it; what arrived (requests and actions per path, connections, its CPU)."""
        self.process.terminate()
        self.process.wait(timeout=30)
        return json.loads(self.count_file.read_text())


@contextmanager
def running(folder: Path, latency_ms: float) -> Iterator[SinkProcess]:
    """A sink process on 127.0.0.1 answering after ``latency_ms``; its files in ``folder``.
    Killed on the way out unless :meth:`SinkProcess.stop` stopped it."""
    port_file, count_file = folder / "sink.port", folder / "sink.counts.json"
    port_file.unlink(missing_ok=True)
    count_file.unlink(missing_ok=True)
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.sink", "--port-file",
                                str(port_file), "--count-file", str(count_file),
                                "--latency-ms", str(latency_ms)], cwd=REPO,
                               stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sink did not start")
            time.sleep(0.05)
        yield SinkProcess(process, f"http://127.0.0.1:{port_file.read_text()}", count_file)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
