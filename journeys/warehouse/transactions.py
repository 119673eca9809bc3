"""All-or-nothing blocks on a warehouse connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction for the block: committed when it ends, rolled back if it raises.

    The error that ended the block is the one raised: when it already ended the transaction
    (a commit that found the disk full), the rollback's own complaint is dropped.
    """
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        rollback_quietly(con.execute)
        raise


def rollback_quietly(execute: Callable[[str], object]) -> None:
    """Roll back after a failure, keeping the failure as the error to report.

    A failed commit (``No space left on device``) or an invalidated database has already
    ended the transaction, and ``rollback`` then raises ``no transaction is active``, which
    would hide the cause the user must act on.
    """
    try:
        execute("rollback")
    except Exception:  # noqa: BLE001, S110 - the failure being raised is the one to report
        pass


