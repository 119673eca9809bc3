"""Hypothesis strategies: small random but valid journeys, worlds and tick clocks.

Everything generated stays inside what the reference interpreter evaluates and what does not
depend on tick frequency by design (no ``audience_exit``, no goal ``where``), so the SQL
engine and the reference must agree on every example.

Exports: :func:`journey_specs`, :func:`worlds`, :func:`tick_clocks`, :func:`scenarios`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from journeys.spec.models import WEEKDAYS, JourneySpec
from tests.reference.interpreter import World

EVENT_NAMES = ("ev_a", "ev_b", "ev_c")
TIMEZONES = (None, "UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Not/AZone")
TILE_TIMEZONES = ("member", "UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata")
SPEC_TIMEZONES = ("UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata")
DURATIONS = ("5m", "15m", "30m", "45m", "1h", "90m", "2h", "3h", "6h", "12h", "1d", "2d")
KIND_FILTER = "properties.kind = 'x'"
HORIZON = timedelta(days=5)

# Starting clocks: ordinary weeks and weeks with a DST change (New York 2026-03-08 and
# 2026-11-01, Berlin 2026-03-29 and 2026-10-25), so local-time tiles meet gaps and folds.
STARTS = (
    datetime(2026, 3, 5, 0, 0),
    datetime(2026, 3, 26, 12, 0),
    datetime(2026, 10, 22, 6, 0),
    datetime(2026, 10, 29, 0, 0),
    datetime(2026, 6, 1, 9, 30),
)

CONDITIONS = (
    "flag_a",
    "flag_b",
    "not flag_a",
    "flag_a and flag_b",
    "flag_a or flag_b",
    "flag_a and not flag_b",
    "flag_a is null",
    "flag_b is not null",
    "coalesce(flag_a, false) = true",
    "flag_a = flag_b",
    "score >= 5",
    "score between 2 and 6",
    "lower(email) like '%@example.com'",
    "first_name in ('Ann', 'Bob')",
    "case when flag_a then flag_b else not flag_b end",
)
VALUES = (
    "email",
    "first_name",
    "score",
    "flag_a",
    "member_id",
    "'spring_sale'",
    "coalesce(first_name, 'friend')",
    "upper(first_name)",
)
SETTABLE = {
    "first_name": ("'vip'", "upper(first_name)", "email"),
    "email": ("email", "lower(email)", "'none@example.com'"),
    "flag_b": ("flag_a", "'true'"),
    "score": ("score",),
}

TILE_KINDS = (
    "wait_duration",
    "wait_until",
    "wait_event",
    "branch_condition",
    "branch_event",
    "branch_within",
    "branch_time",
    "split",
    "action",
    "webhook",
    "update_profile",
)


def _hhmm() -> st.SearchStrategy[str]:
    special = st.sampled_from(["00:00", "02:30", "09:00", "12:15", "17:45", "23:30"])
    random = st.builds(
        lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45])
    )
    return st.one_of(special, random)


def _weekdays() -> st.SearchStrategy[list[str] | None]:
    return st.one_of(
        st.none(),
        st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True).map(
            lambda days: sorted(days, key=WEEKDAYS.index)
        ),
    )


def _event_match(draw: st.DrawFn) -> dict[str, Any]:
    match: dict[str, Any] = {"name": draw(st.sampled_from(EVENT_NAMES))}
    if draw(st.booleans()):
        match["where"] = KIND_FILTER
    return match


def _tile(
    draw: st.DrawFn, kind: str, next_id: str, later: list[str], sub_targets: tuple[str, ...]
) -> dict[str, Any]:
    """One non-entry, non-exit tile whose main edge goes to ``next_id`` (keeping every tile
    reachable) and whose other edges go to any later tile (keeping the graph acyclic)."""
    other = st.sampled_from(later)
    if kind == "wait_duration":
        return {"type": "wait", "duration": draw(st.sampled_from(DURATIONS)), "next": next_id}
    if kind == "wait_until":
        until: dict[str, Any] = {"time": draw(_hhmm())}
        weekdays = draw(_weekdays())
        if weekdays:
            until["weekdays"] = weekdays
        timezone = draw(st.sampled_from(TILE_TIMEZONES))
        if timezone != "member" or draw(st.booleans()):
            until["timezone"] = timezone
        return {"type": "wait", "until": until, "next": next_id}
    if kind == "wait_event":
        return {
            "type": "wait",
            "until_event": _event_match(draw),
            "timeout": draw(st.sampled_from(DURATIONS)),
            "on_timeout": draw(other),
            "next": next_id,
        }
    if kind == "branch_condition":
        return {
            "type": "branch",
            "condition": draw(st.sampled_from(CONDITIONS)),
            **_yes_no(draw, next_id, other),
        }
    if kind == "branch_event":
        return {"type": "branch", "event": _event_match(draw), **_yes_no(draw, next_id, other)}
    if kind == "branch_within":
        return {
            "type": "branch",
            "event": _event_match(draw),
            "within": draw(st.sampled_from(DURATIONS)),
            **_yes_no(draw, next_id, other),
        }
    if kind == "branch_time":
        window: dict[str, Any] = {"timezone": draw(st.sampled_from(TILE_TIMEZONES))}
        start = draw(_hhmm())
        end = draw(_hhmm().filter(lambda t: t != start))
        if draw(st.integers(0, 3)) > 0:  # mostly a window, sometimes only weekdays
            window["between"] = f"{start}-{end}"
        weekdays = draw(_weekdays())
        if weekdays or "between" not in window:
            window["weekdays"] = weekdays or ["mon", "wed", "fri"]
        return {"type": "branch", "time": window, **_yes_no(draw, next_id, other)}
    if kind == "split":
        n = draw(st.integers(2, 3))
        cuts = sorted(
            draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True))
        )
        percents = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        targets = [next_id] + [draw(other) for _ in range(n - 1)]
        names = ["path_a", "path_b", "path_c"][:n]
        return {
            "type": "split",
            "paths": {
                name: {"percent": p, "next": t}
                for name, p, t in zip(names, percents, targets, strict=True)
            },
        }
    if kind == "action":
        return {
            "type": "action",
            "destination": "outbox",
            "action": "send_email",
            "template": f"tmpl_{draw(st.integers(1, 9))}",
            "fields": _mapping(draw, VALUES),
            "next": next_id,
        }
    if kind == "webhook":
        return {
            "type": "webhook",
            "destination": "hook",
            "body": _mapping(draw, VALUES),
            "next": next_id,
        }
    if kind == "update_profile":
        columns = draw(
            st.lists(st.sampled_from(sorted(SETTABLE)), min_size=1, max_size=2, unique=True)
        )
        return {
            "type": "update_profile",
            "set": {c: draw(st.sampled_from(SETTABLE[c])) for c in columns},
            "next": next_id,
        }
    if kind == "sub_journey":
        return {
            "type": "sub_journey",
            "journey": draw(st.sampled_from(sub_targets)),
            "next": next_id,
        }
    raise ValueError(kind)


def _yes_no(draw: st.DrawFn, next_id: str, other: st.SearchStrategy[str]) -> dict[str, str]:
    if draw(st.booleans()):
        return {"yes": next_id, "no": draw(other)}
    return {"yes": draw(other), "no": next_id}


def _mapping(draw: st.DrawFn, values: tuple[str, ...]) -> dict[str, str]:
    names = draw(
        st.lists(
            st.sampled_from(["email", "name", "score", "flag", "campaign", "who"]),
            max_size=3,
            unique=True,
        )
    )
    return {name: draw(st.sampled_from(values)) for name in names}


@st.composite
def journey_specs(
    draw: st.DrawFn,
    journey_id: str = "j1",
    sub_journey_targets: tuple[str, ...] = (),
    entries: tuple[str, ...] = ("event", "manual"),
    frequencies: tuple[str, ...] = ("once", "recurring"),
) -> JourneySpec:
    """A valid journey: a random DAG of 3–10 tiles, event or manual entry, goal-event /
    event / timeout exit criteria. ``sub_journey_targets`` (journey ids) enables
    ``sub_journey`` tiles pointing at them."""
    n_body = draw(st.integers(1, 7))
    n_exits = draw(st.integers(1, min(3, 9 - n_body)))
    kinds_available = TILE_KINDS + (("sub_journey",) if sub_journey_targets else ())
    kinds = [draw(st.sampled_from(kinds_available)) for _ in range(n_body)]
    body_ids = [f"{kind.split('_')[0]}_{i + 1}" for i, kind in enumerate(kinds)]
    exit_ids = [f"done_{k + 1}" for k in range(n_exits)]
    ids = ["start", *body_ids, *exit_ids]

    tiles: dict[str, dict[str, Any]] = {"start": {"type": "entry", "next": ids[1]}}
    for i, kind in enumerate(kinds):
        position = i + 1
        later = ids[position + 1 :]
        tiles[ids[position]] = _tile(draw, kind, ids[position + 1], later, sub_journey_targets)
    referenced = {
        target
        for tile in tiles.values()
        for key, target in tile.items()
        if key in ("next", "yes", "no", "on_timeout")
    } | {p["next"] for tile in tiles.values() for p in tile.get("paths", {}).values()}
    for exit_id in exit_ids:
        if exit_id in referenced:  # an exit nothing leads to would be unreachable
            tiles[exit_id] = {"type": "exit"}

    entry: dict[str, Any]
    if draw(st.sampled_from(entries)) == "event":
        entry = {"event": _event_match(draw)}
    else:
        entry = {"manual": True}
    entry["frequency"] = draw(st.sampled_from(frequencies))
    if entry["frequency"] == "recurring" and draw(st.booleans()):
        entry["cooldown"] = draw(st.sampled_from(DURATIONS))

    spec: dict[str, Any] = {
        "id": journey_id,
        "name": f"Journey {journey_id}",
        "timezone": draw(st.sampled_from(SPEC_TIMEZONES)),
        "entry": entry,
        "tiles": tiles,
    }
    if draw(st.booleans()):
        goal_event = _event_match(draw)
        spec["goal"] = {"event": goal_event if "where" in goal_event else goal_event["name"]}
    criteria: list[dict[str, Any]] = []
    if "goal" in spec and draw(st.booleans()):
        criteria.append({"goal": True})
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            criteria.append({"event": {"name": draw(st.sampled_from(EVENT_NAMES))}})
        else:
            criteria.append({"timeout": draw(st.sampled_from(DURATIONS))})
    spec["exit_criteria"] = draw(st.permutations(criteria)) if criteria else []
    return JourneySpec.model_validate(spec)


@st.composite
def worlds(
    draw: st.DrawFn,
    start: datetime = STARTS[0],
    journey_ids: tuple[str, ...] = ("j1",),
    horizon: timedelta = HORIZON,
) -> World:
    """1–8 profiles (m1..m8), events over ``horizon`` from ``start`` at whole minutes (some at
    identical times, some on the hour), manual entries and removals of ``journey_ids``."""
    members = [f"m{i + 1}" for i in range(draw(st.integers(1, 8)))]
    profiles = [
        {
            "member_id": m,
            "timezone": draw(st.sampled_from(TIMEZONES)),
            "email": draw(st.sampled_from([f"{m}@example.com", f"{m.upper()}@Other.org", None])),
            "first_name": draw(st.sampled_from(["Ann", "Bob", "Cy", None])),
            "flag_a": draw(st.sampled_from([True, False, None])),
            "flag_b": draw(st.sampled_from([True, False, None])),
            "score": draw(st.one_of(st.none(), st.integers(0, 10))),
        }
        for m in members
    ]
    minutes = int(horizon.total_seconds() // 60)
    offset = st.one_of(
        st.integers(0, minutes),
        st.sampled_from([0, 60, 61, 120, 360, 720, 1440]),  # tick clocks and collisions
    ).map(lambda n: start + timedelta(minutes=n))
    events = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "member_id": st.sampled_from(members),
                    "event": st.sampled_from(EVENT_NAMES),
                    "occurred_at": offset,
                    "properties": st.sampled_from([None, {}, {"kind": "x"}, {"kind": "y"}]),
                }
            ),
            max_size=40,
        )
    )
    requests = st.lists(
        st.fixed_dictionaries(
            {
                "journey_id": st.sampled_from(journey_ids),
                "member_id": st.sampled_from(members),
                "requested_at": st.one_of(
                    offset, st.integers(1, 600).map(lambda n: start - timedelta(minutes=n))
                ),
            }
        ),
        max_size=4,
    )
    return World(
        profiles=profiles,
        events=events,
        manual_entries=draw(requests),
        manual_removals=draw(requests),
    )


@st.composite
def tick_clocks(
    draw: st.DrawFn, start: datetime = STARTS[0], horizon: timedelta = HORIZON
) -> list[datetime]:
    """Sorted distinct clocks from ``start`` to about ``start + horizon``: every hour, every
    few hours, or at random gaps."""
    mode = draw(st.sampled_from(["hourly", "every", "random"]))
    if mode in ("hourly", "every"):
        step = timedelta(hours=1 if mode == "hourly" else draw(st.sampled_from([2, 3, 6, 24])))
        count = int(horizon / step)
        return [start + i * step for i in range(count + 1)]
    gaps = draw(st.lists(st.integers(1, 600), min_size=1, max_size=60))
    clocks = [start]
    for gap in gaps:
        if clocks[-1] + timedelta(minutes=gap) > start + horizon:
            break
        clocks.append(clocks[-1] + timedelta(minutes=gap))
    return clocks


@st.composite
def scenarios(
    draw: st.DrawFn,
    max_journeys: int = 2,
    sub_journeys: bool = False,
    entries: tuple[str, ...] = ("event", "manual"),
    frequencies: tuple[str, ...] = ("once", "recurring"),
) -> tuple[list[JourneySpec], World, list[datetime]]:
    """(specs, world, clocks) sharing one start. With ``sub_journeys``, journey ``j<i>`` may
    have ``sub_journey`` tiles into any later ``j<k>`` (k > i)."""
    start = draw(st.sampled_from(STARTS))
    n = draw(st.integers(1, max_journeys))
    ids = [f"j{i + 1}" for i in range(n)]
    specs = [
        draw(
            journey_specs(
                journey_id=jid,
                sub_journey_targets=tuple(ids[i + 1 :]) if sub_journeys else (),
                entries=entries,
                frequencies=frequencies,
            )
        )
        for i, jid in enumerate(ids)
    ]
    world = draw(worlds(start=start, journey_ids=tuple(ids)))
    clocks = draw(tick_clocks(start=start))
    return specs, world, clocks
