"""Group commit: the small writes due while a commit is running become the next commit.

Every request of a dispatch writes its intent before it leaves and its outcome when it
returns. One transaction each would cost a commit (about 2 ms, the WAL's fsync) per write,
and would block the event loop meanwhile. Instead one commit runs at a time, in a worker
thread (DuckDB releases the GIL while it works, so requests keep leaving and returning),
and every write asked for while it runs goes into the next one, as databases group the
commits of concurrent transactions. Each writer still waits until its own rows are
committed: an intent is durable before its request leaves, whatever the grouping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")


class GroupCommit(Generic[Item]):
    """Writes items in groups, one group at a time, off the event loop.

    ``write`` gets every item collected (it must be one transaction: all or none) and
    runs in a worker thread; nothing else may use its connection meanwhile. ``prepare``,
    if given, gets the same items first, on the event loop's thread (for what must not
    race with the loop, such as flushing a file it writes). Made inside the event loop.

    Example:
        >>> batches = []
        >>> async def main():
        ...     group = GroupCommit(batches.append)
        ...     await asyncio.gather(*(group.add([n]) for n in range(3)))
        >>> asyncio.run(main()); batches
        [[0, 1, 2]]
    """

    def __init__(self, write: Callable[[list[Item]], None],
                 prepare: Callable[[list[Item]], None] | None = None) -> None:
        self._write, self._prepare = write, prepare
        self._pending: list[Item] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._loop = asyncio.get_running_loop()
        self._writer: asyncio.Task[None] | None = None

    def add(self, items: Sequence[Item]) -> asyncio.Future[None]:
        """Queue ``items`` for the next group; the future is done once they are committed
        (or holds what the write raised). Groups commit in order: items queued before
        others are never committed after them."""
        done = self._loop.create_future()
        self._pending.extend(items)
        self._waiters.append(done)
        if self._writer is None or self._writer.done():
            self._writer = self._loop.create_task(self._drain())
        return done

    async def idle(self) -> None:
        """Wait until every item queued so far is written (or its write failed), even when
        those who queued them were cancelled meanwhile."""
        while self._writer is not None and not self._writer.done():
            await asyncio.wait([self._writer])

    async def _drain(self) -> None:
        while self._waiters:
            items, waiters = self._pending, self._waiters
            self._pending, self._waiters = [], []
            try:
                if self._prepare is not None:
                    self._prepare(items)
                await asyncio.to_thread(self._write, items)
            except Exception as failure:  # every writer of the group learns it failed
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(failure)
                continue
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
