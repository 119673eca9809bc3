"""The advance query: every entry moves through every tile due before min(exit, T).

One set-based query per phase (open entries, then new ones; docs/semantics.md §1). The
walk is unrolled once per level of the graph (a tile's level is the longest path from the
entry to it, so every edge goes to a higher level): ``a0`` holds each entry at its tile, and
``a{k}`` holds every row of ``a{k-1}`` plus the move of each entry whose latest position
(``live``) is a tile of level ``k - 1`` due to leave, computed by a CASE over that level's
tiles (when and along which edge). An entry's moves visit increasing levels, so it makes
each of them at its own level's step, and each tile appears in one step only: the query
grows linearly with the tiles, not with tiles × depth (issue 21). Each ``a{k}`` reads
``a{k-1}`` once, so engines that inline common table expressions (Spark) plan a chain that
grows linearly with the levels. Per-entry constants that do not change during a tick (time
zone, the exit time, and every branch condition on the profile at T and split bucket,
packed into one string ``decide``) are computed once in ``a0``/``exits``; the only join
inside the loop is with the entry members' relevant events (``evt``), at levels with an
event tile, for live rows at one, and it matches at most one event per row, so no move
groups the rows it carries.
"""

from __future__ import annotations

from sqlglot import exp

from journeys.compiler import dialect
from journeys.compiler.bindings import at_clock, event_condition, profile_condition
from journeys.compiler.graph import event_tiles, split_ranges, tile_depths
from journeys.spec.durations import duration_seconds
from journeys.spec.models import (
    WEEKDAYS,
    AudienceExit,
    BranchTile,
    EventExit,
    GoalExit,
    JourneySpec,
    SplitTile,
    TimeoutExit,
    WaitTile,
    edges,
)
from journeys.warehouse import tables
from journeys.warehouse.relations import ref

KEY = ("member_id", "entry_seq")
STEP_COLUMNS = (
    "member_id", "entry_seq", "entered_journey_at", "step_no", "tile_id", "tile_type",
    "from_tile", "from_entered_at", "via", "entered_at", "exit_reason", "is_last", "tick_at",
)
STEP_TYPES = {
    "member_id": "varchar", "entry_seq": "integer", "entered_journey_at": "timestamp",
    "step_no": "integer", "tile_id": "varchar", "tile_type": "varchar",
    "from_tile": "varchar", "from_entered_at": "timestamp", "via": "varchar",
    "entered_at": "timestamp", "exit_reason": "varchar", "is_last": "boolean",
    "tick_at": "timestamp",
}
MANUAL_PRIORITY = 999
EXIT_STEP = 10000
"""``step_no`` of an early exit's row: after every move (a move's is its level + 1)."""
BUCKET_DIGITS = 5
"""A split bucket in ``decide``: ``bucket + 10000`` as text, so that equal-length digit
strings compare as the numbers do."""


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def lit(value: str | int) -> exp.Expression:
    return exp.Literal.string(value) if isinstance(value, str) else exp.Literal.number(value)


def table(name: str, alias: str) -> exp.Table:
    """``name AS alias``: a CTE (or other plain relation) read under an alias."""
    return exp.Table(this=exp.to_identifier(name),
                     alias=exp.TableAlias(this=exp.to_identifier(alias)))


def union_all(parts: list[exp.Query]) -> exp.Query:
    """``parts[0] UNION ALL parts[1] …`` (at least one part)."""
    out = parts[0]
    for part in parts[1:]:
        out = exp.union(out, part, distinct=False)
    return out


def clocks_cte(clock_model: str) -> exp.Query:
    """The due clocks of a run (one under dbt, a batch in-process), for :func:`tick_of`."""
    return (exp.select("run_at").from_(ref(clock_model))
            .where(exp.column("is_due")))


def tick_of(at: exp.Expression, after: bool = False) -> exp.Expression:
    """The clock of the tick that sees a time: the first due clock ``>= at`` (``> at`` with
    ``after``). Ticks run one after another, so a step or event at ``at`` is taken by the
    first tick whose clock has reached it (docs/semantics.md §9)."""
    k = col("run_at", "k")
    cmp = exp.GT(this=k, expression=at) if after else exp.GTE(this=k, expression=at)
    return exp.Subquery(this=exp.select(exp.func("min", k.copy())).from_(
        exp.Table(this=exp.to_identifier("clocks"),
                  alias=exp.TableAlias(this=exp.to_identifier("k")))).where(cmp))


def earlier(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """The earlier of two timestamps; ``b`` when ``a`` is null."""
    return exp.Case().when(exp.LT(this=a, expression=b), a.copy()).else_(b.copy())


def later(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """The later of two timestamps; ``b`` when ``a`` is null (GREATEST's null rule differs
    between engines, so it is not used)."""
    return exp.Case().when(exp.GT(this=a, expression=b), a.copy()).else_(b.copy())


def case_on_tile(tile_col: exp.Expression, branches: dict[str, exp.Expression],
                 default: exp.Expression | None = None) -> exp.Expression:
    """``CASE tile_id WHEN 'a' THEN … END``; the shape of every per-tile computation."""
    if not branches:
        return default if default is not None else exp.Null()
    case = exp.Case(this=tile_col.copy())
    for tile_id, value in branches.items():  # in place: a copy per WHEN is quadratic
        case.when(lit(tile_id), value, copy=False)
    return case.else_(default, copy=False) if default is not None else case


def tile_type_of(spec: JourneySpec, tile_col: exp.Expression,
                 tiles: list[str] | None = None) -> exp.Expression:
    """The type of the tile in ``tile_col``, one of ``tiles`` (default: any tile)."""
    return case_on_tile(tile_col, {tid: lit(spec.tiles[tid].type)
                                   for tid in (spec.tiles if tiles is None else tiles)})


def substring(text: exp.Expression, start: int, length: int) -> exp.Expression:
    """``substring(text, start, length)``, 1-based as on every engine."""
    return exp.Substring(this=text, start=lit(start), length=lit(length))


def levels(spec: JourneySpec) -> list[list[str]]:
    """Tile ids by level (longest path from the entry), each level in spec order: the
    walk's step ``k`` moves the entries at the tiles of level ``k - 1``."""
    depth = tile_depths(spec)
    out: list[list[str]] = [[] for _ in range(max(depth.values()) + 1)]
    for tile_id in spec.tiles:
        out[depth[tile_id]].append(tile_id)
    return out


class WalkBuilder:
    """Builds the advance query of one journey for one phase."""

    def __init__(self, spec: JourneySpec, profile_columns: frozenset[str],
                 audience_at: exp.Query | None, *, new_entries: bool) -> None:
        self.spec = spec
        self.columns = profile_columns
        self.audience_at = audience_at
        self.new = new_entries
        self.ev_tiles = event_tiles(spec)
        self.levels = levels(spec)
        self.matchers = self._matchers()
        self.conditions = {
            tile_id: profile_condition(tile.condition, self.columns)
            for tile_id, tile in spec.tiles.items()
            if isinstance(tile, BranchTile) and tile.kind == "condition"}
        self.decisions = self._decisions()
        self.constants = self._constant_columns()

    # --- events -------------------------------------------------------------------------

    def _matchers(self) -> dict[str, exp.Expression]:
        """Boolean columns of the ``ev`` CTE: one per event the journey looks at."""
        found: dict[str, exp.Expression] = {}
        goal = self.spec.goal.event_match if self.spec.goal else None
        uses_goal = any(isinstance(c, GoalExit) for c in self.spec.exit_criteria)
        if goal is not None and uses_goal:
            found["m_goal"] = event_condition(goal.name, goal.where)
        for i, crit in enumerate(self.spec.exit_criteria):
            if isinstance(crit, EventExit):
                found[f"m_exit_{i}"] = event_condition(crit.event.name, crit.event.where)
        for tile_id in self.ev_tiles:
            tile = self.spec.tiles[tile_id]
            match = tile.until_event if isinstance(tile, WaitTile) else tile.event
            found[f"m_{tile_id}"] = event_condition(match.name, match.where)
        return found

    def _events_cte(self) -> exp.Query:
        names = sorted({m.find(exp.EQ).expression.name for m in self.matchers.values()})
        lookback = "event" in self.ev_tiles.values()
        min_entry = exp.select(exp.func("min", col("entered_journey_at"))).from_("entries")
        if self.new or lookback:
            lower: exp.Expression = exp.GTE(this=col("occurred_at", "v"),
                                            expression=exp.Subquery(this=min_entry))
        else:  # events up to the previous tick were seen by it (docs/semantics.md §0)
            lower = exp.GT(this=col("occurred_at", "v"), expression=col("prev_tick_at", "c"))
        members = exp.select("member_id").from_("entries")
        return (
            exp.select(col("member_id", "v"), col("occurred_at", "v"),
                       *[exp.alias_(m, name) for name, m in self.matchers.items()])
            .from_(ref("stg_events", "v"))
            .join(exp.Table(this=exp.to_identifier("clock"), alias=exp.TableAlias(
                this=exp.to_identifier("c"))), join_type="cross")
            .where(exp.In(this=col("event", "v"), expressions=[lit(n) for n in names]))
            .where(exp.LTE(this=col("occurred_at", "v"), expression=col("run_at", "c")))
            .where(lower)
            .where(exp.In(this=col("member_id", "v"), query=exp.Subquery(this=members)))
        )

    # --- per-entry constants ------------------------------------------------------------

    def _decisions(self) -> dict[str, tuple[int, exp.Expression]]:
        """Per condition branch and split tile: where its part of ``decide`` starts, and
        the part: ``1``/``0`` for a condition (null is false), the bucket (S10) as
        :data:`BUCKET_DIGITS` digits for a split.

        Both are fixed for the tick, so they are computed once per entry in ``a0``, and
        one string carries them through the walk: a column per tile, carried by every
        step, would grow the query with tiles × levels."""
        out: dict[str, tuple[int, exp.Expression]] = {}
        start = 1
        for tile_id, tile in self.spec.tiles.items():
            if tile_id in self.conditions:
                part: exp.Expression = exp.If(this=self.conditions[tile_id].copy(),
                                              true=lit("1"), false=lit("0"))
                width = 1
            elif isinstance(tile, SplitTile):
                key = dialect.concat(lit(f"{self.spec.id}:{tile_id}:"), col("member_id", "e"),
                                     lit(":"), col("entry_seq", "e"))
                part = exp.Add(this=dialect.md5_bucket(key), expression=lit(10000))
                width = BUCKET_DIGITS
            else:
                continue
            out[tile_id] = (start, part)
            start += width
        return out

    def _constant_columns(self) -> dict[str, exp.Expression]:
        """Columns fixed for the tick: time zone, admission clock, decisions."""
        out: dict[str, exp.Expression] = {
            "tz": exp.func("coalesce", col("valid_timezone", "p"), lit(self.spec.timezone)),
            "adm_at": col("adm_at", "e"),
        }
        if self.decisions:
            out["decide"] = dialect.concat(*[part for _, part in self.decisions.values()])
        return out

    # --- exit criteria (S15) ------------------------------------------------------------

    def _criteria(self) -> list[exp.Query]:
        e_key = [col("member_id", "e"), col("entry_seq", "e")]
        entries = exp.Table(this=exp.to_identifier("entries"),
                            alias=exp.TableAlias(this=exp.to_identifier("e")))
        clock = exp.Table(this=exp.to_identifier("clock"),
                          alias=exp.TableAlias(this=exp.to_identifier("c")))
        clocks = exp.Table(this=exp.to_identifier("clocks"),
                           alias=exp.TableAlias(this=exp.to_identifier("k")))
        pieces: list[exp.Query] = []

        def first_event(matcher: str, prio: int, reason: str) -> exp.Query:
            return (
                exp.select(*e_key, exp.alias_(exp.func("min", col("occurred_at", "v")), "at"),
                           exp.alias_(lit(prio), "prio"), exp.alias_(lit(reason), "reason"))
                .from_(entries.copy())
                .join(exp.Table(this=exp.to_identifier("ev"),
                                alias=exp.TableAlias(this=exp.to_identifier("v"))),
                      on=exp.and_(
                          exp.EQ(this=col("member_id", "v"), expression=col("member_id", "e")),
                          col(matcher, "v"),
                          exp.GTE(this=col("occurred_at", "v"),
                                  expression=col("entered_journey_at", "e"))))
                .group_by(*[c.copy() for c in e_key])
            )

        for prio, crit in enumerate(self.spec.exit_criteria, start=1):
            if isinstance(crit, GoalExit):
                assert self.spec.goal is not None
                if self.spec.goal.event is not None:
                    pieces.append(first_event("m_goal", prio, "goal"))
                else:  # checked at every clock the entry is open at (§3)
                    cond = at_clock(profile_condition(self.spec.goal.where, self.columns),
                                    col("run_at", "k"))
                    pieces.append(
                        exp.select(*e_key, exp.alias_(exp.func("min", col("run_at", "k")), "at"),
                                   exp.alias_(lit(prio), "prio"), exp.alias_(lit("goal"), "reason"))
                        .from_(entries.copy()).join(clocks.copy(), join_type="cross")
                        .join(ref("stg_profiles", "p"), on=exp.EQ(
                            this=col("member_id", "p"), expression=col("member_id", "e")))
                        .where(exp.and_(cond, exp.GTE(this=col("run_at", "k"),
                                                      expression=col("adm_at", "e"))))
                        .group_by(*[c.copy() for c in e_key]))
            elif isinstance(crit, EventExit):
                pieces.append(first_event(f"m_exit_{prio - 1}", prio, "event"))
            elif isinstance(crit, AudienceExit):
                assert self.audience_at is not None
                in_audience = exp.Exists(this=exp.select("1").from_(exp.Table(
                    this=exp.to_identifier("audience_at"),
                    alias=exp.TableAlias(this=exp.to_identifier("a")))).where(exp.and_(
                        exp.EQ(this=col("member_id", "a"), expression=col("member_id", "e")),
                        exp.EQ(this=col("run_at", "a"), expression=col("run_at", "k")))))
                pieces.append(
                    exp.select(*e_key, exp.alias_(exp.func("min", col("run_at", "k")), "at"),
                               exp.alias_(lit(prio), "prio"),
                               exp.alias_(lit("audience_exit"), "reason"))
                    .from_(entries.copy()).join(clocks.copy(), join_type="cross")
                    .where(exp.and_(exp.not_(in_audience), exp.GTE(
                        this=col("run_at", "k"), expression=col("adm_at", "e"))))
                    .group_by(*[c.copy() for c in e_key]))
            elif isinstance(crit, TimeoutExit):
                at = dialect.add_seconds(col("entered_journey_at", "e"),
                                         duration_seconds(crit.timeout))
                pieces.append(
                    exp.select(*e_key, exp.alias_(at, "at"), exp.alias_(lit(prio), "prio"),
                               exp.alias_(lit("timeout"), "reason"))
                    .from_(entries.copy()).join(clock.copy(), join_type="cross")
                    .where(exp.LTE(this=at.copy(), expression=col("run_at", "c"))))
        removal = (
            exp.select(*e_key, exp.alias_(exp.func("min", col("requested_at", "r")), "at"),
                       exp.alias_(lit(MANUAL_PRIORITY), "prio"),
                       exp.alias_(lit("manual"), "reason"))
            .from_(entries.copy()).join(clock.copy(), join_type="cross")
            .join(ref("stg_manual_removals", "r"), on=exp.and_(
                exp.EQ(this=col("member_id", "r"), expression=col("member_id", "e")),
                exp.EQ(this=col("journey_id", "r"), expression=lit(self.spec.id)),
                exp.GTE(this=col("requested_at", "r"), expression=col("entered_journey_at", "e")),
                exp.LTE(this=col("requested_at", "r"), expression=col("run_at", "c"))))
            .group_by(*[c.copy() for c in e_key])
        )
        return [*pieces, removal]

    # --- moves --------------------------------------------------------------------------

    def _tile_events_cte(self) -> exp.Query:
        """``evt``: per event tile and member, the distinct times of the events the tile
        matches, each with the time of the one before (``after``; for the first, a day
        before the earliest entry, which no row's anchor precedes).

        A row at an event tile looks for the first matching event at or after an anchor:
        its arrival (waits and ``event_within`` branches: the event that ends the wait, if
        it is within the timeout) or its journey entry (look-back branches: a hit if that
        event is at or before the arrival). Exactly one event ``v`` has
        ``v.after < anchor <= v.occurred_at``, so the walk joins on comparisons alone,
        which every engine runs as a hash join, and needs no GROUP BY over the rows it
        carries (that would cost a pass over every open entry at every move)."""
        tiles = union_all([exp.select(exp.alias_(lit(tile_id), "tile_id"))
                           for tile_id in self.ev_tiles])
        matches = case_on_tile(col("tile_id", "t"), {
            tile_id: col(f"m_{tile_id}", "v") for tile_id in self.ev_tiles})
        times = (
            exp.select(col("tile_id", "t"), col("member_id", "v"), col("occurred_at", "v"))
            .from_(exp.Table(this=exp.to_identifier("ev"),
                             alias=exp.TableAlias(this=exp.to_identifier("v"))))
            .join(exp.Subquery(this=tiles, alias=exp.TableAlias(this=exp.to_identifier("t"))),
                  on=matches)
            .distinct()
        )
        before = exp.Window(this=exp.Lag(this=col("occurred_at")),
                            partition_by=[col("tile_id"), col("member_id")],
                            order=exp.Order(expressions=[exp.Ordered(this=col("occurred_at"))]))
        earliest = exp.Subquery(this=exp.select(
            exp.func("min", col("entered_journey_at"))).from_("entries"))
        floor = exp.Sub(this=earliest, expression=exp.Interval(this=lit("1"),
                                                               unit=exp.Var(this="DAY")))
        return exp.select("tile_id", "member_id", "occurred_at",
                          exp.alias_(exp.func("coalesce", before, floor), "after")).from_(
            exp.Subquery(this=times, alias=exp.TableAlias(this=exp.to_identifier("x"))))

    def _with_events(self, frontier: str, tiles: list[str]) -> exp.Query:
        """``frontier`` with, per row at an event tile, the first event in the tile's
        window (``ev_at``) or a hit, for look-back branches (``ev_hit``); only live rows
        read them, at the event tiles among ``tiles``. The join to ``evt`` matches at most
        one event per row (see
        :meth:`_tile_events_cte`), so the frontier keeps its rows and is read once (see
        :meth:`_step`)."""
        first, hit, anchor = exp.Case(), exp.Case(), {}
        has_first = has_hit = False
        arrival = col("entered_at", "f")
        occurred = col("occurred_at", "v")
        for tile_id in tiles:
            if tile_id not in self.ev_tiles:
                continue
            kind, tile = self.ev_tiles[tile_id], self.spec.tiles[tile_id]
            here = exp.EQ(this=col("tile_id", "f"), expression=lit(tile_id))
            if kind == "event":
                anchor[tile_id] = col("entered_journey_at", "f")
                hit.when(exp.and_(here, exp.LTE(this=occurred.copy(),
                                                expression=arrival.copy())), lit(1), copy=False)
                has_hit = True
            else:
                anchor[tile_id] = arrival.copy()
                span = tile.timeout if isinstance(tile, WaitTile) else tile.within
                deadline = dialect.add_seconds(arrival.copy(), duration_seconds(span))
                first.when(exp.and_(here, exp.LTE(this=occurred.copy(), expression=deadline)),
                           occurred.copy(), copy=False)
                has_first = True
        if has_first != has_hit:  # one anchor for every event tile: no CASE
            at: exp.Expression = next(iter(anchor.values()))
        else:
            at = case_on_tile(col("tile_id", "f"), anchor)
        return (
            exp.select(*[col(name, "f") for name in self._frontier_columns()],
                       exp.alias_(first if has_first else dialect.typed_null("timestamp"),
                                  "ev_at"),
                       exp.alias_(hit if has_hit else dialect.typed_null("integer"), "ev_hit"))
            .from_(exp.Table(this=exp.to_identifier(frontier),
                             alias=exp.TableAlias(this=exp.to_identifier("f"))))
            .join(exp.Table(this=exp.to_identifier("evt"),
                            alias=exp.TableAlias(this=exp.to_identifier("v"))),
                  # comparisons only, and none on ``f`` alone (such as ``f.live``): for an
                  # outer join with any other condition DuckDB plans a nested-loop join,
                  # 2.5 s a move at 600k open entries
                  on=exp.and_(
                      exp.EQ(this=col("member_id", "v"), expression=col("member_id", "f")),
                      exp.EQ(this=col("tile_id", "v"), expression=col("tile_id", "f")),
                      exp.GT(this=at, expression=col("after", "v")),
                      exp.LTE(this=at.copy(), expression=occurred.copy())),
                  join_type="left")
        )

    def _local_tz(self, timezone: str) -> exp.Expression:
        return col("tz", "g") if timezone == "member" else lit(timezone)

    def _until_local(self, tile: WaitTile, after: exp.Expression | None = None) -> exp.Expression:
        """First local wall time ≥ the local arrival on an allowed weekday at ``time``
        (with ``after``: the first one later than that, 14 days suffice for any weekdays)."""
        until = tile.until
        assert until is not None
        hours, minutes = (int(x) for x in until.time.split(":"))
        arrival = col("la", "g")
        base = exp.Add(this=dialect.day_start(arrival.copy()), expression=exp.Interval(
            this=lit(str(hours * 60 + minutes)), unit=exp.Var(this="MINUTE")))
        case = exp.Case()
        for k in range(8 if after is None else 15):
            candidate = dialect.add_days(dialect.paren(base.copy()), lit(k)) if k else base.copy()
            ok: exp.Expression = exp.GTE(this=candidate.copy(), expression=arrival.copy())
            if after is not None:
                ok = exp.and_(ok, exp.GT(this=candidate.copy(), expression=after.copy()))
            if until.weekdays:
                days = [lit(WEEKDAYS.index(d) + 1) for d in until.weekdays]
                ok = exp.and_(ok, exp.In(this=dialect.iso_weekday(candidate.copy()),
                                         expressions=days))
            case.when(ok, candidate, copy=False)
        return case

    def _in_window(self, tile: BranchTile) -> exp.Expression:
        window = tile.time
        assert window is not None
        local = col("la", "g")
        checks: list[exp.Expression] = []
        if window.weekdays:
            checks.append(exp.In(this=dialect.iso_weekday(local.copy()),
                                 expressions=[lit(WEEKDAYS.index(d) + 1) for d in window.weekdays]))
        if window.between:
            start, end = window.between.split("-")
            s, e = (int(t[:2]) * 60 + int(t[3:]) for t in (start, end))
            minute = dialect.minute_of_day(local.copy())
            after = exp.GTE(this=minute, expression=lit(s))
            before = exp.LT(this=minute.copy(), expression=lit(e))
            checks.append(exp.and_(after, before) if s <= e else exp.or_(after, before))
        return exp.and_(*checks)

    def _moves(self, tiles: list[str]) -> tuple[exp.Expression, exp.Expression, exp.Expression]:
        """(leave_at, next_tile, via) for a frontier row ``g``, as CASEs over its tile,
        one of ``tiles`` (null at any other tile: its row does not move)."""
        leave, nxt, via = {}, {}, {}
        arrival = col("entered_at", "g")
        ev_at = col("ev_at", "g")
        for tile_id in tiles:
            tile = self.spec.tiles[tile_id]
            outs = edges(tile)
            if not outs:
                continue
            if isinstance(tile, WaitTile) and tile.kind == "duration":
                seconds = duration_seconds(tile.duration)
                leave[tile_id] = dialect.add_seconds(arrival.copy(), seconds)
            elif isinstance(tile, WaitTile) and tile.kind == "until":
                # in a DST fold the first candidate can resolve to before an arrival in the
                # repeated hour: then the next matching day (docs/semantics.md §4)
                first = dialect.from_local(col("u_local", "g"), col("la_tz", "g"))
                leave[tile_id] = exp.If(
                    this=exp.GTE(this=first, expression=arrival.copy()), true=first.copy(),
                    false=dialect.from_local(col("u_next", "g"), col("la_tz", "g")))
            elif tile_id in self.ev_tiles and self.ev_tiles[tile_id] != "event":
                span = tile.timeout if isinstance(tile, WaitTile) else tile.within
                deadline = dialect.add_seconds(arrival.copy(), duration_seconds(span))
                leave[tile_id] = exp.func("coalesce", ev_at.copy(), deadline)
                (hit_label, hit_to), (miss_label, miss_to) = outs
                seen = exp.Is(this=ev_at.copy(), expression=exp.Null()).not_()
                nxt[tile_id] = exp.If(this=seen.copy(), true=lit(hit_to), false=lit(miss_to))
                via[tile_id] = exp.If(this=seen, true=lit(hit_label), false=lit(miss_label))
                continue
            else:
                leave[tile_id] = arrival.copy()
            if isinstance(tile, BranchTile):
                if tile.kind == "condition":
                    cond: exp.Expression = exp.EQ(this=substring(
                        col("decide", "g"), self.decisions[tile_id][0], 1), expression=lit("1"))
                elif tile.kind == "event":
                    cond = exp.EQ(this=exp.func("coalesce", col("ev_hit", "g"), lit(0)),
                                  expression=lit(1))
                else:
                    cond = self._in_window(tile)
                nxt[tile_id] = exp.If(this=cond, true=lit(tile.yes), false=lit(tile.no))
                via[tile_id] = exp.If(this=cond.copy(), true=lit("yes"), false=lit("no"))
            elif isinstance(tile, SplitTile):
                pick_next, pick_via = exp.Case(), exp.Case()
                bucket = substring(col("decide", "g"), self.decisions[tile_id][0], BUCKET_DIGITS)
                for name, target, upper in split_ranges(tile):
                    below = exp.LT(this=bucket.copy(), expression=lit(str(10000 + upper)))
                    pick_next.when(below, lit(target), copy=False)
                    pick_via.when(below.copy(), lit(name), copy=False)
                nxt[tile_id], via[tile_id] = pick_next, pick_via
            else:
                nxt[tile_id], via[tile_id] = lit(outs[0][1]), lit(outs[0][0])
        tile_col = col("tile_id", "g")
        return (case_on_tile(tile_col, leave), case_on_tile(tile_col, nxt),
                case_on_tile(tile_col, via))

    def _local_columns(self, tiles: list[str]) -> list[tuple[str, exp.Expression]]:
        """Layers of columns: local arrival for the time-aware tiles among ``tiles``, then
        wait-until targets."""
        tz_cases, u_cases, n_cases = {}, {}, {}
        for tile_id in tiles:
            tile = self.spec.tiles[tile_id]
            if isinstance(tile, WaitTile) and tile.kind == "until":
                tz_cases[tile_id] = self._local_tz(tile.until.timezone)
                u_cases[tile_id] = self._until_local(tile)
                n_cases[tile_id] = self._until_local(tile, after=col("u_local", "g"))
            elif isinstance(tile, BranchTile) and tile.kind == "time":
                tz_cases[tile_id] = self._local_tz(tile.time.timezone)
        if not tz_cases:  # no time-aware tile: no layers (smaller plans plan faster)
            return []
        tile_col = col("tile_id", "g")
        la_tz = case_on_tile(tile_col, tz_cases)
        la = dialect.to_local(col("entered_at", "g"), col("la_tz", "g"))
        return [("la_tz", la_tz), ("la", la), ("u_local", case_on_tile(tile_col, u_cases)),
                ("u_next", case_on_tile(tile_col, n_cases))]

    # --- assembly -----------------------------------------------------------------------

    def build(self, entries: exp.Query, clock: exp.Query, clocks: exp.Query) -> exp.Query:
        """The advance query over ``entries`` (member_id, entry_seq, entered_journey_at,
        tile_id, entered_tile_at, adm_at: the clock that admitted it): one row per step
        taken this run (STEP_COLUMNS), up to the last clock, each labelled with the clock
        of the tick that takes it."""
        ctes: list[tuple[str, exp.Query]] = [("clock", clock), ("clocks", clocks),
                                             ("entries", entries)]
        if self.audience_at is not None and has_audience_exit(self.spec):
            ctes.append(("audience_at", self.audience_at))
        if self.matchers:
            ctes.append(("ev", self._events_cte()))
        if self.ev_tiles:
            ctes.append(("evt", self._tile_events_cte()))
        union = union_all(self._criteria())
        ranked = exp.select("*", exp.alias_(exp.Window(
            this=exp.RowNumber(), partition_by=[col("member_id"), col("entry_seq")],
            order=exp.Order(expressions=[exp.Ordered(this=col("at")),
                                         exp.Ordered(this=col("prio"))])), "rn")
        ).from_(exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("u"))))
        ctes.append(("exits", exp.select("member_id", "entry_seq", exp.alias_(col("at"), "exit_at"),
                                         exp.alias_(col("reason"), "x_reason"))
                     .from_(exp.Subquery(this=ranked, alias=exp.TableAlias(
                         this=exp.to_identifier("r"))))
                     .where(exp.EQ(this=col("rn"), expression=lit(1)))))
        ctes.append(("a0", self._f0()))
        depth = len(self.levels) - 1  # the last level holds exit tiles only: no move
        for k in range(1, depth + 1):
            ctes.append((f"a{k}", self._step(k)))
        walked = f"a{depth}"
        step_cols = [c for c in STEP_COLUMNS if c not in ("is_last", "tick_at")]
        completed = exp.If(this=exp.EQ(this=col("tile_type"), expression=lit("exit")),
                           true=lit("completed"), false=dialect.typed_null("varchar"))
        moved = exp.select(*[col(c) for c in step_cols if c != "exit_reason"],
                           exp.alias_(completed, "exit_reason"), col("adm_at")).from_(walked)
        if not self.new:  # an open entry's position at the start of the tick is no step
            moved = moved.where(exp.GT(this=col("step_no"), expression=lit(0)))
        exit_row = exp.select(
            "member_id", "entry_seq", "entered_journey_at", exp.alias_(lit(EXIT_STEP), "step_no"),
            exp.alias_(lit(tables.EXIT_TILE), "tile_id"), exp.alias_(lit("exit"), "tile_type"),
            exp.alias_(col("tile_id"), "from_tile"), exp.alias_(col("entered_at"),
                                                               "from_entered_at"),
            exp.alias_(lit("exit_criteria"), "via"), exp.alias_(col("exit_at"), "entered_at"),
            exp.alias_(col("x_reason"), "exit_reason"), col("adm_at"),
        ).from_(walked).where(exp.and_(
            col("live"),
            exp.Is(this=col("exit_at"), expression=exp.Null()).not_(),
            exp.NEQ(this=col("tile_type"), expression=lit("exit"))))
        ctes.append(("steps", exp.union(moved, exit_row, distinct=False)))
        is_last = exp.EQ(this=exp.Window(
            this=exp.RowNumber(), partition_by=[col("member_id"), col("entry_seq")],
            order=exp.Order(expressions=[exp.Ordered(this=col("step_no"), desc=True)])),
            expression=lit(1))
        ctes.append(("labelled", exp.select("*", exp.alias_(tick_of(col("entered_at")), "lbl"))
                     .from_("steps")))
        final = exp.select(*[col(c) for c in step_cols], exp.alias_(is_last, "is_last"),
                           exp.alias_(later(col("adm_at"), col("lbl")), "tick_at")) \
            .from_("labelled")
        for name, query in ctes:
            final = final.with_(name, as_=query, copy=False)
        return final

    def _frontier_columns(self) -> list[str]:
        return ["member_id", "entry_seq", "entered_journey_at", "step_no", "tile_id",
                "tile_type", "from_tile", "from_entered_at", "via", "entered_at", "exit_at",
                "x_reason", *self.constants, "live"]

    def _f0(self) -> exp.Query:
        via = lit("entry") if self.new else dialect.typed_null("varchar")
        return (
            exp.select(
                col("member_id", "e"), col("entry_seq", "e"), col("entered_journey_at", "e"),
                exp.alias_(lit(0), "step_no"), col("tile_id", "e"),
                exp.alias_(tile_type_of(self.spec, col("tile_id", "e")), "tile_type"),
                exp.alias_(dialect.typed_null("varchar"), "from_tile"),
                exp.alias_(dialect.typed_null("timestamp"), "from_entered_at"),
                exp.alias_(via, "via"), exp.alias_(col("entered_tile_at", "e"), "entered_at"),
                col("exit_at", "x"), col("x_reason", "x"),
                *[exp.alias_(value, name) for name, value in self.constants.items()],
                exp.alias_(exp.true(), "live"))
            .from_(exp.Table(this=exp.to_identifier("entries"),
                             alias=exp.TableAlias(this=exp.to_identifier("e"))))
            .join(exp.Table(this=exp.to_identifier("clock"),
                            alias=exp.TableAlias(this=exp.to_identifier("c"))), join_type="cross")
            .join(ref("stg_profiles", "p"),
                  on=exp.EQ(this=col("member_id", "p"), expression=col("member_id", "e")),
                  join_type="left")
            .join(exp.Table(this=exp.to_identifier("exits"),
                            alias=exp.TableAlias(this=exp.to_identifier("x"))),
                  on=exp.and_(exp.EQ(this=col("member_id", "x"), expression=col("member_id", "e")),
                              exp.EQ(this=col("entry_seq", "x"), expression=col("entry_seq", "e"))),
                  join_type="left")
        )

    def _step(self, k: int) -> exp.Query:
        """``a{k}``: every row of ``a{k-1}``, plus the move of each entry whose latest
        position (``live``) is a tile of level ``k - 1`` due to leave; the row it leaves is
        no longer live. Only that level's tiles appear in the step (see the module's doc).

        ``a{k-1}`` is read once, and its rows are doubled by a two-row cross join: the
        copy ``nx = false`` keeps a row, the copy ``nx = true`` is its move. Engines that
        inline common table expressions (Spark inlines every deterministic one) copy a
        relation into each reader, so a chain read twice per move would double its plan
        with every move; read once, the plan grows linearly."""
        prev = exp.Table(this=exp.to_identifier(f"a{k - 1}"),
                         alias=exp.TableAlias(this=exp.to_identifier("f")))
        tiles = self.levels[k - 1]
        s0: exp.Query
        if any(tile_id in self.ev_tiles for tile_id in tiles):
            s0 = self._with_events(f"a{k - 1}", tiles)
        else:
            s0 = exp.select("f.*", exp.alias_(dialect.typed_null("timestamp"), "ev_at"),
                            exp.alias_(dialect.typed_null("integer"), "ev_hit")).from_(prev)
        layered: exp.Query = s0
        for name, value in self._local_columns(tiles):
            layered = dialect.fence(exp.select("g.*", exp.alias_(value, name, copy=False)).from_(
                exp.Subquery(this=layered, alias=exp.TableAlias(this=exp.to_identifier("g"))),
                copy=False))
        leave, nxt, via = self._moves(tiles)
        targets = list(dict.fromkeys(target for tile_id in tiles
                                     for _, target in edges(self.spec.tiles[tile_id])))
        # built in place (copy=False): the builders' default copies of the growing
        # subqueries cost more than the rest of the compiler
        mv = exp.select("g.*", exp.alias_(leave, "leave_at", copy=False),
                        exp.alias_(nxt, "next_tile", copy=False),
                        exp.alias_(via, "next_via", copy=False)).from_(
            exp.Subquery(this=layered, alias=exp.TableAlias(this=exp.to_identifier("g"))),
            copy=False)
        due = exp.and_(
            col("live", "m"),
            exp.Is(this=col("next_tile", "m"), expression=exp.Null()).not_(),
            exp.LTE(this=col("leave_at", "m"), expression=col("run_at", "c")),
            exp.or_(exp.Is(this=col("exit_at", "m"), expression=exp.Null()),
                    exp.LT(this=col("leave_at", "m"), expression=col("exit_at", "m"))))
        moving = exp.select("m.*", exp.alias_(exp.func("coalesce", due, exp.false()), "moves")) \
            .from_(exp.Subquery(this=mv, alias=exp.TableAlias(this=exp.to_identifier("m"))),
                   copy=False) \
            .join(exp.Table(this=exp.to_identifier("clock"),
                            alias=exp.TableAlias(this=exp.to_identifier("c"))), join_type="cross",
                  copy=False)
        copies = exp.union(exp.select(exp.alias_(exp.false(), "nx")),
                           exp.select(exp.alias_(exp.true(), "nx")), distinct=False)
        nx = col("nx", "d")

        def pick(moved: exp.Expression, kept: str) -> exp.Expression:
            return exp.If(this=nx.copy(), true=moved, false=col(kept, "m"))

        # fenced: PostgreSQL would otherwise pull each move into the next and substitute
        # its CASE columns wherever they are read, growing the plan with every move
        return dialect.fence(
            exp.select(
                col("member_id", "m"), col("entry_seq", "m"), col("entered_journey_at", "m"),
                exp.alias_(pick(lit(k), "step_no"), "step_no"),
                exp.alias_(pick(col("next_tile", "m"), "tile_id"), "tile_id"),
                exp.alias_(pick(tile_type_of(self.spec, col("next_tile", "m"), targets),
                                "tile_type"), "tile_type"),
                exp.alias_(pick(col("tile_id", "m"), "from_tile"), "from_tile"),
                exp.alias_(pick(col("entered_at", "m"), "from_entered_at"), "from_entered_at"),
                exp.alias_(pick(col("next_via", "m"), "via"), "via"),
                exp.alias_(pick(col("leave_at", "m"), "entered_at"), "entered_at"),
                col("exit_at", "m"), col("x_reason", "m"),
                *[col(name, "m") for name in self.constants],
                exp.alias_(exp.or_(nx.copy(), exp.and_(col("live", "m"),
                                                       exp.not_(col("moves", "m")))), "live"))
            .from_(exp.Subquery(this=moving, alias=exp.TableAlias(this=exp.to_identifier("m"))),
                   copy=False)
            .join(exp.Subquery(this=copies, alias=exp.TableAlias(this=exp.to_identifier("d"))),
                  join_type="cross", copy=False)
            .where(exp.or_(exp.not_(nx.copy()), col("moves", "m")), copy=False)
        )


def has_audience_exit(spec: JourneySpec) -> bool:
    return any(isinstance(c, AudienceExit) for c in spec.exit_criteria)

