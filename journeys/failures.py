"""What a failure of the machine or the warehouse file means, in one line for its user.

The CLI and the REST API meet the same few causes that are not bugs: a warehouse path that
is a folder, an empty or corrupt file, a read-only file or folder, a full disk, another
process holding the file. DuckDB and the operating system report them as exceptions whose
text names a file deep inside; :func:`explain` turns each into one line naming the file,
what is wrong and what to do. It answers None for anything else, which is then a bug to
report rather than a cause to hide.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

import duckdb

from journeys.warehouse.lease import TickBusy

WAREHOUSE_OPTION = "--warehouse or JOURNEYS_WAREHOUSE"

_QUOTED_FILE = re.compile(r'file "([^"]+)"')
_NO_SPACE = ("No space left on device", "Disk quota exceeded", "File too large")
READ_ONLY_CAUSES = ("Permission denied", "Operation not permitted", "Read-only file system")
"""How DuckDB words a write the file system refused."""


class WarehouseUnusable(Exception):
    """The warehouse path holds no DuckDB database the engine can open (see :func:`explain`).

    Raised before any connection by :func:`check_warehouse_file`, so every command says the
    same about the same file.
    """


def check_warehouse_file(path: Path) -> None:
    """Refuse a warehouse path that is a folder or a file that is not a DuckDB database.

    A missing file is left to the caller (some commands create it, others say to run
    `journeys demo`). The check reads the 4-byte magic DuckDB writes at offset 8, so an
    empty or foreign file gets one clear line instead of a storage error.

    Raises:
        WarehouseUnusable: with the message to print.

    Example:
        >>> check_warehouse_file(Path("/nonexistent/w.duckdb"))  # missing: the caller's call
        >>> check_warehouse_file(Path("/"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        journeys.failures.WarehouseUnusable: the warehouse / is a folder, not a DuckDB file: ...
    """
    if path.is_dir():
        raise WarehouseUnusable(_folder(path))
    if not path.exists():
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as err:
        raise WarehouseUnusable(_os_line(err, path) or str(err)) from None
    if head[8:12] != b"DUCK":
        raise WarehouseUnusable(_corrupt(path, empty=not head))


def _folder(path: Path) -> str:
    return (f"the warehouse {path} is a folder, not a DuckDB file: set {WAREHOUSE_OPTION} "
            f"to the .duckdb file (e.g. {path / 'warehouse.duckdb'})")


def _corrupt(path: Path, empty: bool = False) -> str:
    what = "an empty file" if empty else "not a DuckDB database (corrupt or another format)"
    return (f"the warehouse {path} is {what}: set {WAREHOUSE_OPTION} to your DuckDB file, "
            "or move this one away and run `journeys demo` to build a new one")


def disk_full(where: Path | str) -> str:
    """The line for a write that found no space (the file system of ``where``)."""
    return (f"the disk is full at {where}: free some space there (or set {WAREHOUSE_OPTION} "
            "to a file on a larger disk) and run the command again; the failed change was "
            "not kept")


def read_only(where: Path | str, warehouse: Path | None, writes: bool = True) -> str:
    """The line for a write refused by the file system (a read-only file or folder)."""
    where = Path(where)
    if warehouse is not None and where != warehouse and where.parent == warehouse.parent:
        return (f"the folder {where.parent} of the warehouse is read-only: this command writes "
                f"{where.name} beside {warehouse.name}; make the folder writable, or set "
                f"{WAREHOUSE_OPTION} to a copy in a writable folder")
    if warehouse is not None and where == warehouse:
        return (f"the warehouse {where} is read-only: this command "
                + ("writes to it" if writes else "cannot open it")
                + "; make it writable (chmod u+w), or set "
                f"{WAREHOUSE_OPTION} to a writable copy (`journeys status`, `history` and "
                "`render` only read it)")
    return f"{where} is read-only: make it writable, or choose another place"


def explain(exc: BaseException, warehouse: Path | None = None) -> str | None:
    """One line for a known cause of ``exc``, or None when it is not one (a bug).

    Args:
        exc: what was raised.
        warehouse: the warehouse file of the settings, to word messages about it.

    Example:
        >>> explain(OSError(errno.ENOSPC, "No space left on device", "/data/w.duckdb.wal"))
        ... # doctest: +ELLIPSIS
        'the disk is full at /data: free some space there ...'
    """
    if isinstance(exc, WarehouseUnusable | TickBusy):
        return str(exc)  # already one line: the file, or who holds the warehouse
    if isinstance(exc, duckdb.Error):
        return _duckdb_line(exc, warehouse)
    if isinstance(exc, OSError):
        return _os_line(exc, warehouse)
    return None


def _duckdb_line(exc: duckdb.Error, warehouse: Path | None) -> str | None:
    text = str(exc)
    quoted = _QUOTED_FILE.search(text)
    path = Path(quoted.group(1)) if quoted else warehouse
    if "not a valid DuckDB database file" in text and path is not None:
        return _corrupt(path, empty=path.is_file() and path.stat().st_size == 0)
    if "Is a directory" in text and path is not None:
        return _folder(path)
    if any(cause in text for cause in _NO_SPACE):
        return disk_full(path.parent if path is not None else "the warehouse's disk")
    if "attached in read-only mode" in text and warehouse is not None:
        return read_only(warehouse, warehouse)
    if any(cause in text for cause in READ_ONLY_CAUSES) and path is not None:
        return read_only(path, warehouse)
    if "Could not set lock" in text or "Conflicting lock" in text:
        return (f"the warehouse {path} is in use by another process (a tick, a dispatch or "
                "the API server): try again when it ends")
    if isinstance(exc, duckdb.IOException) and path is not None:
        what = "the warehouse" if warehouse is None or path == warehouse else "the file"
        return f"{what} {path} cannot be used: {_first_line(text)}"
    return None


def _os_line(exc: OSError, warehouse: Path | None) -> str | None:
    where = exc.filename
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return disk_full(Path(where).parent if where else "the project's disk")
    if where is None:
        return None
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return read_only(where, warehouse)
    if exc.errno == errno.ENAMETOOLONG:
        return f"the name is too long for the file system: {str(where)[:80]}…"
    return f"{where}: {exc.strerror or exc}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
