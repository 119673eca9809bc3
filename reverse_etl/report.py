"""The terminal summary of a dispatch: counts only, never member data."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from journeys.warehouse.readers import reading
from reverse_etl.dispatch import DispatchSummary

ORDER = ("would_send", "sent", "retrying", "unknown", "dead", "failed", "deferred",
         "suppressed")


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
    if summary.reasons:
        console.print("not sent on purpose: " + ", ".join(
            f"{n} {status} ({reason})" for (status, reason), n in sorted(summary.reasons.items())))
    if summary.queued:
        console.print(f"{summary.queued} new due action(s) queued")
    if summary.held_paused:
        console.print(f"{summary.held_paused} action(s) of paused journeys held: they go out "
                      "after `journeys resume`")
    if summary.left_queued:
        console.print(f"{summary.left_queued} action(s) still queued for a later retry")
    if summary.dry_run_file:
        console.print(f"requests written to {summary.dry_run_file}; nothing was sent")


def print_sent(warehouse: Path, dispatch_id: str, console: Console) -> None:
    """What a dispatch delivered, by journey, tile and template (counts, not members)."""
    with reading(warehouse) as con:
        rows = con.execute(
            "select l.journey_id, l.tile_id, l.destination, d.template, count(*) "
            "from journeys.delivery_log l join journeys.due_actions d using (action_id) "
            "where l.dispatch_id = ? and l.status = 'sent' group by all order by all",
            [dispatch_id]).fetchall()
    if not rows:
        return
    table = Table(title="sent, by tile")
    for name in ("journey", "tile", "destination", "template", "sent"):
        table.add_column(name, justify="right" if name == "sent" else "left")
    for journey_id, tile_id, destination, template, count in rows:
        table.add_row(journey_id, tile_id, destination, template or "", str(count))
    console.print(table)
