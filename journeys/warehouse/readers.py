"""The reader copy: what BI tools, the API and `journeys status` read on the embedded default.

DuckDB lets no other process open a file while one writes it, and no writer in while another
process holds it, even read-only. A BI tool holds its connection all day, and a tick or a
dispatch writes for seconds to minutes, so readers and writers cannot share the working file.
After every write the tool publishes a copy of the working file next to it
(``warehouse.read.duckdb`` beside ``warehouse.duckdb``): written whole to a temporary file,
then renamed over the last copy in one step. A reader opens the copy read-only; a reader
that holds it open keeps the copy it opened (the rename leaves its file in place), so it
sees every tick whole or not at all, and a new connection sees the newest one.

The copy records the working file it was made from (device, inode, size, modification time
and the write-ahead log's). When the working file changed since (an ELT load, a write made
outside the tool), the next reader publishes it anew if no writer holds the lease; if one
does, it reads the last copy, which that writer replaces when it ends.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from journeys.warehouse.connect import FILE_WAIT_S, connect, connect_for_reading
from journeys.warehouse.lease import READER, TickBusy, held_here, tick_lease


def reader_path(warehouse: Path) -> Path:
    """The reader copy of a warehouse, the file BI tools open.

    Example:
        >>> reader_path(Path("/data/warehouse.duckdb")).name
        'warehouse.read.duckdb'
    """
    return warehouse.with_name(f"{warehouse.stem}.read{warehouse.suffix or '.duckdb'}")


def _source_path(reader: Path) -> Path:
    return reader.with_name(reader.name + ".source")


def _wal_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".wal")


def _stamp(warehouse: Path) -> str:
    """What identifies a version of the working file: a write changes one of these."""
    parts = []
    for path in (warehouse, _wal_path(warehouse)):
        try:
            st = path.stat()
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")
    return " ".join(parts)


def is_fresh(warehouse: Path) -> bool:
    """Whether the reader copy was made from the working file as it is now."""
    try:
        recorded = _source_path(reader_path(warehouse)).read_text()
    except OSError:
        return False
    return reader_path(warehouse).exists() and recorded == _stamp(warehouse)


def _write_durably(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def publish(warehouse: Path) -> Path:
    """Copy the working file to the reader copy, whole, in one rename.

    The caller holds the lease and has closed its connection: no writer of the tool is at
    work, so the file is the last commit once checkpointed (the write-ahead log folded into
    it: a connection of this process may keep the database open, so closing is not enough).
    """
    with connect(warehouse) as con:
        con.execute("checkpoint")
    reader = reader_path(warehouse)
    before = _stamp(warehouse)
    for stale in reader.parent.glob(f".{reader.name}.*.tmp"):
        with suppress(OSError):
            stale.unlink()  # left by a publisher that was killed: the lease is ours now
    _write_durably(reader, lambda tmp: shutil.copyfile(warehouse, tmp))
    if _stamp(warehouse) == before:
        _write_durably(_source_path(reader), lambda tmp: tmp.write_text(before))
    return reader


def current_copy(warehouse: Path) -> Path:
    """The file a reader should open: the reader copy, published anew first when it is stale
    and no writer is at work; the working file when no copy can be made (a read-only folder)."""
    reader = reader_path(warehouse)
    if held_here(warehouse):
        return warehouse  # this process is the writer, between its steps: it reads its writes
    if is_fresh(warehouse):
        return reader
    try:
        with tick_lease(warehouse, READER, datetime.now(UTC).replace(tzinfo=None)):
            return publish(warehouse)
    except TickBusy:
        pass  # a writer is at work: the last copy is whole, and the writer replaces it
    except (OSError, duckdb.IOException):
        pass  # the folder refuses the copy (read-only): read the working file itself
    return reader if reader.exists() else warehouse


@contextmanager
def reading(warehouse: Path, wait_s: float = FILE_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to read the warehouse as of its last finished write, closed after the
    block: it never waits for a tick or a dispatch, and none waits for it."""
    path = current_copy(warehouse)
    con = (connect(path, read_only=True, wait_s=wait_s) if path != warehouse
           else connect_for_reading(path, wait_s))
    try:
        yield con
    finally:
        con.close()
