"""Governance (CONTRACT C9) as two models between ``due_actions`` and dispatch.

- ``governance_blocks`` (a view): who may not be contacted *now*, on which channel and why
  (the suppression model; a consent column that is not true). A view reads the profiles
  and the suppression model as they are when it is queried, so the tick decides with it
  and dispatch checks it again just before sending (a member who unsubscribed after the
  tick gets nothing).
- ``governed_actions`` (append-only, one row per action and decision): at every tick, the
  actions that fell due in it and those deferred at the previous decision each get one
  outcome at the run's clock T: ``send``, ``deferred`` (quiet hours, until the window's
  end in the member's time zone) or ``suppressed`` with a reason. Checks apply in the
  order of :data:`journeys.spec.governance.REASONS`; the first that holds is the reason.

Frequency caps count, per member, what governance released in the window ``(T - per, T]``
(by the clock of the tick that released it), less what the delivery log says was not
delivered (failed, dead, suppressed at dispatch): what was sent, what is still being sent
and what this tick is about to release. When a cap leaves fewer slots than are due,
``priority`` decides, then ``due_at``, then ``action_id``. Caps on one channel are applied
first, then caps on ``any`` to the actions that passed them: the same result as admitting
the actions one by one in that order.

The cost of a decision grows with the actions due now and deferred, the members they
concern and the releases inside the longest cap window, never with history.
"""

from __future__ import annotations

from sqlglot import exp

from journeys.compiler import dialect
from journeys.compiler.plan import ModelPlan
from journeys.compiler.walk import case_on_tile, col, lit, table, union_all
from journeys.spec.destinations import CHANNEL_OF_ACTION
from journeys.spec.durations import duration_seconds
from journeys.spec.governance import FrequencyCap, GovernanceSpec, Holdout
from journeys.spec.models import JourneySpec
from journeys.warehouse.relations import (
    INTERNAL_SCHEMA,
    OUTPUT_SCHEMA,
    clock_input,
    log_table,
    prior,
    ref,
)
from journeys.warehouse.tables import DUE_ACTIONS, GOVERNANCE_BLOCKS, GOVERNED_ACTIONS, names

FOLDER = "outputs"
BLOCK_RANKS = {"suppression_list": 1, "consent": 2}
NOT_DELIVERED = ("failed", "dead", "suppressed")
ACTION_COLUMNS = [c for c in names(DUE_ACTIONS) if c != "tick_at"]


def _alias(query: exp.Query, name: str) -> exp.Subquery:
    return exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(name)))


def governance_models(spec: GovernanceSpec, journeys: dict[str, JourneySpec]) -> list[ModelPlan]:
    return [
        ModelPlan(
            name="governance_blocks", schema=INTERNAL_SCHEMA, folder=FOLDER,
            materialized="view", query=blocks_query(spec), columns=GOVERNANCE_BLOCKS,
            description="Members who may not be contacted now, by channel (any: every "
                        "channel) and reason: read at each tick and again at dispatch.",
            group="governance"),
        ModelPlan(
            name="governed_actions", schema=OUTPUT_SCHEMA, folder=FOLDER,
            materialized="incremental", query=GovernedActions(spec, journeys).query(),
            columns=GOVERNED_ACTIONS, unique_key=("tick_at",),
            unique_combination=("action_id", "tick_at"), group="governance",
            description="One row per due action and governance decision (C9): send, "
                        "deferred or suppressed, with the reason.", test_clock="tick_at",
            per_clock=True),
    ]


def blocks_query(spec: GovernanceSpec) -> exp.Query:
    """``governance_blocks``: (member_id, channel, reason, rank) from the suppression model
    (every channel) and each consent column that is not true (null is not consent)."""
    parts: list[exp.Query] = []
    if spec.suppression is not None:
        parts.append(exp.select(
            exp.alias_(exp.Cast(this=col("member_id", "s"),
                                to=dialect.SQL_TYPES["varchar"].copy()),
                       "member_id"),
            exp.alias_(lit("any"), "channel"), exp.alias_(lit("suppression_list"), "reason"),
            exp.alias_(lit(BLOCK_RANKS["suppression_list"]), "block_rank"))
            .from_(ref(spec.suppression.model, "s"))
            .where(exp.Is(this=col("member_id", "s"), expression=exp.Null()).not_()))
    for channel, column in sorted(spec.consent.items()):
        parts.append(exp.select(
            col("member_id", "p"), exp.alias_(lit(channel), "channel"),
            exp.alias_(lit("consent"), "reason"),
            exp.alias_(lit(BLOCK_RANKS["consent"]), "block_rank"))
            .from_(ref("stg_profiles", "p"))
            .where(exp.not_(exp.func("coalesce", col(column, "p"), exp.false()))))
    if not parts:
        return exp.select(*[exp.alias_(dialect.typed_null(c.type), c.name)
                            for c in GOVERNANCE_BLOCKS]).where(exp.false())
    return exp.select("member_id", "channel", "reason", "block_rank").from_(
        _alias(union_all(parts), "b"))


def channel_of(action: exp.Expression) -> exp.Expression:
    return case_on_tile(action, {a: lit(c) for a, c in CHANNEL_OF_ACTION.items()})



def in_holdout(member_id: exp.Expression, holdout: Holdout) -> exp.Expression:
    """Whether a member is in the global holdout: its md5 bucket of ``holdout:<member_id>``
    falls below the percent (the same members in every journey, on every engine)."""
    bucket = dialect.md5_bucket(dialect.concat(lit("holdout:"), member_id))
    return exp.LT(this=bucket, expression=lit(int(round(holdout.percent * 100))))

class GovernedActions:
    """The query of ``governed_actions`` (see the module docstring)."""

    def __init__(self, spec: GovernanceSpec, journeys: dict[str, JourneySpec]) -> None:
        self.spec = spec
        self.journeys = journeys
        self.caps = list(spec.frequency_caps)

    def query(self) -> exp.Query:
        """The decisions at the decision clock D: those an earlier run already made at D
        (several runs share a clock when journeys tick in jobs of their own, as Dagster
        runs them), and this run's, numbered ``decision_seq`` = one more than any before,
        which dispatch's cursor follows. D is the run's clock, or the last decision's if
        that is later: decisions never go back in time."""
        ctes: list[tuple[str, exp.Query]] = [
            ("clocks", exp.select("run_at").from_(_alias(clock_input(), "i"))),
            ("latest", exp.select(exp.alias_(exp.func("max", col("tick_at")), "at"),
                                  exp.alias_(exp.func("max", col("decision_seq")), "seq"))
             .from_(prior("governed_actions", "g"))),
            ("t", exp.select(
                exp.alias_(exp.Case().when(exp.GT(this=col("at", "l"), expression=exp.func(
                    "max", col("run_at", "k"))), exp.func("max", col("at", "l"))).else_(
                    exp.func("max", col("run_at", "k"))), "run_at"),
                exp.alias_(exp.Add(this=exp.func("coalesce", exp.func("max", col("seq", "l")),
                                                 lit(0)), expression=lit(1)), "seq"))
             .from_(table("clocks", "k")).join(table("latest", "l"), join_type="cross")
             .group_by(col("at", "l"))),
            ("prev", exp.select(exp.alias_(exp.func("max", col("tick_at", "g")), "at"))
             .from_(prior("governed_actions", "g")).join(table("t", "t"), join_type="cross")
             .where(exp.LT(this=col("tick_at", "g"), expression=col("run_at", "t")))),
            ("done", exp.select(*[col(c, "g") for c in names(GOVERNED_ACTIONS)])
             .from_(prior("governed_actions", "g")).join(table("t", "t"), join_type="cross")
             .where(exp.EQ(this=col("tick_at", "g"), expression=col("run_at", "t")))),
            ("cand", self._candidates()),
            ("blk", self._blocks()),
            ("ended", self._ended()),
            ("dec", self._decided()),
        ]
        if self.caps:
            ctes += [("sends", self._sends()), ("used", self._used())]
        decided = exp.select(*[c for c in names(GOVERNED_ACTIONS) if c != "decision_seq"],
                             exp.alias_(col("seq", "t"), "decision_seq")).from_(
            _alias(union_all([self._not_released(), self._released()]), "o")).join(
            table("t", "t"), join_type="cross")
        final = exp.select(*names(GOVERNED_ACTIONS)).from_(_alias(union_all(
            [exp.select(*names(GOVERNED_ACTIONS)).from_("done"), decided]), "a"))
        for name, query in ctes:
            final = final.with_(name, as_=query, copy=False)
        return final

    # --- who is decided -----------------------------------------------------------------

    def _candidates(self) -> exp.Query:
        """Actions due in this run's ticks that no run decided yet, and those deferred at
        the decision before D that no run at D decided again (re-running a clock changes
        nothing: everything is decided)."""
        carried_cols = [*ACTION_COLUMNS, "due_tick_at"]
        run_clocks = exp.Subquery(this=exp.select("run_at").from_("clocks"))
        seen = (exp.select(col("action_id", "g")).distinct().from_(prior("governed_actions", "g"))
                .where(exp.In(this=col("due_tick_at", "g"), query=run_clocks.copy())))
        new = (exp.select(*[col(c, "d") for c in ACTION_COLUMNS],
                          exp.alias_(col("tick_at", "d"), "due_tick_at"),
                          exp.alias_(exp.false(), "carried"))
               .from_(ref("due_actions", "d"))
               .join(_alias(seen, "s"), join_type="left", on=exp.EQ(
                   this=col("action_id", "s"), expression=col("action_id", "d")))
               .where(exp.and_(exp.In(this=col("tick_at", "d"), query=run_clocks),
                               exp.Is(this=col("action_id", "s"), expression=exp.Null()))))
        kept = (exp.select(*[col(c, "g") for c in carried_cols],
                           exp.alias_(exp.true(), "carried"))
                .from_(prior("governed_actions", "g")).join(table("prev", "l"), join_type="cross")
                .join(table("done", "x"), join_type="left", on=exp.EQ(
                    this=col("action_id", "x"), expression=col("action_id", "g")))
                .where(exp.and_(exp.EQ(this=col("tick_at", "g"), expression=col("at", "l")),
                                exp.EQ(this=col("outcome", "g"), expression=lit("deferred")),
                                exp.Is(this=col("action_id", "x"), expression=exp.Null()))))
        return (exp.select("c.*", exp.alias_(channel_of(col("action", "c")), "channel"),
                           exp.alias_(col("run_at", "t"), "tick_at"))
                .from_(_alias(union_all([new, kept]), "c"))
                .join(table("t", "t"), join_type="cross"))

    def _members(self) -> exp.Expression:
        return exp.Subquery(this=exp.select("member_id").from_("cand"))

    def _blocks(self) -> exp.Query:
        """The lowest block rank per candidate member and channel (``any`` included)."""
        return (exp.select(col("member_id", "b"), col("channel", "b"),
                           exp.alias_(exp.func("min", col("block_rank", "b")), "block_rank"))
                .from_(ref("governance_blocks", "b"))
                .where(exp.In(this=col("member_id", "b"), query=self._members()))
                .group_by(col("member_id", "b"), col("channel", "b")))

    def _ended(self) -> exp.Query:
        """Entries that exited early since the last decision and up to T (S15b); earlier
        exits were seen then, and an action is never due after its entry ended."""
        since = exp.and_(
            exp.or_(exp.Is(this=col("at", "l"), expression=exp.Null()),
                    exp.GT(this=col("updated_tick_at", "e"), expression=col("at", "l"))),
            exp.LTE(this=col("updated_tick_at", "e"), expression=exp.Subquery(
                this=exp.select("run_at").from_("t"))))
        return (exp.select(col("journey_id", "e"), col("member_id", "e"), col("entry_seq", "e"))
                .from_(ref("journey_ended_entries", "e"))
                .join(table("prev", "l"), join_type="cross")
                .where(exp.and_(exp.NEQ(this=col("exit_reason", "e"), expression=lit("completed")),
                                since,
                                exp.In(this=col("member_id", "e"), query=self._members()))))

    # --- the checks before caps ---------------------------------------------------------

    def _decided(self) -> exp.Query:
        """Candidates with ``pre_reason`` (the first check that holds before caps),
        ``deferred_until`` and ``prio``; quiet hours in layers (local time, then the
        window's end)."""
        c = "c"
        block_any, block_ch = col("block_rank", "ba"), col("block_rank", "bc")
        block = exp.Case().when(exp.Is(this=block_any, expression=exp.Null()), block_ch.copy()) \
            .when(exp.Is(this=block_ch.copy(), expression=exp.Null()), block_any.copy()) \
            .when(exp.LT(this=block_any.copy(), expression=block_ch.copy()), block_any.copy()) \
            .else_(block_ch.copy())
        checks = exp.Case()
        if self.spec.holdout is not None:
            checks = checks.when(in_holdout(col("member_id", c), self.spec.holdout),
                                 lit("holdout"))
        for reason, rank in BLOCK_RANKS.items():
            checks = checks.when(exp.EQ(this=exp.Paren(this=block.copy()), expression=lit(rank)),
                                 lit(reason))
        checks = checks.when(exp.Is(this=col("member_id", "x"), expression=exp.Null()).not_(),
                             lit("exited"))
        base = (exp.select(f"{c}.*", exp.alias_(checks, "blocked"))
                .from_(table("cand", c))
                .join(table("blk", "ba"), join_type="left", on=exp.and_(
                    exp.EQ(this=col("member_id", "ba"), expression=col("member_id", c)),
                    exp.EQ(this=col("channel", "ba"), expression=lit("any"))))
                .join(table("blk", "bc"), join_type="left", on=exp.and_(
                    exp.EQ(this=col("member_id", "bc"), expression=col("member_id", c)),
                    exp.EQ(this=col("channel", "bc"), expression=col("channel", c))))
                .join(table("ended", "x"), join_type="left", on=exp.and_(
                    *[exp.EQ(this=col(k, "x"), expression=col(k, c))
                      for k in ("journey_id", "member_id", "entry_seq")])))
        prio = case_on_tile(col("journey_id", "q"), {
            jid: lit(i) for i, jid in enumerate(self.spec.priority, start=1)},
            default=lit(len(self.spec.priority) + 1))
        quiet = self.spec.quiet_hours
        if quiet is None:
            return exp.select("q.*", exp.alias_(col("blocked", "q"), "pre_reason"),
                              exp.alias_(dialect.typed_null("timestamp"), "deferred_until"),
                              exp.alias_(prio, "prio")).from_(_alias(base, "q"))
        if quiet.timezone == "member":
            journey_tz = case_on_tile(col("journey_id", c), {
                jid: lit(s.timezone) for jid, s in sorted(self.journeys.items())},
                default=lit("UTC"))
            tz: exp.Expression = exp.func("coalesce", col("valid_timezone", "p"), journey_tz)
            base = base.join(ref("stg_profiles", "p"), join_type="left", on=exp.EQ(
                this=col("member_id", "p"), expression=col("member_id", c)))
        else:
            tz = lit(quiet.timezone)
        base = base.select(exp.alias_(tz, "q_tz"), copy=False)
        local = dialect.fence(exp.select(
            "z.*", exp.alias_(dialect.to_local(col("tick_at", "z"), col("q_tz", "z")), "q_local"))
            .from_(_alias(base, "z")))
        start, end = quiet.minutes
        minute = dialect.minute_of_day(col("q_local", "y"))
        after_start = exp.GTE(this=minute, expression=lit(start))
        before_end = exp.LT(this=minute.copy(), expression=lit(end))
        crosses = end < start
        inside = exp.or_(after_start, before_end) if crosses else exp.and_(after_start,
                                                                            before_end)
        end_today = exp.Add(this=dialect.day_start(col("q_local", "y")), expression=exp.Interval(
            this=lit(str(end)), unit=exp.Var(this="MINUTE")))
        end_local = end_today
        if crosses:  # after the start, the window ends tomorrow
            end_local = exp.If(this=after_start.copy(), true=dialect.add_days(
                dialect.paren(end_today.copy()), lit(1)), false=end_today.copy())
        is_quiet = exp.and_(exp.In(this=col("channel", "y"),
                                   expressions=[lit(ch) for ch in quiet.channels]), inside)
        layered = dialect.fence(exp.select(
            "y.*", exp.alias_(exp.Case().when(is_quiet, end_local), "q_end_local"))
            .from_(_alias(local, "y")))
        deferred = exp.Is(this=col("blocked", "q"), expression=exp.Null()) \
            .and_(exp.Is(this=col("q_end_local", "q"), expression=exp.Null()).not_())
        pre = exp.func("coalesce", col("blocked", "q"), exp.Case().when(
            exp.Is(this=col("q_end_local", "q"), expression=exp.Null()).not_(),
            lit("quiet_hours")))
        return exp.select(
            *[col(n, "q") for n in self._cand_columns()],
            exp.alias_(pre, "pre_reason"),
            exp.alias_(exp.Case().when(deferred, dialect.from_local(
                col("q_end_local", "q"), col("q_tz", "q"))), "deferred_until"),
            exp.alias_(prio, "prio")).from_(_alias(layered, "q"))

    def _cand_columns(self) -> list[str]:
        return [*ACTION_COLUMNS, "due_tick_at", "carried", "channel", "tick_at"]

    def _not_released(self) -> exp.Query:
        outcome = exp.If(this=exp.EQ(this=col("pre_reason"), expression=lit("quiet_hours")),
                         true=lit("deferred"), false=lit("suppressed"))
        return (exp.select(*self._cand_columns(), exp.alias_(outcome, "outcome"),
                           exp.alias_(col("pre_reason"), "reason"), "deferred_until")
                .from_("dec")
                .where(exp.Is(this=col("pre_reason"), expression=exp.Null()).not_()))

    # --- frequency caps -----------------------------------------------------------------

    def _cap_applies(self, cap: FrequencyCap, channel: exp.Expression) -> exp.Expression:
        if cap.channel == "any":
            return exp.true()
        return exp.EQ(this=channel, expression=lit(cap.channel))

    def _since(self, seconds: int) -> exp.Expression:
        return dialect.sub_seconds(col("run_at", "t"), seconds)

    def _sends(self) -> exp.Query:
        """Releases inside the longest cap window for the candidates' members, less those
        the delivery log says were not delivered."""
        widest = max(duration_seconds(cap.per) for cap in self.caps)
        undelivered = (exp.select(col("action_id", "l")).distinct()
                       .from_(log_table("delivery_log", "l"))
                       .join(table("t", "t"), join_type="cross")
                       .where(exp.and_(
                           exp.In(this=col("status", "l"),
                                  expressions=[lit(s) for s in NOT_DELIVERED]),
                           exp.GT(this=col("attempted_at", "l"),
                                  expression=self._since(widest)))))
        return (exp.select(col("member_id", "g"), col("channel", "g"), col("tick_at", "g"))
                .from_(prior("governed_actions", "g")).join(table("t", "t"), join_type="cross")
                .join(_alias(undelivered, "n"), join_type="left", on=exp.EQ(
                    this=col("action_id", "n"), expression=col("action_id", "g")))
                .where(exp.and_(
                    exp.EQ(this=col("outcome", "g"), expression=lit("send")),
                    exp.GT(this=col("tick_at", "g"), expression=self._since(widest)),
                    exp.In(this=col("member_id", "g"), query=self._members()),
                    exp.Is(this=col("action_id", "n"), expression=exp.Null()))))

    def _used(self) -> exp.Query:
        counts = []
        for i, cap in enumerate(self.caps):
            inside = exp.and_(self._cap_applies(cap, col("channel", "s")), exp.GT(
                this=col("tick_at", "s"), expression=self._since(duration_seconds(cap.per))))
            counts.append(exp.alias_(exp.func("sum", exp.If(this=inside, true=lit(1),
                                                            false=lit(0))), f"u{i}"))
        return (exp.select(col("member_id", "s"), *counts)
                .from_(table("sends", "s")).join(table("t", "t"), join_type="cross")
                .group_by(col("member_id", "s")))

    def _room(self, caps: list[tuple[int, FrequencyCap]]) -> exp.Expression | None:
        """Slots left under the tightest of ``caps`` (null when there is none)."""
        rooms = [exp.Sub(this=lit(cap.max), expression=exp.func(
            "coalesce", col(f"u{i}", "u"), lit(0))) for i, cap in caps]
        if not rooms:
            return None
        return rooms[0] if len(rooms) == 1 else exp.Least(this=rooms[0],
                                                          expressions=rooms[1:])

    def _released(self) -> exp.Query:
        """The actions no check before caps stopped: ``send`` while the caps have room in
        priority order, else ``suppressed`` (``frequency_cap``)."""
        ok = (exp.select("*").from_("dec")
              .where(exp.Is(this=col("pre_reason"), expression=exp.Null())))
        columns = [*self._cand_columns()]
        if not self.caps:
            return exp.select(*columns, exp.alias_(lit("send"), "outcome"),
                              exp.alias_(dialect.typed_null("varchar"), "reason"),
                              "deferred_until").from_(_alias(ok, "r"))
        order = exp.Order(expressions=[exp.Ordered(this=col("prio")),
                                       exp.Ordered(this=col("due_at")),
                                       exp.Ordered(this=col("action_id"))])
        per_channel = {}
        for ch in sorted({cap.channel for cap in self.caps if cap.channel != "any"}):
            room = self._room([(i, cap) for i, cap in enumerate(self.caps) if cap.channel == ch])
            assert room is not None
            per_channel[ch] = room
        room_ch = case_on_tile(col("channel", "r"), per_channel) if per_channel else None
        rank_ch = exp.Window(this=exp.RowNumber(), partition_by=[col("member_id"), col("channel")],
                             order=order.copy())
        pass_ch = (exp.true() if room_ch is None else exp.or_(
            exp.Is(this=room_ch, expression=exp.Null()),
            exp.LTE(this=col("rank_ch", "r"), expression=room_ch.copy())))
        ranked = exp.select("*", exp.alias_(rank_ch, "rank_ch")).from_(_alias(ok, "k"))
        first = (exp.select("r.*", exp.alias_(pass_ch, "pass_ch"))
                 .from_(_alias(ranked, "r"))
                 .join(table("used", "u"), join_type="left",
                       on=exp.EQ(this=col("member_id", "u"), expression=col("member_id", "r"))))
        rank_any = exp.Window(this=exp.RowNumber(),
                              partition_by=[col("member_id"), col("pass_ch")], order=order.copy())
        second = exp.select("*", exp.alias_(rank_any, "rank_any")).from_(_alias(first, "f"))
        room_any = self._room([(i, cap) for i, cap in enumerate(self.caps)
                               if cap.channel == "any"])
        passes = col("pass_ch", "a")
        if room_any is not None:
            passes = exp.and_(passes, exp.LTE(this=col("rank_any", "a"), expression=room_any))
        return (exp.select(*[col(c, "a") for c in columns],
                           exp.alias_(exp.If(this=passes, true=lit("send"),
                                             false=lit("suppressed")), "outcome"),
                           exp.alias_(exp.If(this=passes.copy(), true=dialect.typed_null(
                               "varchar"), false=lit("frequency_cap")), "reason"),
                           col("deferred_until", "a"))
                .from_(_alias(second, "a"))
                .join(table("used", "u"), join_type="left",
                      on=exp.EQ(this=col("member_id", "u"), expression=col("member_id", "a"))))
