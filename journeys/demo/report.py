"""Per-tile numbers of each journey, read from the engine's outputs (C7), as rich tables.

Why: the first question after a demo run (or a simulation) is "where are my members, and
which way did they go?". This answers it from ``journeys.journey_steps`` and
``journeys.journey_state`` alone, tile by tile in the order a member meets them, so it works
on any warehouse the engine has ticked, without the dbt marts.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from journeys.demo.governance_report import governance_counts, governance_table
from journeys.spec.models import ExitTile, JourneySpec, edges

SCHEMA = "journeys"
EXIT_TILE_ID = "_exit"


@dataclass(frozen=True)
class TileStats:
    """What happened at one tile.

    Attributes:
        tile_id, tile_type: the tile.
        active: entries waiting at the tile now (``journey_state`` status ``active``).
        passed: steps that left the tile for another tile (``from_tile`` = this tile).
        exited: entries that ended here: completed at this exit tile, or exited early
            (S15) while at this tile.
        via: steps that left the tile, by edge label (``yes``/``no``, split paths, ``next``/
            ``timeout``); shown for tiles with more than one way out.
    """

    tile_id: str
    tile_type: str
    active: int = 0
    passed: int = 0
    exited: int = 0
    via: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class JourneySummary:
    """One journey's totals: entries, where they are, and why the early ones left."""

    journey_id: str
    entered: int
    active: int
    completed: int
    exited_early: dict[str, int]

    def line(self) -> str:
        """``entered 120 · active 30 · completed 80 · exited early 10 (timeout 6, event 4)``."""
        early = sum(self.exited_early.values())
        reasons = ", ".join(f"{r} {n:,}" for r, n in sorted(self.exited_early.items()))
        return (
            f"entered {self.entered:,} · active {self.active:,} · completed {self.completed:,}"
            f" · exited early {early:,}" + (f" ({reasons})" if reasons else "")
        )


def dag_order(spec: JourneySpec) -> list[str]:
    """Tile ids in the order a member meets them: a topological order from the entry tile.

    Edges are followed in the order they are written (``yes`` before ``no``), so the table
    reads like the spec. Tiles the entry cannot reach (invalid specs) come last.

    Example:
        >>> from journeys.spec.models import JourneySpec
        >>> spec = JourneySpec.model_validate({"id": "j", "name": "J",
        ...     "entry": {"manual": True}, "tiles": {
        ...     "done": {"type": "exit"}, "b": {"type": "wait", "duration": "1d", "next": "done"},
        ...     "start": {"type": "entry", "next": "b"}}})
        >>> dag_order(spec)
        ['start', 'b', 'done']
    """
    entries = [tid for tid, t in spec.tiles.items() if t.type == "entry"]
    reachable: list[str] = []
    todo = deque(entries)
    while todo:
        tid = todo.popleft()
        if tid in reachable or tid not in spec.tiles:
            continue
        reachable.append(tid)
        todo.extend(target for _, target in edges(spec.tiles[tid]))
    indegree = Counter(
        target
        for tid in reachable
        for _, target in edges(spec.tiles[tid])
        if target in spec.tiles
    )
    order: list[str] = []
    ready = deque(tid for tid in entries if indegree[tid] == 0)
    while ready:
        tid = ready.popleft()
        order.append(tid)
        for _, target in edges(spec.tiles[tid]):
            if target in spec.tiles:
                indegree[target] -= 1
                if indegree[target] == 0:
                    ready.append(target)
    return order + [tid for tid in spec.tiles if tid not in order]


def _has_outputs(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name in ('journey_steps', 'journey_state')",
        [SCHEMA],
    ).fetchone()
    return bool(found and found[0] == 2)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, journey_id: str) -> list[tuple]:
    return con.execute(sql, [journey_id]).fetchall()


def tile_stats(con: duckdb.DuckDBPyConnection, spec: JourneySpec) -> list[TileStats]:
    """The numbers of every tile of one journey, in :func:`dag_order`.

    Tiles found in the outputs but no longer in the spec (an edited journey) come last, with
    the type recorded in the steps.
    """
    active: dict[str, int] = {}
    passed: dict[str, Counter[str]] = {}
    exited: Counter[str] = Counter()
    types: dict[str, str] = {}
    if _has_outputs(con):
        steps = f"{SCHEMA}.journey_steps"
        state = f"{SCHEMA}.journey_state"
        active = dict(_rows(con, f"""
            select tile_id, count(*) from {state}
            where journey_id = ? and status = 'active' group by tile_id""", spec.id))
        for tile, via, n in _rows(con, f"""
            select from_tile, via, count(*) from {steps}
            where journey_id = ? and from_tile is not null and tile_id <> '{EXIT_TILE_ID}'
            group by from_tile, via""", spec.id):
            passed.setdefault(tile, Counter())[via] += n
        for tile, n in _rows(con, f"""
            select case when tile_id = '{EXIT_TILE_ID}' then from_tile else tile_id end,
                   count(*)
            from {steps}
            where journey_id = ? and exit_reason is not null
            group by 1""", spec.id):
            exited[tile] += n
        types = dict(_rows(con, f"""
            select tile_id, any_value(tile_type) from {steps}
            where journey_id = ? and tile_id <> '{EXIT_TILE_ID}' group by tile_id""", spec.id))
    seen = set(active) | set(passed) | set(exited) | set(types)
    order = dag_order(spec) + sorted(t for t in seen if t and t not in spec.tiles)
    stats = []
    for tid in order:
        tile = spec.tiles.get(tid)
        labels = [label for label, _ in edges(tile)] if tile is not None else []
        vias = passed.get(tid, Counter())
        stats.append(TileStats(
            tile_id=tid,
            tile_type=tile.type if tile is not None else types.get(tid, "?"),
            active=active.get(tid, 0),
            passed=sum(vias.values()),
            exited=exited.get(tid, 0),
            via=(
                {label: vias.get(label, 0) for label in labels} | dict(vias)
                if len(labels) > 1 or len(vias) > 1 else {}
            ),
        ))
    return stats


def journey_summary(con: duckdb.DuckDBPyConnection, journey_id: str) -> JourneySummary:
    """Entries of one journey: how many entered, are active, completed, or left early."""
    if not _has_outputs(con):
        return JourneySummary(journey_id, 0, 0, 0, {})
    counts = dict(_rows(con, f"""
        select status, count(*) from {SCHEMA}.journey_state
        where journey_id = ? group by status""", journey_id))
    early = dict(_rows(con, f"""
        select coalesce(exit_reason, 'unknown'), count(*) from {SCHEMA}.journey_state
        where journey_id = ? and status = 'exited' group by 1""", journey_id))
    return JourneySummary(
        journey_id=journey_id,
        entered=sum(counts.values()),
        active=counts.get("active", 0),
        completed=counts.get("completed", 0),
        exited_early=early,
    )


def _cell(n: int) -> str:
    return f"{n:,}" if n else "[dim]·[/dim]"


def tile_report(
    con: duckdb.DuckDBPyConnection, specs: Mapping[str, JourneySpec]
) -> list[Table]:
    """One rich table per journey (sorted by id): a row per tile, the summary as caption.

    Args:
        con: a connection to the warehouse holding the ``journeys`` schema.
        specs: the journeys by id, as loaded from ``journey_specs/``.
    """
    tables = []
    for journey_id in sorted(specs):
        spec = specs[journey_id]
        summary = journey_summary(con, journey_id)
        table = Table(
            title=f"{spec.name} [dim]({journey_id})[/dim]",
            caption=summary.line() if _has_outputs(con) else "no ticks yet",
            title_justify="left",
            caption_justify="left",
        )
        table.add_column("tile")
        table.add_column("type", style="dim")
        table.add_column("active", justify="right")
        table.add_column("passed through", justify="right")
        table.add_column("exited here", justify="right")
        table.add_column("paths")
        for s in tile_stats(con, spec):
            paths = " · ".join(f"{label} {n:,}" for label, n in s.via.items())
            is_exit = isinstance(spec.tiles.get(s.tile_id), ExitTile)
            table.add_row(
                s.tile_id, s.tile_type, _cell(s.active), _cell(s.passed),
                f"[bold]{_cell(s.exited)}[/bold]" if is_exit else _cell(s.exited), paths,
            )
        tables.append(table)
    return tables


def print_report(
    warehouse_path: Path | str,
    specs: Mapping[str, JourneySpec],
    console: Console | None = None,
) -> None:
    """Print :func:`tile_report` for a DuckDB warehouse file (opened read-only)."""
    console = console or Console()
    with duckdb.connect(str(warehouse_path)) as con:
        for table in tile_report(con, specs):
            console.print(table)
            console.print()
        only = next(iter(specs)) if len(specs) == 1 else None
        counts = governance_counts(con, only)
        if not counts.empty:
            console.print(governance_table(
                counts, "Governance: actions not sent on purpose" + (f" ({only})" if only else "")))
            console.print()
