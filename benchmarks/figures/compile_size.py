"""Issue 21: compile time and generated SQL linear in a journey's tiles, up to 200."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from benchmarks.harness import Result, Row, Target, figure
from benchmarks.report import fmt
from benchmarks.workspace import BIN, REPO, Workspace, run_measured
from journeys.demo.long_journeys import chain_spec, wide_spec

TILES = (10, 20, 40, 80, 160, 200)
BASELINE = 20
LINEAR = 1.5
"""A size or time at N tiles may be this much more than N/20 times the 20-tile one's."""
SHAPES: dict[str, Callable[[int], dict[str, Any]]] = {"chain": chain_spec, "wide": wide_spec}
BEFORE = [
    "Before the fix (commit 3f158b5, the same generator, compile and render in-process): "
    "the chain without local-time tiles took 5.7 s of CPU at 30 tiles (340 kB per advance "
    "model) and 32.9 s at 60 (1,278 kB); the full chain 15.5 s wall at 20 tiles (595 kB) "
    "and 202 s at 40 (3,191 kB): cubic time, quadratic size. The issue's own chain: 30 "
    "tiles 8.5 s, 60 tiles 33 s and 812 kB, 200 tiles past 300 s, 990 tiles a "
    "RecursionError.",
]


def _project(ws: Workspace, spec: dict[str, Any]) -> Path:
    """A project holding only ``spec`` (and the demo's destinations), its dbt project
    without generated journey models."""
    root = ws.path(f"compile-{spec['id']}")
    shutil.rmtree(root, ignore_errors=True)
    (root / "journey_specs").mkdir(parents=True)
    shutil.copy(REPO / "journey_specs" / "_destinations.yml", root / "journey_specs")
    (root / "journey_specs" / f"{spec['id']}.yml").write_text(yaml.safe_dump(spec))
    shutil.copytree(REPO / "dbt_project", root / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "journeys"))
    return root


def _sizes(root: Path, journey_id: str) -> tuple[int, int]:
    """(bytes of the advance_open model, bytes of every model of the journey)."""
    folder = root / "dbt_project" / "models" / "journeys" / journey_id
    return ((folder / f"{journey_id}__advance_open.sql").stat().st_size,
            sum(p.stat().st_size for p in folder.glob("*.sql")))


@figure("compile_size", title="Compile time and SQL size vs tiles", profiles=0)
def compile_size(ws: Workspace) -> Result:
    """`journeys compile` of a project holding one generated journey
    (`journeys.demo.long_journeys`) of 10 to 200 tiles: a chain whose tiles cycle through
    every kind (waits of each kind, branches of each kind, a split, actions, profile
    updates), and a wide one (ten such chains behind a split). CPU time of the command
    (user + system: the machines are shared, and a loaded one stretches wall time several
    times over) and bytes of the journey's generated models. Baseline: the same journey
    with 20 tiles, in the same run; linear growth means a ratio of about N/20."""
    result = Result(notes=list(BEFORE))
    for shape, make in SHAPES.items():
        measured: dict[int, tuple[float, int, int]] = {}
        walls: dict[int, float] = {}
        for tiles in TILES:
            spec = make(tiles, journey_id=f"{shape}_{tiles}")
            root = _project(ws, spec)
            run = run_measured([str(BIN / "journeys"), "compile"],
                               {"JOURNEYS_PROJECT_ROOT": str(root),
                                "JOURNEYS_WAREHOUSE": str(root / "none.duckdb")})
            measured[tiles] = (run.cpu_s, *_sizes(root, spec["id"]))
            walls[tiles] = run.wall_s
            ws.log(f"{shape} {tiles}: {run.cpu_s:.1f} s CPU, {run.wall_s:.1f} s wall, "
                   f"advance_open {fmt(measured[tiles][1], 'bytes')}")
            if tiles == max(TILES):
                result.commands.append(run.command)
        base_s, base_adv, base_all = measured[BASELINE]
        for tiles in (t for t in TILES if t > BASELINE):
            cpu, advance, models = measured[tiles]
            limit = Target(LINEAR * tiles / BASELINE, on="ratio")
            result.rows += [
                Row(f"{shape}, {tiles} tiles: `journeys compile`, CPU", cpu, "s",
                    (f"{BASELINE} tiles", base_s), limit),
                Row(f"{shape}, {tiles} tiles: advance_open model", advance, "bytes",
                    (f"{BASELINE} tiles", float(base_adv)), limit),
                Row(f"{shape}, {tiles} tiles: the journey's models", models, "bytes",
                    (f"{BASELINE} tiles", float(base_all)), limit),
            ]
        result.facts += [(f"{shape}, {tiles} tiles", f"{fmt(cpu, 's')} CPU, advance_open "
                          f"{fmt(advance, 'bytes')}, all models {fmt(models, 'bytes')}")
                         for tiles, (cpu, advance, models) in measured.items()
                         if tiles < BASELINE]
        result.facts.append((f"{shape}, wall time of `journeys compile`", ", ".join(
            f"{tiles} tiles {fmt(wall, 's')}" for tiles, wall in walls.items())))
    result.notes.append("The CPU time includes the command's start-up (Python, imports, "
                        "validation: the 10-tile journeys' time is mostly that), so the "
                        "ratios stay under N/20.")
    return result
