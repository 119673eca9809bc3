"""The metrics models (C7 ``journey_tile_stats``, ``journey_metrics``; the A/B readout).

Why this shape: BI tools, ``journeys status``, the journey picture and Dagster read these
at any time, and a tick must not pay for history. So each tick appends small counts (steps
by tile and edge, ended entries with their durations, new conversions), and the metrics
are views that add those counts up and join what is open now. Their cost follows the
number of ticks and tiles, not of steps ever taken; the A/B readout reads one row per entry
and arm (``journey_split_entries``), at read time.

Tiles come from the specs (compiled in as constants), so a tile nobody reached yet still
has its row of zeros, as a canvas shows every tile.
"""

from __future__ import annotations

import json

from sqlglot import exp

from journeys.compiler import dialect
from journeys.compiler.governance_models import in_holdout
from journeys.compiler.graph import tile_depths, tiles_in_order
from journeys.compiler.plan import ColumnDoc, ModelPlan, empty_relation
from journeys.compiler.project_models import output_plan, union_of_parts
from journeys.compiler.walk import col, lit, table, union_all
from journeys.spec.governance import GovernanceSpec
from journeys.spec.models import JourneySpec, edges
from journeys.warehouse import tables
from journeys.warehouse.relations import INTERNAL_SCHEMA, log_table, part, ref

Z = 1.96
"""Two-sided 95% quantile of the normal distribution."""


def _constants(rows: list[dict[str, exp.Expression]]) -> exp.Query:
    """Rows of constants as a union of selects (portable where VALUES is not)."""
    return union_all([exp.select(*[exp.alias_(v, k) for k, v in row.items()]) for row in rows])


def _int(value: int | None) -> exp.Expression:
    return dialect.typed_null("integer") if value is None else exp.Cast(
        this=lit(value), to=dialect.INTEGER.copy())


def _total(value: exp.Expression) -> exp.Expression:
    """``cast(coalesce(sum(value), 0) as bigint)``: engines widen sums differently."""
    return exp.Cast(this=exp.func("coalesce", exp.func("sum", value), lit(0)),
                    to=dialect.BIGINT.copy())


def _count_of(value: exp.Expression) -> exp.Expression:
    """``cast(coalesce(value, 0) as bigint)`` for a count joined from another CTE."""
    return exp.Cast(this=exp.func("coalesce", value, lit(0)), to=dialect.BIGINT.copy())


def _when(cond: exp.Expression, value: exp.Expression) -> exp.Expression:
    return exp.Case().when(cond, value).else_(lit(0))


def _ratio(num: exp.Expression, den: exp.Expression) -> exp.Expression:
    """``num / nullif(den, 0)`` in floating point (integer division differs by engine)."""
    return exp.Div(this=exp.Cast(this=num, to=dialect.DOUBLE.copy()),
                   expression=exp.func("nullif", exp.Cast(this=den, to=dialect.DOUBLE.copy()),
                                       lit(0)))


def _eq(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.EQ(this=a, expression=b)


def _on(left: str, right: str, *keys: str) -> exp.Expression:
    return exp.and_(*[_eq(col(k, left), col(k, right)) for k in keys])


def _open_entries(journey_ids: list[str]) -> exp.Query:
    """(journey_id, tile_id, active): entries open now, per tile."""
    if not journey_ids:
        return exp.select(exp.alias_(dialect.typed_null("varchar"), "journey_id"),
                          exp.alias_(dialect.typed_null("varchar"), "tile_id"),
                          exp.alias_(lit(0), "active")).where(exp.false())
    parts = [exp.select(exp.alias_(lit(j), "journey_id"), "tile_id").from_(part(f"{j}__open"))
             for j in journey_ids]
    return (exp.select("journey_id", "tile_id", exp.alias_(exp.func("count", exp.Star()),
                                                           "active"))
            .from_(exp.Subquery(this=union_all(parts),
                                alias=exp.TableAlias(this=exp.to_identifier("o"))))
            .group_by("journey_id", "tile_id"))


# --- per-tick counts (incremental) ----------------------------------------------------------


def step_counts(journey_ids: list[str]) -> ModelPlan:
    steps = exp.Subquery(this=union_of_parts(journey_ids, "steps", tables.JOURNEY_STEPS),
                         alias=exp.TableAlias(this=exp.to_identifier("s")))
    keys = ["journey_id", "tick_at", "tile_id", "tile_type", "from_tile", "via", "exit_reason"]
    query = (exp.select(*keys, exp.alias_(exp.func("count", exp.Star()), "steps"))
             .from_(steps).group_by(*keys))
    return output_plan("journey_step_counts", query, tables.STEP_COUNTS,
                       "Steps per tick, tile and edge: journey_steps added up, so the tile "
                       "statistics never read the steps themselves.", schema=INTERNAL_SCHEMA)


def entry_counts(journey_ids: list[str]) -> ModelPlan:
    ended = exp.Subquery(this=union_of_parts(journey_ids, "ended", tables.JOURNEY_STATE),
                         alias=exp.TableAlias(this=exp.to_identifier("e")))
    duration = exp.Cast(this=dialect.seconds_between(col("entered_journey_at"), col("exited_at")),
                        to=dialect.DOUBLE.copy())
    query = (exp.select("journey_id", exp.alias_(col("updated_tick_at"), "tick_at"), "status",
                        "exit_reason", exp.alias_(exp.func("count", exp.Star()), "entries"),
                        exp.alias_(exp.func("sum", duration), "duration_s"))
             .from_(ended).group_by("journey_id", "updated_tick_at", "status", "exit_reason"))
    return output_plan("journey_entry_counts", query, tables.ENTRY_COUNTS,
                       "Entries that ended per tick, status and reason, with their summed "
                       "durations (the journey metrics' average).", schema=INTERNAL_SCHEMA)


def conversions(specs: dict[str, JourneySpec]) -> ModelPlan:
    goals = [j for j in sorted(specs) if specs[j].goal is not None]
    return output_plan("journey_conversions",
                       union_of_parts(goals, "conversions", tables.JOURNEY_CONVERSIONS),
                       tables.JOURNEY_CONVERSIONS,
                       "One row per entry that reached its journey's goal (append-only).",
                       unique=("journey_id", "member_id", "entry_seq"))


# --- journey_tile_stats ---------------------------------------------------------------------


def _tile_catalog(specs: dict[str, JourneySpec]) -> list[dict[str, exp.Expression]]:
    rows = []
    for journey_id in sorted(specs):
        spec = specs[journey_id]
        depths = tile_depths(spec)
        for order, tile_id in enumerate(tiles_in_order(spec)):
            rows.append({"journey_id": lit(journey_id), "tile_id": lit(tile_id),
                         "tile_type": lit(spec.tiles[tile_id].type),
                         "depth": _int(depths.get(tile_id)), "tile_order": _int(order)})
    return rows


def _ways_out(specs: dict[str, JourneySpec]) -> dict[tuple[str, str], list[str]]:
    """(journey, tile) → its edge labels, for tiles with more than one way out."""
    return {(j, t): [label for label, _ in edges(tile)]
            for j in sorted(specs) for t, tile in specs[j].tiles.items() if len(edges(tile)) > 1}


def _distribution(ways: dict[tuple[str, str], list[str]], labels: list[str]) -> exp.Expression:
    """``{"yes": 120, "no": 80}`` as text, per tile, from the ``p_<i>`` sums of ``passed``."""
    case = exp.Case()
    for (journey_id, tile_id), names in ways.items():
        pieces: list[exp.Expression] = []
        for n, label in enumerate(names):
            pieces.append(lit(("{" if n == 0 else ", ") + json.dumps(label) + ": "))
            pieces.append(_count_of(col(f"p_{labels.index(label)}", "p")))
        pieces.append(lit("}"))
        case = case.when(exp.and_(_eq(col("journey_id", "t"), lit(journey_id)),
                                  _eq(col("tile_id", "t"), lit(tile_id))),
                         dialect.concat(*pieces))
    return case if ways else dialect.typed_null("varchar")


def _delivery() -> exp.Query:
    """Per (journey, tile), where each action's delivery stands: its latest log row."""
    rank = exp.Window(this=exp.func("row_number"), partition_by=[col("action_id")],
                      order=exp.Order(expressions=[
                          exp.Ordered(this=col("attempt"), desc=True),
                          exp.Ordered(this=col("attempted_at"), desc=True),
                          exp.Ordered(this=col("status"))]))
    latest = exp.select("journey_id", "tile_id", "status", exp.alias_(rank, "rn")).from_(
        log_table("delivery_log"))

    def status_in(*statuses: str) -> exp.Expression:
        return _total(_when(exp.In(this=col("status"), expressions=[lit(s) for s in statuses]),
                            lit(1)))

    return (exp.select("journey_id", "tile_id",
                       exp.alias_(status_in("sent"), "sent"),
                       exp.alias_(status_in("failed", "dead", "unknown", "retrying"), "errors"),
                       exp.alias_(status_in("retrying"), "retrying"),
                       exp.alias_(status_in("failed", "dead"), "gave_up"),
                       exp.alias_(status_in("suppressed"), "suppressed"),
                       exp.alias_(status_in("deferred"), "deferred"))
            .from_(exp.Subquery(this=latest, alias=exp.TableAlias(this=exp.to_identifier("l"))))
            .where(_eq(col("rn"), lit(1))).group_by("journey_id", "tile_id"))


def tile_stats(specs: dict[str, JourneySpec]) -> ModelPlan:
    journey_ids = sorted(specs)
    catalog = _tile_catalog(specs)
    cols = tables.STEP_COUNTS[0:1] + tables.STEP_COUNTS[2:4] + (
        ColumnDoc("depth", "integer"), ColumnDoc("tile_order", "integer"))
    known = _constants(catalog) if catalog else empty_relation(cols)
    sc = table("sc", "s")
    gone = (exp.select("journey_id", "tile_id", exp.alias_(exp.func("max", col("tile_type")),
                                                          "tile_type"),
                       exp.alias_(dialect.typed_null("integer"), "depth"),
                       exp.alias_(dialect.typed_null("integer"), "tile_order"))
            .from_(sc.copy())
            .where(exp.and_(exp.NEQ(this=col("tile_id", "s"), expression=lit(tables.EXIT_TILE)),
                            exp.not_(exp.Exists(this=exp.select("1").from_(table("known", "k"))
                                                .where(_on("k", "s", "journey_id", "tile_id"))))))
            .group_by("journey_id", "tile_id"))
    ways = _ways_out(specs)
    labels = list(dict.fromkeys(label for names in ways.values() for label in names))
    steps = col("steps", "s")
    not_exit = exp.NEQ(this=col("tile_id", "s"), expression=lit(tables.EXIT_TILE))
    reached = (exp.select("journey_id", "tile_id", exp.alias_(_total(steps), "n"))
               .from_(sc.copy()).where(not_exit).group_by("journey_id", "tile_id"))
    passed = (exp.select("journey_id", exp.alias_(col("from_tile"), "tile_id"),
                         exp.alias_(_total(steps.copy()), "n"),
                         *[exp.alias_(_total(_when(_eq(col("via"), lit(label)), steps.copy())),
                                      f"p_{i}") for i, label in enumerate(labels)])
              .from_(sc.copy())
              .where(exp.and_(not_exit.copy(), exp.Is(this=col("from_tile"),
                                                      expression=exp.Null()).not_()))
              .group_by("journey_id", "from_tile"))
    is_early = _eq(col("tile_id"), lit(tables.EXIT_TILE))
    where_ended = exp.Case().when(is_early, col("from_tile")).else_(col("tile_id"))
    exited = (exp.select("journey_id", exp.alias_(where_ended, "tile_id"),
                         exp.alias_(_total(steps.copy()), "n"),
                         exp.alias_(_total(_when(is_early.copy(), steps.copy())), "early"))
              .from_(sc.copy()).where(exp.Is(this=col("exit_reason"), expression=exp.Null()).not_())
              .group_by("journey_id", where_ended.copy()))
    summed = (exp.select("journey_id", "tile_id", "tile_type", "from_tile", "via", "exit_reason",
                         exp.alias_(exp.func("sum", col("steps")), "steps"))
              .from_(ref("journey_step_counts"))
              .group_by("journey_id", "tile_id", "tile_type", "from_tile", "via", "exit_reason"))
    is_action = exp.In(this=col("tile_type", "t"), expressions=[lit("action"), lit("webhook")])
    query = (
        exp.select(
            col("journey_id", "t"), col("tile_id", "t"), col("tile_type", "t"),
            col("depth", "t"), col("tile_order", "t"),
            exp.alias_(_count_of(col("n", "r")), "reached"),
            exp.alias_(_count_of(col("active", "a")), "active"),
            exp.alias_(_count_of(col("n", "p")), "passed_through"),
            exp.alias_(_count_of(col("n", "x")), "exited_here"),
            exp.alias_(_count_of(col("early", "x")), "exited_early_here"),
            exp.alias_(_distribution(ways, labels), "branch_distribution"),
            exp.alias_(exp.Case().when(is_action, _count_of(col("n", "r"))).else_(
                exp.Cast(this=lit(0), to=dialect.BIGINT.copy())), "actions_due"),
            *[exp.alias_(_count_of(col(c, "d")), name) for c, name in (
                ("sent", "sent"), ("errors", "delivery_errors"), ("retrying", "retrying"),
                ("gave_up", "gave_up"), ("suppressed", "suppressed"), ("deferred", "deferred"))])
        .from_(table("tiles", "t"))
        .join(table("reached", "r"), on=_on("r", "t", "journey_id", "tile_id"), join_type="left")
        .join(table("active_now", "a"), on=_on("a", "t", "journey_id", "tile_id"),
              join_type="left")
        .join(table("passed", "p"), on=_on("p", "t", "journey_id", "tile_id"), join_type="left")
        .join(table("exited", "x"), on=_on("x", "t", "journey_id", "tile_id"), join_type="left")
        .join(table("delivery", "d"), on=_on("d", "t", "journey_id", "tile_id"),
              join_type="left")
        .with_("sc", as_=summed).with_("known", as_=known)
        .with_("tiles", as_=union_all([exp.select("*").from_("known"), gone]))
        .with_("reached", as_=reached).with_("passed", as_=passed).with_("exited", as_=exited)
        .with_("active_now", as_=_open_entries(journey_ids))
        .with_("delivery", as_=_delivery())
    )
    return output_plan("journey_tile_stats", query, tables.TILE_STATS,
                       "One row per journey and tile: where members are, which way they went, "
                       "where they left, and how the tile's actions were delivered.",
                       materialized="view", unique=("journey_id", "tile_id"), test_clock="")


# --- journey_metrics ------------------------------------------------------------------------


def journey_metrics(specs: dict[str, JourneySpec]) -> ModelPlan:
    journey_ids = sorted(specs)
    names = (ColumnDoc("journey_id", "varchar"), ColumnDoc("journey_name", "varchar"),
             ColumnDoc("has_goal", "integer"))
    known = _constants([{"journey_id": lit(j), "journey_name": lit(specs[j].name),
                         "has_goal": _int(int(specs[j].goal is not None))}
                        for j in journey_ids]) if journey_ids else empty_relation(names)
    entered = (exp.select("journey_id", exp.alias_(_total(col("steps")), "n"))
               .from_(ref("journey_step_counts")).where(_eq(col("via"), lit("entry")))
               .group_by("journey_id"))
    status = col("status")
    ended = (exp.select("journey_id",
                        exp.alias_(_total(_when(_eq(status, lit("completed")), col("entries"))),
                                   "completed"),
                        exp.alias_(_total(_when(_eq(status.copy(), lit("exited")),
                                                col("entries"))), "exited_early"),
                        exp.alias_(_total(col("entries")), "n"),
                        exp.alias_(exp.func("sum", col("duration_s")), "duration_s"))
             .from_(ref("journey_entry_counts")).group_by("journey_id"))
    active = (exp.select("journey_id", exp.alias_(_total(col("active")), "n"))
              .from_(table("open_tiles", "o")).group_by("journey_id"))
    converted = (exp.select("journey_id", exp.alias_(exp.func("count", exp.Star()), "n"))
                 .from_(ref("journey_conversions")).group_by("journey_id"))
    ticks = (exp.select("journey_id", exp.alias_(exp.func("max", col("tick_at")),
                                                  "last_tick_at"))
             .from_(ref("journey_ticks")).group_by("journey_id"))
    has_goal = _eq(col("has_goal", "j"), lit(1))
    query = (
        exp.select(
            col("journey_id", "j"), col("journey_name", "j"),
            exp.alias_(_count_of(col("n", "e")), "entered"),
            exp.alias_(_count_of(col("n", "a")), "active"),
            exp.alias_(_count_of(col("completed", "x")), "completed"),
            exp.alias_(_count_of(col("exited_early", "x")), "exited_early"),
            exp.alias_(_count_of(col("n", "c")), "converted"),
            exp.alias_(exp.Case().when(has_goal, _ratio(_count_of(col("n", "c")),
                                                        _count_of(col("n", "e")))), 
                       "conversion_rate"),
            exp.alias_(_ratio(col("duration_s", "x"), col("n", "x")), "avg_duration_s"),
            col("last_tick_at", "t"))
        .from_(table("known", "j"))
        .join(table("entered", "e"), on=_on("e", "j", "journey_id"), join_type="left")
        .join(table("active_now", "a"), on=_on("a", "j", "journey_id"), join_type="left")
        .join(table("ended", "x"), on=_on("x", "j", "journey_id"), join_type="left")
        .join(table("converted", "c"), on=_on("c", "j", "journey_id"), join_type="left")
        .join(table("ticks", "t"), on=_on("t", "j", "journey_id"), join_type="left")
        .with_("known", as_=known).with_("entered", as_=entered).with_("ended", as_=ended)
        .with_("open_tiles", as_=_open_entries(journey_ids)).with_("active_now", as_=active)
        .with_("converted", as_=converted).with_("ticks", as_=ticks)
    )
    return output_plan("journey_metrics", query, tables.JOURNEY_METRICS,
                       "One row per journey: entries, where they stand, conversion and "
                       "duration.", materialized="view", unique=("journey_id",), test_clock="")


# --- the A/B readout ------------------------------------------------------------------------


def _arms(specs: dict[str, JourneySpec], governance: GovernanceSpec | None
          ) -> list[dict[str, exp.Expression]]:
    rows = []
    for journey_id in sorted(specs):
        spec = specs[journey_id]
        goal = _int(int(spec.goal is not None))
        for tile_id, tile in spec.tiles.items():
            if tile.type != "split":
                continue
            paths = [label for label, _ in edges(tile)]
            for order, path in enumerate(paths):
                rows.append({"journey_id": lit(journey_id), "tile_id": lit(tile_id),
                             "path": lit(path), "path_order": _int(order),
                             "baseline_path": lit(paths[0]), "has_goal": goal.copy()})
        if governance is not None and governance.holdout is not None:
            for order, path in enumerate(("holdout", "messaged")):
                rows.append({"journey_id": lit(journey_id), "tile_id": lit(tables.HOLDOUT_TILE),
                             "path": lit(path), "path_order": _int(order),
                             "baseline_path": lit("holdout"), "has_goal": goal.copy()})
    return rows


def split_entries(specs: dict[str, JourneySpec], governance: GovernanceSpec | None) -> ModelPlan:
    """Each entry's arm, appended as entries take a split path (or enter, for the holdout):
    the A/B readout then reads one row per entry and arm, not every step."""
    arms = _arms(specs, governance)
    columns = tables.SPLIT_ENTRIES
    if not arms:
        query = empty_relation(columns)
    else:
        steps = exp.Subquery(this=union_of_parts(sorted(specs), "steps", tables.JOURNEY_STEPS),
                             alias=exp.TableAlias(this=exp.to_identifier("s")))
        picked = [col("member_id", "s"), col("entry_seq", "s"),
                  exp.alias_(col("entered_at", "s"), "assigned_at"), col("tick_at", "s")]
        parts: list[exp.Query] = []
        if any(r["tile_id"].name != tables.HOLDOUT_TILE for r in arms):
            parts.append(
                exp.select(col("journey_id", "s"), exp.alias_(col("from_tile", "s"), "tile_id"),
                           exp.alias_(col("via", "s"), "path"), *[c.copy() for c in picked])
                .from_(steps.copy()).join(table("arms", "a"), on=exp.and_(
                    _eq(col("journey_id", "a"), col("journey_id", "s")),
                    _eq(col("tile_id", "a"), col("from_tile", "s")),
                    _eq(col("path", "a"), col("via", "s")))))
        if governance is not None and governance.holdout is not None:
            group = exp.Case().when(in_holdout(col("member_id", "s"), governance.holdout),
                                    lit("holdout")).else_(lit("messaged"))
            parts.append(
                exp.select(col("journey_id", "s"), exp.alias_(lit(tables.HOLDOUT_TILE), "tile_id"),
                           exp.alias_(group, "path"), *[c.copy() for c in picked])
                .from_(steps.copy()).where(_eq(col("via", "s"), lit("entry"))))
        query = union_all(parts)
        query = exp.select(*tables.names(columns)).from_(exp.Subquery(
            this=query, alias=exp.TableAlias(this=exp.to_identifier("u")))).with_(
            "arms", as_=_constants(arms))
    return output_plan("journey_split_entries", query, columns,
                       "Which arm of each split (and of the holdout) every entry is in, "
                       "appended as entries take the path.", schema=INTERNAL_SCHEMA,
                       unique=("journey_id", "tile_id", "member_id", "entry_seq"))


def split_readout(specs: dict[str, JourneySpec], governance: GovernanceSpec | None) -> ModelPlan:
    arms = _arms(specs, governance)
    if not arms:
        return output_plan("journey_split_readout", empty_relation(tables.SPLIT_READOUT),
                           tables.SPLIT_READOUT, _READOUT_DOC, materialized="view",
                           unique=("journey_id", "tile_id", "path"), test_clock="")
    keys = ("journey_id", "tile_id", "path")
    after = exp.GTE(this=col("converted_at", "c"), expression=col("assigned_at", "g"))
    counts = (exp.select(*[col(k, "g") for k in keys],
                         exp.alias_(exp.func("count", exp.Star()), "entered"),
                         exp.alias_(exp.func("count", col("member_id", "c")), "converted"))
              .from_(ref("journey_split_entries", "g"))
              .join(ref("journey_conversions", "c"), on=exp.and_(
                  _on("c", "g", "journey_id", "member_id", "entry_seq"), after),
                    join_type="left")
              .group_by(*[col(k, "g") for k in keys]))
    rates = (exp.select(*[col(k, "a") for k in keys], col("path_order", "a"),
                        col("baseline_path", "a"),
                        exp.alias_(_count_of(col("entered", "n")), "entered"),
                        exp.alias_(exp.Case().when(_eq(col("has_goal", "a"), lit(1)),
                                                   _count_of(col("converted", "n"))),
                                   "converted"))
             .from_(table("arms", "a"))
             .join(table("counts", "n"), on=_on("n", "a", *keys), join_type="left"))
    rate = exp.select("*", exp.alias_(_ratio(col("converted"), col("entered")), "rate")).from_(
        exp.Subquery(this=rates, alias=exp.TableAlias(this=exp.to_identifier("q"))))
    p1, n1, p0, n0 = col("rate", "r"), col("entered", "r"), col("rate", "b"), col("entered", "b")

    def variance(p: exp.Expression, n: exp.Expression) -> exp.Expression:
        return exp.Div(this=exp.Mul(this=p.copy(), expression=exp.Paren(
            this=exp.Sub(this=lit(1), expression=p.copy()))),
            expression=exp.func("nullif", exp.Cast(this=n.copy(), to=dialect.DOUBLE.copy()),
                                lit(0)))

    is_base = _eq(col("path", "r"), col("baseline_path", "r"))
    diff = exp.Case().when(exp.not_(is_base.copy()), exp.Sub(this=p1.copy(), expression=p0))
    margin = exp.Mul(this=exp.Literal.number(Z), expression=exp.func(
        "sqrt", exp.Add(this=variance(p1, n1), expression=variance(col("rate", "b"), n0))))
    query = (
        exp.select(*[col(k, "r") for k in keys], exp.alias_(is_base, "is_baseline"),
                   col("baseline_path", "r"), col("entered", "r"), col("converted", "r"),
                   exp.alias_(col("rate", "r"), "conversion_rate"), exp.alias_(diff, "diff"),
                   exp.alias_(exp.Sub(this=diff.copy(), expression=margin), "ci_low"),
                   exp.alias_(exp.Add(this=diff.copy(), expression=margin.copy()), "ci_high"))
        .from_(table("rated", "r"))
        .join(table("rated", "b"), on=exp.and_(
            _eq(col("journey_id", "b"), col("journey_id", "r")),
            _eq(col("tile_id", "b"), col("tile_id", "r")),
            _eq(col("path", "b"), col("baseline_path", "r"))), join_type="left")
        .with_("arms", as_=_constants(arms))
        .with_("counts", as_=counts).with_("rated", as_=rate)
    )
    return output_plan("journey_split_readout", query, tables.SPLIT_READOUT, _READOUT_DOC,
                       materialized="view", unique=keys, test_clock="")


_READOUT_DOC = ("The A/B readout: per split path (and the global holdout against the members "
                "messaged), entries, conversions and the difference with the baseline arm, "
                "with its 95% interval.")


def metrics_models(specs: dict[str, JourneySpec],
                   governance: GovernanceSpec | None) -> list[ModelPlan]:
    """The metrics models of a project (C7), after the outputs they count."""
    journey_ids = sorted(specs)
    return [step_counts(journey_ids), entry_counts(journey_ids), conversions(specs),
            split_entries(specs, governance), tile_stats(specs), journey_metrics(specs),
            split_readout(specs, governance)]
