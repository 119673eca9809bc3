"""A BI tool beside the tool: ``python -m tests.journeys.warehouse.bi_reader READER OUT STOP``.

It holds one read-only connection to the reader copy for its whole life (as Metabase or a
notebook does) and also opens a fresh one per round (as a dashboard refresh does); each round
it queries the journey tables on both and writes one JSON line per query to OUT, until the
file STOP exists. A query that fails is written with its error: the test counts them.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

OBSERVED = """
select (select count(*) from journeys.journey_ticks),
       (select cast(max(tick_at) as varchar) from journeys.journey_ticks),
       (select count(*) from journeys.journey_state),
       (select count(*) from journeys.journey_metrics),
       (select count(*) from journeys.delivery_log)
"""
"""What a dashboard shows: ticks, open entries, metrics rows and deliveries."""


def observe(con: duckdb.DuckDBPyConnection) -> list:
    """One observation of the journey tables (the tests compare them with whole ticks)."""
    return list(con.execute(OBSERVED).fetchone())


def main(reader: Path, out: Path, stop: Path) -> None:
    held = duckdb.connect(str(reader), read_only=True)
    with out.open("w") as lines:
        while not stop.exists():
            for kind in ("held", "fresh"):
                try:
                    if kind == "held":
                        row = observe(held)
                    else:
                        with duckdb.connect(str(reader), read_only=True) as fresh:
                            row = observe(fresh)
                    lines.write(json.dumps({"kind": kind, "ok": True, "seen": row}) + "\n")
                except duckdb.Error as error:
                    lines.write(json.dumps({"kind": kind, "ok": False,
                                            "error": str(error)[:300]}) + "\n")
            lines.flush()
            time.sleep(0.1)
    held.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
