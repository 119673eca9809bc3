"""The socket side of the fakes: an asyncio server in its own thread that can misbehave.

Besides answering, it can cut a connection with a TCP RST (``SO_LINGER`` 0, so the client
reads ``ECONNRESET`` rather than a clean end of stream) or close it without answering.
Every connection is a task on one event loop; :meth:`Transport.close` cancels them, so a
hung or slow handler never outlives its server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from typing import TYPE_CHECKING, Any

from tests.reverse_etl.fakes.http11 import BadRequest, encode_reply, read_request
from tests.reverse_etl.fakes.wire import Reply

if TYPE_CHECKING:
    from tests.reverse_etl.fakes.base import FakeServer

STOP_TIMEOUT_S = 5.0
BACKLOG = 1024
RST_LINGER = struct.pack("ii", 1, 0)


def _abort_with_rst(writer: asyncio.StreamWriter) -> None:
    """Drop the connection so the peer gets a RST: linger 0, then abort (no FIN, no flush)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RST_LINGER)
    writer.transport.abort()


class Transport:
    """A started server for one fake, listening on 127.0.0.1 on a free port."""

    def __init__(self, fake: FakeServer) -> None:
        self._fake = fake
        self._server_header = f"fake-{fake.name}"
        self._loop = asyncio.new_event_loop()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"fake-{fake.name}-server")
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(STOP_TIMEOUT_S)
        except BaseException:
            self.close()
            raise

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0,
                                                  backlog=BACKLOG)
        self.port = self._server.sockets[0].getsockname()[1]

    def close(self) -> None:
        """Stop listening, cancel every connection (waking sleepers), stop the loop."""
        if not self._loop.is_running():
            return
        with contextlib.suppress(TimeoutError):
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(STOP_TIMEOUT_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT_S)
        if not self._thread.is_alive():
            self._loop.close()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # the server is closing (3.11's stream callback would log a re-raise)
        except BadRequest:
            writer.write(encode_reply(Reply(400, b"bad request"), self._server_header, False))
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> bool:
        """Serve one request; whether the connection stays open for the next."""
        read = await read_request(reader, writer)
        if read is None:
            return False
        exchange = self._fake.admit(read.request, time.monotonic())
        try:
            if exchange.delay_s > 0:
                await asyncio.sleep(exchange.delay_s)
            if exchange.ending == "reset":
                _abort_with_rst(writer)
                return False
            if exchange.ending == "close" or exchange.reply is None:
                return False
            writer.write(encode_reply(exchange.reply, self._server_header, read.keep_alive))
            await writer.drain()
            return read.keep_alive
        finally:
            self._fake.finished(exchange, time.monotonic())
