"""The terminal summary of a dispatch: counts only, never member data."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from reverse_etl.dispatch import DispatchSummary

ORDER = ("would_send", "sent", "retrying", "unknown", "dead", "failed", "suppressed")


def print_summary(summary: DispatchSummary, console: Console) -> None:
    statuses = [s for s in ORDER if summary.by_status.get(s)] + sorted(
        s for s in summary.by_status if s not in ORDER)
    kind = "dry run" if summary.dry_run else "dispatch"
    if not summary.by_status:
        console.print(f"{kind} {summary.dispatch_id}: nothing to dispatch")
        return
    table = Table(title=f"{kind} {summary.dispatch_id}",
                  caption=f"{summary.requests} request(s) in {summary.elapsed_ms / 1000:.1f} s")
    table.add_column("destination")
    for status in statuses:
        table.add_column(status, justify="right")
    for name, counts in sorted(summary.by_destination.items()):
        table.add_row(name, *(str(counts.get(s, 0)) for s in statuses))
    if len(summary.by_destination) > 1:
        table.add_row("all", *(str(summary.by_status.get(s, 0)) for s in statuses))
    console.print(table)
    if summary.queued:
        console.print(f"{summary.queued} new due action(s) queued")
    if summary.left_queued:
        console.print(f"{summary.left_queued} action(s) still queued for a later retry")
    if summary.dry_run_file:
        console.print(f"requests written to {summary.dry_run_file}; nothing was sent")
