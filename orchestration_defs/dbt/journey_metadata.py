"""The journey's picture and key numbers as Dagster asset metadata.

Why: the Dagster UI is where operators look after a tick. Each journey's ``<id>__tick``
asset (its tick, in the journey's group) carries the journey metrics and the picture with
live counts, so the asset page shows the canvas of the seeds without another tool.
The numbers are read after dbt has built the metrics models, from the same readout that
``journeys status`` prints.
"""

# No `from __future__ import annotations`: Dagster reads metadata value types.

import base64
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from journeys.render import PICTURES_DIR, Picture, write_pictures
from journeys.spec.models import JourneySpec

TICK_MODEL = "{}__tick"


def journey_of(event: Any, journey_ids: Iterable[str]) -> str | None:
    """The journey whose ``<id>__tick`` asset an event materializes, else None (dagster-dbt
    names a model's output after its asset key: ``journeys_internal__<model>``).

    Example:
        >>> journey_of(dg.Output(None, output_name="journeys_internal__welcome_series__tick"),
        ...            ["welcome_series"])
        'welcome_series'
        >>> journey_of(dg.Output(None, output_name="journeys__due_actions"),
        ...            ["welcome_series"]) is None
        True
    """
    if not isinstance(event, dg.Output):
        return None
    name = event.output_name
    return next((j for j in journey_ids if name == TICK_MODEL.format(j)
                 or name.endswith("__" + TICK_MODEL.format(j))), None)


def metadata_of(spec: JourneySpec, picture: Picture) -> dict[str, Any]:
    """The key numbers, the picture (markdown with the SVG written inline) and the page's
    path."""
    assert picture.readout is not None
    m = picture.readout.metrics
    image = base64.b64encode(picture.svg_path.read_bytes()).decode()
    out: dict[str, Any] = {
        "journey/entered": m.entered,
        "journey/active": m.active,
        "journey/completed": m.completed,
        "journey/exited_early": m.exited_early,
        "journey/converted": m.converted,
        "picture": dg.MetadataValue.md(f"![{spec.name}](data:image/svg+xml;base64,{image})"),
        "picture_page": dg.MetadataValue.path(str(picture.html_path)),
    }
    if m.conversion_rate is not None:
        out["journey/conversion_rate"] = dg.MetadataValue.float(m.conversion_rate)
    if m.avg_duration_s is not None:
        out["journey/avg_duration_hours"] = dg.MetadataValue.float(
            round(m.avg_duration_s / 3600, 2))
    return out


def with_journey_metadata(events: Iterable[Any], warehouse: Path, root: Path,
                          specs: dict[str, JourneySpec], log: Any) -> Iterator[Any]:
    """The dbt events, each journey's tick output given the journey's metadata.

    The metrics views are built late in the run, and a multi-asset must yield its outputs
    in dependency order: so from the first tick output on, the events are held, in order,
    until dbt is done, then released with the metadata added."""
    held: list[Any] = []
    for event in events:
        if held or journey_of(event, specs) is not None:
            held.append(event)
        else:
            yield event
    if not held:
        return
    drawn = {j: specs[j] for j in (journey_of(e, specs) for e in held) if j is not None}
    try:
        pictures = write_pictures(warehouse, drawn, root / PICTURES_DIR)
    except duckdb.Error as failed:  # another engine, or the file is held: numbers later
        log(f"journey metadata skipped: the warehouse could not be read ({failed})")
        yield from held
        return
    for event in held:
        journey_id = journey_of(event, specs)
        picture = pictures.get(journey_id) if journey_id is not None else None
        if picture is None or picture.readout is None:
            yield event
            continue
        yield event.with_metadata({**event.metadata,
                                   **metadata_of(specs[journey_id], picture)})
