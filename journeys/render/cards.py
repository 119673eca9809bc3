"""What a tile's box says: its id, its type, a short detail from the spec and its counts.

Why a module of its own: the box's content decides its height, which the layout needs
before anything is drawn; :mod:`journeys.render.svg` only places what this module chose.
Every string here is plain text (the SVG writer escapes it).
"""

from __future__ import annotations

from dataclasses import dataclass

from journeys.metrics.readout import TileStats
from journeys.render.text import count, fit, wrap
from journeys.spec.models import (
    ActionTile,
    BranchTile,
    Entry,
    EntryTile,
    EventMatch,
    SplitTile,
    SubJourneyTile,
    Tile,
    UpdateProfileTile,
    WaitTile,
    WebhookTile,
)

CARD_WIDTH = 216.0
PAD = 12.0
ID_SIZE = 13.0
KIND_SIZE = 10.5
DETAIL_SIZE = 11.0
STAT_SIZE = 11.5
TOP_BAND = 46.0  # id and type
DETAIL_LINE = 15.0
STAT_LINE = 17.0
MAX_SPLIT_LINES = 4

# One accent per kind of tile; the action-like tiles (they do something to the member) share.
ACCENTS = {
    "entry": "#16a34a",
    "wait": "#d97706",
    "branch": "#7c3aed",
    "split": "#db2777",
    "action": "#2563eb",
    "webhook": "#2563eb",
    "update_profile": "#2563eb",
    "sub_journey": "#2563eb",
    "exit": "#64748b",
}
SENDING_TYPES = ("action", "webhook")


@dataclass(frozen=True)
class Stat:
    """One count on a box: ``value`` bold, then ``caption``; ``alarm`` draws it in red."""

    value: str
    caption: str
    alarm: bool = False


@dataclass(frozen=True)
class Card:
    """The content of one tile's box, already cut to the box's width."""

    tile_id: str
    tile_type: str
    title: str
    kind: str
    details: tuple[str, ...]
    stats: tuple[Stat, ...]
    data: tuple[tuple[str, str], ...]  # data-* attributes of the tile's group

    @property
    def accent(self) -> str:
        return ACCENTS.get(self.tile_type, "#64748b")

    @property
    def stat_rows(self) -> int:
        return (len(self.stats) + 1) // 2

    @property
    def height(self) -> float:
        body = len(self.details) * DETAIL_LINE + self.stat_rows * STAT_LINE
        gap = 8.0 if self.details and self.stats else 0.0
        return TOP_BAND + body + gap + (PAD if body else 2.0)


def tile_card(tile_id: str, tile: Tile, stats: TileStats | None, entry: Entry) -> Card:
    """The box of one tile: what the spec says about it and, with ``stats``, its counts.

    ``entry`` is the journey's entry (who enters): the entry tile shows it.
    """
    room = CARD_WIDTH - 2 * PAD
    kind = tile.type
    if isinstance(tile, ActionTile):
        kind = f"{tile.type} · {tile.action}"
    details = tuple(
        part for line in _details(tile, entry) for part in wrap(line, room, DETAIL_SIZE)
    )
    return Card(
        tile_id=tile_id,
        tile_type=tile.type,
        title=fit(tile_id, room, ID_SIZE, bold=True),
        kind=fit(kind, room, KIND_SIZE),
        details=details,
        stats=_stats(tile.type, stats) if stats is not None else (),
        data=_data(tile.type, stats),
    )


def _event(match: EventMatch) -> str:
    return match.name if match.where is None else f"{match.name} where {match.where}"


def _entry(entry: Entry) -> list[str]:
    if entry.audience is not None:
        audience = entry.audience
        who = f"where {audience.where}" if audience.where else f"model {audience.model}"
        first = f"audience {who}"
    elif entry.event is not None:
        first = f"event {_event(entry.event)}"
    else:
        first = "manual entries only"
    cooldown = f", cooldown {entry.cooldown}" if entry.cooldown else ""
    return [first, f"{entry.frequency}{cooldown}"]


def _details(tile: Tile, entry: Entry) -> list[str]:
    if isinstance(tile, EntryTile):
        return _entry(entry)
    if isinstance(tile, WaitTile):
        if tile.duration is not None:
            return [f"for {tile.duration}"]
        if tile.until is not None:
            days = ", ".join(tile.until.weekdays or [])
            return [f"until {tile.until.time} {days}".rstrip(), f"timezone {tile.until.timezone}"]
        assert tile.until_event is not None
        return [f"until event {_event(tile.until_event)}", f"timeout {tile.timeout}"]
    if isinstance(tile, BranchTile):
        if tile.condition is not None:
            return [f"if {tile.condition}"]
        if tile.event is not None:
            within = f" within {tile.within}" if tile.within else ""
            return [f"if event {_event(tile.event)}{within}"]
        assert tile.time is not None
        when = " ".join(x for x in (", ".join(tile.time.weekdays or []), tile.time.between) if x)
        return [f"if {when}", f"timezone {tile.time.timezone}"]
    if isinstance(tile, SplitTile):
        lines = [fit(f"{path.percent:g}% {name}", CARD_WIDTH - 2 * PAD, DETAIL_SIZE)
                 for name, path in tile.paths.items()]
        if len(lines) > MAX_SPLIT_LINES:
            lines = [*lines[: MAX_SPLIT_LINES - 1], f"+{len(lines) - MAX_SPLIT_LINES + 1} more"]
        return lines
    if isinstance(tile, ActionTile):
        return [f"destination {tile.destination}", f"template {tile.template}"]
    if isinstance(tile, WebhookTile):
        return [f"destination {tile.destination}"]
    if isinstance(tile, UpdateProfileTile):
        return [f"set {', '.join(tile.set_)}"]
    if isinstance(tile, SubJourneyTile):
        return [f"journey {tile.journey}"]
    return []


def _stats(tile_type: str, s: TileStats) -> tuple[Stat, ...]:
    out: list[Stat] = []
    if tile_type == "exit":
        out.append(Stat(count(s.exited_here), "exited"))
        if s.active:
            out.append(Stat(count(s.active), "active"))
        return tuple(out)
    out += [Stat(count(s.active), "active"), Stat(count(s.passed_through), "passed")]
    if s.exited_here:
        out.append(Stat(count(s.exited_here), "exited"))
    if tile_type in SENDING_TYPES:
        if s.sent:
            out.append(Stat(count(s.sent), "sent"))
        if s.delivery_errors:
            out.append(Stat(count(s.delivery_errors), "errors", alarm=True))
        if s.gave_up:
            out.append(Stat(count(s.gave_up), "gave up", alarm=True))
    return tuple(out)


def _data(tile_type: str, s: TileStats | None) -> tuple[tuple[str, str], ...]:
    data = [("data-tile-type", tile_type)]
    if s is None:
        return tuple(data)
    data += [
        ("data-reached", str(s.reached)),
        ("data-active", str(s.active)),
        ("data-passed", str(s.passed_through)),
        ("data-exited", str(s.exited_here)),
    ]
    if tile_type in SENDING_TYPES:
        data += [
            ("data-due", str(s.actions_due)),
            ("data-sent", str(s.sent)),
            ("data-errors", str(s.delivery_errors)),
            ("data-retrying", str(s.retrying)),
            ("data-gave-up", str(s.gave_up)),
            ("data-suppressed", str(s.suppressed)),
            ("data-deferred", str(s.deferred)),
        ]
    return tuple(data)
