"""The reverse-ETL step as `journeys dispatch` and the Dagster dispatch asset run it:
read ``_destinations.yml``, hold the warehouse's lease, dispatch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from journeys.settings import Settings
from journeys.validation.destinations_file import DESTINATIONS_FILE, read_destinations
from journeys.warehouse.clock import now_clock
from journeys.warehouse.writers import write_lease
from reverse_etl.dispatch import (
    Checkpoint,
    DispatchError,
    DispatchSummary,
    dispatch,
)


def run_dispatch(settings: Settings, *, holder: str = "journeys dispatch",
                 dry_run: bool = False, wait_s: float = 0.0, dry_run_file: Path | None = None,
                 log: Callable[[str], None] = lambda _: None,
                 checkpoint: Checkpoint = lambda _: None,
                 round_size: int | None = None) -> DispatchSummary:
    """Dispatch under the lease (raises :class:`journeys.warehouse.lease.TickBusy` when a tick or
    another dispatch holds it longer than ``wait_s``, and :class:`DispatchError` when the
    destinations file has problems)."""
    path = settings.project_root / DESTINATIONS_FILE
    read = read_destinations(path)
    if read.problems:
        raise DispatchError("\n".join(str(p) for p in read.problems)
                            + f"\n{len(read.problems)} problem(s) in {read.shown}: "
                            "nothing was sent")
    with write_lease(settings.warehouse, holder, now_clock(), wait_s=wait_s) as file_wait_s:
        return dispatch(settings, read.configs, dry_run=dry_run, shown_destinations=read.shown,
                        log=log, dry_run_file=dry_run_file, checkpoint=checkpoint,
                        round_size=round_size, file_wait_s=file_wait_s)
