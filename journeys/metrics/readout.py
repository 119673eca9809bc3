"""The numbers of one journey as Python values: what ``status``, ``render`` and Dagster show.

Why a module of its own: the terminal table, the JSON of ``journeys status --json``, the
picture and the Dagster metadata must show the same numbers. All of them read the metrics
models (``journey_tile_stats``, ``journey_metrics``, ``journey_split_readout``) through
:func:`read_readout` and print these values; none recomputes a count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from journeys.compiler.graph import tile_depths, tiles_in_order
from journeys.spec.models import JourneySpec
from journeys.warehouse.tables import HOLDOUT_TILE


@dataclass(frozen=True)
class TileStats:
    """One tile's counts (a row of ``journey_tile_stats``).

    Attributes:
        reached: steps that reached the tile (each entry counts once per tile).
        active: entries waiting at the tile now.
        passed_through: steps that left the tile for another tile.
        exited_here: entries that ended at the tile: completed at this exit tile, or exited
            early (S15) while at it.
        paths: for a tile with more than one way out (branch, split, wait with a timeout):
            steps out by edge label, in the order the spec writes them.
        actions_due … deferred: the tile's actions and where their delivery stands (the
            latest ``delivery_log`` row of each action): ``delivery_errors`` counts every
            action whose latest attempt was not a success (failed, dead, unknown, retrying);
            ``retrying`` and ``gave_up`` (failed or dead) are parts of it.
    """

    tile_id: str
    tile_type: str
    depth: int | None = None
    reached: int = 0
    active: int = 0
    passed_through: int = 0
    exited_here: int = 0
    paths: dict[str, int] = field(default_factory=dict)
    actions_due: int = 0
    sent: int = 0
    delivery_errors: int = 0
    retrying: int = 0
    gave_up: int = 0
    suppressed: int = 0
    deferred: int = 0

    def path_shares(self) -> dict[str, float]:
        """Each way out's share of the steps out (0.0 – 1.0); empty before any step."""
        total = sum(self.paths.values())
        return {label: n / total for label, n in self.paths.items()} if total else {}


@dataclass(frozen=True)
class JourneyMetrics:
    """One journey's totals (a row of ``journey_metrics``): ``conversion_rate`` is
    converted / entered (null without a goal), ``last_tick_at`` a UTC clock."""

    journey_id: str
    entered: int = 0
    active: int = 0
    completed: int = 0
    exited_early: int = 0
    converted: int = 0
    conversion_rate: float | None = None
    avg_duration_s: float | None = None
    last_tick_at: datetime | None = None


@dataclass(frozen=True)
class ArmReadout:
    """One arm of an A/B comparison (a row of ``journey_split_readout``): a split path, or
    the global holdout's two groups (``tile_id`` ``_holdout``, paths ``holdout``/``messaged``).

    ``diff`` is this arm's conversion rate minus the baseline arm's, with a 95% interval
    (``ci_low``, ``ci_high``); all three are null for the baseline itself or when either arm
    has no entries.
    """

    tile_id: str
    path: str
    is_baseline: bool
    entered: int
    converted: int
    conversion_rate: float | None
    baseline_path: str
    diff: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class JourneyReadout:
    """Everything shown about one journey."""

    journey_id: str
    name: str
    metrics: JourneyMetrics
    tiles: tuple[TileStats, ...] = ()
    arms: tuple[ArmReadout, ...] = ()

    def tile(self, tile_id: str) -> TileStats | None:
        return next((t for t in self.tiles if t.tile_id == tile_id), None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps as ISO 8601): ``journeys status --json``."""
        out = asdict(self)
        last = self.metrics.last_tick_at
        out["metrics"]["last_tick_at"] = last.isoformat() if last else None
        return out


# --- reading the metrics models ------------------------------------------------------------

SCHEMA = "journeys"
VIEWS = ("journey_tile_stats", "journey_metrics", "journey_split_readout")
_TILE_FIELDS = ("tile_id", "tile_type", "depth", "reached", "active", "passed_through",
                "exited_here", "branch_distribution", "actions_due", "sent", "delivery_errors",
                "retrying", "gave_up", "suppressed", "deferred")
_METRIC_FIELDS = ("entered", "active", "completed", "exited_early", "converted",
                  "conversion_rate", "avg_duration_s", "last_tick_at")
_ARM_FIELDS = ("tile_id", "path", "is_baseline", "entered", "converted", "conversion_rate",
               "baseline_path", "diff", "ci_low", "ci_high")


def has_metrics(con: Any) -> bool:
    """Whether the warehouse holds the metrics models (after a tick of this version)."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and "
        f"table_name in ({', '.join('?' for _ in VIEWS)})", [SCHEMA, *VIEWS]).fetchone()
    return bool(found and found[0] == len(VIEWS))


def _rows(con: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _tile(row: dict[str, Any]) -> TileStats:
    values = {k: row[k] for k in _TILE_FIELDS if k != "branch_distribution"}
    paths = json.loads(row["branch_distribution"]) if row["branch_distribution"] else {}
    return TileStats(**values, paths=paths)


def read_readout(con: Any, spec: JourneySpec) -> JourneyReadout:
    """One journey's numbers from the metrics models (zeros before its first tick).

    Args:
        con: a DB-API style connection to the warehouse (DuckDB's).
        spec: the journey, for its name and its tiles when nothing has ticked yet.
    """
    if not has_metrics(con):
        depths = tile_depths(spec)
        return JourneyReadout(spec.id, spec.name, JourneyMetrics(spec.id), tiles=tuple(
            TileStats(t, spec.tiles[t].type, depths.get(t)) for t in tiles_in_order(spec)))
    tiles = _rows(con, f"select {', '.join(_TILE_FIELDS)} from {SCHEMA}.journey_tile_stats "
                       "where journey_id = ? order by tile_order nulls last, tile_id", [spec.id])
    metrics = _rows(con, f"select {', '.join(_METRIC_FIELDS)} from {SCHEMA}.journey_metrics "
                         "where journey_id = ?", [spec.id])
    arms = _rows(con, f"select {', '.join(_ARM_FIELDS)} from {SCHEMA}.journey_split_readout "
                      "where journey_id = ? order by tile_id = ?, tile_id, "
                      "is_baseline desc, path", [spec.id, HOLDOUT_TILE])
    return JourneyReadout(
        journey_id=spec.id, name=spec.name,
        metrics=JourneyMetrics(spec.id, **metrics[0]) if metrics else JourneyMetrics(spec.id),
        tiles=tuple(_tile(r) for r in tiles),
        arms=tuple(ArmReadout(**r) for r in arms),
    )
