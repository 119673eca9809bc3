"""Synthetic journeys of any size: a long chain and a wide tree of tiles.

What the compile-time benchmark (``benchmarks/figures/compile_size.py``) and the linear-size
test (``tests/journeys/test_long_journeys.py``) compile: the compiler's output must grow
linearly with the tiles (issue 21), which only journeys far larger than the demo's show.
The tiles cycle through every kind that leaves at its own time or along its own edge
(waits of each kind, branches of each kind, a split, actions and profile updates), so every
per-tile computation of the walk is exercised. They validate against the demo project
(``journey_specs/_destinations.yml``, the profile columns of ``stg_profiles``).
"""

from __future__ import annotations

from typing import Any

from journeys.spec.models import JourneySpec

_ACTION = {"type": "action", "destination": "sendgrid", "action": "send_email",
           "template": "d-step", "fields": {"first_name": "first_name"}}


def _tile(kind: int, nxt: str, local_time: bool = True) -> dict[str, Any]:
    """The ``kind``-th tile of the cycle, every way out leading to ``nxt`` (without
    ``local_time``, no tile that reads the member's local time: those are the largest)."""
    cycle: list[dict[str, Any]] = [
        {"type": "wait", "duration": "1h", "next": nxt},
        {**_ACTION, "next": nxt},
        {"type": "branch", "condition": "first_name is not null", "yes": nxt, "no": nxt},
        {"type": "wait", "until_event": {"name": "order_completed"}, "timeout": "1d",
         "next": nxt, "on_timeout": nxt},
        {"type": "split", "paths": {"a": {"percent": 50, "next": nxt},
                                    "b": {"percent": 50, "next": nxt}}},
        {"type": "wait", "duration": "30m", "next": nxt},
        {"type": "branch", "event": {"name": "order_completed"}, "within": "2h",
         "yes": nxt, "no": nxt},
        {"type": "update_profile", "set": {"first_name": "upper(first_name)"}, "next": nxt},
        {"type": "wait", "until": {"time": "09:00", "weekdays": ["mon", "wed", "fri"],
                                   "timezone": "member"}, "next": nxt},
        {"type": "branch", "event": {"name": "order_completed"}, "yes": nxt, "no": nxt},
        {"type": "branch", "time": {"between": "08:00-20:00", "timezone": "member"},
         "yes": nxt, "no": nxt},
    ]
    if not local_time:
        cycle = [t for t in cycle if "until" not in t and "time" not in t]
    return cycle[kind % len(cycle)]


def _spec(journey_id: str, tiles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": journey_id, "name": journey_id.replace("_", " ").title(),
        "entry": {"event": {"name": "signed_up"}, "frequency": "once"},
        "exit_criteria": [{"event": {"name": "unsubscribed"}}, {"timeout": "180d"}],
        "tiles": tiles,
    }


def chain_spec(tiles: int, journey_id: str = "long_chain",
               local_time: bool = True) -> dict[str, Any]:
    """A chain of ``tiles`` tiles: entry → ``tiles - 2`` tiles of the cycle → exit.

    Example:
        >>> spec = chain_spec(5)
        >>> list(spec["tiles"])
        ['start', 't001', 't002', 't003', 'done']
    """
    middle = [f"t{i:03d}" for i in range(1, tiles - 1)]
    order = [*middle, "done"]
    out: dict[str, dict[str, Any]] = {"start": {"type": "entry", "next": order[0]}}
    for i, tile_id in enumerate(middle):
        out[tile_id] = _tile(i, order[i + 1], local_time)
    out["done"] = {"type": "exit"}
    return _spec(journey_id, out)


def wide_spec(tiles: int, journey_id: str = "wide_tree", arms: int = 10) -> dict[str, Any]:
    """``arms`` parallel chains behind one split: entry → split → arms of the cycle → exit.

    The graph is wide and shallow (depth about ``tiles / arms``), the opposite of
    :func:`chain_spec`.

    Example:
        >>> spec = wide_spec(14, arms=4)
        >>> len(spec["tiles"]), list(spec["tiles"]["fan"]["paths"])
        (14, ['p0', 'p1', 'p2', 'p3'])
    """
    per_arm = max(1, (tiles - 3) // arms)
    out: dict[str, dict[str, Any]] = {"start": {"type": "entry", "next": "fan"}}
    paths: dict[str, dict[str, Any]] = {}
    percents = [100 // arms + (1 if a < 100 % arms else 0) for a in range(arms)]
    for arm in range(arms):
        length = per_arm + (1 if arm < (tiles - 3) - per_arm * arms else 0)
        ids = [f"a{arm:02d}_{i:03d}" for i in range(length)]
        paths[f"p{arm}"] = {"percent": percents[arm], "next": ids[0] if ids else "done"}
        for i, tile_id in enumerate(ids):
            out[tile_id] = _tile(arm + i, ids[i + 1] if i + 1 < len(ids) else "done")
    out["fan"] = {"type": "split", "paths": paths}
    out["done"] = {"type": "exit"}
    return _spec(journey_id, out)


def journey(spec: dict[str, Any]) -> JourneySpec:
    """The parsed spec (the compiler's input; ``journeys validate`` checks the YAML)."""
    return JourneySpec.model_validate(spec)
