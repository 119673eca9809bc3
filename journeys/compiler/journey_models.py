"""The models of one journey: clock → advance open → admit → advance new → outputs.

Each journey gets its own small pipeline (docs/semantics.md §1). Its state lives in two
tables that only ever hold what the next tick needs: ``<id>__open`` (the open entries, rebuilt
from the previous one each tick, so its cost follows open entries) and ``<id>__members`` (one
row per member who ever entered, for re-entry rules). Completed entries and old steps are
appended to the output tables and never read again by the tick.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from journeys.compiler import dialect
from journeys.compiler.bindings import (
    at_clock,
    event_condition,
    profile_condition,
    profile_expression,
    uses_clock,
)
from journeys.compiler.conversions import conversions_query
from journeys.compiler.graph import sub_journey_sources
from journeys.compiler.plan import ColumnDoc, ModelPlan, empty_relation
from journeys.compiler.walk import (
    STEP_TYPES,
    WalkBuilder,
    clocks_cte,
    col,
    earlier,
    later,
    lit,
    table,
    tick_of,
    union_all,
)
from journeys.spec.durations import duration_seconds
from journeys.spec.models import (
    ActionTile,
    JourneySpec,
    UpdateProfileTile,
    WebhookTile,
)
from journeys.warehouse import tables
from journeys.warehouse.relations import INTERNAL_SCHEMA, clock_input, prior, ref


class JourneyCompiler:
    """Builds the :class:`ModelPlan` list of one journey."""

    def __init__(self, spec: JourneySpec, specs: dict[str, JourneySpec],
                 profile_columns: frozenset[str]) -> None:
        self.spec = spec
        self.specs = specs
        self.columns = profile_columns
        self.j = spec.id
        self.folder = f"journeys/{spec.id}"

    def name(self, suffix: str) -> str:
        return f"{self.j}__{suffix}"

    def plan(self, suffix: str, query: exp.Query, columns, *, materialized="table",
             description: str, unique_key=(), unique_combination=(),
             empty_unless: str = "", tested_in: str = "") -> ModelPlan:
        return ModelPlan(
            name=self.name(suffix), schema=INTERNAL_SCHEMA, folder=self.folder,
            materialized=materialized, query=query, columns=tuple(columns),
            unique_key=tuple(unique_key), unique_combination=tuple(unique_combination),
            description=description, group=self.j, empty_unless=empty_unless,
            tested_in=tested_in,
        )

    def clock_cte(self) -> exp.Query:
        """The run as one row ``c``: ``run_at`` its last due clock (what may be seen),
        ``prev_tick_at`` the journey's tick before the run, ``is_due`` whether any clock is
        due, ``admits`` whether members may enter (active, not archived: S18) and
        ``reopened_at`` the first tick after a resume. With one clock (dbt) this is exactly
        that tick's clock."""
        due = col("is_due")
        return exp.select(
            exp.alias_(exp.func("coalesce", exp.func("max", exp.If(
                this=due, true=col("run_at"), false=exp.Null())), exp.func("max", col("run_at"))),
                "run_at"),
            exp.alias_(exp.func("max", col("prior_tick_at")), "prev_tick_at"),
            exp.alias_(exp.func("max", col("activated_at")), "activated_at"),
            exp.alias_(exp.EQ(this=exp.func("max", exp.If(this=due.copy(), true=lit(1),
                                                          false=lit(0))),
                              expression=lit(1)), "is_due"),
            exp.alias_(exp.EQ(this=exp.func("max", col("state")), expression=lit("active")),
                       "admits"),
            exp.alias_(exp.func("max", col("reopened_at")), "reopened_at"),
            exp.alias_(exp.func("max", col("paused_from")), "paused_from"),
        ).from_(ref(self.name("clock")))

    def clocks(self) -> exp.Query:
        return clocks_cte(self.name("clock"))

    # --- audience -----------------------------------------------------------------------

    def audience_at(self) -> exp.Query | None:
        """(member_id, run_at): the audience at each due clock of the run (CTE ``clocks``)."""
        aud = self.spec.entry.audience
        if aud is None:
            return None
        clocks = table("clocks", "k")
        if aud.model is not None:
            return (exp.select(col("member_id", "a"), col("run_at", "k")).distinct()
                    .from_(ref(aud.model, "a")).join(clocks, join_type="cross"))
        return (exp.select(col("member_id", "p"), col("run_at", "k"))
                .from_(ref("stg_profiles", "p")).join(clocks, join_type="cross")
                .where(at_clock(profile_condition(aud.where, self.columns),
                                col("run_at", "k"))))

    def batchable(self) -> bool:
        """Whether ticks of this journey can run as a batch (several clocks in one run):
        not when an event filter or a branch condition reads ``run_at``, since those are
        evaluated where a per-row clock is not at hand (docs/semantics.md §9)."""
        walk = WalkBuilder(self.spec, self.columns, None, new_entries=True)
        trees = [*walk.matchers.values(), *walk.conditions.values()]
        if self.spec.entry.event is not None:
            trees.append(event_condition(self.spec.entry.event.name,
                                         self.spec.entry.event.where))
        return not any(uses_clock(t) for t in trees)

    # --- models -------------------------------------------------------------------------

    def build(self, metrics: bool = True) -> list[ModelPlan]:
        plans = [self.clock(), self.advance_open(), self.admit(), self.advance_new(),
                 self.steps(), self.actions(), self.profile_updates(), self.ended(),
                 self.open_entries(), self.members(), self.tick()]
        with_goal = metrics and self.spec.goal is not None
        return plans + ([self.conversions()] if with_goal else [])

    def generation(self) -> tuple[ModelPlan, ModelPlan] | None:
        """The in-process executor's extra round for a batch of clocks: members whose entry
        admitted in this run already ended may enter again at a later clock of the run.
        (Under dbt a run has one clock, and one new entry per member and tick, so never.)"""
        if self.spec.entry.frequency == "once":
            return None
        entries = exp.select("member_id", "entry_seq", "entered_journey_at", "tile_id",
                             "entered_tile_at", exp.alias_(col("tick_at"), "adm_at")
                             ).from_(ref(self.name("admit_next")))
        return self.admit_next(), self._walk(True, entries, "advance_next",
                                             "Steps of the entries of admit_next.")

    def clock(self) -> ModelPlan:
        j = lit(self.j)
        control = ref("stg_journey_control")

        def latest(column: str, *actions: str) -> exp.Expression:
            """``column`` of the journey's latest change among ``actions``."""
            picked = exp.In(this=col("action"), expressions=[lit(a) for a in actions])
            return exp.func("max", exp.If(this=picked, true=col(column), false=exp.Null()))

        changes = (exp.select(exp.alias_(exp.func("max", col("control_seq")), "control_seq"),
                              exp.alias_(latest("control_seq", "resume"), "resumed_seq"),
                              exp.alias_(latest("control_seq", "activate", "resume"),
                                         "opened_seq"),
                              exp.alias_(latest("changed_at", "resume"), "resumed_wall"),
                              exp.alias_(latest("changed_at", "pause"), "paused_wall"))
                   .from_(control).where(exp.EQ(this=col("journey_id"), expression=j)))
        latest = (exp.select(col("control_seq", "g"), col("resumed_seq", "g"),
                             col("opened_seq", "g"), col("resumed_wall", "g"),
                             col("paused_wall", "g"), col("state", "l"))
                  .from_(exp.Subquery(this=changes,
                                      alias=exp.TableAlias(this=exp.to_identifier("g"))))
                  .join(ref("stg_journey_control", "l"), join_type="left", on=exp.and_(
                      exp.EQ(this=col("journey_id", "l"), expression=j.copy()),
                      exp.EQ(this=col("control_seq", "l"), expression=col("control_seq", "g")))))
        resumed = exp.and_(
            exp.EQ(this=col("resumed_seq", "k"), expression=col("opened_seq", "k")),
            exp.GTE(this=col("control_seq", "tk"), expression=col("resumed_seq", "k")))
        ticks = (exp.select(exp.alias_(exp.func("max", col("tick_at", "tk")), "prior_tick_at"),
                            exp.alias_(exp.func("min", col("tick_at", "tk")), "first_tick_at"),
                            exp.alias_(exp.func("min", exp.If(
                                this=resumed, true=col("tick_at", "tk"), false=exp.Null())),
                                "reopened_tick_at"))
                 .from_(prior("journey_ticks", "tk"))
                 .join(exp.Subquery(this=latest.copy(),
                                    alias=exp.TableAlias(this=exp.to_identifier("k"))),
                       join_type="cross")
                 .where(exp.EQ(this=col("journey_id", "tk"), expression=j.copy())))
        prior_at = col("prior_tick_at", "t")
        run_at = col("run_at", "r")
        state = exp.func("coalesce", col("state", "k"), lit("draft"))
        ticks_now = exp.In(this=state.copy(), expressions=[lit(s) for s in ("active",
                                                                            "archived")])
        due = (
            exp.select(run_at, prior_at, col("first_tick_at", "t"),
                       col("reopened_tick_at", "t"),
                       exp.alias_(exp.and_(
                           exp.Paren(this=exp.or_(
                               exp.Is(this=prior_at.copy(), expression=exp.Null()),
                               exp.GT(this=run_at.copy(), expression=prior_at.copy()))),
                           ticks_now), "is_due"),
                       exp.alias_(state, "state"),
                       exp.alias_(exp.Cast(this=exp.func("coalesce", col("control_seq", "k"),
                                                         lit(0)), to=dialect.INTEGER.copy()),
                                  "control_seq"),
                       exp.alias_(exp.EQ(this=col("resumed_seq", "k"),
                                         expression=col("opened_seq", "k")), "was_resumed"),
                       col("resumed_wall", "k"), col("paused_wall", "k"))
            .from_(exp.Subquery(this=clock_input(),
                                alias=exp.TableAlias(this=exp.to_identifier("r"))))
            .join(exp.Subquery(this=ticks, alias=exp.TableAlias(this=exp.to_identifier("t"))),
                  join_type="cross")
            .join(exp.Subquery(this=latest, alias=exp.TableAlias(this=exp.to_identifier("k"))),
                  join_type="cross")
        )
        lag = exp.Window(this=exp.func("lag", col("run_at", "d")),
                         order=exp.Order(expressions=[exp.Ordered(this=col("run_at", "d"))]))
        prev = (exp.Case()
                .when(exp.Is(this=lag.copy(), expression=exp.Null()), col("prior_tick_at", "d"))
                .when(exp.Is(this=col("prior_tick_at", "d"), expression=exp.Null()), lag.copy())
                .else_(later(lag.copy(), col("prior_tick_at", "d"))))
        first_due = exp.Window(this=exp.func("min", exp.If(
            this=col("is_due", "d"), true=col("run_at", "d"), false=exp.Null())))
        # a change's logical time is the earlier of its wall time and the clock of the first
        # tick after it: the wall time when ticks follow the wall clock, that tick in a
        # simulation of the past (as activation, S3)
        reopen_tick = exp.func("coalesce", col("reopened_tick_at", "d"), first_due.copy())
        reopened = exp.Case().when(
            exp.func("coalesce", col("was_resumed", "d"), exp.false()),
            earlier(col("resumed_wall", "d"), reopen_tick))
        paused_from = exp.Case().when(
            exp.LT(this=col("paused_wall", "d"), expression=reopened.copy()),
            col("paused_wall", "d"))
        query = exp.select(
            col("run_at", "d"), exp.alias_(prev, "prev_tick_at"), col("prior_tick_at", "d"),
            exp.alias_(exp.func("coalesce", col("first_tick_at", "d"), first_due),
                       "activated_at"),
            col("is_due", "d"), col("state", "d"), col("control_seq", "d"),
            exp.alias_(reopened, "reopened_at"), exp.alias_(paused_from, "paused_from"),
        ).from_(exp.Subquery(this=due, alias=exp.TableAlias(this=exp.to_identifier("d"))))
        return self.plan("clock", query, tables.CLOCK,
                         description="The tick clocks of the run, the journey's previous tick, "
                                     "activation and lifecycle state (S1, S3, S18).")

    def _walk(self, new: bool, entries: exp.Query, suffix: str, description: str) -> ModelPlan:
        builder = WalkBuilder(self.spec, self.columns, self.audience_at(), new_entries=new)
        query = builder.build(entries, self.clock_cte(), self.clocks())
        cols = [ColumnDoc(name, typ) for name, typ in STEP_TYPES.items()]
        return self.plan(suffix, query, cols, description=description,
                         unique_combination=("member_id", "entry_seq", "tile_id"))

    def advance_open(self) -> ModelPlan:
        entries = (exp.select(*[col(c, "o") for c in ("member_id", "entry_seq",
                                                         "entered_journey_at", "tile_id",
                                                         "entered_tile_at")],
                              exp.alias_(col("entered_journey_at", "o"), "adm_at"))
                   .from_(prior(self.name("open"), "o"))
                   .join(table("clock", "c"), join_type="cross")
                   .where(col("is_due", "c")))
        plan = self._walk(False, entries, "advance_open",
                          "Steps of the entries open after the previous tick (phase 1).")
        return replace(plan, empty_unless=self.name("open"))

    def advance_new(self) -> ModelPlan:
        entries = exp.select("member_id", "entry_seq", "entered_journey_at", "tile_id",
                             "entered_tile_at", exp.alias_(col("tick_at"), "adm_at")
                             ).from_(ref(self.name("admit")))
        plan = self._walk(True, entries, "advance_new",
                          "Steps of the entries admitted this tick (phase 3).")
        return replace(plan, empty_unless=self.name("admit"))

    def _candidates(self) -> list[exp.Query]:
        """(member_id, entry_at, src_prio, entry_source) per way in (semantics §2)."""
        prev, run_at = col("prev_tick_at", "c"), col("run_at", "c")

        def window(ts: exp.Expression, first_tick_lower: exp.Expression | None) -> exp.Expression:
            upper = exp.LTE(this=ts.copy(), expression=run_at.copy())
            after_prev = exp.GT(this=ts.copy(), expression=prev.copy())
            if first_tick_lower is None:
                lower = exp.or_(exp.Is(this=prev.copy(), expression=exp.Null()), after_prev)
            else:
                lower = exp.Case().when(exp.Is(this=prev.copy(), expression=exp.Null()),
                                        first_tick_lower).else_(after_prev)
            return exp.and_(upper, exp.Paren(this=lower))

        def not_while_paused(at: exp.Expression) -> exp.Expression:
            """After a resume, nothing that happened while paused enters (S18): from the
            pause (or the journey's last tick before it) to the resume."""
            reopened, paused = col("reopened_at", "c"), col("paused_from", "c")
            return exp.or_(exp.Is(this=reopened, expression=exp.Null()),
                           exp.GTE(this=at.copy(), expression=reopened.copy()),
                           exp.LT(this=at.copy(), expression=paused.copy()))

        def pick(member, at, prio, source, clock=None):
            """A candidate, with the clock of the tick that sees it (§2, §9)."""
            return exp.select(exp.alias_(member, "member_id"), exp.alias_(at, "entry_at"),
                              exp.alias_(lit(prio), "src_prio"),
                              exp.alias_(lit(source), "entry_source"),
                              exp.alias_(clock if clock is not None else tick_of(at.copy()),
                                         "cand_at"))

        out: list[exp.Query] = []
        entry = self.spec.entry
        if entry.event is not None:
            at = col("occurred_at", "v")
            out.append(pick(col("member_id", "v"), at, 1, "event")
                       .from_(ref("stg_events", "v")).join(table("clock", "c"), join_type="cross")
                       .where(event_condition(entry.event.name, entry.event.where))
                       .where(window(at, exp.GTE(this=at.copy(),
                                                 expression=col("activated_at", "c"))))
                       .where(not_while_paused(at)))
        cols = ("journey_id", "tile_id", "member_id", "entered_at", "tick_at")
        for source_id, tile_id in sub_journey_sources(self.specs, self.j):
            tick = col("tick_at", "s")
            lower = exp.or_(exp.Is(this=prev.copy(), expression=exp.Null()),
                            exp.GTE(this=tick.copy(), expression=prev.copy()))
            out.append(pick(col("member_id", "s"), col("entered_at", "s"), 2, "sub_journey",
                            tick_of(tick.copy(), after=True))
                       .from_(exp.Subquery(this=union_all([
                           # steps of earlier runs, and of this run's earlier clocks (a batch)
                           exp.select(*cols).from_(prior("journey_steps")),
                           exp.select(*cols).from_(ref(f"{source_id}__steps"))]),
                           alias=exp.TableAlias(this=exp.to_identifier("s"))))
                       .join(table("clock", "c"), join_type="cross")
                       .where(exp.EQ(this=col("journey_id", "s"), expression=lit(source_id)))
                       .where(exp.EQ(this=col("tile_id", "s"), expression=lit(tile_id)))
                       .where(exp.LT(this=tick.copy(), expression=run_at.copy()))
                       .where(exp.Paren(this=lower))
                       # arrivals taken by a tick before this journey's first were
                       # skipped: it was not active then (C4)
                       .where(exp.GTE(this=tick.copy(),
                                      expression=col("activated_at", "c")))
                       .where(not_while_paused(col("entered_at", "s"))))
        at = col("requested_at", "q")
        out.append(pick(col("member_id", "q"), at, 3, "manual")
                   .from_(ref("stg_manual_entries", "q"))
                   .join(table("clock", "c"), join_type="cross")
                   .where(exp.EQ(this=col("journey_id", "q"), expression=lit(self.j)))
                   .where(window(at, None))
                   .where(not_while_paused(at)))
        if entry.audience is not None:
            out.append(pick(col("member_id", "a"), col("run_at", "a"), 4, "audience",
                            col("run_at", "a"))
                       .from_(table("audience_at", "a"))
                       .join(table("clock", "c"), join_type="cross"))
        return out

    def _eligible(self, last_exit: exp.Expression, never: exp.Expression) -> exp.Expression:
        """Re-entry rules (S16) for candidate ``k`` given the member's last exit."""
        if self.spec.entry.frequency == "once":
            return never
        cooldown = self.spec.entry.cooldown
        earliest = dialect.add_seconds(last_exit, duration_seconds(cooldown)) \
            if cooldown else last_exit
        return exp.or_(never, exp.Is(this=last_exit.copy(), expression=exp.Null()),
                       exp.GTE(this=col("entry_at", "k"), expression=earliest))

    def _admitted(self, ranked: exp.Select, prev_seq: exp.Expression) -> exp.Select:
        """Each member's first eligible candidate: the earliest clock, then the earliest
        entry time, then the source's priority (§2)."""
        order = [exp.Ordered(this=col(c, "k")) for c in ("cand_at", "entry_at", "src_prio")]
        ranked = ranked.select(
            col("member_id", "k"), col("entry_at", "k"), col("entry_source", "k"),
            col("cand_at", "k"), exp.alias_(prev_seq, "prev_seq"),
            exp.alias_(exp.Window(this=exp.RowNumber(), partition_by=[col("member_id", "k")],
                                  order=exp.Order(expressions=order)), "rn"))
        query = (
            exp.select("member_id",
                       exp.alias_(exp.Cast(this=exp.Add(this=col("prev_seq"), expression=lit(1)),
                                           to=dialect.INTEGER.copy()), "entry_seq"),
                       exp.alias_(col("entry_at"), "entered_journey_at"),
                       exp.alias_(lit(self.spec.entry_tile_id), "tile_id"),
                       exp.alias_(col("entry_at"), "entered_tile_at"), "entry_source",
                       exp.alias_(col("cand_at"), "tick_at"))
            .from_(exp.Subquery(this=ranked, alias=exp.TableAlias(this=exp.to_identifier("r"))))
            .where(exp.EQ(this=col("rn"), expression=lit(1)))
            .with_("clock", as_=self.clock_cte())
            .with_("clocks", as_=self.clocks())
        )
        audience = self.audience_at()
        if audience is not None:
            query = query.with_("audience_at", as_=audience)
        is_profile = exp.Exists(this=exp.select("1").from_(ref("stg_profiles", "pp")).where(
            exp.EQ(this=col("member_id", "pp"), expression=col("member_id", "cand"))))
        candidates = [
            exp.select("*").from_(exp.Subquery(
                this=c.where(exp.and_(col("is_due", "c"), col("admits", "c"))),
                alias=exp.TableAlias(this=exp.to_identifier("cand"))))
            .where(is_profile.copy())
            for c in self._candidates()]
        return query.with_("candidates", as_=union_all(candidates))

    def admit(self) -> ModelPlan:
        phase1_ended = (exp.select("member_id", exp.alias_(exp.func("max", col("entered_at")),
                                                           "exited_at"),
                                   exp.alias_(exp.func("max", col("tick_at")), "ended_tick_at"))
                        .from_(ref(self.name("advance_open")))
                        .where(exp.and_(col("is_last"), exp.Is(
                            this=col("exit_reason"), expression=exp.Null()).not_()))
                        .group_by("member_id"))
        still_open = (exp.select(col("member_id", "o")).from_(prior(self.name("open"), "o"))
                      .where(exp.not_(exp.In(this=col("member_id", "o"), query=exp.Subquery(
                          this=exp.select("member_id").from_("phase1_ended"))))))
        last_exit = exp.func("coalesce", col("exited_at", "x"), col("last_exited_at", "m"))
        never = exp.Is(this=col("member_id", "m"), expression=exp.Null())
        free = exp.or_(exp.Is(this=col("ended_tick_at", "x"), expression=exp.Null()),
                       exp.GTE(this=col("cand_at", "k"), expression=col("ended_tick_at", "x")))
        ranked = (
            exp.select()
            .from_(table("candidates", "k"))
            .join(prior(self.name("members"), "m"),
                  on=exp.EQ(this=col("member_id", "m"), expression=col("member_id", "k")),
                  join_type="left")
            .join(table("phase1_ended", "x"),
                  on=exp.EQ(this=col("member_id", "x"), expression=col("member_id", "k")),
                  join_type="left")
            .where(exp.not_(exp.In(this=col("member_id", "k"),
                                   query=exp.Subquery(this=exp.select("member_id")
                                                      .from_("still_open")))))
            .where(self._eligible(last_exit, never))
            .where(free)
        )
        prev_seq = exp.func("coalesce", col("last_entry_seq", "m"), lit(0))
        query = (self._admitted(ranked, prev_seq)
                 .with_("phase1_ended", as_=phase1_ended)
                 .with_("still_open", as_=still_open))
        return self.plan("admit", query, tables.ADMITTED, unique_key=(),
                         unique_combination=("member_id",),
                         description="Entries admitted this tick (phase 2, S3 and S16).")

    def admit_next(self) -> ModelPlan:
        """Members whose latest entry of this run ended, at a later clock of the run: a
        clock after the one that admitted it, and not before the one that ended it."""
        latest = (exp.select("member_id", exp.alias_(exp.func("max", col("entry_seq")), "seq"))
                  .from_(ref(self.name("admit"))).group_by("member_id"))
        after_admission = tick_of(col("tick_at", "a"), after=True)
        state = (
            exp.select(col("member_id", "s"), exp.alias_(col("entry_seq", "s"), "seq"),
                       exp.alias_(col("entered_at", "s"), "exited_at"),
                       exp.alias_(exp.Case().when(  # admitted at the run's last clock: done
                           exp.Is(this=after_admission, expression=exp.Null()), exp.Null())
                           .else_(later(after_admission.copy(), col("tick_at", "s"))),
                           "free_at"))
            .from_(ref(self.name("advance_new"), "s"))
            .join(table("latest", "l"), on=exp.and_(
                exp.EQ(this=col("member_id", "l"), expression=col("member_id", "s")),
                exp.EQ(this=col("seq", "l"), expression=col("entry_seq", "s"))))
            .join(ref(self.name("admit"), "a"), on=exp.and_(
                exp.EQ(this=col("member_id", "a"), expression=col("member_id", "s")),
                exp.EQ(this=col("entry_seq", "a"), expression=col("entry_seq", "s"))))
            .where(exp.and_(col("is_last", "s"), exp.Is(
                this=col("exit_reason", "s"), expression=exp.Null()).not_()))
        )
        ranked = (
            exp.select().from_(table("candidates", "k"))
            .join(table("ended_in_run", "x"),
                  on=exp.EQ(this=col("member_id", "x"), expression=col("member_id", "k")))
            .where(exp.GTE(this=col("cand_at", "k"), expression=col("free_at", "x")))
            .where(self._eligible(col("exited_at", "x"), exp.false()))
        )
        query = (self._admitted(ranked, col("seq", "x"))
                 .with_("latest", as_=latest).with_("ended_in_run", as_=state))
        return self.plan("admit_next", query, tables.ADMITTED,
                         unique_combination=("member_id",),
                         description="Re-entries at a later clock of a batch of clocks.")

    def _both_phases(self) -> exp.Query:
        cols = list(STEP_TYPES)
        return union_all([exp.select(*cols).from_(ref(self.name("advance_open"))),
                       exp.select(*cols).from_(ref(self.name("advance_new")))])

    def steps(self) -> ModelPlan:
        cols = [col(c, "s") for c in ("member_id", "entry_seq", "tile_id", "tile_type",
                                       "from_tile", "via", "entered_at", "exit_reason",
                                       "tick_at")]
        query = (
            exp.select(exp.alias_(lit(self.j), "journey_id"),
                       exp.alias_(lit(self.spec.spec_version), "spec_version"), *cols)
            .from_(exp.Subquery(this=self._both_phases(),
                                alias=exp.TableAlias(this=exp.to_identifier("s")))))
        return self.plan("steps", query, tables.JOURNEY_STEPS, materialized="table",
                         unique_combination=("member_id", "entry_seq", "tile_id"),
                         tested_in="journey_steps",
                         description="Steps taken this tick: rows appended to journey_steps.")

    def _action_id(self) -> exp.Expression:
        return dialect.md5_hex(dialect.concat(lit(f"{self.j}:"), col("member_id", "s"), lit(":"),
                                              col("entry_seq", "s"), lit(":"), col("tile_id", "s")))

    def _tile_rows(self, tile_id: str) -> exp.Select:
        return (exp.select().from_(ref(self.name("steps"), "s"))
                .join(ref("stg_profiles", "p"),
                      on=exp.EQ(this=col("member_id", "p"), expression=col("member_id", "s")),
                      join_type="left")
                .where(exp.EQ(this=col("tile_id", "s"), expression=lit(tile_id))))

    def _at_step_tick(self, text: str) -> exp.Expression:
        """A payload value, evaluated on the profile at the clock of the step's tick."""
        return at_clock(profile_expression(text, self.columns, boolean=False),
                        col("tick_at", "s"))

    def actions(self) -> ModelPlan:
        parts: list[exp.Query] = []
        for tile_id, tile in self.spec.tiles.items():
            if isinstance(tile, ActionTile):
                values, action, template = tile.fields, tile.action, lit(tile.template)
            elif isinstance(tile, WebhookTile):
                values, action, template = tile.body, "custom_api", dialect.typed_null("varchar")
            else:
                continue
            payload = dialect.json_object([
                (var, self._at_step_tick(text)) for var, text in values.items()])
            parts.append(self._tile_rows(tile_id).select(
                exp.alias_(self._action_id(), "action_id"), exp.alias_(lit(self.j), "journey_id"),
                col("member_id", "s"), col("entry_seq", "s"), col("tile_id", "s"),
                col("tile_type", "s"), exp.alias_(lit(tile.destination), "destination"),
                exp.alias_(lit(action), "action"), exp.alias_(template, "template"),
                exp.alias_(payload, "payload"), exp.alias_(col("entered_at", "s"), "due_at"),
                col("tick_at", "s")))
        query = union_all(parts) if parts else empty_relation(tables.DUE_ACTIONS)
        return self.plan("actions", query, tables.DUE_ACTIONS, materialized="table",
                         unique_combination=("action_id",),
                         tested_in="due_actions",
                         description="Actions due this tick (S12): rows of due_actions.")

    def profile_updates(self) -> ModelPlan:
        parts: list[exp.Query] = []
        for tile_id, tile in self.spec.tiles.items():
            if not isinstance(tile, UpdateProfileTile):
                continue
            for column, text in tile.set_.items():
                value = exp.Cast(this=self._at_step_tick(text), to=dialect.VARCHAR.copy())
                parts.append(self._tile_rows(tile_id).select(
                    exp.alias_(self._action_id(), "action_id"),
                    exp.alias_(lit(self.j), "journey_id"), col("member_id", "s"),
                    col("entry_seq", "s"), col("tile_id", "s"),
                    exp.alias_(lit(column), "column_name"), exp.alias_(value, "value"),
                    exp.alias_(col("entered_at", "s"), "updated_at"), col("tick_at", "s")))
        query = union_all(parts) if parts else empty_relation(tables.PROFILE_UPDATES)
        return self.plan("profile_updates", query, tables.PROFILE_UPDATES, materialized="table",
                         unique_combination=("action_id", "column_name"),
                         tested_in="profile_updates",
                         description="Profile columns set this tick by update_profile tiles.")

    def ended(self) -> ModelPlan:
        done = exp.EQ(this=col("exit_reason", "s"), expression=lit("completed"))
        query = (
            exp.select(
                exp.alias_(lit(self.j), "journey_id"), col("member_id", "s"),
                col("entry_seq", "s"),
                exp.alias_(exp.If(this=done, true=lit("completed"), false=lit("exited")),
                           "status"),
                exp.alias_(exp.If(this=done.copy(), true=col("tile_id", "s"),
                                  false=col("from_tile", "s")), "tile_id"),
                exp.alias_(exp.If(this=done.copy(), true=col("entered_at", "s"),
                                  false=col("from_entered_at", "s")), "entered_tile_at"),
                col("entered_journey_at", "s"), exp.alias_(col("entered_at", "s"), "exited_at"),
                col("exit_reason", "s"), exp.alias_(col("tick_at", "s"), "updated_tick_at"))
            .from_(exp.Subquery(this=self._both_phases(),
                                alias=exp.TableAlias(this=exp.to_identifier("s"))))
            .where(exp.and_(col("is_last", "s"), exp.Is(this=col("exit_reason", "s"),
                                                         expression=exp.Null()).not_())))
        return self.plan("ended", query, tables.JOURNEY_STATE, materialized="table",
                         unique_combination=("member_id", "entry_seq"),
                         tested_in="journey_ended_entries",
                         description="Entries that ended this tick.")

    def open_entries(self) -> ModelPlan:
        cols = tables.names(tables.OPEN_ENTRIES)
        moved = exp.select("member_id", "entry_seq").from_(ref(self.name("advance_open")))
        untouched = (exp.select(*[col(c, "o") for c in cols]).from_(prior(self.name("open"), "o"))
                     .where(exp.not_(exp.Exists(this=moved.where(exp.and_(
                         exp.EQ(this=col("member_id"), expression=col("member_id", "o")),
                         exp.EQ(this=col("entry_seq"), expression=col("entry_seq", "o"))))))))
        active = (
            exp.select(col("member_id", "s"), col("entry_seq", "s"),
                       col("entered_journey_at", "s"), col("tile_id", "s"),
                       exp.alias_(col("entered_at", "s"), "entered_tile_at"),
                       exp.alias_(col("tick_at", "s"), "updated_tick_at"))
            .from_(exp.Subquery(this=self._both_phases(),
                                alias=exp.TableAlias(this=exp.to_identifier("s"))))
            .where(exp.and_(col("is_last", "s"), exp.Is(this=col("exit_reason", "s"),
                                                         expression=exp.Null()))))
        query = exp.union(untouched, active, distinct=False)
        return self.plan("open", query, tables.OPEN_ENTRIES,
                         unique_combination=("member_id",),
                         description="Open entries after this tick: one per member at most.")

    def members(self) -> ModelPlan:
        touched = union_all([
            exp.select("member_id", "entry_seq", "exited_at",
                       exp.alias_(col("updated_tick_at"), "tick_at"))
            .from_(ref(self.name("ended"))),
            exp.select("member_id", "entry_seq",
                       exp.alias_(dialect.typed_null("timestamp"), "exited_at"), "tick_at")
            .from_(ref(self.name("admit")))])
        agg = (exp.select("member_id", exp.alias_(exp.func("max", col("entry_seq")), "seq"),
                          exp.alias_(exp.func("max", col("exited_at")), "exited_at"),
                          exp.alias_(exp.func("max", col("tick_at")), "tick_at"))
               .from_(exp.Subquery(this=touched, alias=exp.TableAlias(
                   this=exp.to_identifier("t")))).group_by("member_id"))
        query = (
            exp.select(col("member_id", "a"),
                       exp.alias_(exp.Greatest(this=col("seq", "a"), expressions=[
                           exp.func("coalesce", col("last_entry_seq", "m"), lit(0))]),
                           "last_entry_seq"),
                       exp.alias_(exp.func("coalesce", col("exited_at", "a"),
                                           col("last_exited_at", "m")), "last_exited_at"),
                       exp.alias_(col("tick_at", "a"), "updated_tick_at"))
            .from_(exp.Subquery(this=agg, alias=exp.TableAlias(this=exp.to_identifier("a"))))
            .join(prior(self.name("members"), "m"),
                  on=exp.EQ(this=col("member_id", "m"), expression=col("member_id", "a")),
                  join_type="left"))
        return self.plan("members", query, tables.MEMBERS, materialized="incremental",
                         unique_key=("member_id",), unique_combination=("member_id",),
                         description="Every member who ever entered, for re-entry rules (S16).")

    def conversions(self) -> ModelPlan:
        query = conversions_query(self.spec, self.columns, self.clock_cte(), self.clocks(),
                                  self.name("open"), self.name("ended"))
        return self.plan("conversions", query, tables.JOURNEY_CONVERSIONS,
                         unique_combination=("member_id", "entry_seq"),
                         tested_in="journey_conversions",
                         description="Entries that reached the goal this tick: rows of "
                                     "journey_conversions.")

    def tick(self) -> ModelPlan:
        def count(model: str, where: exp.Expression | None = None,
                  tick: str = "tick_at") -> exp.Expression:
            at_clock = exp.EQ(this=col(tick, "x"), expression=col("run_at", "k"))
            q = (exp.select(exp.func("count", exp.Star())).from_(ref(self.name(model), "x"))
                 .where(exp.and_(at_clock, where) if where is not None else at_clock))
            return exp.Subquery(this=q)

        advanced = exp.and_(exp.NEQ(this=col("via", "x"), expression=lit("entry")),
                            exp.NEQ(this=col("tile_id", "x"), expression=lit(tables.EXIT_TILE)))
        query = (exp.select(exp.alias_(lit(self.j), "journey_id"),
                            exp.alias_(col("run_at", "k"), "tick_at"),
                            exp.alias_(count("admit"), "entered"),
                            exp.alias_(count("steps", advanced), "advanced"),
                            exp.alias_(count("ended", tick="updated_tick_at"), "exited"),
                            exp.alias_(count("actions"), "actions"),
                            exp.alias_(dialect.typed_null("bigint"), "duration_ms"),
                            col("control_seq", "k"))
                 .from_(ref(self.name("clock"), "k"))
                 .where(col("is_due", "k")))
        return self.plan("tick", query, tables.JOURNEY_TICKS, materialized="view",
                         tested_in="journey_ticks",
                         description="A row of journey_ticks per due clock of the run.")

