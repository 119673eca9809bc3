"""A pure-Python reference interpreter of the tick semantics (docs/semantics.md).

It is the specification in executable form: one member at a time, plain loops, no SQL. The
SQL engine and this interpreter must write the same ``journey_steps`` and ``due_actions`` for
the same specs, inputs and tick clocks (differential tests).

Usage::

    ref = Reference(specs, World(profiles=..., events=...))
    for clock in clocks:
        ref.tick(clock)
    ref.steps, ref.state, ref.due_actions, ref.profile_updates, ref.ticks

All datetimes are naive UTC. Section numbers (§) refer to docs/semantics.md.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from journeys.spec.durations import parse_duration
from journeys.spec.models import (
    WEEKDAYS,
    ActionTile,
    AudienceExit,
    BranchTile,
    EntryTile,
    EventExit,
    EventMatch,
    ExitTile,
    GoalExit,
    JourneySpec,
    SplitTile,
    SubJourneyTile,
    TimeoutExit,
    UpdateProfileTile,
    WaitTile,
    WebhookTile,
    exit_reason,
)
from tests.reference.expressions import Row, holds, json_value, text_value, value_of

EXIT_TILE_ID = "_exit"
"""The reserved tile id of an early exit's step row (C7)."""

# Ties between candidates with the same entry time (§2): event, sub_journey, manual, audience.
_SOURCE_RANK = {"event": 0, "sub_journey": 1, "manual": 2, "audience": 3}


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """The user's warehouse, as the reference sees it. It does not change between ticks.

    Attributes:
        profiles: one dict per profile: ``member_id``, ``timezone`` (IANA or None) and any
            attribute columns (a column a dict lacks reads as NULL).
        events: ``member_id``, ``event``, ``occurred_at`` (naive UTC), ``properties``
            (dict or None).
        manual_entries / manual_removals: ``journey_id``, ``member_id``, ``requested_at``.
        audiences: audience model name -> function of the clock T giving the member ids in
            the model at T (for ``entry.audience.model``).
    """

    profiles: list[dict]
    events: list[dict]
    manual_entries: Sequence[dict] = ()
    manual_removals: Sequence[dict] = ()
    audiences: dict[str, Callable[[datetime], set[str]]] = field(default_factory=dict)


@dataclass
class _Entry:
    """One entry of a member into a journey: where it is and whether it has ended."""

    journey_id: str
    member_id: str
    entry_seq: int
    entered_at: datetime  # E
    tile_id: str  # the tile it is in (for an ended entry: see §7)
    arrived_at: datetime  # when it reached tile_id
    status: str = "active"  # active | completed | exited
    exited_at: datetime | None = None
    exit_reason: str | None = None
    updated_tick_at: datetime | None = None


@dataclass(frozen=True)
class _Candidate:
    member_id: str
    at: datetime
    source: str  # event | sub_journey | manual | audience


@dataclass
class _TickCounts:
    entered: int = 0
    advanced: int = 0
    exited: int = 0
    actions: int = 0


# --- small pure helpers -------------------------------------------------------------------


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def action_id(journey_id: str, member_id: str, entry_seq: int, tile_id: str) -> str:
    """S12: ``md5("{journey_id}:{member_id}:{entry_seq}:{tile_id}")`` in hex."""
    return md5_hex(f"{journey_id}:{member_id}:{entry_seq}:{tile_id}")


def split_bucket(journey_id: str, tile_id: str, member_id: str, entry_seq: int) -> int:
    """S10: int(md5("{journey_id}:{tile_id}:{member_id}:{entry_seq}")[:8], 16) % 10000."""
    return int(md5_hex(f"{journey_id}:{tile_id}:{member_id}:{entry_seq}")[:8], 16) % 10000


def _round_half_up(x: float) -> int:
    """SQL ``round``: halves go away from zero (Python's ``round`` goes to even)."""
    return int(x + 0.5)


def split_path(tile: SplitTile, bucket: int) -> str:
    """The path (name) whose bucket range holds ``bucket``: contiguous ranges in written order."""
    cumulative = 0.0
    for name, path in tile.paths.items():
        low = _round_half_up(100 * cumulative)
        cumulative += path.percent
        high = _round_half_up(100 * cumulative)
        if low <= bucket < high:
            return name
    raise AssertionError(f"bucket {bucket} is in no path of {tile}")


def zone(name: str | None) -> ZoneInfo | None:
    """The zone of a valid IANA name, else None."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def to_local(at: datetime, tz: ZoneInfo) -> datetime:
    """Naive UTC instant -> naive local wall time in ``tz``."""
    return at.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first UTC instant whose local wall time in ``tz`` is ``>= wall``.

    For an ordinary local time that is the instant itself; for an ambiguous one (DST fold) its
    first occurrence; for one that does not exist (DST gap) the instant the clocks jump.
    """
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC).replace(tzinfo=None)
    if to_local(first, tz) == wall:
        return first  # exists; fold=0 is the first occurrence when there are two
    # In a gap: fold=1 reads the wall time with the offset after the jump (an instant before
    # the jump), fold=0 with the offset before it (an instant after). Bisect on whole seconds
    # for the first instant whose wall time has reached ``wall``: the jump itself.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC).replace(tzinfo=None)
    high = first
    assert to_local(low, tz) < wall <= to_local(high, tz), (wall, tz)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) // 2
        middle = middle.replace(microsecond=0)
        if to_local(middle, tz) >= wall:
            high = middle
        else:
            low = middle
    return high


def _parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


# --- the interpreter ------------------------------------------------------------------------


class Reference:
    """Ticks every journey over a fixed :class:`World` and records what the engine would write.

    Attributes (the output tables, C7):
        steps: ``journey_steps`` rows.
        state: ``journey_state`` rows by (journey_id, member_id, entry_seq).
        due_actions: ``due_actions`` rows (``payload`` as a Python dict).
        profile_updates: ``profile_updates`` rows.
        ticks: ``journey_ticks`` rows (without ``duration_ms``).
    """

    def __init__(
        self,
        specs: list[JourneySpec],
        world: World,
        journey_order: list[str] | None = None,
    ) -> None:
        """``journey_order`` overrides the order journeys run in one tick (to test it does
        not matter); by default sub-journey sources run before their targets, ties by id."""
        self.specs: dict[str, JourneySpec] = {spec.id: spec for spec in specs}
        self.world = world
        self.order = journey_order or self._topological_order()
        self.profiles: dict[str, dict] = {p["member_id"]: p for p in world.profiles}
        self.events: dict[str, list[dict]] = {}
        for event in sorted(world.events, key=lambda e: e["occurred_at"]):
            self.events.setdefault(event["member_id"], []).append(event)

        self.steps: list[dict] = []
        self.state: dict[tuple[str, str, int], dict] = {}
        self.due_actions: list[dict] = []
        self.profile_updates: list[dict] = []
        self.ticks: list[dict] = []

        self.last_tick: dict[str, datetime] = {}  # P per journey
        self.entries: dict[tuple[str, str], list[_Entry]] = {}  # (journey, member) -> entries

    # --- ticking ----------------------------------------------------------------------------

    def tick(self, at: datetime) -> None:
        """One tick of every journey at clock ``at``."""
        assert at.tzinfo is None, "clocks are naive UTC"
        for journey_id in self.order:
            self._tick_journey(self.specs[journey_id], at)

    def _topological_order(self) -> list[str]:
        """Sub-journey sources before their targets; ties (and any cycle's rest) by id."""
        targets = {
            jid: {t.journey for t in spec.tiles.values() if isinstance(t, SubJourneyTile)}
            & set(self.specs)
            for jid, spec in self.specs.items()
        }
        indegree = {jid: 0 for jid in self.specs}
        for jid in self.specs:
            for target in targets[jid]:
                indegree[target] += 1
        ready = [jid for jid, n in indegree.items() if n == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            jid = heapq.heappop(ready)
            order.append(jid)
            for target in sorted(targets[jid]):
                indegree[target] -= 1
                if indegree[target] == 0:
                    heapq.heappush(ready, target)
        order += sorted(set(self.specs) - set(order))
        return order

    def _tick_journey(self, spec: JourneySpec, T: datetime) -> None:
        previous = self.last_tick.get(spec.id)
        if previous is not None and T <= previous:
            return  # §0: ticks are monotonic; nothing changes
        counts = _TickCounts()

        # 1. advance every entry open after the previous tick
        for entry in self._open_entries(spec.id):
            self._advance(spec, entry, T, counts)

        # 2. admit new entries (seeing the result of phase 1), at most one per member
        new_entries = []
        for member_id, candidates in sorted(self._candidates(spec, T, previous).items()):
            eligible = [c for c in candidates if self._eligible(spec, member_id, c.at)]
            if not eligible:
                continue
            best = min(eligible, key=lambda c: (c.at, _SOURCE_RANK[c.source]))
            new_entries.append(self._admit(spec, member_id, best.at, T))
            counts.entered += 1

        # 3. advance the new entries the same way
        for entry in new_entries:
            self._advance(spec, entry, T, counts)

        self.last_tick[spec.id] = T
        self.ticks.append(
            {
                "journey_id": spec.id,
                "tick_at": T,
                "entered": counts.entered,
                "advanced": counts.advanced,
                "exited": counts.exited,
                "actions": counts.actions,
            }
        )

    def _open_entries(self, journey_id: str) -> list[_Entry]:
        return [
            entry
            for (jid, _member), entries in sorted(self.entries.items())
            if jid == journey_id
            for entry in entries
            if entry.status == "active"
        ]

    # --- admission (§2) ---------------------------------------------------------------------

    def _candidates(
        self, spec: JourneySpec, T: datetime, P: datetime | None
    ) -> dict[str, list[_Candidate]]:
        found: list[_Candidate] = []
        entry = spec.entry

        def in_window(at: datetime, first_tick_lower: datetime | None) -> bool:
            """(P, T]; at the first tick [first_tick_lower, T] (None: no lower bound)."""
            if P is None:
                return (first_tick_lower is None or first_tick_lower <= at) and at <= T
            return P < at <= T

        if entry.audience is not None:
            for member_id in sorted(self.profiles):
                if self._in_audience(spec, member_id, T):
                    found.append(_Candidate(member_id, T, "audience"))

        if entry.event is not None:
            for member_id, events in self.events.items():
                for event in events:
                    if in_window(event["occurred_at"], T) and self._matches(
                        entry.event, event, member_id, T
                    ):
                        found.append(_Candidate(member_id, event["occurred_at"], "event"))

        for row in self.world.manual_entries:
            if row["journey_id"] == spec.id and in_window(row["requested_at"], None):
                found.append(_Candidate(row["member_id"], row["requested_at"], "manual"))

        for step in self.steps:
            if step["tile_type"] != "sub_journey":
                continue
            source_tile = self.specs[step["journey_id"]].tiles[step["tile_id"]]
            assert isinstance(source_tile, SubJourneyTile)
            if source_tile.journey != spec.id:
                continue
            picked_up = step["tick_at"] < T if P is None else P <= step["tick_at"] < T
            if picked_up:
                found.append(_Candidate(step["member_id"], step["entered_at"], "sub_journey"))

        by_member: dict[str, list[_Candidate]] = {}
        for candidate in found:
            if candidate.member_id in self.profiles:  # a member is a profile (C1)
                by_member.setdefault(candidate.member_id, []).append(candidate)
        return by_member

    def _eligible(self, spec: JourneySpec, member_id: str, at: datetime) -> bool:
        entries = self.entries.get((spec.id, member_id), [])
        if not entries:
            return True
        last = entries[-1]
        if last.status == "active":
            return False
        if spec.entry.frequency == "once":
            return False
        cooldown = parse_duration(spec.entry.cooldown) if spec.entry.cooldown else timedelta(0)
        assert last.exited_at is not None
        return last.exited_at + cooldown <= at

    def _admit(self, spec: JourneySpec, member_id: str, at: datetime, T: datetime) -> _Entry:
        entries = self.entries.setdefault((spec.id, member_id), [])
        entry = _Entry(
            journey_id=spec.id,
            member_id=member_id,
            entry_seq=len(entries) + 1,
            entered_at=at,
            tile_id=spec.entry_tile_id,
            arrived_at=at,
        )
        entries.append(entry)
        self._write_step(spec, entry, spec.entry_tile_id, None, "entry", at, None, T)
        return entry

    # --- exit criteria (§3) -----------------------------------------------------------------

    def _exit_time(
        self, spec: JourneySpec, entry: _Entry, T: datetime
    ) -> tuple[datetime, str] | None:
        """The earliest criterion time ≤ T; between equal times the first written wins."""
        E, member_id = entry.entered_at, entry.member_id
        times: list[tuple[datetime | None, str]] = []
        for criterion in spec.exit_criteria:
            at: datetime | None
            if isinstance(criterion, GoalExit):
                if spec.goal is None:
                    raise ValueError(f"{spec.id}: 'goal: true' without a goal")
                match = spec.goal.event_match
                if match is not None:
                    at = self._first_event(match, member_id, E, T, T)
                else:
                    assert spec.goal.where is not None
                    at = T if holds(spec.goal.where, self._row(member_id, T)) else None
            elif isinstance(criterion, EventExit):
                at = self._first_event(criterion.event, member_id, E, T, T)
            elif isinstance(criterion, AudienceExit):
                in_audience = spec.entry.audience is None or self._in_audience(spec, member_id, T)
                at = None if in_audience else T
            elif isinstance(criterion, TimeoutExit):
                at = E + parse_duration(criterion.timeout)
            else:
                raise NotImplementedError(type(criterion).__name__)
            times.append((at, exit_reason(criterion)))
        removals = [
            row["requested_at"]
            for row in self.world.manual_removals
            if row["journey_id"] == spec.id
            and row["member_id"] == member_id
            and E <= row["requested_at"]
        ]
        times.append((min(removals) if removals else None, "manual"))

        best: tuple[datetime, str] | None = None
        for at, reason in times:  # in written order, manual last: strict < keeps the first
            if at is not None and at <= T and (best is None or at < best[0]):
                best = (at, reason)
        return best

    # --- advancing (§4, §5) -----------------------------------------------------------------

    def _advance(self, spec: JourneySpec, entry: _Entry, T: datetime, counts: _TickCounts) -> None:
        exit_at = self._exit_time(spec, entry, T)
        X = exit_at[0] if exit_at else None
        while entry.status == "active":
            move = self._leave(spec, entry, T)
            if move is None:
                break  # waiting (or terminal)
            leave_at, via, target = move
            if leave_at > T or (X is not None and leave_at >= X):
                break  # not yet, or the exit comes first (a tie goes to the exit)
            from_tile = entry.tile_id
            entry.tile_id, entry.arrived_at = target, leave_at
            target_tile = spec.tiles[target]
            reason = None
            if isinstance(target_tile, ExitTile):
                reason = "completed"
                entry.status, entry.exited_at, entry.exit_reason = "completed", leave_at, reason
                counts.exited += 1
            self._write_step(spec, entry, target, from_tile, via, leave_at, reason, T)
            counts.advanced += 1
            counts.actions += self._emit(spec, entry, target_tile, leave_at, T)
        if entry.status == "active" and exit_at is not None:
            # §5: an early exit; the entry stays at (in state: keeps) the tile it was in.
            X, reason = exit_at
            entry.status, entry.exited_at, entry.exit_reason = "exited", X, reason
            self._write_step(
                spec, entry, EXIT_TILE_ID, entry.tile_id, "exit_criteria", X, reason, T
            )
            counts.exited += 1

    def _leave(
        self, spec: JourneySpec, entry: _Entry, T: datetime
    ) -> tuple[datetime, str, str] | None:
        """(leave time, edge label, target) of the entry's current tile, or None to wait."""
        tile = spec.tiles[entry.tile_id]
        a = entry.arrived_at
        member_id = entry.member_id
        if isinstance(tile, ExitTile):
            return None
        if isinstance(
            tile, (EntryTile, ActionTile, WebhookTile, UpdateProfileTile, SubJourneyTile)
        ):
            return a, "next", tile.next
        if isinstance(tile, WaitTile):
            if tile.kind == "duration":
                assert tile.duration is not None
                return a + parse_duration(tile.duration), "next", tile.next
            if tile.kind == "until":
                assert tile.until is not None
                tz = self._zone(spec, member_id, tile.until.timezone)
                at = _next_local_time(a, tile.until.weekdays, _parse_hhmm(tile.until.time), tz)
                return at, "next", tile.next
            assert tile.until_event is not None and tile.timeout and tile.on_timeout
            deadline = a + parse_duration(tile.timeout)
            event_at = self._first_event(tile.until_event, member_id, a, deadline, T)
            if event_at is not None:
                return event_at, "next", tile.next
            return deadline, "timeout", tile.on_timeout
        if isinstance(tile, BranchTile):
            if tile.kind == "condition":
                assert tile.condition is not None
                yes = holds(tile.condition, self._row(member_id, T))
                return (a, "yes", tile.yes) if yes else (a, "no", tile.no)
            if tile.kind == "event":
                assert tile.event is not None
                seen = self._first_event(tile.event, member_id, entry.entered_at, a, T)
                return (a, "yes", tile.yes) if seen is not None else (a, "no", tile.no)
            if tile.kind == "event_within":
                assert tile.event is not None and tile.within is not None
                deadline = a + parse_duration(tile.within)
                event_at = self._first_event(tile.event, member_id, a, deadline, T)
                if event_at is not None:
                    return event_at, "yes", tile.yes
                return deadline, "no", tile.no
            assert tile.time is not None
            tz = self._zone(spec, member_id, tile.time.timezone)
            inside = _in_time_window(to_local(a, tz), tile.time.weekdays, tile.time.between)
            return (a, "yes", tile.yes) if inside else (a, "no", tile.no)
        if isinstance(tile, SplitTile):
            bucket = split_bucket(spec.id, entry.tile_id, member_id, entry.entry_seq)
            name = split_path(tile, bucket)
            return a, name, tile.paths[name].next
        raise NotImplementedError(type(tile).__name__)

    # --- actions (§6) -----------------------------------------------------------------------

    def _emit(self, spec: JourneySpec, entry: _Entry, tile: Any, at: datetime, T: datetime) -> int:
        """Rows for a step onto an action, webhook or update_profile tile; returns how many
        ``due_actions`` rows were written."""
        if not isinstance(tile, (ActionTile, WebhookTile, UpdateProfileTile)):
            return 0
        aid = action_id(spec.id, entry.member_id, entry.entry_seq, entry.tile_id)
        row = self._row(entry.member_id, T)
        if isinstance(tile, UpdateProfileTile):
            for column, expression in tile.set_.items():
                self.profile_updates.append(
                    {
                        "action_id": aid,
                        "journey_id": spec.id,
                        "member_id": entry.member_id,
                        "entry_seq": entry.entry_seq,
                        "tile_id": entry.tile_id,
                        "column_name": column,
                        "value": text_value(value_of(expression, row)),
                        "updated_at": at,
                    }
                )
            return 0
        expressions = tile.fields if isinstance(tile, ActionTile) else tile.body
        self.due_actions.append(
            {
                "action_id": aid,
                "journey_id": spec.id,
                "member_id": entry.member_id,
                "entry_seq": entry.entry_seq,
                "tile_id": entry.tile_id,
                "tile_type": tile.type,
                "destination": tile.destination,
                "action": tile.action if isinstance(tile, ActionTile) else "custom_api",
                "template": tile.template if isinstance(tile, ActionTile) else None,
                "payload": {var: json_value(value_of(e, row)) for var, e in expressions.items()},
                "due_at": at,
                "tick_at": T,
            }
        )
        return 1

    # --- rows -------------------------------------------------------------------------------

    def _write_step(
        self,
        spec: JourneySpec,
        entry: _Entry,
        tile_id: str,
        from_tile: str | None,
        via: str,
        at: datetime,
        reason: str | None,
        T: datetime,
    ) -> None:
        tile_type = "exit" if tile_id == EXIT_TILE_ID else spec.tiles[tile_id].type
        self.steps.append(
            {
                "journey_id": spec.id,
                "spec_version": spec.spec_version,
                "member_id": entry.member_id,
                "entry_seq": entry.entry_seq,
                "tile_id": tile_id,
                "tile_type": tile_type,
                "from_tile": from_tile,
                "via": via,
                "entered_at": at,
                "exit_reason": reason,
                "tick_at": T,
            }
        )
        # journey_state (§7): the latest row of the entry, rewritten whenever it takes a step.
        entry.updated_tick_at = T
        self.state[(entry.journey_id, entry.member_id, entry.entry_seq)] = {
            "journey_id": entry.journey_id,
            "member_id": entry.member_id,
            "entry_seq": entry.entry_seq,
            "status": entry.status,
            "tile_id": entry.tile_id,
            "entered_tile_at": entry.arrived_at,
            "entered_journey_at": entry.entered_at,
            "exited_at": entry.exited_at,
            "exit_reason": entry.exit_reason,
            "updated_tick_at": entry.updated_tick_at,
        }

    # --- lookups ----------------------------------------------------------------------------

    def _row(self, member_id: str, T: datetime, event: dict | None = None) -> Row:
        return Row(profile=self.profiles[member_id], run_at=T, event=event)

    def _matches(self, match: EventMatch, event: dict, member_id: str, T: datetime) -> bool:
        if event["event"] != match.name:
            return False
        return match.where is None or holds(
            match.where, self._row(member_id, T, event), on_events=True
        )

    def _first_event(
        self, match: EventMatch, member_id: str, low: datetime, high: datetime, T: datetime
    ) -> datetime | None:
        """The first matching event with ``low ≤ occurred_at ≤ high`` (and ≤ T: not later
        than the clock)."""
        for event in self.events.get(member_id, []):
            at = event["occurred_at"]
            if low <= at <= high and at <= T and self._matches(match, event, member_id, T):
                return at
        return None

    def _in_audience(self, spec: JourneySpec, member_id: str, T: datetime) -> bool:
        audience = spec.entry.audience
        assert audience is not None
        if audience.where is not None:
            return holds(audience.where, self._row(member_id, T))
        assert audience.model is not None
        return member_id in self.world.audiences[audience.model](T)

    def _zone(self, spec: JourneySpec, member_id: str, tile_timezone: str) -> ZoneInfo:
        """A tile's local time zone: explicit IANA name, or the member's (§4 Local time)."""
        if tile_timezone != "member":
            tz = zone(tile_timezone)
            if tz is None:
                raise ValueError(f"{spec.id}: unknown time zone {tile_timezone!r}")
            return tz
        member_tz = zone(self.profiles[member_id].get("timezone"))
        if member_tz is not None:
            return member_tz
        spec_tz = zone(spec.timezone)
        if spec_tz is None:
            raise ValueError(f"{spec.id}: unknown time zone {spec.timezone!r}")
        return spec_tz


# --- local time rules -----------------------------------------------------------------------


def _next_local_time(
    arrival: datetime, weekdays: list[str] | None, at: time, tz: ZoneInfo
) -> datetime:
    """wait ``until``: the first instant ≥ ``arrival`` that is ``at`` local time on an allowed
    weekday. Each local date gives one instant (:func:`local_to_utc`); they increase with
    the date, so the first date whose instant is ≥ arrival wins."""
    first_date = to_local(arrival, tz).date()
    for days in range(0, 9):
        date = first_date + timedelta(days=days)
        if weekdays and WEEKDAYS[date.weekday()] not in weekdays:
            continue
        instant = local_to_utc(datetime.combine(date, at), tz)
        if instant >= arrival:
            return instant
    raise AssertionError("no allowed weekday in 9 days")


def _in_time_window(local: datetime, weekdays: list[str] | None, between: str | None) -> bool:
    """branch ``time``: weekday of the local date allowed, and local time in [start, end)
    (an end before the start crosses midnight)."""
    if weekdays and WEEKDAYS[local.weekday()] not in weekdays:
        return False
    if between is None:
        return True
    start_text, end_text = between.split("-")
    start, end = _parse_hhmm(start_text), _parse_hhmm(end_text)
    now = local.time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end
